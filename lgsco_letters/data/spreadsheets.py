"""Reading the authorities from a workbook: `authorities.xlsx` or `.ods` (`xlsx.py`, `ods.py`).

The columns are exactly the CSV's. The data is read from the sheet named `authorities` (in any
case) if there is one, else the first; a hidden sheet is never read, and if it is the one those
rules choose, that is an error. Blank rows are skipped. A formula cell counts by its saved
value; one with no saved value is an error, as is a count cell holding a fraction, a date or
words. Every problem names the file, the sheet and the cell.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lgsco_letters.data.addresses import LOOK_ALIKES, visible
from lgsco_letters.data.fields import EMAIL, NAME, NAMES, TEXT
from lgsco_letters.data.limits import MAX_TABLE_BYTES, too_big
from lgsco_letters.data.packages import ErrorCell, FormulaCell, Row, Unreadable, blank, column_name
from lgsco_letters.data.schema import Schema
from lgsco_letters.data.sources import (
    ALREADY_REPORTED,
    RawRecord,
    UnnamedColumns,
    header_is_usable,
)
from lgsco_letters.data.values import found
from lgsco_letters.errors import Problem

SHEET = "authorities"
KINDS = {".xlsx": "an Excel workbook", ".ods": "an OpenDocument sheet"}
TEXT_KINDS = (NAME, TEXT, EMAIL, NAMES)  # fields whose cells must hold text (`fields.py`)
AS_TEXT = ("not text: enter it as text (format the cell as Text, then type it again), so that "
           "it reads as it is typed")


def read_workbook(path: Path, schema: Schema, problems: list[Problem]) -> list[RawRecord]:
    """The workbook's records; a workbook that cannot be read is one problem, saying why."""
    from lgsco_letters.data.ods import read_ods
    from lgsco_letters.data.xlsx import read_xlsx

    if reason := too_big(path, MAX_TABLE_BYTES):
        problems.append(Problem(path, reason))
        return []
    reader = read_xlsx if path.suffix.lower() == ".xlsx" else read_ods
    found: list[Problem] = []
    try:
        sheet, rows = reader(path, choose_sheet)
        records = records_from(path, sheet, rows, schema, found)
    except Unreadable as error:
        found = [_unreadable(path, error)]
        records = []
    except OSError as error:
        found = [Problem(path, f"cannot be opened ({error.strerror or error})")]
        records = []
    problems += found
    return records


def _unreadable(path: Path, error: Unreadable) -> Problem:
    if error.sheet is not None:
        return Problem(path, error.message, error.row, sheet=error.sheet, cell=error.cell)
    return Problem(path, f"cannot be read as {KINDS[path.suffix.lower()]} ({error.message}); "
                         "save it again from a spreadsheet program")


def records_from(path: Path, sheet: str, rows: Iterable[Row], schema: Schema,
                 problems: list[Problem]) -> list[RawRecord]:
    filled = (row for row in iter(rows) if any(not blank(value) for value in row[1]))
    first = next(filled, None)
    if first is None:
        problems.append(Problem(path, "holds no rows", sheet=sheet))
        return []
    number, header_cells = first
    header = [str(value).strip() if not blank(value) else "" for value in header_cells]
    if not header_is_usable(path, header, schema, problems, number, sheet):
        return []
    unnamed = UnnamedColumns(header, lambda index: f"column {column_name(index)}")
    return [_record(path, sheet, number, header, cells, schema, problems, unnamed)
            for number, cells in filled]


def _record(path: Path, sheet: str, number: int, header: list[str], cells: list[Any],
            schema: Schema, problems: list[Problem], unnamed: UnnamedColumns) -> RawRecord:
    record = RawRecord(path, number, {}, schema, sheet=sheet)
    for index, (name, value) in enumerate(zip(header, cells, strict=False)):
        if name in schema.all_fields:
            record.cells[name] = f"{column_name(index)}{number}"
            record.values[name] = value
    unnamed.check(record, cells, problems, lambda index: f"{column_name(index)}{number}")
    beyond = next((index for index, value in enumerate(cells) if index >= len(header)
                   and not blank(value)), None)
    if beyond is not None:
        problems.append(record.problem(None, f"holds {found(cells[beyond])} beyond the "
                                             f"{len(header)} named columns",
                                       f"{column_name(beyond)}{number}"))
    for name, value in list(record.values.items()):
        record.values[name] = _cell_value(record, name, value, schema.kind(name), problems)
    return record


