"""Workbook cells read as staff see them, or refused naming the cell: an error where a value
should be, a date or a number where text should be, each cell where its reference puts it."""

from __future__ import annotations

import csv
import datetime
import io
import re
import warnings
import zipfile

import pytest

from helpers import ADUR_ROW, BROMSGROVE_ROW, CSV_HEADER, ZERO_ROW, typed
from helpers.workbooks import SHEET, in_sheet, ods, ods_cell, ods_row, problems_of, xlsx
from lgsco_letters.project import load_year

HEADER = CSV_HEADER.split(",")
THREE = [typed(next(csv.reader(io.StringIO(row)))) for row in (ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW)]
XLSX = "authorities.xlsx, sheet Authorities, cell"
ODS = "authorities.ods, sheet Authorities, cell"
CALCEXT = 'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def with_rows(rows: list[list]) -> list[list]:
    return [list(row) for row in rows]


# ---- an error where a value should be ------------------------------------------------------

ERROR_CELLS = {
    "#N/A in the recipient's name (.xlsx)": (
        "xlsx", in_sheet(inline("C3", "Kevin Dicks"), '<c r="C3" t="e"><v>#N/A</v></c>'),
        f"{XLSX} C3 (recipient_name): holds the error #N/A, which a formula gave instead of a "
        "value: correct the formula (or type the value), then save the file"),
    "#REF! from a formula, in a title (.xlsx)": (
        "xlsx", in_sheet(inline("D2", "Chief Executive"),
                         '<c r="D2" t="e"><f>Sheet2!A1</f><v>#REF!</v></c>'),
        f"{XLSX} D2 (recipient_title): holds the error #REF!, which a formula gave instead"),
    "#DIV/0! in a count (.xlsx)": (
        "xlsx", in_sheet('<c r="M3" t="n"><v>0</v></c>', '<c r="M3" t="e"><v>#DIV/0!</v></c>'),
        f"{XLSX} M3 (received_housing): holds the error #DIV/0!, which a formula gave"),
}


@pytest.mark.parametrize("case", list(ERROR_CELLS))
def test_an_error_cell_is_refused_naming_the_cell(make_year, case):
    _, edit, expected = ERROR_CELLS[case]
    folder = make_year()
    xlsx(folder / "authorities.xlsx", HEADER, THREE, edit=edit)
    (problem,) = problems_of(folder)
    assert problem.startswith(expected)


@pytest.mark.parametrize("cell", [
    {"table:formula": "of:=NA()", "office:value-type": "string", "office:string-value": "",
     "calcext:value-type": "error", CALCEXT.split("=")[0]: CALCEXT.split("=")[1].strip('"')},
    {"table:formula": "of:=[.Z9]", "office:value-type": "string"},  # as older versions wrote
])
def test_an_ods_error_cell_is_refused_naming_the_cell(make_year, cell):
    rows = with_rows(THREE)
    rows[1][2] = "PLACEHOLDER"
    folder = make_year()
    body = ods_row(HEADER) + "".join(ods_row(row) for row in rows)
    code = "#N/A" if "calcext:value-type" in cell else "Err:502"
    attributes = " ".join(f'{key}="{value}"' for key, value in cell.items())
    body = body.replace(ods_cell("PLACEHOLDER"), f"<table:table-cell {attributes}><text:p>{code}"
                                                 "</text:p></table:table-cell>")
    ods(folder / "authorities.ods", {"Authorities": body})
    assert problems_of(folder) == [
        f"{ODS} C3 (recipient_name): holds the error {code}, which a formula gave instead of a "
        "value: correct the formula (or type the value), then save the file"]


# ---- a date or a number where text should be -----------------------------------------------

NOT_TEXT = {
    "a date in the recipient's name": (
        2, datetime.datetime(2018, 7, 18),
        "C2 (recipient_name): holds a date (2018-07-18), not text: enter it as text (format the "
        "cell as Text, then type it again), so that it reads as it is typed"),
    "a date and time in a title": (
        3, datetime.datetime(2018, 7, 18, 9, 30), "D2 (recipient_title): holds a date and time "
                                                   "(2018-07-18 09:30), not text"),
    "a whole number in a type": (1, 1.0, "B2 (authority_type): holds a number (1), not text"),
    "a fraction in a name": (0, 1.5, "A2 (authority): holds a number (1.5), not text"),
    "TRUE in an address": (4, True, "E2 (recipient_email): holds TRUE (a true/false value), not "
                                    "text"),
}


