"""`headline-2019`: the letter from 2019 on. It leads with three measures, named as the Ombudsman
names them (complaints upheld, compliance with Ombudsman recommendations, satisfactory remedy
provided by the authority), each set against the pooled average of similar authorities, then
keeps the 2018 statistics tables (`templates/letter-2019.html`).

A letter quotes its own figures and its comparison group's, never England's (those are for
`summary`), so a change to one county moves only the county letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.schema import CountGroup
from lgsco_letters.errors import Problem
from lgsco_letters.findings import GROUP_ABOVE
from lgsco_letters.formats import tables_2018
from lgsco_letters.formats.base import Column, Format, RecordRules, rate
from lgsco_letters.words import Hints, closest, examples, plural, suggest

RECOMMENDATIONS = CountGroup("recommendations", ("due", "complied_on_time", "complied_late"))


@dataclass(frozen=True)
class Totals:
    """The counts behind the three measures, for one authority or summed over many."""

    authorities: int = 0
    received: int = 0
    investigations: int = 0
    upheld: int = 0
    due: int = 0
    complied: int = 0
    remedied_by_authority: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.authorities, self.received, self.investigations, self.upheld, self.due,
                self.complied, self.remedied_by_authority)

    @property
    def uphold_rate(self) -> int | None:
        return rate(self.upheld, self.investigations)

    @property
    def compliance_rate(self) -> int | None:
        return rate(self.complied, self.due)

    @property
    def remedy_rate(self) -> int | None:
        return rate(self.remedied_by_authority, self.upheld)


def totals_of(authority: Authority) -> Totals:
    decided, recommendations = authority.decided, authority.recommendations
    return Totals(1, sum(authority.received.values()),
                  decided["upheld"] + decided["not_upheld"], decided["upheld"],
                  recommendations["due"],
                  recommendations["complied_on_time"] + recommendations["complied_late"],
                  authority.remedied["by_authority_before_ombudsman"])


def sum_totals(authorities: list[Authority] | tuple[Authority, ...]) -> Totals:
    return sum((totals_of(authority) for authority in authorities), Totals())


# ---- year.yaml: comparison groups ----------------------------------------------------------

@dataclass(frozen=True)
class ComparisonGroup:
    key: str
    label: str  # as the prose says it: "district councils"
    types: tuple[str, ...]


GROUP_KEYS = ("label", "types")


class Groups(dict):
    """The comparison groups by key, and where in year.yaml each is written: beside them,
    not in them, as the groups are part of every letter's data fingerprint and their place in
    a file is not."""

    def __init__(self, source: Path | None = None, lines: dict[str, int] | None = None):
        super().__init__()
        self.source, self.lines = source, lines or {}
        self.of_type: dict[str, str] = {}  # each type's group: found at once, not by a search


def read_groups(reader: Any) -> Groups:
    """`comparison_groups:` in year.yaml, each with a label and the authority types in it."""
    values = reader.get("comparison_groups")
    if not isinstance(values, dict) or not values:
        reader.report("comparison_groups", "expected the comparison groups, each as "
                      "'key: {label: district councils, types: [district]}'")
        return Groups()
    groups, owner = Groups(reader.path, reader.lines), {}
    for key, value in values.items():
        where = f"comparison_groups.{key}"
        reader.known_keys(where, GROUP_KEYS)
        types = value.get("types") if isinstance(value, dict) else None
        if not isinstance(types, list) or not types:
            reader.report(where, "expected a label and a list of authority types, e.g. "
                                 "{label: district councils, types: [district]}")
            continue
        types = [reader.text_value(f"{where}.types", kind) for kind in types]
        for kind in types:
            if kind in owner:
                reader.report(f"{where}.types", f'the type "{kind}" is already in the group '
                                                f"{owner[kind]}: a type belongs to one group")
            owner.setdefault(kind, key)
        groups[key] = ComparisonGroup(key, reader.text(f"{where}.label"), tuple(types))
    groups.of_type = owner
    return groups


def group_of(groups: dict[str, ComparisonGroup], authority_type: str) -> ComparisonGroup | None:
    of_type = getattr(groups, "of_type", None)
    if of_type is not None:
        return groups.get(of_type.get(authority_type, ""))
    return next((group for group in groups.values() if authority_type in group.types), None)


def check_types(settings: dict[str, Any], authorities: list[Authority],
                problems: list[Problem]) -> None:
    """Every authority's type must belong to a comparison group, or it has no average. A type
    few authorities have is their row's mistake; one many have, or that a group's type looks
    like, is year.yaml's: said once there, with the types left out, not on every authority."""
    groups = settings.get("comparison_groups") or {}
    left: dict[str, list[Authority]] = {}
    for authority in authorities:
        if groups and group_of(groups, authority.authority_type) is None:
            left.setdefault(authority.authority_type, []).append(authority)
    present = {authority.authority_type for authority in authorities}
    hints = Hints()  # a year.yaml of thousands of groups is compared a few times, not each
    misspelt = [(group, kind) for group in groups.values() for kind in group.types
                if left and kind not in present and hints(kind, list(left), closest)]
    near = {name for _, kind in misspelt for name in closest(kind, list(left))}
    for kind, members in left.items():
        if kind not in near and len(members) <= GROUP_ABOVE:
            problems += [Problem(a.source, f'the type "{kind}" is in no comparison group of '
                                           f"year.yaml (groups: {', '.join(groups)})", a.line,
                                 a.name, "authority_type") for a in members]
    if wide := {kind: m for kind, m in left.items() if kind in near or len(m) > GROUP_ABOVE}:
        problems.append(_types_left_out(groups, wide, misspelt))


