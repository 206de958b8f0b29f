"""The typed records the rest of the pipeline works on, once the input has been validated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lgsco_letters.data.rules import RecordRules
    from lgsco_letters.data.schema import CountGroup, Schema
    from lgsco_letters.data.year_settings import Setting
    from lgsco_letters.problems import Problem


@dataclass(frozen=True)
class Recipient:
    name: str
    title: str
    email: str

    @property
    def salutation(self) -> str:
        """Whom the letter greets: the full name, as the 2018 letter did, or else the role."""
        return self.name or self.title


@dataclass(frozen=True)
class Authority:
    name: str
    slug: str
    authority_type: str
    recipient: Recipient
    specimen: bool
    counts: dict[str, dict[str, int]]  # by the format's groups: received -> housing -> 3
    source: Path
    line: int | None = None
    link_officer_email: str = ""  # optional: the council's complaints link officer
    monitoring_officer_email: str = ""  # optional: the council's monitoring officer
    successor: str = ""  # the council that took over this abolished one: its letter goes there
    predecessors: tuple[str, ...] = ()  # the councils of the year before it took over

    def __getattr__(self, name: str) -> dict[str, int]:
        """A group of counts by its name (`authority.received`), for templates and rules."""
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return counts[name]
        raise AttributeError(name)


@dataclass(frozen=True)
class Signatory:
    name: str
    titles: tuple[str, ...]


class LetterFormat(Protocol):
    """What reading a year asks of its format (`formats.base.Format` is one). The formats are
    the stage after this one, so the year's format comes in from there (`Formats`)."""

    name: str
    template: str
    counts: tuple[CountGroup, ...]
    settings: tuple[Setting, ...]
    check_year: Callable[[dict[str, Any], list[Authority], list[Problem]], None]
    year_figures: Callable[[Year], Any]

    @property
    def schema(self) -> Schema: ...

    def check_record(self, record: RecordRules) -> None: ...


class Formats(Protocol):
    """The formats a year may name, by name (`formats.INSTALLED` is the engine's)."""

    default: str  # the format of a year.yaml without `format:`

    def get(self, name: str) -> LetterFormat | None: ...

    def names(self) -> list[str]: ...


@dataclass(frozen=True)
class Year:
    """A year's folder: the year-wide values from `year.yaml` and every authority."""

    folder: Path
    label: str
    letter_date: date
    period_end: date
    template: str
    delivery: str
    signatory: Signatory
    prose: dict[str, Any]
    authorities: tuple[Authority, ...]
    format: LetterFormat = field(default=None, compare=False)  # type: ignore[assignment]
    settings: dict[str, Any] = field(default_factory=dict)  # the format's own year.yaml keys
    shared: Any = field(default=None, compare=False)  # the format's year-wide figures
    previous: str = ""  # the label of the year before, a year folder beside this one
    copied_to: tuple[str, ...] = ()  # the roles the letters say they are copied to
    before: Before | None = field(default=None, compare=False)  # the year `previous` names

    @property
    def letter_year(self) -> int:
        return self.letter_date.year


@dataclass(frozen=True)
class Before:
    """The year before (`previous:`), as this year's letters set their figures against it:
    that year, and for each of this year's authorities (by slug) its own records of that year:
    its own record, or those of the councils it took over (none, for a council new since)."""

    year: Year
    records: dict[str, tuple[Authority, ...]]

    def of(self, authority: Authority) -> tuple[Authority, ...]:
        return self.records.get(authority.slug, ())
