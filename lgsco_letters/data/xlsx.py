"""Reading `authorities.xlsx` as a stream: the workbook's list of sheets, its shared texts, the
styles that make a number a date (`xlsx_book.py`), and the chosen sheet's rows, every one that
is there.

openpyxl's read-only mode trusts the sheet's `<dimension>` (a stale one silently drops rows; a
huge one pads every row to 16,384 cells), loads every shared text before the first row, reads a
hidden sheet as readily as a visible one, and leaves Excel's `_xHHHH_` escapes in the text. So
the parts are read here, within the limits; openpyxl still says which number formats are dates
and how Excel counts its days.
"""

from __future__ import annotations

import datetime
import math
import re
from pathlib import Path
from typing import Any

from lgsco_letters.data.addresses import visible
from lgsco_letters.data.limits import MAX_COLUMNS, MAX_ROWS
from lgsco_letters.data.packages import (
    ErrorCell,
    FormulaCell,
    Package,
    Row,
    TextOf,
    Unreadable,
    beyond_limits,
    blank,
    column_name,
    hidden_cell,
    open_package,
    too_long,
    unescape,
    whole,
)
from lgsco_letters.data.xlsx_book import Workbook, date_styles, shared_strings

CELL = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
HIDDEN = ("1", "true")
AGAIN = "save the file again from a spreadsheet program"
# The sheet's elements by their full names, in either namespace Excel uses (or none).
SHEET_TAGS = {f"{namespace}{tag}": tag for tag in ("c", "row", "v", "f", "is", "t", "rPh", "col")
              for namespace in ("http://schemas.openxmlformats.org/spreadsheetml/2006/main ",
                                "http://purl.oclc.org/ooxml/spreadsheetml/main ", "")}


def read_xlsx(path: Path, choose: Any) -> tuple[str, list[Row]]:
    """The chosen sheet's name and rows; `choose(names, hidden)` picks the sheet (and refuses a
    hidden one)."""
    with open_package(path, ".xlsx") as package:
        book = Workbook(package)
        name = choose([sheet[0] for sheet in book.sheets],
                      {sheet[0]: sheet[1] for sheet in book.sheets if sheet[1] != "visible"})
        strings = shared_strings(package, book.part("sharedStrings"))
        dates = date_styles(package, book.part("styles"))
        sheet = _Sheet(name, strings, dates, book.epoch)
        return name, sheet.read(package, book.sheet_part(name))


