"""Hostile and broken input through the installed command: exit 2, the place named, no
traceback, nothing written, in seconds and bounded memory."""

from __future__ import annotations

import csv
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import (
    ADUR_ROW,
    BROMSGROVE_ROW,
    BROMSGROVE_YAML,
    BUNDLED_YEAR,
    CSV_HEADER,
    HEADLINE_YEAR_YAML,
    ROOT,
    ZERO_ROW,
    csv_text,
    typed,
)
from helpers.hostile import CASES as ANY_FILE
from helpers.hostile import Run, run_limited
from helpers.workbooks import ods, ods_row, xlsx
from lgsco_letters.errors import display_path

MEMORY_LIMIT = 2 * 1024**3  # bytes of address space: a YAML bomb would need far more
SECONDS = 30

YEAR_YAML = (BUNDLED_YEAR / "year.yaml").read_text(encoding="utf-8")
ALIAS_BOMB = "authority: x\n" + "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9) if n else 'lol'}]\n" for n in range(12))


def limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def build(folder: Path, out: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "lgsco_letters", "build", "--data", str(folder),
               "--out", str(out), "--jobs", "1"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=SECONDS,
                          preexec_fn=limits, env={**os.environ, "PYTHONPATH": str(ROOT)})


def cell(row: str, index: int, value: str) -> str:
    cells = row.split(",")
    cells[index] = value
    return ",".join(cells)


