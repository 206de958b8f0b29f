"""What the .xlsx and .ods readers share: zip archives of XML parts, read as streams, and
the cells they hold.

A part is parsed by expat as it is unpacked, never held whole, and never more of it than
`MAX_UNPACKED_BYTES`: the zip's directory is checked first (a 4 MB file can hold a part that
unpacks to gigabytes) and the bytes are counted again while reading, in case the directory
lies. A document type declaration, which no workbook has, is refused, and with it every entity
trick (XXE, "billion laughs"). A reader stops the parse the moment it has what it needs, or a
limit is passed, by raising.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.parsers import expat

from lgsco_letters.data.addresses import visible
from lgsco_letters.data.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ELEMENTS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    size_words,
)

CHUNK = 1024 * 1024
_LIMIT_WORDS = (f"the {size_words(MAX_UNPACKED_BYTES)} a part may: a year's figures take far "
                "less")
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an old .xls, or a workbook saved with a password


Row = tuple[int, list[Any]]  # a sheet's row number, and its cells' values


class FormulaCell:
    """A formula cell with no saved value, for its message: what it says."""

    def __init__(self, formula: str):
        self.formula = formula

    def __str__(self) -> str:
        return self.formula


class ErrorCell:
    """A cell holding an error (#N/A, #REF!, Err:502...): what a formula gave instead of a
    value, never text or a figure."""

    def __init__(self, code: str):
        self.code = code or "an error"

    def __str__(self) -> str:
        return self.code


def whole(text: str | None, digits: int = 12) -> int | None:
    """`text` as a whole number when it is one of at most `digits` ASCII digits, else None."""
    if text and len(text) <= digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def column_name(index: int) -> str:
    """The spreadsheet's letters for a column counted from 0: A, B, ... Z, AA, ..."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


class Unreadable(Exception):
    """The workbook cannot be read as it stands: the message says why, `sheet` and `cell` (or
    `row`) where (when it is one place)."""

    def __init__(self, message: str, sheet: str | None = None, cell: str | None = None,
                 row: int | None = None):
        super().__init__(message)
        self.message, self.sheet, self.cell, self.row = message, sheet, cell, row


class Done(Exception):
    """Raised by a reader's handler: it has all it needs from the part."""


class Package:
    """A workbook's zip archive, its parts read within the limits: bytes unpacked per part, and
    XML elements in all (each costs a call of Python, so they bound the time taken)."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.elements_left = MAX_ELEMENTS

    def has(self, name: str) -> bool:
        return name in self.archive.NameToInfo

    def parse(self, name: str, start: Callable[[str, dict], Any],
              end: Callable[[str], Any] | None = None,
              text: Callable[[str], Any] | None = None) -> None:
        """Stream part `name` through the handlers: `start(name, attributes)`, `end(name)`
        and `text(characters)`, names with their namespace (`local` takes it off)."""
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise Unreadable(f"it has no part {name}, which it needs") from None
        if info.file_size > MAX_UNPACKED_BYTES:
            raise Unreadable(f"its part {name} unpacks to {size_words(info.file_size)}, more "
                             f"than {_LIMIT_WORDS}")
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = _no_doctype
        parser.buffer_text, parser.buffer_size = True, 64 * 1024
        parser.StartElementHandler = self._counted(name, start)
        parser.EndElementHandler, parser.CharacterDataHandler = end, text
        try:
            self._feed(info, parser)
        except Done:
            pass
        except expat.ExpatError as error:
            raise Unreadable(f"its part {name} is not well-formed XML (line {error.lineno}: "
                             f"{expat.ErrorString(error.code)})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise Unreadable(f"its part {name} is damaged ({error})") from None
        except (RuntimeError, NotImplementedError):  # a password, or an unknown compression
            raise Unreadable(f"its part {name} is encrypted or compressed in a way that cannot "
                             "be read") from None

    def _counted(self, part: str, start: Callable[[str, dict], Any]) -> Callable:
        def counted(name: str, attributes: dict) -> None:
            self.elements_left -= 1
            if self.elements_left < 0:
                raise Unreadable(f"holds more than {MAX_ELEMENTS:,} XML elements (cells, rows "
                                 f"and what is in them; stopped in {part}): a year's take "
                                 "about 50,000")
            start(name, attributes)
        return counted

    def _feed(self, info: zipfile.ZipInfo, parser: Any) -> None:
        unpacked = 0
        with self.archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                unpacked += len(chunk)
                if unpacked > MAX_UNPACKED_BYTES:  # the zip's directory said less
                    raise Unreadable(f"its part {info.filename} unpacks to more than "
                                     f"{_LIMIT_WORDS}")
                parser.Parse(chunk, False)
        parser.Parse(b"", True)


@contextmanager
def open_package(path: Path, kind: str) -> Iterator[Package]:
    """The workbook's zip archive; `kind` names the file as the messages say it."""
    try:
        with zipfile.ZipFile(path) as archive:
            _refuse_repeated_parts(archive)
            yield Package(archive)
    except zipfile.BadZipFile:
        with path.open("rb") as stream:
            magic = stream.read(4)
        if magic == OLE_MAGIC:
            raise Unreadable(f"it is protected by a password, or is an old-style file renamed "
                             f"(save it as {kind} without a password)") from None
        raise Unreadable(f"it is not a zip archive, as every {kind} file is") from None


def _refuse_repeated_parts(archive: zipfile.ZipFile) -> None:
    """A part stored twice (or twice in names that differ only in case, which a workbook's
    parts do not): which of them a program reads is its own affair, so neither is read."""
    seen: set[str] = set()
    for info in archive.infolist():
        name = info.filename.casefold()
        if name in seen:
            raise Unreadable(f"it holds the part {visible(info.filename)} twice, and programs "
                             "differ in which they read")
        seen.add(name)


def local(name: str) -> str:
    """An element's or attribute's name without its namespace."""
    return name[name.rfind(" ") + 1:]


def part_path(source: str, target: str) -> str:
    """The part a relationship of part `source` points to."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _no_doctype(*_: Any) -> None:
    raise Unreadable("it holds a document type declaration (<!DOCTYPE>), which no workbook "
                     "has: save it again from a spreadsheet program")


class TextOf:
    """The text of one cell or string as it is parsed, refused past `MAX_CELL_CHARS`."""

    def __init__(self, where: Callable[[], Unreadable]):
        self.parts: list[str] = []
        self.length = 0
        self.where = where  # the error to raise, with its place

    def add(self, text: str) -> None:
        self.length += len(text)
        if self.length > MAX_CELL_CHARS:
            raise self.where()
        self.parts.append(text)

    def value(self) -> str:
        return "".join(self.parts)


def too_long(sheet: str | None = None, cell: str | None = None) -> Unreadable:
    return Unreadable(f"holds more than {MAX_CELL_CHARS:,} characters in one cell: no name or "
                      "figure is that long", sheet, cell)


ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """Excel's `_xHHHH_` escapes decoded, as Excel reads them: `_x000D_` is a carriage return,
    `_x005F_` an underscore (so `_x005F_x000D_` is the text `_x000D_`)."""
    if "_x" not in text:
        return text
    decoded = ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)
    if any("\ud800" <= char <= "\udfff" for char in decoded):  # a pair makes one character;
        # half of one alone stays, for the rules to refuse (never a silent U+FFFD)
        decoded = decoded.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
    return decoded


def hidden_cell(sheet: str, cell: str, what: str) -> Unreadable:
    """A value in a hidden row or column: what staff see is what is read, so it is refused."""
    how = " (hidden, or filtered out)" if what == "row" else ""
    return Unreadable(f"holds a value in a hidden {what}{how}, which whoever checks the sheet "
                      f"does not see: show the {what}, or delete it if it is not to be read",
                      sheet, cell)


def beyond_limits(sheet: str, cell: str, row: int, column: int) -> Unreadable:
    """A value beyond the rows or columns read: the reading stops there."""
    if row > MAX_ROWS:
        return Unreadable(f"holds a value in row {row:,}, beyond the {MAX_ROWS:,} rows read: a "
                          "year has a few hundred authorities (delete what is below them)",
                          sheet, cell)
    return Unreadable(f"holds a value in column {column_name(column)}, beyond the "
                      f"{MAX_COLUMNS} columns read ({column_name(MAX_COLUMNS - 1)} is the last):"
                      " a year has a few dozen", sheet, cell)
