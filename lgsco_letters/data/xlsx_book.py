"""The parts of an .xlsx beyond its sheets: the workbook's list of sheets and where each is,
the shared texts, and the cell styles whose number format makes a number a date."""

from __future__ import annotations

import datetime
import posixpath
from typing import Any

from lgsco_letters.data.limits import MAX_SHARED_STRINGS
from lgsco_letters.data.packages import (
    Package,
    TextOf,
    Unreadable,
    local,
    part_path,
    too_long,
    unescape,
    whole,
)

# Number formats built into Excel that show a date or a time (those from 27 on are East Asian).
DATE_FORMATS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}


class Workbook:
    """`workbook.xml` and its relationships: the sheets in order, each with its state and part."""

    def __init__(self, package: Package):
        self.package = package
        self.path = self._office_document()
        self.sheets: list[tuple[str, str, str]] = []  # name, state, relationship id
        self.epoch = datetime.datetime(1899, 12, 30)
        package.parse(self.path, self._start)
        self.relations = _relationships(package, self.path)
        if not self.sheets:
            raise Unreadable("it has no sheets")

    def _office_document(self) -> str:
        relations = _relationships(self.package, "")
        return next((target for kind, target in relations.values() if kind == "officeDocument"),
                    "xl/workbook.xml")

    def _start(self, name: str, attributes: dict) -> None:
        tag = local(name)
        if tag == "sheet":
            relation = next((value for key, value in attributes.items()
                             if key.endswith(" id") and "relationships" in key), "")
            # the name as written (a report shows it visibly, and a look-alike of Authorities
            # is told by it)
            self.sheets.append((unescape(attributes.get("name", "")),
                                attributes.get("state", "visible"), relation))
        elif tag == "workbookPr" and attributes.get("date1904") in ("1", "true"):
            self.epoch = datetime.datetime(1904, 1, 1)

    def part(self, kind: str) -> str | None:
        return next((target for found, target in self.relations.values() if found == kind), None)

    def sheet_part(self, name: str) -> str:
        relation = next(sheet[2] for sheet in self.sheets if sheet[0] == name)
        kind, target = self.relations.get(relation, ("", ""))
        if kind == "chartsheet":
            raise Unreadable("is a chart, not a sheet of cells", name)
        if kind != "worksheet":
            raise Unreadable("is listed, but the workbook holds no sheet for it: save the file "
                             "again from a spreadsheet program", name)
        return target


def _relationships(package: Package, source: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (kind, the part it points to)."""
    folder, file = posixpath.split(source)
    rels = posixpath.join(folder, "_rels", f"{file}.rels")
    found: dict[str, tuple[str, str]] = {}
    if not package.has(rels):
        return found

    def start(name: str, attributes: dict) -> None:
        if local(name) == "Relationship" and attributes.get("TargetMode") != "External":
            kind = attributes.get("Type", "").rpartition("/")[2]
            found[attributes.get("Id", "")] = (kind, part_path(source, attributes.get("Target",
                                                                                       "")))
    package.parse(rels, start)
    return found


def shared_strings(package: Package, part: str | None) -> list[str]:
    """Every shared text, decoded; phonetic guides (`<rPh>`) are not the text."""
    strings: list[str] = []
    state: dict[str, Any] = {"text": None, "in_t": False, "phonetic": 0}
    if part is None:
        return strings

    def start(name: str, _: dict) -> None:
        tag = local(name)
        if tag == "si":
            if len(strings) >= MAX_SHARED_STRINGS:
                raise Unreadable(f"holds more than {MAX_SHARED_STRINGS:,} different texts: a "
                                 "year's take a few thousand")
            state["text"] = TextOf(too_long)
        elif tag == "rPh":
            state["phonetic"] += 1
        state["in_t"] = tag == "t" and not state["phonetic"] and state["text"] is not None

    def end(name: str) -> None:
        tag = local(name)
        if tag == "si" and state["text"] is not None:
            strings.append(unescape(state["text"].value()))
        elif tag == "rPh":
            state["phonetic"] -= 1
        state["in_t"] = False

    def text(data: str) -> None:
        if state["in_t"]:
            state["text"].add(data)

    package.parse(part, start, end, text)
    return strings


def date_styles(package: Package, part: str | None) -> set[int]:
    """The cell styles (by index) whose number format shows a date or a time."""
    from openpyxl.styles.numbers import is_date_format

    custom: dict[int, str] = {}
    formats: list[int] = []
    inside = {"cellXfs": False}
    if part is None:
        return set()

    def start(name: str, attributes: dict) -> None:
        tag = local(name)
        number = attributes.get("numFmtId", "")
        if tag == "numFmt" and whole(number) is not None:
            custom[whole(number)] = attributes.get("formatCode", "")
        elif tag == "cellXfs":
            inside["cellXfs"] = True
        elif tag == "xf" and inside["cellXfs"]:
            formats.append(whole(number) or 0)

    def end(name: str) -> None:
        if local(name) == "cellXfs":
            inside["cellXfs"] = False

    package.parse(part, start, end)
    return {index for index, number in enumerate(formats)
            if number in DATE_FORMATS or is_date_format(custom.get(number))}