CASES = {
    "impossible date": (
        {"year.yaml": YEAR_YAML.replace("2018-07-18", "2018-02-30")},
        'year.yaml, line 3: is not valid YAML: "2018-02-30" is not a real date (day is out of '
        "range for month)"),
    "5000-digit count in CSV": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 12, "9" * 5000))},
        "received_housing: expected at most 1,000,000 (more than any council receives), found "
        '"9999999999999999999999999999999999999999... (5,000 characters)"'),
    "5000-digit count in YAML": (
        {"authorities/b.yaml": BROMSGROVE_YAML.read_text().replace("housing: 0",
                                                                    "housing: " + "9" * 5000)},
        "b.yaml, line 17: is not valid YAML: a number of 5,000 characters is not a count"),
    "a count beyond any council": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 12, "1000001"))},
        "received_housing: expected at most 1,000,000 (more than any council receives), found "
        '"1000001"'),
    "a cell over the csv module's limit": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 2, "x" * 200_000))},
        "authorities.csv, line 2: a cell is longer than 131,072 characters"),
    "binary prose": (
        {"year.yaml": YEAR_YAML.replace("people_trained: 800", "people_trained: !!binary aGk=")},
        "year.yaml, line 18: is not valid YAML: binary values are not allowed in data files"),
    "a name over 150 characters": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 0, "Adur " + "x" * 150))},
        "authority: expected a name of at most 150 characters, found 155"),
    "ESC in a name": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 0, "Adur\x1b[31m District Council"))},
        "authority: holds a control character (U+001B ESC); retype it without"),
    "CR in a recipient's name": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 2, '"Ann\rSmith"'))},
        "recipient_name: holds a control character (U+000D CR); retype it without"),
    "NUL in a type": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 1, "dis\x00trict"))},
        "authority_type: holds a control character (U+0000 NUL); retype it without"),
    "DEL in a title": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 3, "Chief\x7f Executive"))},
        "recipient_title: holds a control character (U+007F DEL); retype it without"),
    "ESC in year.yaml": (
        {"year.yaml": YEAR_YAML.replace("delivery: By email", 'delivery: "By \\e[2Jemail"')},
        "year.yaml, line 6, delivery: holds a control character (U+001B ESC)"),
    "a YAML alias bomb": (
        {"authorities/bomb.yaml": ALIAS_BOMB},
        "bomb.yaml, line 2: is not valid YAML: anchors and aliases (& and *) are not allowed in "
        "data files: write each value out"),
    "an absolute year label": (
        {"year.yaml": YEAR_YAML.replace("year: 2017-18 ", "year: /tmp/lgsco-hostile ")},
        'year.yaml, line 2, year: expected a reporting year such as 2017-18, found '
        '"/tmp/lgsco-hostile"'),
    "a year label that climbs out": (
        {"year.yaml": YEAR_YAML.replace("year: 2017-18 ", "year: ../../x ")},
        'year.yaml, line 2, year: expected a reporting year such as 2017-18, found "../../x"'),
    "a year label of the wrong years": (
        {"year.yaml": YEAR_YAML.replace("year: 2017-18 ", "year: 2017-19 ")},
        'expected a reporting year such as 2017-18, found "2017-19"'),
    "spaces doubled in a name": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 0, "Adur  District Council"))},
        'authority: "Adur  District Council" has spaces at its start or end, or two together'),
    "a space before a name": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 0, " Adur District Council"))},
        'authority: " Adur District Council" has spaces at its start or end'),
    "a semicolon-separated CSV": (
        {"authorities.csv": csv_text(BROMSGROVE_ROW).replace(",", ";")},
        "authorities.csv, line 1: looks semicolon-separated (;): save it comma-separated"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_is_refused_cleanly(tmp_path, case):
    refused(tmp_path, *CASES[case])


def refused(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    """The bundled year.yaml (unless given) and Bromsgrove's row (unless other authorities are
    given), with `files`: `build` says `expected`, and nothing else."""
    folder = tmp_path / "2017-18"
    (folder / "authorities").mkdir(parents=True)
    shutil.copy(BUNDLED_YEAR / "year.yaml", folder / "year.yaml")
    if not any(name.startswith("authorities") for name in files):
        (folder / "authorities.csv").write_text(csv_text(BROMSGROVE_ROW))
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    result = build(folder, tmp_path / "out")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    assert result.stderr.count("\n") < 10  # one problem, said once
    assert not (tmp_path / "out").exists()
    assert not Path("/tmp/lgsco-hostile").exists()


@pytest.mark.parametrize("case", list(ANY_FILE))
def test_any_file_is_refused_or_read_in_bounded_time_and_memory(tmp_path, case):
    """Issue 17's table, and more: within 10 s of processor time and 500 MB, under a 2 GB
    address-space limit, each refused with its place named, or read if it is really a year."""
    make, expected = ANY_FILE[case]
    folder = tmp_path / "2017-18"
    (folder / "authorities").mkdir(parents=True)
    shutil.copy(BUNDLED_YEAR / "year.yaml", folder / "year.yaml")
    make(folder)
    out = tmp_path / "out"
    result = run_limited(["build", "--data", str(folder), "--out", str(out), "--jobs", "1"],
                         timeout=120)
    assert "Traceback" not in result.stderr
    if expected is None:
        assert result.returncode == 0, result.stderr
        assert (out / "bromsgrove-district-council.pdf").is_file()
    else:
        assert result.returncode == 2, result.stderr
        assert expected in result.stderr
        assert result.stderr.count("\n") < 10
        assert not out.exists()
    assert result.megabytes < 500
    assert result.seconds < 10


# ---- figures read exactly as staff wrote them (issue 17) -----------------------------------

BROMSGROVE = BROMSGROVE_YAML.read_text(encoding="utf-8")


def yaml_with(old: str, new: str) -> dict[str, str]:
    assert old in BROMSGROVE
    return {"authorities/b.yaml": BROMSGROVE.replace(old, new)}


def year_with(old: str, new: str) -> dict[str, str]:
    assert old in YEAR_YAML
    return {"year.yaml": YEAR_YAML.replace(old, new)}


B = "b.yaml, line 17 (Bromsgrove District Council), received.housing: "
PLAIN_DIGITS = "expected a whole number of 0 or more in plain digits (0 to 9 only), found"
SILENT = {
    "YAML 010 (YAML 1.1 reads 8)": (
        yaml_with("  housing: 0\n", "  housing: 010\n"),
        f"{B}expected a whole number of 0 or more without leading zeros, found 010: write 10 "
        "(some programs read 010 as another number)"),
    "CSV 010, the same rule": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 12, "010"))},
        "received_housing: expected a whole number of 0 or more without leading zeros, found "
        '"010": write 10'),
    "YAML 1:30 (YAML 1.1 reads 90)": (
        yaml_with("  housing: 0\n", "  housing: 1:30\n"), f"{B}{PLAIN_DIGITS} 1:30"),
    "YAML 0x10 (YAML reads 16)": (
        yaml_with("  housing: 0\n", "  housing: 0x10\n"), f"{B}{PLAIN_DIGITS} 0x10"),
    "YAML 0b11 (YAML 1.1 reads 3)": (
        yaml_with("  housing: 0\n", "  housing: 0b11\n"), f"{B}{PLAIN_DIGITS} 0b11"),
    "YAML 1_0 (YAML 1.1 reads 10)": (
        yaml_with("  housing: 0\n", "  housing: 1_0\n"), f"{B}{PLAIN_DIGITS} 1_0"),
    "title: yes (YAML 1.1 reads True)": (
        yaml_with("  title: Chief Executive\n", "  title: yes\n"),
        'b.yaml, line 8 (Bromsgrove District Council), recipient.title: expected text, found '
        'yes, which YAML reads as true or false: put it in quotes, title: "yes"'),
    "authority_type: off (YAML 1.1 reads False)": (
        yaml_with("authority_type: district\n", "authority_type: off\n"),
        "b.yaml, line 4 (Bromsgrove District Council), authority_type: expected text, found "
        'off, which YAML reads as true or false: put it in quotes, authority_type: "off"'),
    "name: null (YAML reads nothing)": (
        yaml_with("  name: Kevin Dicks\n", "  name: null\n"),
        "b.yaml, line 7 (Bromsgrove District Council), recipient.name: expected text, found "
        'null, which YAML reads as no value: put it in quotes, name: "null" (or leave it empty '
        "for no value)"),
    "a name YAML reads as a date": (
        yaml_with("authority: Bromsgrove District Council\n", "authority: 2018-07-18\n"),
        "b.yaml, line 3 (2018-07-18), authority: expected text, found 2018-07-18, which YAML "
        'reads as a '
        'date: put it in quotes, authority: "2018-07-18"'),
    "specimen: on (only true or false)": (
        yaml_with("specimen: false\n", "specimen: on\n"),
        "b.yaml, line 5 (Bromsgrove District Council), specimen: expected true or false, "
        "found on"),
    "year.yaml: delivery: yes": (
        year_with("delivery: By email", "delivery: yes"),
        'year.yaml, line 6, delivery: expected text, found yes, which YAML reads as true or '
        'false: put it in quotes, delivery: "yes"'),
    "year.yaml: a prose figure 0800": (
        year_with("people_trained: 800", "people_trained: 0800"),
        "year.yaml, line 18, prose.people_trained: expected a whole number of 0 or more without "
        "leading zeros, found 0800: write 800"),
    "year.yaml: a prose figure 1.50 (YAML reads 1.5)": (
        year_with("people_trained: 800", "people_trained: 1.50"),
        "year.yaml, line 18, prose.people_trained: expected text, found 1.50, which YAML reads "
        'as a number: put it in quotes, people_trained: "1.50"'),
    "year.yaml: a date written otherwise": (
        year_with("letter_date: 2018-07-18", "letter_date: 2018-7-18"),
        'year.yaml, line 3, letter_date: expected a date written as YYYY-MM-DD, e.g. '
        '2018-07-18, found "2018-7-18"'),
    "year.yaml: an explicit tag": (
        year_with("people_trained: 800", "people_trained: !!int 0800"),
        "year.yaml, line 18: is not valid YAML: tags such as !!int are not allowed in data "
        "files: write the value alone"),
    "150 times U+33AF, a 750-character file name": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 0, "\u33af" * 150))},
        "authority: expected a name whose file name is at most 150 characters, found 750 "
        '("rads2rads2rads2rads2rads2rads2rads2rads2... (750 characters)"): its letters spelt '
        "out in plain ASCII"),
    "a column with no header": (
        {"authorities.csv": csv_text(ADUR_ROW).replace(",specimen,", ",,", 1)},
        'authorities.csv, line 2 (Adur District Council): column 6 has no name in the header '
        'but holds "true": name the column, or empty it'),
    "a mixed-script address": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 4, "\u0441hief@allerdale.example.org"))},
        'recipient_email: expected an email address like name@council.gov.uk, found '
        '"\u0441hief@allerdale.example.org": "\u0441" (U+0441 CYRILLIC SMALL LETTER ES) looks '
        'like "c" but is another character; retype it'),
    "a right-to-left override in a name": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 0, "Adur \u202eDistrict Council"))},
        "authority: holds an invisible format character (U+202E RIGHT-TO-LEFT OVERRIDE), which "
        "can hide or reorder what is shown; retype it without"),
    "a zero-width space in a title": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 3, "Chief\u200b Executive"))},
        "recipient_title: holds an invisible format character (U+200B ZERO WIDTH SPACE)"),
    "a template outside the templates folder": (
        year_with("template: letter-2018.html", "template: ../../../etc/passwd"),
        'year.yaml, line 5, template: expected the name of a template in the templates folder, '
        'such as letter-2018.html, found "../../../etc/passwd": a template is never taken from '
        "outside that folder"),
    "a template that is not there": (
        year_with("template: letter-2018.html", "template: letter-2081.html"),
        "year.yaml, line 5, template: no template letter-2081.html in templates (did you mean "
        '"letter-2018.html"?); the templates there are: base.html, letter-2018.html, '
        "letter-2019.html, print-pack.html"),
    "a signatory's key misspelt": (
        year_with("  name: Michael King", "  nmae: Michael King"),
        'year.yaml, line 9, signatory.nmae: unknown key (did you mean "name"?)'),
}


