"""Closing WeasyPrint's gaps in how tables are tagged, as a finisher on its PDF objects.

WeasyPrint 70 tags TH and TD cells but gives headers no /Scope, and its header-to-cell mapping
goes wrong when header cells span rows and columns (as "Detailed Investigations" does over
"Not Upheld" and "Upheld"). Here every table's cells are laid on a grid the way HTML lays them
out, each header gets an ID and a scope, each data cell the IDs of every header above it (or
before it in its row), and the structure tree root an /IDTree so that readers can resolve them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pydyf

SECTIONS = ("/THead", "/TBody", "/TFoot")


@dataclass
class Cell:
    element: Any
    row: int
    column: int
    rows: int
    columns: int
    section: str

    @property
    def is_header(self) -> bool:
        return self.element.get("S") == "/TH"


@dataclass
class Grid:
    cells: list[Cell] = field(default_factory=list)
    taken: set[tuple[int, int]] = field(default_factory=set)

    def place(self, element: Any, row: int, column: int, section: str) -> int:
        """Put a cell at the first free column from `column`; return the column after it."""
        while (row, column) in self.taken:
            column += 1
        attributes = element.get("A") or {}
        rows, columns = int(attributes.get("RowSpan", 1)), int(attributes.get("ColSpan", 1))
        self.taken.update((row + r, column + c) for r in range(rows) for c in range(columns))
        self.cells.append(Cell(element, row, column, rows, columns, section))
        return column + columns


def _children(element: Any, index: dict[bytes, Any]) -> list[Any]:
    kids = element.get("K", [])
    kids = kids if isinstance(kids, list) else [kids]
    return [index[kid] for kid in kids if isinstance(kid, bytes) and kid in index]


def _rows(table: Any, index: dict[bytes, Any]) -> list[tuple[str, Any]]:
    rows = []
    for child in _children(table, index):
        if child.get("S") == "/TR":
            rows.append(("/TBody", child))
        elif child.get("S") in SECTIONS:
            rows += [(child["S"], tr) for tr in _children(child, index) if tr.get("S") == "/TR"]
    return rows


def _grid(table: Any, index: dict[bytes, Any]) -> Grid:
    grid = Grid()
    for row_number, (section, row) in enumerate(_rows(table, index)):
        column = 0
        for cell in _children(row, index):
            if cell.get("S") in ("/TH", "/TD"):
                column = grid.place(cell, row_number, column, section)
    return grid


def _label(table_number: int, cell: Cell) -> str:
    return f"table{table_number}-r{cell.row}c{cell.column}"


def _headers_of(cell: Cell, headers: list[Cell], table_number: int) -> list[str]:
    above = [h for h in headers if h.row < cell.row and h.section != "/TBody"
             and h.column < cell.column + cell.columns and cell.column < h.column + h.columns]
    before = [h for h in headers if h.section == "/TBody" and h.column < cell.column
              and h.row < cell.row + cell.rows and cell.row < h.row + h.rows]
    return [_label(table_number, h) for h in above + before]


def _fix_table(table: Any, index: dict[bytes, Any], table_number: int) -> list[tuple[str, Any]]:
    grid = _grid(table, index)
    headers = [cell for cell in grid.cells if cell.is_header]
    ids = []
    for cell in grid.cells:
        attributes = cell.element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        if cell.is_header:
            label = _label(table_number, cell)
            cell.element["ID"] = pydyf.String(label)
            attributes["Scope"] = "/Row" if cell.section == "/TBody" else "/Column"
            ids.append((label, cell.element.reference))
        else:
            labels = _headers_of(cell, headers, table_number)
            attributes["Headers"] = pydyf.Array([pydyf.String(label) for label in labels])
    return ids


def fix_table_tags(document: Any, pdf: pydyf.PDF) -> None:
    """WeasyPrint finisher: scopes, header IDs and header references for every tagged table."""
    index = {obj.reference: obj for obj in pdf.objects[1:] if isinstance(obj, dict)}
    root = index.get(pdf.catalog.get("StructTreeRoot"))
    if root is None:  # an untagged PDF: nothing to mend
        return
    tables = [obj for obj in index.values() if obj.get("S") == "/Table"]
    ids = [pair for number, table in enumerate(tables, 1)
           for pair in _fix_table(table, index, number)]
    if ids:
        names = [item for label, reference in sorted(ids)
                 for item in (pydyf.String(label), reference)]
        root["IDTree"] = pydyf.Dictionary({"Names": pydyf.Array(names)})