class _Sheet:
    """One sheet's rows, as its XML is parsed: each value typed as the cell holds it."""

    def __init__(self, name: str, strings: list[str], dates: set[int],
                 epoch: datetime.datetime):
        self.name, self.strings, self.dates, self.epoch = name, strings, dates, epoch
        self.rows: list[Row] = []
        self.number, self.values, self.column = 0, [], -1  # the row, and its last cell's column
        self.cell: dict = {}
        self.kind, self.style, self.ref = "n", None, ""
        self.value: TextOf | None = None
        self.formula: TextOf | None = None
        self.inline: TextOf | None = None
        self.target: TextOf | None = None  # where the characters being parsed go
        self.phonetic = 0
        self.hidden_row = False
        self.hidden_columns: list[tuple[int, int]] = []  # first and last, counted from 0

    def read(self, package: Package, part: str) -> list[Row]:
        package.parse(part, self._start, self._end, self._text)
        return self.rows

    def _start(self, name: str, attributes: dict) -> None:
        tag = SHEET_TAGS.get(name)
        if tag == "c":
            self.cell = attributes
            self.value = self.formula = self.inline = None
            self._locate()
        elif tag == "row":
            self._row(attributes.get("r"))
            self.hidden_row = attributes.get("hidden") in HIDDEN
        elif tag == "v":
            self.target = self.value = TextOf(self._too_long)
        elif tag == "f":
            self.target = self.formula = TextOf(self._too_long)
        elif tag == "is":
            self.inline = TextOf(self._too_long)
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "col" and attributes.get("hidden") in HIDDEN:
            self._hide_columns(attributes)
        elif tag == "t" and self.inline is not None and not self.phonetic:
            self.target = self.inline

    def _end(self, name: str) -> None:
        tag = SHEET_TAGS.get(name)
        if tag == "c":
            if self.value is not None or self.formula is not None or self.inline is not None:
                self._place(self._cell_value())
        elif tag == "row":
            if any(not blank(value) for value in self.values):
                self.rows.append((self.number, self.values))
        elif tag == "rPh":
            self.phonetic -= 1
        self.target = None

    def _row(self, reference: str | None) -> None:
        """A row starts: its number, from its `r` or else the row before's and one; rows come
        once each, top to bottom, as every program writes them."""
        number = self.number + 1 if reference is None else whole(reference, 7)
        if not number:
            raise Unreadable(f'names its row "{visible(reference[:20])}", which is not a row '
                             f"number: {AGAIN}", self.name, row=self.number + 1)
        if number <= self.number:
            where = "again" if number == self.number else f"after row {self.number}"
            raise Unreadable(f"holds row {number} {where}: each row comes once, top to bottom; "
                             f"{AGAIN}", self.name, row=number)
        self.number, self.values, self.column = number, [], -1

    def _locate(self) -> None:
        """The cell's column and reference, from its `r` or else from the cell before it; cells
        come once each, left to right, so each value goes to the column its reference names."""
        self.kind, self.style = self.cell.get("t", "n"), self.cell.get("s")
        reference = self.cell.get("r")
        self.ref = f"{column_name(self.column + 1)}{self.number}"  # where it would be
        if reference is None:
            self.column += 1
            return
        match = CELL.fullmatch(reference)
        if not match:
            raise Unreadable(f'names its cell "{visible(reference[:20])}", which is not a cell '
                             f"reference (such as B2): {AGAIN}", self.name, self.ref)
        self.ref, column = reference, _column_index(match[1])
        if int(match[2]) != self.number:
            raise Unreadable(f"names the cell {reference} in row {self.number}: {AGAIN}",
                             self.name, reference)
        if column <= self.column:
            where = ("twice" if column == self.column
                     else f"after {column_name(self.column)}{self.number}")
            raise Unreadable(f"names the cell {reference} {where}: each cell of a row comes once, "
                             f"left to right; {AGAIN}", self.name, reference)
        self.column = column

    def _hide_columns(self, attributes: dict) -> None:
        """A `<col>` that hides columns `min` to `max` (counted from 1)."""
        first, last = whole(attributes.get("min"), 5), whole(attributes.get("max"), 5)
        if first and last and len(self.hidden_columns) < MAX_COLUMNS:
            self.hidden_columns.append((first - 1, min(last - 1, MAX_COLUMNS)))

    def _text(self, data: str) -> None:
        if self.target is not None:
            self.target.add(data)

    def _too_long(self) -> Unreadable:
        return too_long(self.name, self.ref)

    def _place(self, value: Any) -> None:
        if blank(value):
            return
        if self.column >= MAX_COLUMNS or self.number > MAX_ROWS:
            raise beyond_limits(self.name, self.ref, self.number, self.column)
        if self.hidden_row or any(first <= self.column <= last
                                  for first, last in self.hidden_columns):
            raise hidden_cell(self.name, self.ref, "row" if self.hidden_row else "column")
        self.values += [None] * (self.column - len(self.values))
        self.values.append(value)

    def _cell_value(self) -> Any:
        if self.inline is not None:
            return unescape(self.inline.value())
        text = self.value.value() if self.value is not None else ""
        if self.formula is not None and not text and self.kind != "str":  # never calculated
            formula = self.formula.value()
            return FormulaCell(f"={formula}" if formula else "a formula shared with another cell")
        if self.kind in ("s", "str", "b", "e", "d"):
            return self._typed(text)
        return self._number(text) if text.strip() else None

    def _typed(self, text: str) -> Any:
        if self.kind == "s":
            index = whole(text.strip())
            if index is None or index >= len(self.strings):
                raise self._broken(f"refers to shared text {text!r}, which the workbook lacks")
            return self.strings[index]
        if self.kind == "b":  # xsd:boolean: anything else is no value a spreadsheet wrote
            if text.strip() not in BOOLEANS:
                raise self._broken(f"holds the true/false value {text[:40]!r}, which is not one")
            return text.strip() in ("1", "true")
        if self.kind == "d":
            try:
                return datetime.datetime.fromisoformat(text.strip())
            except ValueError:
                raise self._broken(f"holds the date {text!r}, which is not one") from None
        if self.kind == "e":  # #DIV/0!, #N/A: what a formula gave instead of a value
            return ErrorCell(unescape(text).strip())
        return unescape(text)  # a formula's text ("str")

    def _number(self, text: str) -> Any:
        # as a spreadsheet writes a number: float() would also take 1_0 (as 10) and the digits
        # of other scripts, reading a hand-made cell as a figure nobody typed
        if not NUMBER.fullmatch(text.strip()):
            raise self._broken(f"holds the number {text[:40]!r}, which is not one")
        number = float(text)
        if not math.isfinite(number):
            raise self._broken(f"holds the number {text[:40]!r}, which is not a finite one")
        if whole(self.style) in self.dates:
            return self._date(number)
        return number

    def _date(self, number: float) -> Any:
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(number, self.epoch)
        except (OverflowError, ValueError):
            raise self._broken(f"holds a date ({number:g} days) that cannot be") from None

    def _broken(self, what: str) -> Unreadable:
        return Unreadable(f"{what}: save the file again from a spreadsheet program", self.name,
                          self.ref)


BOOLEANS = ("0", "1", "true", "false")
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1