@pytest.mark.parametrize("case", list(SILENT))
def test_a_value_is_read_as_written_or_refused(tmp_path, case):
    refused(tmp_path, *SILENT[case])


# ---- workbooks read as staff see them (issue 17) -------------------------------------------

HEADER = CSV_HEADER.split(",")
THREE = [typed(next(csv.reader(io.StringIO(row)))) for row in (ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW)]
SHEET = "xl/worksheets/sheet1.xml"


def made_year(tmp_path: Path, make) -> Path:
    folder = tmp_path / "2017-18"
    folder.mkdir()
    shutil.copy(BUNDLED_YEAR / "year.yaml", folder / "year.yaml")
    make(folder)
    return folder


def run_cli(*args) -> Run:
    return run_limited([str(arg) for arg in args], timeout=SECONDS)


def test_a_stale_dimension_drops_no_council(tmp_path):
    """openpyxl's read-only mode trusted <dimension ref="A1:Y2"/>: two of three councils went,
    and `check` said "No problems: 1 letter checked"."""
    folder = made_year(tmp_path, lambda folder: xlsx(
        folder / "authorities.xlsx", HEADER, THREE,
        edit=lambda name, text: text.replace('ref="A1:Y4"', 'ref="A1:Y2"')))
    result = run_cli("check", "--data", folder)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("No problems: 3 letters checked.")


