"""Measures as data: what a format's `Measure`s say, worked out once for every format.

A measure is a rate, a sum of counts over another (`Measure`). From a format's measures the
engine derives each letter's `figures.measures`, the pooled figures of each comparison group
(summed numerators over summed denominators), what a letter quotes of its group (for its
fingerprint), `summary`, the published year's rate columns and data, and a rule every
record keeps: a numerator never exceeds its denominator. A new measure is data, not code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lgsco_letters.data.models import Authority, Before
    from lgsco_letters.data.rules import RecordRules
    from lgsco_letters.data.schema import Schema


def rate(numerator: int, denominator: int) -> int | None:
    """A whole percentage rounded half up (1 of 8 is 13), or None when there is nothing to
    divide by, which a letter shows as n/a, never 0%. Integer arithmetic: 12.5 is 13.

    100% means all and 0% means none, as a reader takes them: a rate short of all is never
    rounded up to 100 (249 of 250 is 99%, not 100%, so a letter that asks for scrutiny below
    100% never prints 100% beside it), and some is never rounded down to 0 (1 of 250 is 1%).
    Every rate the letters, the chart, `summary` and the site show comes from here."""
    if denominator == 0:
        return None
    rounded = (200 * numerator + denominator) // (2 * denominator)
    if 0 < numerator < denominator:
        return min(max(rounded, 1), 99)
    return rounded


@dataclass(frozen=True)
class Measure:
    """A rate a letter states: the sum of the `numerator` fields over the sum of the
    `denominator` fields (flat field names, as CSV columns are named), as a whole percentage.

    `key` is the rate's key in `summary` and the published data (`improvement_rate`); `title`
    and `definition` are its name and one-line meaning as the letter, the chart, `summary`
    and the site give them."""

    key: str
    title: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    definition: str = ""


@dataclass(frozen=True)
class Total:
    """A named sum of fields that `summary` gives for England and each group (`received`),
    and the name of a measure's numerator or denominator when it sums the same fields."""

    key: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    """A comparison group: similar authorities, by type, whose pooled measures each member's
    letter quotes. `label` is as the prose says it: "district councils"."""

    key: str
    label: str
    types: tuple[str, ...]


@dataclass(frozen=True)
class MeasureFigures:
    """One measure in one letter: the authority's rate, the counts behind it, its group's
    pooled rate, and the measure's name and definition."""

    key: str
    title: str
    rate: int | None
    numerator: int
    denominator: int
    group_rate: int | None
    definition: str = ""
    previous: Previous | None = None  # the year before's, where that year holds its counts


@dataclass(frozen=True)
class Previous:
    """A measure in the year before (`previous:`), as a letter quotes it: that year's label,
    and the counts of the authority's own records then (pooled, for a council that took others
    over) with their rate, by the same rule as this year's."""

    label: str
    rate: int | None
    numerator: int
    denominator: int


@dataclass(frozen=True)
class Pooled:
    """Counts summed over some authorities (England, or a group): every field the measures
    and totals name that their year holds, by field."""

    authorities: int
    sums: dict[str, int]

    def of(self, fields: Iterable[str]) -> int | None:
        """The fields' sum; None if the year holds any of them not (an older format's)."""
        fields = tuple(fields)
        if any(field not in self.sums for field in fields):
            return None
        return sum(self.sums[field] for field in fields)

    def holds(self, measure: Measure) -> bool:
        return all(field in self.sums for field in (*measure.numerator, *measure.denominator))

    def rate(self, measure: Measure) -> int | None:
        numerator, denominator = self.of(measure.numerator), self.of(measure.denominator)
        return None if numerator is None or denominator is None else rate(numerator,
                                                                           denominator)


@dataclass(frozen=True)
class GroupFigures:
    """A comparison group as its letters quote it: its key, label and pooled counts."""

    key: str
    label: str
    totals: Pooled


def field_value(authority: Authority, schema: Schema, field: str) -> int:
    group, key = schema.locate(field)  # the group that owns the field, never a split name
    return authority.counts[group][key]


def named_fields(measures: tuple[Measure, ...], totals: tuple[Total, ...]) -> tuple[str, ...]:
    fields = [f for m in measures for f in (*m.numerator, *m.denominator)]
    return tuple(dict.fromkeys([*fields, *(f for total in totals for f in total.fields)]))


def pooled(authorities: Iterable[Authority], schema: Schema, measures: tuple[Measure, ...],
           totals: tuple[Total, ...] = ()) -> Pooled:
    """The counts behind the measures (and the totals), summed over `authorities`: those
    fields their `schema` has (a year before in an older format may lack some)."""
    fields = [field for field in named_fields(measures, totals) if field in schema.count_fields]
    sums, count = dict.fromkeys(fields, 0), 0
    for authority in authorities:
        count += 1
        for field in fields:
            sums[field] += field_value(authority, schema, field)
    return Pooled(count, sums)


def group_of(groups: dict[str, Group], authority_type: str) -> Group | None:
    """The group of a type: looked up where the groups say each type's (`of_type`, as
    year.yaml's are read), else searched for."""
    of_type = getattr(groups, "of_type", None)
    if of_type is not None:
        return groups.get(of_type.get(authority_type, ""))
    return next((group for group in groups.values() if authority_type in group.types), None)


def by_type(authorities: Iterable[Authority]) -> dict[str, list[Authority]]:
    """The authorities of each type, found once (a year of many groups searched every one
    for each group)."""
    of_type: dict[str, list[Authority]] = {}
    for authority in authorities:
        of_type.setdefault(authority.authority_type, []).append(authority)
    return of_type


def members(group: Group, of_type: dict[str, list[Authority]]) -> list[Authority]:
    return [a for kind in dict.fromkeys(group.types) for a in of_type.get(kind, ())]


