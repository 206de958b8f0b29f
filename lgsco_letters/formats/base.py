"""What a letter format declares, and what the engine makes of it.

A format is one module in this package (or an entry point of another package) plus its
templates: the module makes a `Format` named `FORMAT`. Nothing else in the engine knows a format
by name; `year.yaml` chooses one with `format:`. How its rules read a record is `RecordRules`
(`data/rules.py`, where the data stage runs them).

Most of a format is data: its counts, its `Measure`s (`measures.py`), its totals and columns.
What is left to code are the hooks, each with one signature and a default below (as MkDocs'
`BasePlugin` has a method for each event): a format overrides only what it changes, and a
format made from another by `dataclasses.replace` keeps the other's hooks, which read the
year's own format (`year.format`), so they see the measures it adds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lgsco_letters.data.rules import Counts, RecordRules
from lgsco_letters.data.schema import CountGroup, Schema
from lgsco_letters.data.year_settings import Setting
from lgsco_letters.formats import measures as engine
from lgsco_letters.formats.measures import Group, GroupFigures, Measure, MeasureFigures, Total, rate

if TYPE_CHECKING:
    from lgsco_letters.data.models import Authority, Year
    from lgsco_letters.errors import Problem

__all__ = ["Column", "Counts", "Format", "Group", "GroupFigures", "Measure", "MeasureFigures",
           "RecordRules", "Total", "rate"]  # RecordRules: data/rules.py


@dataclass(frozen=True)
class Column:
    """A figure as the published year's index shows it: its key in the data files, its
    heading, and how it reads (`count`, or `text`). Each measure is a column of its own, a
    rate, after these (`Format.site_columns`)."""

    key: str
    heading: str
    kind: str = "count"


@dataclass(frozen=True)
class LetterFigures:
    """What `figures` holds for a format that keeps the default hook: its measures and the
    authority's comparison group (None without groups)."""

    measures: tuple[MeasureFigures, ...]
    group: GroupFigures | None


# ---- the hooks' defaults: one place, one signature each ------------------------------------

def letter_figures(year: Year, authority: Authority) -> Any:
    """`figures(year, authority)`: what the letter template's `figures` holds."""
    return LetterFigures(year.format.letter_measures(year, authority),
                         year.format.letter_group(year, authority))


def no_rules(record: RecordRules) -> None:
    """`rules(record)`: a record's rules beyond its measures' (`RecordRules.at_most`)."""


def no_groups(settings: dict[str, Any]) -> dict[str, Group]:
    """`groups(settings)`: the comparison groups, by key, from the format's own year.yaml
    keys; none by default, and then no letter quotes a group."""
    return {}


def no_year_check(settings: dict[str, Any], authorities: list[Authority],
                  problems: list[Problem]) -> None:
    """`check_year(settings, authorities, problems)`: rules across the year's authorities
    (e.g. every type in one comparison group); each broken one appended to `problems`."""


def pooled_groups(year: Year) -> Any:
    """`year_figures(year)`: figures computed once for the whole year (`year.shared`): each
    comparison group's pooled counts."""
    return year.format.group_figures(year)


def quoted_group(year: Year, authority: Authority) -> Any:
    """`quoted(year, authority)`: the year-wide figures one letter quotes, so that its
    fingerprint changes with them: its group's label and each measure's group rate."""
    group = year.format.letter_group(year, authority)
    if group is None:
        return None
    return (group.label, *(group.totals.rate(m) for m in year.format.measures))


def measured_summary(year: Year) -> dict[str, Any]:
    """`summary(year)`: England's figures and each group's (`england`, `groups` by key), and
    each measure's words (`measures` by key)."""
    return year.format.summary_of_measures(year)


def no_derived(year: Year, authority: Authority) -> dict[str, Any]:
    """`derived(year, authority)`: the published data's figures of one letter beyond its
    counts, their groups' totals and its measures."""
    return {}


