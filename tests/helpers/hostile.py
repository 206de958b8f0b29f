"""Files that once took gigabytes or hours, each with what `build` must now say of it (or None
when the file is really a year, and is read), and the command run as these files demand: under
a 2 GB address-space limit, its peak memory and processor time measured. The hostile-input
suite runs each; `benchmarks/hostile_inputs.py` prints what each takes."""

from __future__ import annotations

import csv
import io
import os
import resource
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from helpers import BROMSGROVE_ROW, CSV_HEADER, ROOT, csv_text, typed
from helpers.workbooks import ods, ods_cell, ods_row, sheet_rows, with_bomb, write_xlsx, xlsx

HEADER = CSV_HEADER.split(",")
ROW = typed(next(csv.reader(io.StringIO(BROMSGROVE_ROW))))
SHEET = "xl/worksheets/sheet1.xml"


def _ods_year(*rows: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        ods(folder / "authorities.ods", {"Authorities": ods_row(HEADER) + "".join(rows)})
    return make


def _xlsx_year(edit) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        xlsx(folder / "authorities.xlsx", HEADER, [ROW], edit=edit)
    return make


def _million_rows_xlsx(folder: Path) -> None:
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(3, 1_000_003))
    xlsx(folder / "authorities.xlsx", HEADER, [ROW],
         edit=lambda name, text: sheet_rows(text, rows) if name == SHEET else text)


def _ten_thousand_rows_xlsx(folder: Path) -> None:
    xlsx(folder / "authorities.xlsx", HEADER, [ROW] * 10_000)


