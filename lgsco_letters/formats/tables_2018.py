"""`tables-2018`: the 2018 letter. Complaints received by service, the decisions made, and the
complaints remedied, in three tables after the letter's prose (`templates/letter-2018.html`)."""

from __future__ import annotations

from dataclasses import dataclass

from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.schema import CountGroup
from lgsco_letters.formats.base import Column, Format, Measure, RecordRules, Total, rate

RECEIVED = CountGroup("received", (
    "adult_care_services", "benefits_and_tax", "corporate_and_other_services",
    "education_and_childrens_services", "environment_services", "highways_and_transport",
    "housing", "planning_and_development", "other"), total=True,
    doc="complaints and enquiries received")
DECIDED = CountGroup("decided", (
    "incomplete_or_invalid", "advice_given", "referred_back_for_local_resolution",
    "closed_after_initial_enquiries", "not_upheld", "upheld"), total=True, doc="decisions made")
REMEDIED = CountGroup("remedied", ("by_ombudsman", "by_authority_before_ombudsman"),
                      doc="complaints remedied")


def rules(record: RecordRules) -> None:
    record.at_most(("remedied_by_ombudsman",), "decided_upheld", "upheld")


@dataclass(frozen=True)
class Figures:
    """What the statistics page shows: the counts as given, and what is derived from them."""

    received: dict[str, int]
    received_total: int
    decided: dict[str, int]
    decided_total: int
    detailed_investigations: int
    uphold_rate: int | None
    remedied: dict[str, int]


def figures(year: Year, authority: Authority) -> Figures:
    decided = authority.decided
    investigations = decided["upheld"] + decided["not_upheld"]
    return Figures(
        received=authority.received,
        received_total=sum(authority.received.values()),
        decided=decided,
        decided_total=sum(decided.values()),
        detailed_investigations=investigations,
        uphold_rate=rate(decided["upheld"], investigations),
        remedied=authority.remedied,
    )


COLUMNS = (Column("received_total", "Complaints and enquiries received"),
           Column("detailed_investigations", "Detailed investigations"))
# The letter's one rate; its counts are named as `summary` gives them.
UPHOLD_RATE = Measure("uphold_rate", "Uphold rate", ("decided_upheld",),
                      ("decided_upheld", "decided_not_upheld"))
TOTALS = (Total("received", RECEIVED.fields),
          Total("detailed_investigations", UPHOLD_RATE.denominator),
          Total("upheld", UPHOLD_RATE.numerator))


FORMAT = Format(
    name="tables-2018",
    description="the 2018 letter: prose, then tables of complaints received, decisions made "
                "and complaints remedied",
    template="letter-2018.html",
    counts=(RECEIVED, DECIDED, REMEDIED),
    rules=rules,
    figures=figures,
    measures=(UPHOLD_RATE,),
    totals=TOTALS,
    columns=COLUMNS,
)