def _types_left_out(groups: Groups, left: dict[str, list[Authority]],
                    misspelt: list[tuple[ComparisonGroup, str]]) -> Problem:
    kinds = "; ".join(f'"{kind}" ({plural(len(members), "authority", "authorities")}: '
                      f"{examples([a.name for a in members])})" for kind, members in left.items())
    hints = "".join(f'; the group {group.key} lists "{kind}", which is no authority\'s type'
                    f"{suggest(kind, list(left))}" for group, kind in misspelt)
    where = f"comparison_groups.{misspelt[0][0].key}" if misspelt else "comparison_groups"
    source, lines = getattr(groups, "source", None), getattr(groups, "lines", {})
    message = (f"leaves {plural(len(left), 'authority type')} in no comparison group: "
               f"{kinds}{hints} (groups: {', '.join(groups)})")
    return Problem(source or Path("year.yaml"), message, lines.get(where), field=where)


# ---- figures -------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupFigures:
    key: str
    label: str
    totals: Totals


@dataclass(frozen=True)
class Measure:
    """One headline measure: the authority's rate, the counts behind it, its group's rate, and
    the measure's name and definition as the Ombudsman gives them."""

    key: str
    title: str
    rate: int | None
    numerator: int
    denominator: int
    group_rate: int | None
    definition: str = ""


# The measures' names and one-line definitions, in the Ombudsman's terms (Manual for Councils,
# Part 11): the one place they are written. The letter, its chart, `summary` and the published
# year all read them from here. key: (title, definition, the rate's key in `summary`)
MEASURES = {
    "upheld": ("Complaints upheld",
               "We uphold a complaint when we find fault, or when the authority provided a "
               "suitable remedy early on.", "uphold_rate"),
    "compliance": ("Compliance with Ombudsman recommendations",
                   "We recommend how the authority should put things right, and check that it "
                   "does what we recommended.", "compliance_rate"),
    "remedy": ("Satisfactory remedy provided by the authority",
               "The authority upheld the complaint itself, and we agreed with how it offered to "
               "put things right.", "remedy_rate"),
}


def measure(key: str, rate: int | None, numerator: int, denominator: int,
            group_rate: int | None) -> Measure:
    title, definition, _ = MEASURES[key]
    return Measure(key, title, rate, numerator, denominator, group_rate, definition)


def measure_words() -> dict[str, dict[str, str]]:
    """Each rate's name and definition, by its key in `summary`."""
    return {rate_key: {"title": title, "definition": definition}
            for title, definition, rate_key in MEASURES.values()}


