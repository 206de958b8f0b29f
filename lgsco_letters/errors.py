"""The errors a user can act on. The CLI catches `LettersError` once and exits 2."""

from __future__ import annotations

import errno
import functools
import os
from dataclasses import dataclass
from pathlib import Path

# What the system says when it will not let us at a file: a matter of permissions (or of a
# read-only or immutable folder), never of the file's content or of the disk's room.
ACCESS_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)
EXIT_BUG = 3  # the exit code of a bug in lgsco-letters (2 is the user's input)


def access_denied(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in ACCESS_ERRNOS


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


class LettersError(Exception):
    """A problem with the user's input or request; reported without a traceback."""

    exit_code = 2


class DataError(LettersError):
    """Every problem found in a year's data or templates, gathered before anything is written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(self.report())

    def report(self, every: bool = False) -> str:
        """Every problem, those alike in many records counted (see `findings`) unless
        `every`."""
        from lgsco_letters.data.addresses import visible
        from lgsco_letters.findings import cut_short, group_problems

        count = len(self.problems)
        heading = f"Found {count:,} problem{'s' if count != 1 else ''}; nothing was written:"
        lines = [f"  {problem}" for problem in group_problems(self.problems, every)]
        # what the data holds is shown, never obeyed: a terminal's escapes made visible
        return "\n".join([heading, *(visible(line) for line in cut_short(lines, every))])


class RenderError(LettersError):
    """One letter could not be rendered; the build carries on with the others.

    `template` and `line` say where a template fault lies, when it lies in a template, so that
    a fault many letters share can be reported once."""

    def __init__(self, message: str, template: Path | None = None, line: int | None = None,
                 detail: str = ""):
        super().__init__(message)
        self.template, self.line, self.detail = template, line, detail or message

    @property
    def where(self) -> tuple[Path | None, int | None, str]:
        return self.template, self.line, self.detail
