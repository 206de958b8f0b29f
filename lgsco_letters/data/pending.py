"""What a year not yet filled in lacks: figures and recipients, each said once for all the
authorities that lack it. A year that `new-year` has just written lacks them in every row, and
a report of thousands of empty cells would hide anything else that is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lgsco_letters.data.schema import CountGroup
from lgsco_letters.data.sources import RawRecord
from lgsco_letters.errors import Problem

LISTED = 20  # names a finding lists before it counts the rest


def no_figures(record: RawRecord, counts: tuple[CountGroup, ...]) -> bool:
    """True when every count of the record is empty: not yet filled in, rather than wrong."""
    return all(_empty(record.values.get(f"{group.name}_{key}"))
               for group in counts for key in group.yaml_keys)


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def columns(counts: tuple[CountGroup, ...]) -> str:
    """The count columns in short: `received_*, decided_*, ...`."""
    shown = [f"{group.name}_*" for group in counts[:2]]
    return ", ".join(shown + (["..."] if len(counts) > 2 else []))


@dataclass
class Waiting:
    """Records that are not wrong, only unfinished: without figures, or without a recipient."""

    counts: tuple[CountGroup, ...]
    # by the record's identity, in the order met: looked up once per record of a large year
    without_figures: dict[int, RawRecord] = field(default_factory=dict)
    without_recipient: dict[int, RawRecord] = field(default_factory=dict)

    def lacks_figures(self, record: RawRecord) -> None:
        self.without_figures[id(record)] = record

    def lacks_recipient(self, record: RawRecord) -> None:
        self.without_recipient[id(record)] = record

    def holds(self, record: RawRecord) -> bool:
        return id(record) in self.without_figures or id(record) in self.without_recipient

    def forget(self, record: RawRecord) -> None:
        """A record reported otherwise (a duplicate) is not counted among those waiting."""
        self.without_figures.pop(id(record), None)
        self.without_recipient.pop(id(record), None)

    def findings(self, records: int) -> list[Problem]:
        """One problem for each thing lacking, naming the authorities unless it is all of them
        (the recipients always: each needs finding); one record alone is its own row."""
        problems = []
        figureless = list(self.without_figures.values())
        unaddressed = list(self.without_recipient.values())
        if len(figureless) == 1:
            problems.append(figureless[0].problem(
                None, f"has no figures yet ({columns(self.counts)})"))
        elif figureless:
            problems.append(_finding(figureless, f"no figures yet ({columns(self.counts)})",
                                     named=len(figureless) < records))
        if len(unaddressed) == 1:
            problems.append(unaddressed[0].problem(
                "recipient_email", "is missing: expected the recipient's email address"))
        elif unaddressed:
            problems.append(_finding(unaddressed, "no recipient yet (recipient_email)",
                                     named=True))
        return problems


def _finding(lacking: list[RawRecord], what: str, named: bool) -> Problem:
    message = f"{len(lacking)} authorities have {what}"
    if named:
        names = [record.name or f"{'line' if record.sheet is None else 'row'} {record.line}"
                 for record in lacking]
        more = f" and {len(names) - LISTED} more" if len(names) > LISTED else ""
        message += ": " + "; ".join(names[:LISTED]) + more
    return Problem(_where(lacking), message)


def _where(records: list[RawRecord]) -> Path:
    """The file they are in, or the folder that holds their files."""
    files = {record.file for record in records}
    if len(files) == 1:
        return files.pop()
    parents = {file.parent for file in files}
    return parents.pop() if len(parents) == 1 else min(parents).parent