@dataclass(frozen=True)
class Figures(tables_2018.Figures):
    recommendations: dict[str, int]
    measures: tuple[Measure, ...]
    group: GroupFigures


def year_figures(year: Year) -> dict[str, GroupFigures]:
    """Each comparison group's pooled totals: summed numerators over summed denominators."""
    groups = year.settings["comparison_groups"]
    of_type: dict[str, list[Authority]] = {}
    for authority in year.authorities:
        of_type.setdefault(authority.authority_type, []).append(authority)
    return {key: GroupFigures(key, group.label, sum_totals(
                [a for kind in dict.fromkeys(group.types) for a in of_type.get(kind, ())]))
            for key, group in groups.items()}


def group_figures(year: Year, authority: Authority) -> GroupFigures:
    return year.shared[group_of(year.settings["comparison_groups"], authority.authority_type).key]


def quoted(year: Year, authority: Authority) -> tuple:
    """What the letter says of its group: the label and the three averages, nothing more, so
    that only a change that moves them rebuilds the group's letters."""
    totals = group_figures(year, authority).totals
    return (group_figures(year, authority).label, totals.uphold_rate, totals.compliance_rate,
            totals.remedy_rate)


def figures(year: Year, authority: Authority) -> Figures:
    own, group = totals_of(authority), group_figures(year, authority)
    measures = (
        measure("upheld", own.uphold_rate, own.upheld, own.investigations,
                group.totals.uphold_rate),
        measure("compliance", own.compliance_rate, own.complied, own.due,
                group.totals.compliance_rate),
        measure("remedy", own.remedy_rate, own.remedied_by_authority, own.upheld,
                group.totals.remedy_rate),
    )
    tables = tables_2018.figures(year, authority)
    return Figures(**vars(tables), recommendations=authority.recommendations,
                   measures=measures, group=group)


def rules(record: RecordRules) -> None:
    tables_2018.rules(record)
    record.at_most(("recommendations_complied_on_time", "recommendations_complied_late"),
                   "recommendations_due", "recommendations due")
    record.at_most(("remedied_by_authority_before_ombudsman",), "decided_upheld", "upheld")


def figures_of(totals: Totals) -> dict[str, Any]:
    """The counts and measures of England or of a group, under the keys `summary` promises."""
    return {"authorities": totals.authorities, "received": totals.received,
            "detailed_investigations": totals.investigations, "upheld": totals.upheld,
            "uphold_rate": totals.uphold_rate, "recommendations_due": totals.due,
            "recommendations_complied": totals.complied,
            "compliance_rate": totals.compliance_rate,
            "remedied_by_authority": totals.remedied_by_authority,
            "remedy_rate": totals.remedy_rate}


def summary(year: Year) -> dict[str, Any]:
    return {"england": figures_of(sum_totals(year.authorities)),
            "groups": {key: {"label": group.label, **figures_of(group.totals)}
                       for key, group in year.shared.items()},
            "measures": measure_words()}


COLUMNS = (
    *(column for column in tables_2018.COLUMNS if column.key != "uphold_rate"),
    *(Column(rate_key, title, "rate") for title, _, rate_key in MEASURES.values()),
)


def derived(year: Year, authority: Authority) -> dict[str, Any]:
    own = figures(year, authority)
    upheld, compliance, remedy = own.measures
    return {**tables_2018.derived(year, authority),
            "recommendations_complied": compliance.numerator,
            "compliance_rate": compliance.rate, "remedy_rate": remedy.rate,
            "comparison_group": own.group.label, "group_uphold_rate": upheld.group_rate,
            "group_compliance_rate": compliance.group_rate,
            "group_remedy_rate": remedy.group_rate}


FORMAT = Format(
    name="headline-2019",
    description="the letter from 2019: three measures against similar authorities' averages, "
                "with a chart, then the statistics tables",
    template="letter-2019.html",
    counts=(*tables_2018.FORMAT.counts, RECOMMENDATIONS),
    rules=rules,
    figures=figures,
    settings={"comparison_groups": read_groups},
    check_year=check_types,
    year_figures=year_figures,
    quoted=quoted,
    summary=summary,
    columns=COLUMNS,
    derived=derived,
)
