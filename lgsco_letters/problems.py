"""What is wrong with the input, and where: one `Problem` per finding, located as precisely as
its file allows (the file, the line or sheet and cell, the authority, the field)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path


def display_path(path: Path | str) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    return _relative(str(path), os.getcwd())


@functools.lru_cache(maxsize=1024)
def _relative(path: str, cwd: str) -> str:
    """(Resolving a path asks the system about each folder in it: thousands of problems in
    one file would ask thousands of times.)"""
    try:
        return str(Path(path).resolve().relative_to(Path(cwd).resolve()))
    except ValueError:
        return str(Path(path))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    file: Path
    message: str
    line: int | None = None
    authority: str | None = None
    field: str | None = None
    sheet: str | None = None  # in a workbook: the sheet, and the cell (else `line` is the row)
    cell: str | None = None
    code: str | None = None  # a stable name for the kind of finding (the layout check's)

    def __str__(self) -> str:
        return f"{display_path(self.file)}{self._where()}: {self.message}"

    def located(self) -> str:
        """Where in its file, and what: everything but the file's name (just what, for a
        problem with the whole file)."""
        where = self._where()
        return f"{where}: {self.message}" if where else self.message

    def _where(self) -> str:
        if self.sheet is not None:
            return self._in_sheet()
        where = ""
        if self.line is not None:
            where += f", line {self.line}"
        if self.authority:
            where += f" ({self.authority})"
        if self.field:
            where += f", {self.field}"
        return where

    def _in_sheet(self) -> str:
        where = f", sheet {self.sheet}"
        where += f", cell {self.cell}" if self.cell else (f", row {self.line}" if self.line else "")
        return where + (f" ({self.field})" if self.field else "")

    def as_dict(self) -> dict:
        found = {"file": display_path(self.file), "line": self.line, "authority": self.authority,
                 "field": self.field, "sheet": self.sheet, "cell": self.cell,
                 "message": self.message}
        return {**found, "code": self.code} if self.code else found