def _cell_value(record: RawRecord, name: str, value: Any, kind: str,
                problems: list[Problem]) -> Any:
    """The cell's value as the CSV would give it; a fault reported here, in the cell's words."""
    if fault := _fault(value):
        problems.append(record.problem(name, fault))
        return ALREADY_REPORTED
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if kind in TEXT_KINDS and not blank(value) and not isinstance(value, str):
        problems.append(record.problem(name, f"holds {_not_text(value)}, {AS_TEXT}"))
        return ALREADY_REPORTED
    if kind != "count" or blank(value) or (isinstance(value, int)
                                           and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return value
    if isinstance(value, datetime.date):
        problems.append(record.problem(name, f"'{value:%Y-%m-%d}' is a date, not a whole number"))
    else:
        shown = str(value).upper() if isinstance(value, bool) else str(value)
        shown = shown if len(shown) <= 60 else f"{shown[:40]}... ({len(shown):,} characters)"
        problems.append(record.problem(name, f"'{shown}' is not a whole number"))
    return ALREADY_REPORTED


def _looks_like_authorities(name: str) -> str:
    """What makes a sheet's name only look like `Authorities` (a letter of another script
    drawn alike, an invisible character), in words; "" when it does not look like it."""
    plain = unicodedata.normalize("NFKC", name)
    seen = "".join(LOOK_ALIKES.get(char, char) for char in plain
                   if unicodedata.category(char) not in ("Cf", "Cc"))
    if seen.strip().casefold() != SHEET:
        return ""
    odd = next(char for char in name if not char.isascii() or not char.isprintable())
    return f'"{visible(odd)}" (U+{ord(odd):04X} {unicodedata.name(odd, "a control character")})'


def _fault(value: Any) -> str:
    """What is wrong with a cell whatever its field: a formula unsaved, or an error."""
    if isinstance(value, FormulaCell):
        return (f"a formula with no saved value ({value.formula}): open the file in a "
                "spreadsheet program and save it, so that its values are stored")
    if isinstance(value, ErrorCell):
        return (f"holds the error {value.code}, which a formula gave instead of a value: "
                "correct the formula (or type the value), then save the file")
    return ""


def _not_text(value: Any) -> str:
    """A cell that is not text, as a message says it: `a date (2018-07-18)`."""
    if isinstance(value, bool):
        return f"{str(value).upper()} (a true/false value)"
    if isinstance(value, datetime.datetime) and value.time() != datetime.time():
        return f"a date and time ({value:%Y-%m-%d %H:%M})"
    if isinstance(value, datetime.date):
        return f"a date ({value:%Y-%m-%d})"
    return f"a number ({value:g})" if isinstance(value, float) else f"a number ({value})"


def choose_sheet(names: list[str], hidden: dict[str, str]) -> str:
    """The sheet named `authorities` (in any case), else the first; never a hidden one
    (`hidden`: name -> `hidden` or `veryHidden`). Which sheet that is must be plain: two
    sheets named so, or one named with a look-alike of a letter (a Cyrillic A), are
    refused, naming them."""
    named = [name for name in names if name.strip().casefold() == SHEET]
    if len(named) > 1:
        raise Unreadable(f"is named Authorities as the sheet {visible(named[0])} is (but for "
                         "case or spaces), and either could be the one meant: keep one, or "
                         "rename the other", named[1])
    for name in names:
        if name not in named and (odd := _looks_like_authorities(name)):
            raise Unreadable(f"looks named Authorities, but is not: {odd}; name the sheet to "
                             "read Authorities, typed", name)
    name = named[0] if named else names[0]
    if name in hidden:
        how = ("very hidden, which only a macro can undo" if hidden[name] == "veryHidden"
               else "hidden")
        raise Unreadable(f"is the sheet to read (the one named Authorities, else the first), "
                         f"but it is {how}, and a hidden sheet is never read: show it, or put "
                         "the authorities on a visible sheet named Authorities", name)
    return name