def hidden_sheets(states: dict[str, str]):
    """An .xlsx whose sheets, in order, are in these states; each sheet holds the year."""
    def make(folder: Path) -> None:
        import openpyxl

        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for name, state in states.items():
            sheet = workbook.create_sheet(name)
            for row in [HEADER, *THREE]:
                sheet.append(row)
            sheet.sheet_state = state
        workbook.save(folder / "authorities.xlsx")
    return make


def shared_strings(strings: list[str], cells: dict[str, int]):
    """An .xlsx of the three councils whose `cells` (A2...) hold these shared strings."""
    def edit(name: str, text: str) -> str:
        if name == "xl/_rels/workbook.xml.rels":
            return text.replace("</Relationships>", (
                '<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.'
                'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
                "</Relationships>"))
        for ref, index in cells.items() if name == SHEET else ():
            text = re.sub(f'<c r="{ref}" t="inlineStr"><is><t>[^<]*</t></is></c>',
                          f'<c r="{ref}" t="s"><v>{index}</v></c>', text)
        return text

    def make(folder: Path) -> None:
        path = xlsx(folder / "authorities.xlsx", HEADER, THREE, edit=edit)
        table = "".join(f"<si><t>{text}</t></si>" for text in strings)
        with zipfile.ZipFile(path, "a") as package:
            package.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxml'
                             f'formats.org/spreadsheetml/2006/main">{table}</sst>')
    return make


def inline_edit(old: str, new: str):
    return lambda folder: xlsx(folder / "authorities.xlsx", HEADER, THREE,
                               edit=lambda name, text: text.replace(old, new, 1))


AUTHORITIES = "authorities.xlsx, sheet Authorities"
WORKBOOKS = {
    "a hidden sheet named Authorities": (
        hidden_sheets({"Figures": "visible", "Authorities": "hidden"}),
        f"{AUTHORITIES}: is the sheet to read (the one named Authorities, else the first), but it"
        " is hidden, and a hidden sheet is never read: show it, or put the authorities on a "
        "visible sheet named Authorities"),
    "a very hidden first sheet": (
        hidden_sheets({"Old": "veryHidden", "Figures": "visible"}),
        "authorities.xlsx, sheet Old: is the sheet to read (the one named Authorities, else the "
        "first), but it is very hidden, which only a macro can undo, and a hidden sheet"),
    "a hidden .ods sheet": (
        lambda folder: ods(folder / "authorities.ods", {
            "Notes": ods_row(["notes"]), "Authorities": ods_row(HEADER) + ods_row(THREE[0])},
            hidden=("Authorities",)),
        "authorities.ods, sheet Authorities: is the sheet to read (the one named Authorities, "
        "else the first), but it is hidden"),
    "Excel's escape of CR, in a shared string": (
        shared_strings(["Adur District Council_x000D_"], {"A2": 0}),
        f"{AUTHORITIES}, cell A2 (authority): holds a control character (U+000D CR); retype it "
        "without"),
    "Excel's escape of ESC, in an inline string": (
        inline_edit("<t>Chief Executive</t>", "<t>Chief_x001B_[2J Executive</t>"),
        f"{AUTHORITIES}, cell D2 (recipient_title): holds a control character (U+001B ESC)"),
    "data under an empty header cell": (
        inline_edit('<c r="F1" t="inlineStr"><is><t>specimen</t></is></c>', ""),
        f"{AUTHORITIES}, cell F2: column F has no name in the header but holds TRUE: name the "
        "column, or empty it"),
    "an unsaved HYPERLINK formula in the name cell": (
        inline_edit('<c r="A2" t="inlineStr"><is><t>Adur District Council</t></is></c>',
                    '<c r="A2"><f>HYPERLINK("https://www.adur.gov.uk","Adur District Council")'
                    "</f><v /></c>"),
        f"{AUTHORITIES}, cell A2 (authority): a formula with no saved value (=HYPERLINK("),
    "a workbook that is not one": (
        lambda folder: zipfile.ZipFile(folder / "authorities.xlsx", "w").writestr("a.txt", "a"),
        "authorities.xlsx: cannot be read as an Excel workbook (it has no part xl/workbook.xml, "
        "which it needs); save it again from a spreadsheet program"),
    "a workbook saved with a password": (
        lambda folder: (folder / "authorities.xlsx").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600),
        "authorities.xlsx: cannot be read as an Excel workbook (it is protected by a password, "
        "or is an old-style file renamed (save it as .xlsx without a password))"),
}


