"""One cell of an `.ods` sheet (or several alike, repeated), read as its XML is parsed: its
text (comments are not its text, a covered cell's text is not read) and its value, typed as
the cell holds it. `ods.py` reads the sheets and their rows."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from lgsco_letters.data.limits import MAX_CELL_CHARS
from lgsco_letters.data.packages import (
    ErrorCell,
    FormulaCell,
    TextOf,
    Unreadable,
    too_long,
    whole,
)

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
NUMBERS = ("float", "percentage", "currency")
# The names looked for, made once (each element is compared with several).
ANNOTATION = f"{OFFICE}annotation"
PARAGRAPHS = (f"{TEXT}p", f"{TEXT}h")
SPACE, TAB, LINE_BREAK = f"{TEXT}s", f"{TEXT}tab", f"{TEXT}line-break"
VALUE_TYPE, FORMULA = f"{OFFICE}value-type", f"{TABLE}formula"
COLUMNS_REPEATED = f"{TABLE}number-columns-repeated"
# LibreOffice marks a formula whose result is an error (#N/A, Err:502) so; older versions wrote
# the error as the formula's text alone
CALC_VALUE_TYPE = ("urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0 "
                   "value-type")
ERROR_TEXT = re.compile(r"#(NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A)|Err:[0-9]{3}")


def repeats(attributes: dict, key: str, sheet: str, cell: str) -> int:
    text = attributes.get(f"{TABLE}{key}", "1")
    if not whole(text):
        raise Unreadable(f'says its {key} is "{text[:40]}", which is not a count: save the '
                         "file again from a spreadsheet program", sheet, cell)
    return whole(text)


class Cell:
    """One cell (or several alike, repeated): its attributes, and its text as it is parsed."""

    def __init__(self, row: Any, attributes: dict, covered: bool = False):
        self.row, self.attributes, self.column = row, attributes, row.column
        self.covered = covered  # its place counts; what it holds is hidden, and not read
        self.repeat = 1 if COLUMNS_REPEATED not in attributes else repeats(
            attributes, "number-columns-repeated", row.table.name, self.ref)
        self.paragraphs: list[TextOf] = []
        self.depth = 0  # elements open within the cell
        self.skipping = 0  # within a comment (office:annotation), which is not the cell's text
        self.writing = 0  # within a paragraph: text elsewhere is the file's layout
        self.length = 0

    @property
    def ref(self) -> str:
        return self.row.ref(self.column)

    def start(self, name: str, attributes: dict) -> None:
        self.depth += 1
        if self.skipping or name == ANNOTATION:
            self.skipping += 1
        elif name in PARAGRAPHS:
            self.paragraphs.append(TextOf(self._too_long))
            self.writing += 1
        elif self.writing:
            self._space(name, attributes)

    def _space(self, name: str, attributes: dict) -> None:
        if name == SPACE:
            count = attributes.get(f"{TEXT}c", "1")
            spaces = whole(count, 7)
            self.text(" " * min(MAX_CELL_CHARS + 1 if spaces is None else spaces,
                                MAX_CELL_CHARS + 1))
        elif name == TAB:
            self.text("\t")
        elif name == LINE_BREAK:
            self.text("\n")

    def end(self, name: str) -> None:
        self.depth -= 1
        if self.skipping:
            self.skipping -= 1
        elif name in PARAGRAPHS:
            self.writing -= 1

    def text(self, data: str) -> None:
        if self.writing and not self.skipping:
            self.length += len(data)
            if self.length > MAX_CELL_CHARS:
                raise self._too_long()
            self.paragraphs[-1].parts.append(data)

    def _too_long(self) -> Unreadable:
        return too_long(self.row.table.name, self.ref)

    def value(self) -> Any:
        kind = self.attributes.get(VALUE_TYPE)
        formula = self.attributes.get(FORMULA)
        if self.covered or (not kind and not formula and not self.paragraphs):  # empty
            return None
        text = "\n".join(paragraph.value() for paragraph in self.paragraphs)
        if self.attributes.get(CALC_VALUE_TYPE) == "error" or (
                formula and ERROR_TEXT.fullmatch(text.strip())):
            return ErrorCell(text.strip())
        if formula and not kind:
            return FormulaCell(formula.removeprefix("of:"))
        if kind in NUMBERS:
            return self._number(self.attributes.get(f"{OFFICE}value", ""))
        if kind == "boolean":
            return self._flag(self.attributes.get(f"{OFFICE}boolean-value", ""))
        if kind == "date":
            return self._date(self.attributes.get(f"{OFFICE}date-value", ""))
        return text or self.attributes.get(f"{OFFICE}string-value") or None

    def _number(self, text: str) -> float:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise self._broken(f'holds the number "{text[:40]}", which is not one')
        return number

    def _flag(self, text: str) -> bool:
        if text not in ("true", "false"):
            raise self._broken(f'holds the true/false value "{text[:40]}", which is neither')
        return text == "true"

    def _date(self, text: str) -> datetime.date:
        try:
            if len(text) > 10:  # with a time of day
                return datetime.datetime.fromisoformat(text)
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise self._broken(f'holds the date "{text[:40]}", which is not a real date') from None

    def _broken(self, what: str) -> Unreadable:
        return Unreadable(f"{what}: save the file again from a spreadsheet program",
                          self.row.table.name, self.ref)