@pytest.mark.parametrize("case", list(NOT_TEXT))
@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_a_cell_that_is_not_text_in_a_text_field_is_refused(make_year, case, suffix):
    """A date cell in recipient_name became "2018-07-18 00:00:00", and 1.0 became "1"."""
    column, value, expected = NOT_TEXT[case]
    rows = with_rows(THREE)
    rows[0][column] = value
    folder = make_year()
    if suffix == "xlsx":
        xlsx(folder / "authorities.xlsx", HEADER, rows)
    else:
        if isinstance(value, datetime.datetime):
            value = {"office:value-type": "date", "office:date-value": value.isoformat()}
        rows[0][column] = value
        ods(folder / "authorities.ods", {"Authorities": "".join(map(ods_row, [HEADER, *rows]))})
    (problem,) = problems_of(folder)
    where = XLSX if suffix == "xlsx" else ODS
    assert problem.startswith(f"{where} {expected}")


def test_text_that_looks_like_a_number_is_read_as_typed(make_year):
    rows = with_rows(THREE)
    rows[0][2] = "007"  # a text cell: as typed
    folder = make_year()
    xlsx(folder / "authorities.xlsx", HEADER, rows)
    adur = next(a for a in load_year(folder).authorities if a.name.startswith("Adur"))
    assert adur.recipient.name == "007"


# ---- each cell where its reference puts it -------------------------------------------------

def test_a_row_with_a_gap_is_read_by_reference(make_year):
    """Adur's B2 left out: its type is missing, and nothing moves into column B."""
    folder = make_year()
    xlsx(folder / "authorities.xlsx", HEADER, THREE,
         edit=in_sheet(inline("B2", "district"), ""))
    assert problems_of(folder) == [
        f"{XLSX} B2 (authority_type): is missing: expected the kind of authority, e.g. district"]


REFERENCES = {
    "a cell named twice": (
        in_sheet(inline("B2", "district"), inline("A2", "district")),
        f"{XLSX} A2: names the cell A2 twice: each cell of a row comes once, left to right; save "
        "the file again from a spreadsheet program"),
    "a cell before the one it follows": (
        in_sheet(inline("E2", "chief.executive@adur.example.org"),
                 inline("B2", "chief.executive@adur.example.org")),
        f"{XLSX} B2: names the cell B2 after D2: each cell of a row comes once, left to "
        "right; save the file again from a spreadsheet program"),
    "a reference that is not one": (
        in_sheet(inline("B2", "district"), inline("b2", "district")),
        f'{XLSX} B2: names its cell "b2", which is not a cell reference (such as B2): save the '
        "file again from a spreadsheet program"),
    "a row named twice": (
        lambda name, text: re.sub(r'<row r="3"', '<row r="2"', text) if name == SHEET else text,
        "authorities.xlsx, sheet Authorities, row 2: holds row 2 again: each row comes once, "
        "top to bottom; save the file again from a spreadsheet program"),
    "a row before the one it follows": (
        lambda name, text: text.replace('<row r="4"', '<row r="1"').replace(
            'r="A4"', 'r="A1"') if name == SHEET else text,
        "authorities.xlsx, sheet Authorities, row 1: holds row 1 after row 3: each row comes "
        "once, top to bottom; save the file again from a spreadsheet program"),
}


@pytest.mark.parametrize("case", list(REFERENCES))
def test_a_cell_or_row_out_of_place_is_refused(make_year, case):
    """A duplicate A2 put its value in column B; a row given twice was read twice."""
    edit, expected = REFERENCES[case]
    folder = make_year()
    xlsx(folder / "authorities.xlsx", HEADER, THREE, edit=edit)
    assert problems_of(folder) == [expected]


@pytest.mark.parametrize(("suffix", "part", "twin"), [
    ("xlsx", SHEET, SHEET), ("ods", "content.xml", "content.xml"),
    ("xlsx", SHEET, SHEET.upper())])
def test_a_part_stored_twice_is_refused(make_year, suffix, part, twin):
    """The zip held the sheet twice, one with another council in it; one silently won."""
    folder = make_year()
    path = folder / f"authorities.{suffix}"
    if suffix == "xlsx":
        xlsx(path, HEADER, THREE)
    else:
        ods(path, {"Authorities": "".join(map(ods_row, [HEADER, *THREE]))})
    with zipfile.ZipFile(path) as package:
        data = package.read(part)
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as package:
        warnings.simplefilter("ignore")  # zipfile warns of the repeated name, as it should
        package.writestr(twin, data.replace(b"Adur", b"Arun"))
    kind = "an Excel workbook" if suffix == "xlsx" else "an OpenDocument sheet"
    assert problems_of(folder) == [
        f"authorities.{suffix}: cannot be read as {kind} (it holds the part {twin} twice, and "
        "programs differ in which they read); save it again from a spreadsheet program"]


# ---- the sheet read: never hidden, never one of two alike ----------------------------------