def group_figures(groups: dict[str, Group], authorities: tuple[Authority, ...],
                  schema: Schema, measures: tuple[Measure, ...],
                  totals: tuple[Total, ...]) -> dict[str, GroupFigures]:
    """Each comparison group's pooled counts: summed numerators over summed denominators."""
    of_type = by_type(authorities)
    return {key: GroupFigures(key, group.label, pooled(members(group, of_type), schema,
                                                       measures, totals))
            for key, group in groups.items()}


def letter_measures(authority: Authority, schema: Schema, measures: tuple[Measure, ...],
                    group: GroupFigures | None, previous: dict[str, Previous] | None = None
                    ) -> tuple[MeasureFigures, ...]:
    """What a letter states of each measure: the authority's counts and rate, its group's,
    and its own the year before (`previous`, by measure key) where there is one."""
    own, previous = pooled([authority], schema, measures), previous or {}
    return tuple(MeasureFigures(
        m.key, m.title, own.rate(m), own.of(m.numerator), own.of(m.denominator),
        group.totals.rate(m) if group else None, m.definition, previous.get(m.key))
        for m in measures)


def previous_measures(before: Before | None, authority: Authority,
                      measures: tuple[Measure, ...]) -> dict[str, Previous]:
    """Each measure whose counts the year before holds, by key, pooled over the authority's
    own records of that year; none without a year before, or for a council new since."""
    if before is None or not (records := before.of(authority)):
        return {}
    own = pooled(records, before.year.format.schema, measures)
    return {m.key: Previous(before.year.label, own.rate(m), own.of(m.numerator) or 0,
                            own.of(m.denominator) or 0) for m in measures if own.holds(m)}


def previous_summary(before: Before, authorities: tuple[Authority, ...],
                     groups: dict[str, Group], measures: tuple[Measure, ...],
                     totals: tuple[Total, ...]) -> dict[str, Any]:
    """The year before as `summary` gives it, keyed as this year is: England's figures (that
    year's whole), and each group's pooled over its members' own records of that year; None
    where that year lacks the counts."""
    schema, of_type = before.year.format.schema, by_type(authorities)

    def records(group: Group) -> list[Authority]:
        found = {id(record): record for a in members(group, of_type)
                 for record in before.of(a)}
        return list(found.values())

    england = pooled(before.year.authorities, schema, measures, totals)
    return {"year": before.year.label, "england": figures_of(england, measures, totals),
            "groups": {key: {"label": group.label, **figures_of(
                pooled(records(group), schema, measures, totals), measures, totals)}
                for key, group in groups.items()}}


def count_key(fields: tuple[str, ...], totals: tuple[Total, ...], measure: Measure,
              part: str) -> str:
    """What `summary` and the data call a measure's numerator or denominator: the total that
    sums the same fields, else the one field's own name, else `<key>_<part>`."""
    named = next((total.key for total in totals if total.fields == fields), None)
    return named or (fields[0] if len(fields) == 1 else f"{measure.key}_{part}")


def figures_of(totals_of: Pooled, measures: tuple[Measure, ...],
               totals: tuple[Total, ...]) -> dict[str, Any]:
    """England's or a group's figures: the number of authorities, the totals no measure
    names, then each measure's denominator, numerator and rate."""
    named = {count_key(f, totals, m, part) for m in measures
             for f, part in ((m.numerator, "numerator"), (m.denominator, "denominator"))}
    figures: dict[str, Any] = {"authorities": totals_of.authorities}
    figures.update({t.key: totals_of.of(t.fields) for t in totals if t.key not in named})
    for m in measures:
        figures.setdefault(count_key(m.denominator, totals, m, "denominator"),
                           totals_of.of(m.denominator))
        figures.setdefault(count_key(m.numerator, totals, m, "numerator"),
                           totals_of.of(m.numerator))
        figures[m.key] = totals_of.rate(m)
    return figures


def record_figures(own: tuple[MeasureFigures, ...], measures: tuple[Measure, ...],
                   totals: tuple[Total, ...], group: GroupFigures | None) -> dict[str, Any]:
    """What the published data gives of one letter's measures: each count that sums more than
    one field (a single field is its own column already), each rate, then the group's."""
    record: dict[str, Any] = {}
    for m, figures in zip(measures, own, strict=True):
        if len(m.denominator) > 1:
            record[count_key(m.denominator, totals, m, "denominator")] = figures.denominator
        if len(m.numerator) > 1:
            record[count_key(m.numerator, totals, m, "numerator")] = figures.numerator
        record[m.key] = figures.rate
    if group is not None:
        record["comparison_group"] = group.label
        record.update({f"group_{m.key}": figures.group_rate
                       for m, figures in zip(measures, own, strict=True)})
    return record


def check_measures(record: RecordRules, measures: tuple[Measure, ...],
                   totals: tuple[Total, ...]) -> None:
    """The rule every measure has: its numerator is at most its denominator, said at the
    numerator's (last) field."""
    for m in measures:
        words = count_key(m.denominator, totals, m, "denominator").replace("_", " ")
        record.at_most(m.numerator, m.denominator if len(m.denominator) > 1 else
                       m.denominator[0], words)


def unknown_names(measures: tuple[Measure, ...], totals: tuple[Total, ...],
                  schema: Schema) -> list[str]:
    """Each field a measure or total names that no count group of the format has."""
    faults = []
    for what, fields in [*((f"the measure {m.key}", (*m.numerator, *m.denominator))
                           for m in measures),
                         *((f"the total {t.key}", t.fields) for t in totals)]:
        faults += [f'{what} names the field "{field}", which is none of the format\'s counts'
                   for field in fields if field not in schema.count_fields]
        if not fields:
            faults.append(f"{what} names no field")
    return faults