def _shared_strings_xlsx(count: int) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = folder / "authorities.xlsx"
        write_xlsx(path, HEADER, [ROW])
        with zipfile.ZipFile(path) as source:
            members = {info.filename: source.read(info) for info in source.infolist()}
        relation = (b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>')
        members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", relation + b"</Relationships>")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
            for name, data in members.items():
                target.writestr(name, data)
            with target.open("xl/sharedStrings.xml", "w") as stream:
                stream.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                             b'2006/main">')
                for _ in range(count // 100_000):
                    stream.write(b"<si><t>x</t></si>" * 100_000)
                stream.write(b"</sst>")
    return make


def _comment_bomb_xlsx(folder: Path) -> None:
    path = folder / "authorities.xlsx"
    write_xlsx(path, HEADER, [ROW])
    with zipfile.ZipFile(path) as source:
        sheet = source.read(SHEET)
    head, _, tail = sheet.partition(b"<sheetData>")
    with_bomb(path, SHEET, head + b"<!--", b"x" * 1024 * 1024, 4000, b"--><sheetData>" + tail)


def _junk_csv(folder: Path) -> None:
    (folder / "authorities.csv").write_text(csv_text(BROMSGROVE_ROW) + "junk\n" * 1_000_000)


NESTED_FLOW = "authority: x\nreceived: " + "[" * 3000 + "]" * 3000 + "\n"
NESTED_BLOCK = "authority: x\nreceived:\n" + "- " * 3000 + "1\n"
OPEN_BRACKETS = "authority: x\nreceived: " + "[" * 100_000 + "\n"
WHERE = "authorities.ods, sheet Authorities, cell"

# name -> (make the year's authorities in a folder, what `build` says, or None: it is read)
CASES: dict[str, tuple[Callable[[Path], None], str | None]] = {
    ".ods: a row repeated a million times": (
        _ods_year(ods_row(ROW, repeat=1_000_000)),
        f"{WHERE} A2: repeats a row with values 1,000,000 times, to row 1,000,001, beyond the "
        "5,000 rows read"),
    ".ods: LibreOffice's empty rest of a sheet": (
        _ods_year(ods_row(ROW, extra=ods_cell({"table:number-columns-repeated": "16359"})),
                  ods_row([{"table:number-columns-repeated": "16384"}], repeat=1_048_574)),
        None),
    ".ods: 100,000 rows of 16,384 empty cells": (
        _ods_year(ods_row(ROW), *[ods_row([{"table:number-columns-repeated": "16384"}])]
                  * 100_000),
        None),
    ".ods: 100,000 rows with values": (
        _ods_year(*[ods_row([1, {"table:number-columns-repeated": "16384"}])] * 100_000),
        f"{WHERE} A5001: holds a value in row 5,001, beyond the 5,000 rows read"),
    ".ods: a value repeated 16,384 columns": (
        _ods_year(ods_row(ROW, extra=ods_cell({"table:number-columns-repeated": "16384",
                                                "office:value-type": "float",
                                                "office:value": "1"}))),
        f"{WHERE} CW2: holds a value in column CW, beyond the 100 columns read (CV is the "
        "last)"),
    ".ods: a cell repeated a billion columns": (
        _ods_year(ods_row([{"table:number-columns-repeated": "1000000000",
                            "office:value-type": "float", "office:value": "1"}])),
        f"{WHERE} CW2: holds a value in column CW"),
    ".ods: an empty cell repeated a billion columns": (
        _ods_year(ods_row(ROW, extra=ods_cell({"table:number-columns-repeated": "1000000000"}))),
        None),
    ".ods: a million empty cells, not repeated": (
        _ods_year(ods_row(ROW), ods_row([], extra="<table:table-cell/>" * 1_100_000)),
        "authorities.ods: cannot be read as an OpenDocument sheet (holds more than 1,000,000 XML "
        "elements"),
    ".ods: a number that is not one": (
        _ods_year(ods_row([{"office:value-type": "float", "office:value": "abc"}])),
        f'{WHERE} A2: holds the number "abc", which is not one'),
    ".ods: a date that does not exist": (
        _ods_year(ods_row([{"office:value-type": "date", "office:date-value": "2018-02-30"}])),
        f'{WHERE} A2: holds the date "2018-02-30", which is not a real date'),
    ".ods: a repeat that is not a count": (
        _ods_year(ods_row([{"table:number-columns-repeated": "abc"}])),
        f'{WHERE} A2: says its number-columns-repeated is "abc", which is not a count'),
    ".xlsx: a million rows": (
        _million_rows_xlsx,
        "authorities.xlsx: cannot be read as an Excel workbook (its part xl/worksheets/sheet1.xml"
        " unpacks to"),
    ".xlsx: ten thousand councils": (
        _ten_thousand_rows_xlsx,
        "authorities.xlsx, sheet Authorities, cell A5001: holds a value in row 5,001, beyond the "
        "5,000 rows read"),
    ".xlsx: dimension A1:XFD1048576 and one far cell": (
        _xlsx_year(lambda name, text: sheet_rows(
            text.replace('ref="A1:Y2"', 'ref="A1:XFD1048576"'),
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>') if name == SHEET else text),
        "authorities.xlsx, sheet Authorities, cell XFD1048576: holds a value in row 1,048,576, "
        "beyond the 5,000 rows read"),
    ".xlsx: a million empty cells": (
        _xlsx_year(lambda name, text: sheet_rows(text, '<row r="3">' + "<c/>" * 1_100_000
                                                 + "</row>") if name == SHEET else text),
        "authorities.xlsx: cannot be read as an Excel workbook (holds more than 1,000,000 XML "
        "elements (cells, rows and what is in them; stopped in xl/worksheets/sheet1.xml)"),
    ".xlsx: 13 million shared strings": (
        _shared_strings_xlsx(13_000_000),
        "authorities.xlsx: cannot be read as an Excel workbook (its part xl/sharedStrings.xml "
        "unpacks to 210.8 MB, more than the 32.0 MB a part may"),
    ".xlsx: 200,000 shared strings": (
        _shared_strings_xlsx(200_000),
        "authorities.xlsx: cannot be read as an Excel workbook (holds more than 100,000 different"
        " texts"),
    ".xlsx: a 4 GB comment in a 4 MB file": (
        _comment_bomb_xlsx,
        "authorities.xlsx: cannot be read as an Excel workbook (its part xl/worksheets/sheet1.xml"
        " unpacks to 4,000.0 MB, more than the 32.0 MB a part may"),
    "CSV: a million junk rows": (
        _junk_csv,
        "authorities.csv, line 5001: has more than 5,000 rows (the header among them)"),
    "CSV: a value in column 101": (
        lambda folder: (folder / "authorities.csv").write_text(
            csv_text(BROMSGROVE_ROW + "," * 76 + "x")),
        "authorities.csv, line 2: has a value in column 101, beyond the 100 columns read"),
    "CSV: empty columns far to the right": (
        lambda folder: (folder / "authorities.csv").write_text(
            "\n".join(line + "," * 16_000 for line in csv_text(BROMSGROVE_ROW).splitlines())),
        None),
    "YAML: nested 3,000 deep": (
        lambda folder: (folder / "authorities" / "x.yaml").write_text(NESTED_FLOW),
        "x.yaml, line 2: is not valid YAML: values nested more than 20 levels deep"),
    "YAML: lists nested 3,000 deep": (
        lambda folder: (folder / "authorities" / "x.yaml").write_text(NESTED_BLOCK),
        "x.yaml, line 3: is not valid YAML: values nested more than 20 levels deep"),
    "YAML: [ 100,000 times": (
        lambda folder: (folder / "authorities" / "x.yaml").write_text(OPEN_BRACKETS),
        "x.yaml, line 2: is not valid YAML: values nested more than 20 levels deep"),
}


MEMORY_LIMIT = 2 * 1024**3  # bytes of address space
# Run the command, and on the way out say its peak memory (VmHWM: since exec, unlike the
# rusage figure, which keeps the high-water mark of the process that forked it).
MEASURED = ("import atexit, os, runpy, sys\n"
            "def peak():\n"
            "    with open('/proc/self/status') as status, open(os.environ['PEAK'], 'w') as out:\n"
            "        out.write(next(line for line in status if line.startswith('VmHWM')))\n"
            "atexit.register(peak)\n"
            "sys.argv[0] = 'lgsco-letters'\n"
            "runpy.run_module('lgsco_letters', run_name='__main__', alter_sys=True)\n")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    megabytes: float  # peak resident memory
    seconds: float  # of processor time, which load on the machine hardly changes


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_limited(args: list[str], timeout: float) -> Run:
    """`python -m lgsco_letters ARGS` under the memory limit, killed after `timeout` seconds."""
    with tempfile.TemporaryDirectory() as scratch:
        peak, out, err = (Path(scratch) / name for name in ("peak", "out", "err"))
        with out.open("w+b") as stdout, err.open("w+b") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-c", MEASURED, *args], cwd=ROOT, stdout=stdout,
                stderr=stderr, preexec_fn=_limits,
                env={**os.environ, "PYTHONPATH": str(ROOT), "PEAK": str(peak)})
            timer = threading.Timer(timeout, process.kill)
            timer.start()
            _, status, usage = os.wait4(process.pid, 0)
            timer.cancel()
            process.returncode = os.waitstatus_to_exitcode(status)
        text = peak.read_text() if peak.exists() else "VmHWM: 0 kB"
        return Run(process.returncode, out.read_text(errors="replace"),
                   err.read_text(errors="replace"), int(text.split()[1]) / 1024,
                   usage.ru_utime + usage.ru_stime)
