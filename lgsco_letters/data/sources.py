"""Reading a year's files (UTF-8 CSV and YAML) into raw records, with every location kept.

Nothing here judges the values; `validate` does. Problems with the files themselves
(encoding, malformed YAML, a broken CSV header) are collected in the `problems` list given.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lgsco_letters.cells import FORMULA_STARTS
from lgsco_letters.data.addresses import visible
from lgsco_letters.data.fields import REQUIRED, TOP_LEVEL
from lgsco_letters.data.limits import (
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TABLE_BYTES,
    LimitPassed,
    read_text,
)
from lgsco_letters.data.schema import Schema
from lgsco_letters.data.values import found
from lgsco_letters.data.yamlfiles import read_yaml
from lgsco_letters.errors import Problem
from lgsco_letters.words import Hints, suggest

# A value whose fault its reader has already reported, in the words of its file (a workbook's
# cell): the rules pass over it rather than say it twice.
ALREADY_REPORTED = object()


@dataclass
class RawRecord:
    """One authority as found in a file: flat field names, values as written."""

    file: Path
    line: int | None
    values: dict[str, Any]
    schema: Schema | None = None  # for the YAML key of a field, when `nested`
    key_lines: dict[str, int] = field(default_factory=dict)
    nested: bool = False
    sheet: str | None = None  # from a workbook: its sheet, and each field's cell
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        value = self.values.get("authority")
        return value.strip() if isinstance(value, str) and value.strip() else None

    def problem(self, field_name: str | None, message: str, cell: str | None = None) -> Problem:
        if self.sheet is not None:
            cell = cell or self.cells.get(field_name or "authority")
            return Problem(self.file, message, self.line, self.name, field_name, self.sheet, cell)
        label = self.schema.yaml_key(field_name) if field_name and self.nested else field_name
        line = self.key_lines.get(field_name, self.line) if field_name else self.line
        return Problem(self.file, message, line, self.name, label)


def read_csv(path: Path, schema: Schema, problems: list[Problem]) -> list[RawRecord]:
    text = read_text(path, problems, MAX_TABLE_BYTES)
    if text is None:
        return []
    found: list[Problem] = []
    try:
        records = _csv_records(path, text, schema, found)
    except LimitPassed as passed:  # what was read before says nothing more
        problems.append(passed.problem)
        return []
    problems += found
    return records


def _csv_records(path: Path, text: str, schema: Schema,
                 problems: list[Problem]) -> list[RawRecord]:
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[RawRecord] = []
    try:
        header = _within_columns(path, 1, [cell.strip() for cell in next(reader, [])])
        if not header_is_usable(path, header, schema, problems):
            return []
        unnamed = UnnamedColumns(header, lambda index: f"column {index + 1}")
        ended = reader.line_num
        for cells in reader:
            # a row is named by the line it starts on (a quoted cell may hold line breaks)
            line, ended = ended + 1, reader.line_num
            _within_columns(path, line, cells)
            if any(cell.strip() for cell in cells):
                record = _csv_record(path, line, header, cells, schema, problems)
                unnamed.check(record, cells, problems)
                records.append(_within_rows(path, line, records, record))
    except csv.Error as error:
        problems.append(Problem(path, _csv_error(error), reader.line_num or 1))
    return records


def _within_columns(path: Path, line: int, cells: list[str]) -> list[str]:
    """The row, unless it has a value past the last column read (empty cells cost nothing)."""
    if len(cells) > MAX_COLUMNS and any(cell.strip() for cell in cells[MAX_COLUMNS:]):
        column = next(index for index, cell in enumerate(cells)
                      if index >= MAX_COLUMNS and cell.strip())
        raise LimitPassed(Problem(path, f"has a value in column {column + 1:,}, beyond the "
                                        f"{MAX_COLUMNS} columns read: a year has a few dozen",
                                  line))
    return cells


def _within_rows(path: Path, line: int, records: list[RawRecord],
                 record: RawRecord) -> RawRecord:
    if len(records) >= MAX_ROWS - 1:
        raise LimitPassed(Problem(path, f"has more than {MAX_ROWS:,} rows (the header among "
                                        "them): a year has a few hundred authorities (is it "
                                        "the right file?)", line))
    return record


class UnnamedColumns:
    """Values in a column whose header cell is empty: each such column reported once, at its
    first value, rather than its values silently dropped."""

    def __init__(self, header: list[str], name: Any):
        self.header, self.name, self.reported = header, name, set()

    def check(self, record: RawRecord, cells: list[Any], problems: list[Problem],
              cell: Any = None) -> None:
        for index, value in enumerate(cells[:len(self.header)]):
            if (not self.header[index] and index not in self.reported
                    and value is not None and str(value).strip()):
                self.reported.add(index)
                problems.append(record.problem(None, (
                    f"{self.name(index)} has no name in the header but holds "
                    f"{found(value)}: name the column, or empty it"), cell and cell(index)))


def _csv_error(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return (f"a cell is longer than {csv.field_size_limit():,} characters: no figure or "
                "name is that long (is a quote mark left open?)")
    return f"cannot be read as CSV ({error})"


def header_is_usable(path: Path, header: list[str], schema: Schema, problems: list[Problem],
                     line: int = 1, sheet: str | None = None) -> bool:
    """Report header faults; a header missing columns makes every row's report noise."""
    def report(message: str) -> None:
        problems.append(Problem(path, message, line, sheet=sheet))

    if not any(header):
        report("has no header row naming the columns")
        return False
    if len(header) == 1 and header[0].count(";") >= len(REQUIRED):
        report("looks semicolon-separated (;): save it comma-separated (in Excel: 'CSV UTF-8 "
               "(Comma delimited)')")
        return False
    usable = True
    for name in sorted({name for name in header if name and header.count(name) > 1}):
        report(f'the column "{name}" appears more than once')
        usable = False
    for name in header:
        if name and name not in schema.all_fields:
            report(f'unknown column "{name}"{suggest(name, schema.all_fields)}')
    for name in schema.required:
        if name not in header:
            report(f'the required column "{name}" is missing')
            usable = False
    return usable


