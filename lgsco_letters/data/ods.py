"""Reading `authorities.ods` as a stream of `content.xml`, repeats counted, never expanded.

LibreOffice writes the empty rest of a sheet as one row repeated a million times, and a row's
empty rest as one cell repeated thousands of times: here those cost nothing, and a value
repeated past the rows or columns read is refused at once. The sheet read is the one named
`authorities` (in any case), else the first; rows are kept only for those two, and of the
other sheets only their names and whether they are hidden (by their style, in `content.xml` or
`styles.xml`). A cell covered by a merged one keeps its place, and what it holds, which no one
sees, is not read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lgsco_letters.data.limits import MAX_COLUMNS, MAX_ROWS
from lgsco_letters.data.ods_cells import TABLE, Cell, repeats
from lgsco_letters.data.packages import (
    Row,
    Unreadable,
    beyond_limits,
    blank,
    column_name,
    hidden_cell,
    open_package,
)

STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0 "
COVERED = f"{TABLE}covered-table-cell"  # under a merged cell: hidden, though it may hold text
CELLS = (f"{TABLE}table-cell", COVERED)
COLUMN = f"{TABLE}table-column"
VISIBILITY = f"{TABLE}visibility"  # "collapse" or "filter" hides a row or a column
# The names looked for, made once (each element is compared with several).
ROW, SHEET = f"{TABLE}table-row", f"{TABLE}table"
STYLE_NAME, TABLE_PROPERTIES = f"{STYLE}style", f"{STYLE}table-properties"


def read_ods(path: Path, choose: Any) -> tuple[str, list[Row]]:
    """The chosen sheet's name and rows; `choose(names, hidden)` picks the sheet (and refuses a
    hidden one)."""
    with open_package(path, ".ods") as package:
        content = _Content()
        if package.has("styles.xml"):  # a sheet's style may be there, rather than beside it
            package.parse("styles.xml", content.start_style)
        package.parse("content.xml", content.start, content.end, content.text)
        if not content.tables:
            raise Unreadable("it has no sheets")
        name = choose([table.name for table in content.tables],
                      {table.name: "hidden" for table in content.tables if table.hidden})
        table = next(table for table in content.tables if table.name == name)
        if table.problem is not None:
            raise table.problem
        return name, table.rows


class _Table:
    def __init__(self, name: str, hidden: bool, kept: bool):
        self.name, self.hidden, self.kept = name, hidden, kept
        self.rows: list[Row] = []
        self.problem: Unreadable | None = None  # a limit passed: said only if it is chosen
        self.columns = 0  # declared so far
        self.hidden_columns: list[tuple[int, int]] = []  # first and last, counted from 0

    def column(self, attributes: dict) -> None:
        """A column declaration (or several alike): hidden ones are kept, to refuse values."""
        repeat = repeats(attributes, "number-columns-repeated", self.name, None)
        if attributes.get(VISIBILITY, "visible") != "visible" and self.columns < MAX_COLUMNS:
            self.hidden_columns.append((self.columns, self.columns + repeat - 1))
        self.columns += repeat

    def hides(self, first: int, repeat: int) -> bool:
        return any(first <= last and start <= first + repeat - 1
                   for start, last in self.hidden_columns)


class _Content:
    """Handlers for `content.xml`: the hidden sheets' styles, then each sheet's rows."""

    def __init__(self) -> None:
        # each table style: whether it hides its sheet (None: as its parent does), its parent
        self.styles: dict[str, tuple[bool | None, str | None]] = {}
        self.style: str | None = None
        self.tables: list[_Table] = []
        self.table: _Table | None = None  # the sheet whose rows are being kept
        self.depth = 0  # of tables within tables (a cell may hold one): only the outer is read
        self.number = 0  # the last row number so far
        self.row: _Row | None = None
        self.cell: Cell | None = None

    def start(self, name: str, attributes: dict) -> None:
        try:
            if self.cell is not None:
                self.cell.start(name, attributes)
            elif name in CELLS and self.row is not None:
                self.cell = Cell(self.row, attributes, covered=name == COVERED)
            elif name == ROW and self.depth == 1 and self.table is not None:
                self.row = _Row(self, attributes)
            elif name == COLUMN and self.depth == 1 and self.table is not None:
                self.table.column(attributes)
            elif name == SHEET:
                self._table(attributes)
            else:
                self.start_style(name, attributes)
        except Unreadable as problem:
            self.failed(problem)

    def start_style(self, name: str, attributes: dict) -> None:
        """A style, in `styles.xml` or `content.xml` (the latter's win): whether it hides a
        sheet (`table:display="false"`), or takes that from the style it is based on."""
        if name == STYLE_NAME:
            if attributes.get(f"{STYLE}family") != "table":
                self.style = None  # a paragraph's or a cell's: no sheet takes it
                return
            self.style = attributes.get(f"{STYLE}name", "")
            self.styles[self.style] = (None, attributes.get(f"{STYLE}parent-style-name"))
        elif name == TABLE_PROPERTIES and self.style is not None:
            display = attributes.get(f"{TABLE}display")
            if display is not None:
                self.styles[self.style] = (display == "false", self.styles[self.style][1])

    def hides(self, style: str | None) -> bool:
        """Whether a sheet of this style is hidden: by the style, or one it is based on."""
        seen: set[str] = set()
        while style is not None and style in self.styles and style not in seen:
            seen.add(style)
            hidden, style = self.styles[style]
            if hidden is not None:
                return hidden
        return False

    def _table(self, attributes: dict) -> None:
        self.depth += 1
        if self.depth > 1:
            return
        name = attributes.get(f"{TABLE}name", "")
        named = name.strip().casefold() == "authorities"
        kept = named and not any(table.kept and table.name.strip().casefold() == "authorities"
                                 for table in self.tables)
        table = _Table(name, self.hides(attributes.get(f"{TABLE}style-name")),
                       kept or not self.tables)
        self.tables.append(table)
        self.table, self.number = (table if table.kept else None), 0

    def end(self, name: str) -> None:
        try:
            if self.cell is not None:
                if name in CELLS and self.cell.depth == 0:
                    self.row.add(self.cell)
                    self.cell = None
                else:
                    self.cell.end(name)
            elif name == ROW and self.row is not None:
                self.row.finish()
                self.row = None
            elif name == SHEET:
                self._end_table()
        except Unreadable as problem:
            self.failed(problem)

    def _end_table(self) -> None:
        self.depth -= 1
        if self.depth == 0:  # the sheets after are read for their names and states alone
            self.table = None

    def text(self, data: str) -> None:
        if self.cell is not None:
            try:
                self.cell.text(data)
            except Unreadable as problem:
                self.failed(problem)

    def failed(self, problem: Unreadable) -> None:
        """A fault or a limit passed in the sheet being kept: it is refused if chosen, and
        read no further."""
        self.row = self.cell = None
        if self.table is None:
            raise problem
        self.table.problem, self.table.rows = problem, []
        if self.table.name.strip().casefold() == "authorities":
            raise problem  # the sheet that is read: no need to read on
        self.table = None


class _Row:
    """A row of the sheet being kept (or several alike, repeated)."""

    def __init__(self, content: _Content, attributes: dict):
        self.content, self.table = content, content.table
        self.first = content.number + 1
        self.values: list[Any] = []
        self.column = 0  # of the next cell
        self.repeat = repeats(attributes, "number-rows-repeated", self.table.name,
                               self.ref(0))
        self.hidden = attributes.get(VISIBILITY, "visible") != "visible"

    def ref(self, column: int) -> str:
        return f"{column_name(column)}{self.first}"

    def add(self, cell: Cell) -> None:
        value = cell.value()
        if not blank(value):
            if self.column + cell.repeat > MAX_COLUMNS or self.first > MAX_ROWS:
                beyond = max(self.column, min(self.column + cell.repeat - 1, MAX_COLUMNS))
                raise beyond_limits(self.table.name, self.ref(beyond), self.first, beyond)
            if self.hidden or self.table.hides(self.column, cell.repeat):
                raise hidden_cell(self.table.name, self.ref(self.column),
                                  "row" if self.hidden else "column")
            self.values += [None] * (self.column - len(self.values)) + [value] * cell.repeat
        self.column += cell.repeat

    def finish(self) -> None:
        self.content.number += self.repeat
        if any(not blank(value) for value in self.values):
            last = self.first + self.repeat - 1
            if last > MAX_ROWS and self.repeat > 1:
                raise Unreadable(f"repeats a row with values {self.repeat:,} times, to row "
                                 f"{last:,}, beyond the {MAX_ROWS:,} rows read: a year has a "
                                 "few hundred authorities", self.table.name, self.ref(0))
            if last > MAX_ROWS:
                raise beyond_limits(self.table.name, self.ref(0), last, 0)
            self.table.rows += [(self.first + n, self.values) for n in range(self.repeat)]
