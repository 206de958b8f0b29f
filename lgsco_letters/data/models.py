"""The typed records the rest of the pipeline works on, once the input has been validated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any


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
    received: dict[str, int]
    decided: dict[str, int]
    remedied: dict[str, int]
    source: Path
    line: int | None = None
    link_officer_email: str = ""  # optional: the council's complaints link officer


@dataclass(frozen=True)
class Signatory:
    name: str
    titles: tuple[str, ...]


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

    @property
    def letter_year(self) -> int:
        return self.letter_date.year
