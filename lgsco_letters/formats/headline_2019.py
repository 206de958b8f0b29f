"""`headline-2019`: the letter from 2019 on. It leads with three measures, named as the Ombudsman
names them (complaints upheld, compliance with Ombudsman recommendations, satisfactory remedy
provided by the authority), each set against the pooled average of similar authorities, then
keeps the 2018 statistics tables (`templates/letter-2019.html`).

A letter quotes its own figures and its comparison group's, never England's (those are for
`summary`), so a change to one county moves only the county letters. The measures are data
(`MEASURES`): the engine works out from them each letter's figures, its group's averages,
`summary` and the published year (`formats/measures.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.schema import CountGroup
from lgsco_letters.data.year_settings import ReadBy
from lgsco_letters.errors import Problem
from lgsco_letters.findings import GROUP_ABOVE
from lgsco_letters.formats import tables_2018
from lgsco_letters.formats.base import Format, Group, GroupFigures, Measure, MeasureFigures, Total
from lgsco_letters.formats.measures import group_of
from lgsco_letters.words import Hints, closest, examples, plural, suggest

RECOMMENDATIONS = CountGroup("recommendations", ("due", "complied_on_time", "complied_late"))


# ---- year.yaml: comparison groups ----------------------------------------------------------

ComparisonGroup = Group  # a group of similar authorities, as year.yaml declares it


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


# ---- the measures ---------------------------------------------------------------------------

# The measures' names and one-line definitions, in the Ombudsman's terms (Manual for Councils,
# Part 11): the one place they are written. The letter, its chart, `summary` and the published
# year all read them from here.
MEASURES = (
    Measure("uphold_rate", "Complaints upheld", ("decided_upheld",),
            ("decided_upheld", "decided_not_upheld"),
            "We uphold a complaint when we find fault, or when the authority provided a "
            "suitable remedy early on."),
    Measure("compliance_rate", "Compliance with Ombudsman recommendations",
            ("recommendations_complied_on_time", "recommendations_complied_late"),
            ("recommendations_due",),
            "We recommend how the authority should put things right, and check that it does "
            "what we recommended."),
    Measure("remedy_rate", "Satisfactory remedy provided by the authority",
            ("remedied_by_authority_before_ombudsman",), ("decided_upheld",),
            "The authority upheld the complaint itself, and we agreed with how it offered to "
            "put things right."),
)
# What `summary` calls the sums: England's and each group's.
TOTALS = (*tables_2018.TOTALS,
          Total("recommendations_complied", MEASURES[1].numerator),
          Total("remedied_by_authority", MEASURES[2].numerator))


@dataclass(frozen=True)
class Figures(tables_2018.Figures):
    recommendations: dict[str, int]
    measures: tuple[MeasureFigures, ...]
    group: GroupFigures


def figures(year: Year, authority: Authority) -> Figures:
    """The 2018 tables' figures, the recommendations, and the year's measures (its own
    format's, so that a format made from this one by `replace` states the ones it adds)."""
    tables = tables_2018.figures(year, authority)
    return Figures(**vars(tables), recommendations=authority.recommendations,
                   measures=year.format.letter_measures(year, authority),
                   group=year.format.letter_group(year, authority))


FORMAT = Format(
    name="headline-2019",
    description="the letter from 2019: three measures against similar authorities' averages, "
                "with a chart, then the statistics tables",
    template="letter-2019.html",
    counts=(*tables_2018.FORMAT.counts, RECOMMENDATIONS),
    rules=tables_2018.rules,  # and each measure's: complied at most due, remedied at most upheld
    figures=figures,
    settings=(ReadBy("comparison_groups", "the groups of similar authorities whose averages "
                     "each letter quotes", "comparison groups", read_groups),),
    check_year=check_types,
    measures=MEASURES,
    totals=TOTALS,
    groups=lambda settings: settings["comparison_groups"],
    columns=tables_2018.COLUMNS,
)
