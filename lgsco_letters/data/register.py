"""A register of councils, as mySociety's register of English local authorities has it: a CSV
with `official_name`, `authority_type`, and optionally `replaces`, the councils a new one
replaced, separated by ";". `new-year` takes a year's councils from it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from lgsco_letters.data.addresses import control_problem
from lgsco_letters.data.validate import PREDECESSOR_SEPARATOR, found, name_problem
from lgsco_letters.errors import DataError, Problem
from lgsco_letters.files import read_utf8

NAME, TYPE, REPLACES = "official_name", "authority_type", "replaces"


@dataclass(frozen=True)
class Council:
    """One council of the register, with where it is written."""

    name: str
    authority_type: str
    replaces: tuple[str, ...]
    file: Path
    line: int

    def problem(self, message: str, field: str | None = None) -> Problem:
        return Problem(self.file, message, self.line, self.name, field)


def read_register(path: Path, problems: list[Problem]) -> list[Council]:
    """Every good council of the register; each problem in it added to `problems`. A register
    that cannot be read at all is refused at once."""
    text = read_utf8(path, problems)
    if text is None:
        raise DataError(problems)
    try:
        councils = _councils(path, csv.reader(io.StringIO(text, newline="")), problems)
    except csv.Error as error:
        raise DataError([Problem(path, f"cannot be read as CSV ({error})")]) from None
    if not councils:
        problems.append(Problem(path, "lists no councils"))
        raise DataError(problems)
    _refuse_repeats(councils, problems)
    return councils


def _councils(path: Path, reader, problems: list[Problem]) -> list[Council]:
    header = [cell.strip() for cell in next(reader, [])]
    missing = [column for column in (NAME, TYPE) if column not in header]
    if missing:
        problems.append(Problem(path, f"is not a register of councils: it needs the columns "
                                      f"{NAME} and {TYPE} (and may have {REPLACES}), as "
                                      "mySociety's register of English local authorities has "
                                      f"them; missing: {', '.join(missing)}", 1))
        return []
    councils = []
    for cells in reader:
        if any(cell.strip() for cell in cells):
            row = dict(zip(header, cells, strict=False))
            councils.append(_council(path, reader.line_num, row, problems))
    return [council for council in councils if council is not None]


def _council(path: Path, line: int, row: dict[str, str], problems: list[Problem]
             ) -> Council | None:
    before = len(problems)
    name = row.get(NAME, "")

    def report(field: str, message: str) -> None:
        problems.append(Problem(path, message, line, name.strip() or None, field))

    for field in (NAME, TYPE):
        value = row.get(field, "")
        if not value.strip():
            report(field, "is empty: expected " + ("the council's official name"
                                                   if field == NAME else "its type"))
        elif problem := control_problem(value) or (name_problem(value) if field == NAME else ""):
            report(field, problem)
    replaces = [part.strip() for part in row.get(REPLACES, "").split(PREDECESSOR_SEPARATOR)]
    replaces = [part for part in replaces if part] if any(replaces) else []
    for part in replaces:
        if problem := control_problem(part) or name_problem(part):
            report(REPLACES, f"{found(part)}: {problem}")
    if len(problems) > before:
        return None
    return Council(name, row[TYPE].strip(), tuple(replaces), path, line)


def _refuse_repeats(councils: list[Council], problems: list[Problem]) -> None:
    seen: dict[str, Council] = {}
    for council in councils:
        if council.name in seen:
            problems.append(council.problem(f"appears more than once (first on line "
                                            f"{seen[council.name].line})", NAME))
        seen.setdefault(council.name, council)