@dataclass(frozen=True)
class Format:
    """A letter format: its fields, measures, rules and letter template, and its hooks."""

    name: str
    description: str
    template: str  # the letter, under templates/; year.yaml's `template:` may name another
    counts: tuple[CountGroup, ...]
    figures: Callable[[Year, Authority], Any] = letter_figures
    rules: Callable[[RecordRules], None] = no_rules
    # Keys of year.yaml this format adds, each declared as the year's own keys are (a
    # `Setting` of `data/year_settings.py`); their values are the year's `settings`, by key.
    settings: tuple[Setting, ...] = ()
    check_year: Callable[[dict[str, Any], list[Authority], list[Problem]], None] = (
        no_year_check)
    # The rates every letter states, in order; each also in `summary` and the site.
    measures: tuple[Measure, ...] = ()
    # Named sums `summary` gives (and names a measure's counts by), beside the measures.
    totals: tuple[Total, ...] = ()
    groups: Callable[[dict[str, Any]], dict[str, Group]] = no_groups
    year_figures: Callable[[Year], Any] = pooled_groups
    quoted: Callable[[Year, Authority], Any] = quoted_group
    summary: Callable[[Year], dict[str, Any]] = measured_summary
    # The published year's index columns before the measures' (a field or a measure's count).
    columns: tuple[Column, ...] = ()
    derived: Callable[[Year, Authority], dict[str, Any]] = no_derived

    @functools.cached_property
    def schema(self) -> Schema:
        return Schema(self.counts)

    def faults(self) -> list[str]:
        """What is wrong with the format as declared: a measure, total or column naming a
        field or figure it does not have. Said when the format loads."""
        schema = self.schema
        faults = [f'the field "{field}" is made by two count groups' for field in
                  schema.clashes]
        faults += engine.unknown_names(self.measures, self.totals, schema)
        keys = [m.key for m in self.measures]
        faults += [f'two measures are keyed "{key}"' for key in keys if keys.count(key) > 1]
        known = {*schema.all_fields, *keys, *self.count_keys()}
        faults += [f'the column "{column.key}" names no field or measure of the format'
                   for column in self.columns if column.key not in known]
        return list(dict.fromkeys(faults))

    def count_keys(self) -> list[str]:
        """The keys the published data gives to measures' counts that sum several fields."""
        return [engine.count_key(fields, self.totals, m, part) for m in self.measures
                for fields, part in ((m.numerator, "numerator"), (m.denominator, "denominator"))
                if len(fields) > 1]

    def check_record(self, record: RecordRules) -> None:
        """Every rule of one record: the format's own, then its measures'."""
        self.rules(record)
        engine.check_measures(record, self.measures, self.totals)

    def group_figures(self, year: Year) -> dict[str, GroupFigures]:
        return engine.group_figures(self.groups(year.settings), year.authorities, self.schema,
                                    self.measures, self.totals)

    def letter_group(self, year: Year, authority: Authority) -> GroupFigures | None:
        group = engine.group_of(self.groups(year.settings), authority.authority_type)
        return None if group is None or not year.shared else year.shared[group.key]

    def letter_measures(self, year: Year, authority: Authority) -> tuple[MeasureFigures, ...]:
        return engine.letter_measures(authority, self.schema, self.measures,
                                      self.letter_group(year, authority),
                                      engine.previous_measures(year.before, authority,
                                                               self.measures))

    def quoted_before(self, year: Year, authority: Authority) -> Any:
        """What a letter quotes of the year before (`previous:`), for its fingerprint: that
        year's label and each measure's rate then, so that a change to that year moves only
        the letters whose own figures then it moves."""
        previous = engine.previous_measures(year.before, authority, self.measures)
        return [year.previous, {key: figures.rate for key, figures in previous.items()}]

    def summary_of_measures(self, year: Year) -> dict[str, Any]:
        def figures(totals: engine.Pooled) -> dict[str, Any]:
            return engine.figures_of(totals, self.measures, self.totals)

        england = engine.pooled(year.authorities, self.schema, self.measures, self.totals)
        summary = {"england": figures(england),
                   "groups": {key: {"label": group.label, **figures(group.totals)}
                              for key, group in (year.shared or {}).items()},
                   "measures": {m.key: {"title": m.title, "definition": m.definition}
                                for m in self.measures}}
        if year.before is not None:
            summary["previous"] = engine.previous_summary(
                year.before, year.authorities, self.groups(year.settings), self.measures,
                self.totals)
        return summary

    @property
    def site_columns(self) -> tuple[Column, ...]:
        """The published year's index: the format's columns, then a rate for each measure."""
        return (*self.columns, *(Column(m.key, m.title, "rate") for m in self.measures))

    def record(self, year: Year, authority: Authority) -> dict[str, Any]:
        """One letter's derived figures for the published data: each count group's total,
        the format's own (`derived`), then its measures and its group's rates."""
        totals = {f"{group.name}_total": sum(authority.counts[group.name].values())
                  for group in self.counts if group.total}
        return {**totals, **self.derived(year, authority), **engine.record_figures(
            self.letter_measures(year, authority), self.measures, self.totals,
            self.letter_group(year, authority))}