@pytest.mark.parametrize("case", list(WORKBOOKS))
def test_a_workbook_is_read_as_staff_see_it_or_refused(tmp_path, case):
    make, expected = WORKBOOKS[case]
    out = tmp_path / "out"
    result = run_cli("build", "--data", made_year(tmp_path, make), "--out", out, "--jobs", "1")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    assert result.stderr.count("\n") == 2  # the heading, and one problem: one mistake, one message
    assert not out.exists()


def test_check_says_a_whole_file_problem_with_no_empty_place(tmp_path):
    def make(folder: Path) -> None:
        (folder / "authorities.csv").write_text(csv_text(BROMSGROVE_ROW))
        (folder / "notes.txt").write_text("notes")
        (folder / "authorities.ods").write_bytes(b"not a zip")
    result = run_cli("check", "--data", made_year(tmp_path, make))
    assert result.returncode == 2
    assert result.stdout.splitlines()[-5:] == [
        f"{display_path(tmp_path / '2017-18' / 'authorities.ods')}",
        "  cannot be read as an OpenDocument sheet (it is not a zip archive, as every .ods file "
        "is); save it again from a spreadsheet program",
        f"{display_path(tmp_path / '2017-18' / 'notes.txt')}",
        "  is not read: a year's folder holds year.yaml, the authorities (authorities.csv, .xlsx "
        "or .ods, and/or authorities/*.yaml), and nothing else; move it elsewhere",
        "2 problems in 2 files."]


def test_invalid_year_yaml_is_reported_alone(tmp_path):
    """Unread, year.yaml's format was taken as the default, and the 2018-19 columns reported
    as unknown: the YAML error alone is the one to mend."""
    def make(folder: Path) -> None:
        (folder / "year.yaml").write_text(HEADLINE_YEAR_YAML.replace("signatory:\n",
                                                                     "signatory: [\n"))
        shutil.copy(ROOT / "data" / "2018-19" / "authorities.csv", folder)
    result = run_cli("build", "--data", made_year(tmp_path, make), "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 2, result.stderr
    assert result.stderr.endswith("year.yaml, line 11: is not valid YAML: expected ',' or ']', "
                                  "but got ':'\n")


def test_an_unknown_key_in_a_comparison_group(tmp_path):
    def make(folder: Path) -> None:
        (folder / "year.yaml").write_text(HEADLINE_YEAR_YAML.replace(
            "county: {label: county councils,", "county: {colour: red, label: county councils,"))
        shutil.copy(ROOT / "data" / "2018-19" / "authorities.csv", folder)
    result = run_cli("build", "--data", made_year(tmp_path, make), "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.splitlines()[1].endswith(
        "year.yaml, line 18, comparison_groups.county.colour: unknown key")


@pytest.mark.parametrize("person", ["Pat\u202eSigner", "Pat\u200bSigner", "Pat\x1bSigner"])
def test_approve_as_a_name_with_hidden_characters_is_refused(tmp_path, person):
    result = run_cli("approve", "--all", "--as", person, "--data", BUNDLED_YEAR,
                     "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "Invalid value for --as: expected the name of the person approving" in result.stderr
    assert not (tmp_path / "out").exists()
