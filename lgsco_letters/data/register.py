"""A register of councils, as mySociety's register of English local authorities has it: a CSV
with `official_name`, `authority_type`, and optionally `replaces`, the councils a new one
replaced, separated by ";". `new-year` takes a year's councils from it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from lgsco_letters.data.addresses import control_problem
from lgsco_letters.data.limits import MAX_ROWS, MAX_TABLE_BYTES, LimitPassed, read_text
from lgsco_letters.data.slugs import slugify
from lgsco_letters.data.validate import PREDECESSOR_SEPARATOR, found, name_problem
from lgsco_letters.errors import DataError, Problem

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
    text = read_text(path, problems, MAX_TABLE_BYTES)
    if text is None:
        raise DataError(problems)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        councils = _councils(path, reader, problems)
    except LimitPassed as passed:  # what was read before says nothing more
        raise DataError([passed.problem]) from None
    except csv.Error as error:
        raise DataError([Problem(path, f"cannot be read as CSV ({error})",
                                 reader.line_num or None)]) from None
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
    for rows, cells in enumerate(reader, start=2):
        if rows > MAX_ROWS:
            raise LimitPassed(Problem(path, f"has more than {MAX_ROWS:,} rows (the header "
                                            "among them): a register of England's councils "
                                            "lists a few hundred (is it the right file?)",
                                      reader.line_num))
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
    for index, part in enumerate(replaces):
        if problem := control_problem(part) or name_problem(part):
            report(REPLACES, f"{found(part)}: {problem}")
        elif part in replaces[:index]:
            report(REPLACES, f"names {found(part)} twice")
    if len(problems) > before:
        return None
    return Council(name, row[TYPE].strip(), tuple(replaces), path, line)


def alike(name: str) -> str:
    """A name as its letter's file would be named, which names differing only in case, spaces
    or punctuation share: `Adur District Council`, `adur district council.`"""
    return slugify(name) or name.casefold()


def _refuse_repeats(councils: list[Council], problems: list[Problem]) -> None:
    """A council listed twice, or twice in names that differ only in case, spaces or
    punctuation, and a council that two others replace: each a problem naming both rows,
    never one of them silently kept."""
    seen: dict[str, Council] = {}
    replaced_by: dict[str, Council] = {}
    for council in councils:
        first = seen.setdefault(alike(council.name), council)
        if first is not council and first.name == council.name:
            problems.append(council.problem(f"appears more than once (first on line "
                                            f"{first.line})", NAME))
        elif first is not council:
            problems.append(council.problem(
                f'{found(council.name)} and {found(first.name)} (line {first.line}) differ only '
                "in case, spaces or punctuation: one council written two ways, or two whose "
                "letters would have the same file name; keep one", NAME))
        for name in council.replaces:
            taker = replaced_by.setdefault(alike(name), council)
            if taker is not council:
                problems.append(council.problem(
                    f'replaces "{name}", which {found(taker.name)} (line {taker.line}) replaces '
                    "too: a council is taken over by one council", REPLACES))
