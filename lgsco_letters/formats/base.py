"""What a letter format declares, and the small pieces of arithmetic formats share.

A format is one module in this package (or an entry point of another package) plus its
templates: the module makes a `Format` named `FORMAT`. Nothing else in the engine knows a format
by name; `year.yaml` chooses one with `format:`. How its rules read a record is `RecordRules`
(`data/rules.py`, where the data stage runs them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lgsco_letters.data.rules import Counts, RecordRules
from lgsco_letters.data.schema import CountGroup, Schema
from lgsco_letters.data.year_settings import Setting

if TYPE_CHECKING:
    from lgsco_letters.data.models import Authority, Year
    from lgsco_letters.errors import Problem

__all__ = ["Column", "Counts", "Format", "RecordRules", "rate"]  # RecordRules: data/rules.py


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
class Column:
    """A derived figure as the published year shows it: its key in the data files, its heading
    in the index, and how it reads (`count`, `rate` as a percentage or n/a, or `text`)."""

    key: str
    heading: str
    kind: str = "count"


@dataclass(frozen=True)
class Format:
    """A letter format: its fields, rules, derived figures and letter template."""

    name: str
    description: str
    template: str  # the letter, under templates/; year.yaml's `template:` may name another
    counts: tuple[CountGroup, ...]
    figures: Callable[[Year, Authority], Any]  # what the letter's `figures` holds
    rules: Callable[[RecordRules], None] = lambda rules: None
    # Keys of year.yaml this format adds, each declared as the year's own keys are (a
    # `Setting` of `data/year_settings.py`); their values are the year's `settings`, by key.
    settings: tuple[Setting, ...] = ()
    # Rules across the year's authorities (e.g. every type in one comparison group).
    check_year: Callable[[dict[str, Any], list[Authority], list[Problem]], None] = (
        lambda settings, authorities, problems: None)
    # Figures computed across the whole year, once: the letter reads them through `figures`.
    year_figures: Callable[[Year], Any] = lambda year: None
    # The year-wide figures one letter quotes, so that its fingerprint changes with them.
    quoted: Callable[[Year, Authority], Any] = lambda year, authority: None
    # England's totals and measures, and each comparison group's, for `summary`.
    summary: Callable[[Year], dict[str, Any]] = lambda year: {}
    # What the published year (`publish`) shows of each letter beyond its counts: the index's
    # columns, and every derived figure by key for the data files (the columns' keys among them).
    columns: tuple[Column, ...] = ()
    derived: Callable[[Year, Authority], dict[str, Any]] = lambda year, authority: {}

    @property
    def schema(self) -> Schema:
        return Schema(self.counts)