def _csv_record(path: Path, line: int, header: list[str], cells: list[str], schema: Schema,
                problems: list[Problem]) -> RawRecord:
    values = {name: as_written(cell) for name, cell in zip(header, cells, strict=False)
              if name in schema.all_fields}
    record = RawRecord(path, line, values, schema)
    extra = cells[len(header):]
    if any(cell.strip() for cell in extra):
        problems.append(record.problem(
            None, f"has {len(cells)} cells but the header names {len(header)} columns"))
    return record


def as_written(cell: str) -> str:
    """A CSV cell's text: `'=...` (text that starts like a formula, marked so that no
    spreadsheet runs it) is `=...`."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def read_authority_yaml(path: Path, schema: Schema, problems: list[Problem]) -> RawRecord | None:
    loaded = read_yaml(path, problems)
    if loaded is None:
        return None
    document, lines = loaded
    record = RawRecord(path, 1, {}, schema, nested=True)
    hints = Hints()
    choices = [*TOP_LEVEL, *schema.groups, *(schema.yaml_key(name) for name in schema.all_fields)]
    for key in TOP_LEVEL:
        if key in document:
            record.values[key] = document[key]
            record.key_lines[key] = lines[key]
    for key, value in document.items():
        if key in schema.groups:
            _flatten_group(record, key, value, lines, problems, hints)
        elif key not in TOP_LEVEL:
            problems.append(Problem(path, f"unknown key{hints(key, choices)}", lines[key],
                                    record.name, shown_key(key)))
    return record


def shown_key(key: str) -> str:
    """A key as a message names it: visible, and cut short if long."""
    return visible(key if len(key) <= 60 else f"{key[:40]}... ({len(key):,} characters)")


def _flatten_group(record: RawRecord, group: str, value: Any, lines, problems,
                   hints: Hints) -> None:
    keys_of = record.schema.groups[group]
    if not isinstance(value, dict):
        keys = ", ".join(keys_of)
        problems.append(Problem(record.file, f"expected the keys {keys} under it",
                                lines[group], record.name, group))
        return
    for key, item in value.items():
        dotted = f"{group}.{key}"
        if key not in keys_of:
            problems.append(Problem(record.file, f"unknown key{hints(key, keys_of)}",
                                    lines[dotted], record.name, shown_key(dotted)))
            continue
        record.values[f"{group}_{key}"] = item
        record.key_lines[f"{group}_{key}"] = lines[dotted]

