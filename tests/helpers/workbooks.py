"""Workbooks made by hand, XML part by XML part: the broken and hostile files no spreadsheet
program writes, but which arrive all the same."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

from helpers import write_xlsx

ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"')


def rewrite_zip(path: Path, edit) -> None:
    """Rewrite the zip at `path`, each member's bytes passed through `edit(name, data)`."""
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, edit(name, data))


def xlsx(path: Path, header: list[str], rows: list[list], edit=None, **options) -> Path:
    """An .xlsx as openpyxl writes it, then each part passed through `edit(name, text)`."""
    write_xlsx(path, header, rows, **options)
    if edit is not None:
        rewrite_zip(path, lambda name, data: edit(name, data.decode()).encode())
    return path


def sheet_rows(xml: str, rows: str) -> str:
    """A sheet's XML with `rows` (row elements) added at the end of its data."""
    return xml.replace("</sheetData>", f"{rows}</sheetData>")


def ods_cell(value) -> str:
    """One cell as LibreOffice writes it: a number, a boolean, text, or a dict of attributes."""
    if isinstance(value, dict):
        attributes = " ".join(f'{key}="{item}"' for key, item in value.items())
        return f"<table:table-cell {attributes}/>"
    if isinstance(value, bool):
        return (f'<table:table-cell office:value-type="boolean" '
                f'office:boolean-value="{str(value).lower()}"/>')
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    if value is None:
        return "<table:table-cell/>"
    return (f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p>'
            "</table:table-cell>")


def ods_row(cells: list, repeat: int = 1, extra: str = "") -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat != 1 else ""
    return f"<table:table-row{repeated}>{''.join(map(ods_cell, cells))}{extra}</table:table-row>"


def ods(path: Path, tables: dict[str, str], hidden: tuple[str, ...] = ()) -> Path:
    """An .ods of sheets given as their rows' XML; `hidden` sheets hidden as LibreOffice does."""
    styles = ('<style:style style:name="hidden" style:family="table">'
              '<style:table-properties table:display="false"/></style:style>')
    hide = ' table:style-name="hidden"'
    body = "".join(
        f'<table:table table:name="{name}"{hide if name in hidden else ""}>{rows}</table:table>'
        for name, rows in tables.items())
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               f'{ODS_NAMESPACES}><office:automatic-styles>{styles}</office:automatic-styles>'
               f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
               "</office:document-content>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         zipfile.ZIP_STORED)
        package.writestr("content.xml", content)
        package.writestr("META-INF/manifest.xml", MANIFEST)
    return path


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:'
    'tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
    'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"'
    '/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>")


def deflate_bomb(head: bytes, filler: bytes, times: int, tail: bytes) -> tuple[bytes, int]:
    """A raw deflate stream of `head`, `filler` `times` times, then `tail`, made without
    compressing the whole (one compressed block of the filler, repeated), and its unpacked
    size."""
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    block_maker = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = block_maker.compress(filler) + block_maker.flush(zlib.Z_FULL_FLUSH)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = last.compress(tail) + last.flush(zlib.Z_FINISH)
    return start + block * times + end, len(head) + len(filler) * times + len(tail)


def write_raw_zip(path: Path, members: dict[str, tuple[bytes, int, int]]) -> None:
    """A zip of members given already deflated: name -> (deflated bytes, size, CRC-32)."""
    local, central = bytearray(), bytearray()
    for name, (data, size, crc) in members.items():
        encoded = name.encode()
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(data), size)
        central += (struct.pack("<I", 0x02014B50) + struct.pack("<H", 20) + fields
                    + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, len(local))
                    + encoded)
        local += struct.pack("<I", 0x04034B50) + fields + struct.pack("<HH", len(encoded), 0)
        local += encoded + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                      len(local), 0)
    path.write_bytes(bytes(local + central + end))


def with_bomb(path: Path, part: str, head: bytes, filler: bytes, times: int,
              tail: bytes) -> Path:
    """The zip at `path` with `part` replaced by a deflate bomb (see `deflate_bomb`); the
    directory says its true unpacked size."""
    with zipfile.ZipFile(path) as source:
        members = {}
        for info in source.infolist():
            data = source.read(info)
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            members[info.filename] = (packer.compress(data) + packer.flush(), len(data),
                                      zlib.crc32(data))
    data, size = deflate_bomb(head, filler, times, tail)
    members[part] = (data, size, 0)  # the CRC is never reached
    write_raw_zip(path, members)
    return path


SHEET = "xl/worksheets/sheet1.xml"  # the first sheet of a workbook `xlsx` writes


def in_sheet(old: str, new: str):
    """An edit (for `xlsx`'s `edit`) of the first sheet's XML, insisting that `old` is there."""
    def edit(name: str, text: str) -> str:
        if name != SHEET:
            return text
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


def problems_of(folder) -> list[str]:
    """The problems loading the year folder raises, each with the folder's path left out."""
    import pytest

    from lgsco_letters.errors import DataError, display_path
    from lgsco_letters.project import load_year

    with pytest.raises(DataError) as caught:
        load_year(folder)
    return [str(problem).replace(display_path(folder) + "/", "")
            for problem in caught.value.problems]