STYLES = ('<?xml version="1.0" encoding="UTF-8"?><office:document-styles '
          'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">'
          "<office:styles>{common}</office:styles>"
          "<office:automatic-styles>{automatic}</office:automatic-styles>"
          "</office:document-styles>")
HIDING = ('<style:style style:name="{name}" style:family="table"{parent}>'
          '<style:table-properties table:display="{display}"/></style:style>')


def ods_styled(path, style: str, common: str = "", automatic: str = "", content: str = ""):
    """Notes, then Authorities of the style `style`, the styles given in styles.xml (and
    `content`, in content.xml's own)."""
    body = "".join(map(ods_row, [HEADER, *THREE]))
    ods(path, {"Notes": ods_row(["notes"]), "Authorities": body})
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    parts["content.xml"] = parts["content.xml"].replace(
        b'<table:table table:name="Authorities"',
        f'<table:table table:name="Authorities" table:style-name="{style}"'.encode()).replace(
        b"</office:automatic-styles>", content.encode() + b"</office:automatic-styles>")
    parts["styles.xml"] = STYLES.format(common=common, automatic=automatic).encode()
    with zipfile.ZipFile(path, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)


HIDDEN_IN_STYLES = {
    "a common style of styles.xml": {"common": HIDING.format(name="Gone", parent="",
                                                             display="false")},
    "an automatic style of styles.xml": {"automatic": HIDING.format(name="Gone", parent="",
                                                                    display="false")},
    "a style based on a hiding one": {
        "common": HIDING.format(name="Base", parent="", display="false"),
        "content": '<style:style style:name="Gone" style:family="table" '
                   'style:parent-style-name="Base"/>'},
}


@pytest.mark.parametrize("case", list(HIDDEN_IN_STYLES))
def test_an_ods_sheet_hidden_by_a_style_in_styles_xml_is_not_read(make_year, case):
    """The sheet hidden through styles.xml was read as a visible one."""
    folder = make_year()
    ods_styled(folder / "authorities.ods", "Gone", **HIDDEN_IN_STYLES[case])
    assert problems_of(folder) == [
        "authorities.ods, sheet Authorities: is the sheet to read (the one named Authorities, "
        "else the first), but it is hidden, and a hidden sheet is never read: show it, or put "
        "the authorities on a visible sheet named Authorities"]


def test_a_style_that_shows_its_sheet_is_read(make_year):
    folder = make_year()
    ods_styled(folder / "authorities.ods", "Shown",
               common=HIDING.format(name="Shown", parent="", display="true"))
    assert len(load_year(folder).authorities) == 3


def test_a_cell_covered_by_a_merged_one_supplies_nothing(make_year):
    """Adur's name merged across A2:B2, its type left in the covered B2 where nobody sees it:
    it was read as Adur's type. The cells after keep their places (E2 is still the address)."""
    rows = [ods_row(HEADER), *(ods_row(row) for row in THREE)]
    name = ods_cell("Adur District Council")
    assert name in rows[1]
    rows[1] = rows[1].replace(name + ods_cell("district"), name.replace(
        "<table:table-cell ", '<table:table-cell table:number-columns-spanned="2" ')
        + '<table:covered-table-cell office:value-type="string"><text:p>district</text:p>'
        "</table:covered-table-cell>")
    folder = make_year()
    ods(folder / "authorities.ods", {"Authorities": "".join(rows)})
    assert problems_of(folder) == [
        f"{ODS} B2 (authority_type): is missing: expected the kind of authority, e.g. district"]


def sheets_named(*names: str):
    def make(path) -> None:
        import openpyxl

        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for name in names:
            sheet = workbook.create_sheet(name)
            for row in [HEADER, *THREE]:
                sheet.append(row)
        workbook.save(path)
    return make


SHEET_NAMES = {
    "a Cyrillic A": (
        ("Notes", "\u0410uthorities"),
        "authorities.xlsx, sheet \u0410uthorities: looks named Authorities, but is not: "
        '"\u0410" (U+0410 CYRILLIC CAPITAL LETTER A); name the sheet to read Authorities, '
        "typed"),
    "a zero-width space": (
        ("Notes", "Author\u200bities"),
        "authorities.xlsx, sheet Author\u200bities: looks named Authorities, but is not: "
        '"\\u200b" (U+200B ZERO WIDTH SPACE); name the sheet to read Authorities, typed'),
    "two named alike but for case and a space": (
        ("Authorities", "AUTHORITIES "),
        "authorities.xlsx, sheet AUTHORITIES : is named Authorities as the sheet Authorities is "
        "(but for case or spaces), and either could be the one meant: keep one, or rename the "
        "other"),
}


