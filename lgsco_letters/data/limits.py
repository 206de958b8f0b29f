"""How much of any input is read: plain limits far above any real year.

A year has at most a few hundred authorities, each a row of a few dozen short cells. A file
past one of these limits is refused the moment the limit is passed, with its place named, so
that no file, however made, takes more than seconds or more than a few hundred megabytes. Each
limit is said in the README.
"""

from __future__ import annotations

import stat
from pathlib import Path

from lgsco_letters.errors import Problem
from lgsco_letters.files import read_utf8

MB = 1024 * 1024
MAX_TABLE_BYTES = 20 * MB  # authorities.csv, .xlsx or .ods (a real year's: about 100 KB)
KB = 1024
# year.yaml or one authority's YAML (a real one: about 1 KB; YAML is read at some 150 KB a
# second, so that this is also the limit of the time one file takes)
MAX_YAML_BYTES = 256 * KB
MAX_UNPACKED_BYTES = 32 * MB  # each part of a workbook that is read, unpacked
MAX_ELEMENTS = 1_000_000  # XML elements of a workbook, all parts read (a year's: about 50,000)
MAX_ROWS = 5_000  # rows of a sheet or CSV, the header among them
MAX_COLUMNS = 100  # columns of a sheet or CSV (a format has about 30)
MAX_CELL_CHARS = 131_072  # characters in one cell (no name or figure comes near)
MAX_SHARED_STRINGS = 100_000  # distinct texts an .xlsx may hold
MAX_YAML_FILES = MAX_ROWS  # files in authorities/
MAX_NESTING = 20  # levels of a YAML file (year.yaml needs 4)


class LimitPassed(Exception):
    """Reading stopped at a limit: the problem says which, and where."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def size_words(size: int) -> str:
    if size < 10 * KB:
        return f"{size:,} bytes"
    return f"{size / KB:,.0f} KB" if size < MB else f"{size / MB:,.1f} MB"


def too_big(path: Path, limit: int) -> str | None:
    """Why the file at `path` is not read whole, or None when it may be: it must be a regular
    file (not a device or a pipe, which could be endless) of at most `limit` bytes."""
    try:
        status = path.stat()
    except OSError as error:
        return f"cannot be opened ({error.strerror or error})"
    if not stat.S_ISREG(status.st_mode):
        return "is not a regular file (a device, a pipe or a folder): expected a file"
    if status.st_size > limit:
        return (f"is {size_words(status.st_size)}, more than the {size_words(limit)} a data "
                "file of its kind may be: a year's data is far smaller (is it the right file?)")
    return None


def read_text(path: Path, problems: list[Problem], limit: int) -> str | None:
    """The file's UTF-8 text, or None with the problem reported (too big, or not UTF-8)."""
    if reason := too_big(path, limit):
        problems.append(Problem(path, reason))
        return None
    try:
        return read_utf8(path, problems)
    except OSError as error:
        problems.append(Problem(path, f"cannot be opened ({error.strerror or error})"))
        return None
