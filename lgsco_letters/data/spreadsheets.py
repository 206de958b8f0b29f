"""Reading the authorities from a workbook: `authorities.xlsx` (openpyxl) or `.ods` (odfpy).

The columns are exactly the CSV's. The data is read from the sheet named `authorities` (in any
case) if there is one, else the first sheet; blank rows are skipped. A formula cell counts by its
saved value; one with no saved value is an error, as is a count cell holding a fraction, a date or
words. Every problem names the file, the sheet and the cell.
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lgsco_letters.data.schema import Schema
from lgsco_letters.data.sources import ALREADY_REPORTED, RawRecord, header_is_usable
from lgsco_letters.errors import Problem

SHEET = "authorities"
Row = tuple[int, list[Any]]  # the sheet's row number, and its cells' values


class FormulaCell:
    """A formula cell, for its message: what it says."""

    def __init__(self, formula: str):
        self.formula = formula


def column_name(index: int) -> str:
    """The spreadsheet's letters for a column counted from 0: A, B, ... Z, AA, ..."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


def read_workbook(path: Path, schema: Schema, problems: list[Problem]) -> list[RawRecord]:
    reader = read_xlsx if path.suffix.lower() == ".xlsx" else read_ods
    try:
        sheet, rows = reader(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        kind = "an Excel workbook" if path.suffix.lower() == ".xlsx" else "an OpenDocument sheet"
        problems.append(Problem(path, f"cannot be read as {kind} ({error or type(error).__name__})"
                                      "; save it again from a spreadsheet program"))
        return []
    return records_from(path, sheet, rows, schema, problems)


def records_from(path: Path, sheet: str, rows: Iterator[Row], schema: Schema,
                 problems: list[Problem]) -> list[RawRecord]:
    filled = (row for row in rows if any(not _blank(value) for value in row[1]))
    first = next(filled, None)
    if first is None:
        problems.append(Problem(path, "holds no rows", sheet=sheet))
        return []
    number, header_cells = first
    header = [str(value).strip() if not _blank(value) else "" for value in header_cells]
    if not header_is_usable(path, header, schema, problems, number, sheet):
        return []
    return [_record(path, sheet, number, header, cells, schema, problems)
            for number, cells in filled]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _record(path: Path, sheet: str, number: int, header: list[str], cells: list[Any],
            schema: Schema, problems: list[Problem]) -> RawRecord:
    record = RawRecord(path, number, {}, schema, sheet=sheet)
    for index, (name, value) in enumerate(zip(header, cells, strict=False)):
        if name in schema.all_fields:
            record.cells[name] = f"{column_name(index)}{number}"
            record.values[name] = value
    if any(not _blank(value) for value in cells[len(header):]):
        problems.append(record.problem(None, f"has cells beyond the {len(header)} named columns"))
    for name, value in list(record.values.items()):
        record.values[name] = _cell_value(record, name, value, name in schema.count_fields,
                                          problems)
    return record


def _cell_value(record: RawRecord, name: str, value: Any, count: bool,
                problems: list[Problem]) -> Any:
    """The cell's value as the CSV would give it; a fault reported here, in the cell's words."""
    if isinstance(value, FormulaCell):
        problems.append(record.problem(name, f"a formula with no saved value ({value.formula}): "
                                             "open the file in a spreadsheet program and save "
                                             "it, so that its values are stored"))
        return ALREADY_REPORTED
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not count or _blank(value) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value) if isinstance(value, float | datetime.date) and not count else value
    if isinstance(value, str) and value.strip().isdigit():
        return value
    if isinstance(value, datetime.date):
        problems.append(record.problem(name, f"'{value:%Y-%m-%d}' is a date, not a whole number"))
    else:
        shown = str(value).upper() if isinstance(value, bool) else str(value)
        shown = shown if len(shown) <= 60 else f"{shown[:40]}... ({len(shown):,} characters)"
        problems.append(record.problem(name, f"'{shown}' is not a whole number"))
    return ALREADY_REPORTED


def choose_sheet(names: list[str]) -> str:
    return next((name for name in names if name.strip().casefold() == SHEET), names[0])


# ---- .xlsx ---------------------------------------------------------------------------------

def read_xlsx(path: Path) -> tuple[str, Iterator[Row]]:
    import openpyxl

    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = choose_sheet(values.sheetnames)
    rows = list(values[sheet].iter_rows(values_only=True))
    values.close()
    if any(value is None for row in rows for value in row):  # blank, or a formula never saved
        rows = _mark_unsaved_formulas(path, sheet, rows)
    return sheet, iter((number, list(row)) for number, row in enumerate(rows, start=1))


def _mark_unsaved_formulas(path: Path, sheet: str, rows: list[tuple]) -> list[list[Any]]:
    """A formula's saved value reads as empty: tell those cells from empty ones."""
    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    marked = []
    for row, raw in zip(rows, formulas[sheet].iter_rows(values_only=True), strict=False):
        marked.append([FormulaCell(str(source)) if value is None and isinstance(source, str)
                       and source.startswith("=") else value
                       for value, source in zip(row, raw, strict=False)])
    formulas.close()
    return marked


# ---- .ods ----------------------------------------------------------------------------------

def read_ods(path: Path) -> tuple[str, Iterator[Row]]:
    from odf.opendocument import load
    from odf.table import Table

    tables = load(str(path)).spreadsheet.getElementsByType(Table)
    if not tables:
        raise ValueError("it has no sheets")
    names = [table.getAttribute("name") for table in tables]
    sheet = choose_sheet(names)
    return sheet, _ods_rows(tables[names.index(sheet)])


def _ods_rows(table: Any) -> Iterator[Row]:
    from odf.table import TableRow

    number = 0
    for row in table.getElementsByType(TableRow):
        repeat = int(row.getAttribute("numberrowsrepeated") or 1)
        cells = _ods_cells(row)
        if not any(not _blank(cell) for cell in cells):
            number += repeat  # blank rows, often a million of them repeated: skipped
            continue
        for _ in range(repeat):
            number += 1
            yield number, cells


def _ods_cells(row: Any) -> list[Any]:
    from odf.table import CoveredTableCell, TableCell

    cells: list[Any] = []
    for cell in row.childNodes:
        if cell.qname[1] not in (TableCell().qname[1], CoveredTableCell().qname[1]):
            continue
        value = _ods_value(cell)
        repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
        cells += [value] * (repeat if not _blank(value) else min(repeat, 64))
    return cells


def _ods_value(cell: Any) -> Any:
    from odf import teletype

    kind = cell.getAttribute("valuetype")
    formula = cell.getAttribute("formula")
    if formula and not kind:
        return FormulaCell(formula.removeprefix("of:"))
    if kind in ("float", "percentage", "currency"):
        return float(cell.getAttribute("value"))
    if kind == "boolean":
        return cell.getAttribute("booleanvalue") == "true"
    if kind == "date":
        return datetime.date.fromisoformat(cell.getAttribute("datevalue")[:10])
    text = teletype.extractText(cell)
    return text if text else None