@pytest.mark.parametrize("case", list(SHEET_NAMES))
def test_a_sheet_only_named_like_authorities_is_refused(make_year, case):
    """A sheet "\u0410uthorities" was passed over for the first sheet, and of two sheets named
    Authorities in two cases, the first was read: each without a word."""
    names, expected = SHEET_NAMES[case]
    folder = make_year()
    sheets_named(*names)(folder / "authorities.xlsx")
    assert problems_of(folder) == [expected]


def test_an_ods_sheet_named_like_another_after_it_is_refused(make_year):
    """The reading stopped at the first sheet named Authorities: a second was never seen."""
    body = "".join(map(ods_row, [HEADER, *THREE]))
    folder = make_year()
    ods(folder / "authorities.ods", {"Authorities": body, "authorities ": body})
    assert problems_of(folder) == [
        "authorities.ods, sheet authorities : is named Authorities as the sheet Authorities is "
        "(but for case or spaces), and either could be the one meant: keep one, or rename the "
        "other"]


# ---- every message names the cell it is about ----------------------------------------------

def test_a_cell_too_long_names_itself_not_the_cell_before(make_year):
    """A cell refused while its text was read was named by the cell before it (B2, not D2)."""
    folder = make_year()
    xlsx(folder / "authorities.xlsx", HEADER, THREE, edit=in_sheet(
        inline("D2", "Chief Executive"), inline("D2", "x" * 140_000)))
    assert problems_of(folder) == [
        f"{XLSX} D2: holds more than 131,072 characters in one cell: no name or figure is that "
        "long"]


def test_a_csv_row_is_named_by_the_line_it_starts_on(make_year):
    """A quoted name of two lines made its row, and none after it, one line off."""
    adur = ADUR_ROW.replace(",,Chief Executive,", ',"Ann\nSmith",Chief Executive,')
    bromsgrove = BROMSGROVE_ROW.replace(",false,0,2,", ",false,x,2,")
    folder = make_year(csv="\n".join([CSV_HEADER, adur, bromsgrove]) + "\n")
    assert problems_of(folder) == [
        "authorities.csv, line 2 (Adur District Council), recipient_name: holds a control "
        "character (U+000A LF); retype it without",
        "authorities.csv, line 4 (Bromsgrove District Council), received_adult_care_services: "
        'expected a whole number of 0 or more, found "x"']


def test_an_ods_cell_after_repeated_rows_and_columns_is_named_where_it_is(make_year):
    rows = with_rows(THREE)
    rows[1][12] = "twelve"
    body = (ods_row(HEADER) + ods_row([None], repeat=3)
            + "".join(ods_row(row) for row in rows).replace(
                ods_cell("Bromsgrove District Council"),
                ods_cell("Bromsgrove District Council"), 1))
    folder = make_year()
    ods(folder / "authorities.ods", {"Authorities": body})
    assert problems_of(folder) == [
        f"{ODS} M6 (received_housing): 'twelve' is not a whole number"]


def test_a_workbook_says_rows_and_cells_not_lines(make_year):
    rows = [list(THREE[0]), list(THREE[0]), [*THREE[1], None, "stray"]]
    folder = make_year()
    xlsx(folder / "authorities.xlsx", HEADER, rows)
    assert problems_of(folder) == [
        f"{XLSX} AA4: holds \"stray\" beyond the 25 named columns",
        f"{XLSX} A3 (authority): \"Adur District Council\" appears more than once (first at "
        "authorities.xlsx, row 2)"]


# ---- a cell whose stored value is not one its type allows --------------------------------

ODD_VALUES = {
    "a true/false cell holding 2": ('<c r="M3" t="n"><v>0</v></c>',
                                    '<c r="M3" t="b"><v>2</v></c>',
                                    "M3: holds the true/false value '2', which is not one"),
    "a number with an underscore": ('<c r="M3" t="n"><v>0</v></c>',
                                    '<c r="M3" t="n"><v>1_0</v></c>',
                                    "M3: holds the number '1_0', which is not one"),
    "a number in Arabic-Indic digits": ('<c r="M3" t="n"><v>0</v></c>',
                                        '<c r="M3" t="n"><v>\u0661\u0660</v></c>',
                                        "M3: holds the number '\u0661\u0660', which is not one"),
}


@pytest.mark.parametrize("case", list(ODD_VALUES))
def test_a_value_its_cell_type_does_not_allow_is_refused(make_year, case):
    """Python's float() takes 1_0 as 10 and other scripts' digits, and anything not "1" or
    "true" read as false: a hand-made file's cell read as something else, silently."""
    old, new, expected = ODD_VALUES[case]
    folder = make_year()
    xlsx(folder / "authorities.xlsx", HEADER, THREE, edit=in_sheet(old, new))
    (problem,) = problems_of(folder)
    assert problem.startswith(f"{XLSX} {expected}"), problem
