"""Authorities from workbooks (.xlsx written with openpyxl, .ods with odfpy), read as the CSV is."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile

import pytest

from helpers import (
    ADUR_ROW,
    BROMSGROVE_ROW,
    BUNDLED_YEAR,
    CSV_HEADER,
    TEMPLATES,
    ZERO_ROW,
    csv_text,
    typed,
    write_ods,
    write_xlsx,
)
from helpers.workbooks import ods, ods_cell, ods_row, rewrite_zip, xlsx
from lgsco_letters.errors import DataError, display_path
from lgsco_letters.project import load_year
from lgsco_letters.render.templating import Templates, render_letter_html

ROWS = (ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW)
HEADER = CSV_HEADER.split(",")


def typed_rows(*rows: str) -> list[list]:
    return [typed(cells, index) for index, cells in
            enumerate(csv.reader(io.StringIO("\n".join(rows))))]


def letters(folder) -> dict[str, str]:
    year = load_year(folder)
    templates = Templates(TEMPLATES)
    return {a.name: render_letter_html(templates, year, a) for a in year.authorities}


def problems_of(folder) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_year(folder)
    return [str(problem).replace(display_path(folder) + "/", "")
            for problem in caught.value.problems]


@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_a_workbook_gives_the_same_letters_as_the_csv(make_year, suffix):
    from_csv = letters(make_year(csv=csv_text(*ROWS)))
    folder = make_year()
    rows = typed_rows(*ROWS)
    rows.insert(1, [None] * 5)  # a blank row, skipped
    (write_xlsx if suffix == "xlsx" else write_ods)(folder / f"authorities.{suffix}", HEADER,
                                                    rows)
    assert letters(folder) == from_csv


def test_the_sheet_named_authorities_is_read(make_year):
    folder = make_year()
    write_xlsx(folder / "authorities.xlsx", HEADER, typed_rows(BROMSGROVE_ROW),
               sheet="authorities", before="Notes")
    assert [a.name for a in load_year(folder).authorities] == ["Bromsgrove District Council"]


def test_a_bad_cell_is_named_by_sheet_and_cell(make_year):
    rows = typed_rows(*ROWS)
    rows[1][12] = "twelve"
    rows[0][8] = 12.5
    rows[2][9] = datetime.datetime(2018, 7, 1)
    folder = make_year()
    write_xlsx(folder / "authorities.xlsx", HEADER, rows)
    assert problems_of(folder) == [
        "authorities.xlsx, sheet Authorities, cell I2 (received_corporate_and_other_services): "
        "'12.5' is not a whole number",
        "authorities.xlsx, sheet Authorities, cell M3 (received_housing): 'twelve' is not a "
        "whole number",
        "authorities.xlsx, sheet Authorities, cell J4 (received_education_and_childrens_services)"
        ": '2018-07-01' is a date, not a whole number"]


def test_a_formula_with_no_saved_value(make_year):
    rows = typed_rows(*ROWS)
    rows[0][15] = "=SUM(G2:O2)"  # openpyxl writes formulas without their values
    folder = make_year()
    write_xlsx(folder / "authorities.xlsx", HEADER, rows)
    assert problems_of(folder) == [
        "authorities.xlsx, sheet Authorities, cell P2 (received_total): a formula with no saved "
        "value (=SUM(G2:O2)): open the file in a spreadsheet program and save it, so that its "
        "values are stored"]


def test_a_formula_counts_by_its_saved_value(make_year):
    rows = typed_rows(*ROWS)
    total = rows[0][15]
    rows[0][15] = {"formula": "of:=SUM([.G2:.O2])", "valuetype": "float", "value": total}
    rows[1][15] = {"formula": "of:=SUM([.G3:.O3])"}
    folder = make_year()
    write_ods(folder / "authorities.ods", HEADER, rows)
    assert problems_of(folder) == [
        "authorities.ods, sheet Authorities, cell P3 (received_total): a formula with no saved "
        "value (=SUM([.G3:.O3])): open the file in a spreadsheet program and save it, so that "
        "its values are stored"]


def test_a_kind_of_file_not_read_is_an_error(make_year):
    folder = make_year(csv=csv_text(*ROWS))
    (folder / "authorities.xls").write_bytes(b"old excel")
    (folder / "notes.docx").write_bytes(b"notes")
    (folder / "~$authorities.xlsx").write_bytes(b"excel's lock file: passed over")
    assert problems_of(folder) == [
        "authorities.xls: is not a kind of file lgsco-letters reads: the authorities may be in "
        "authorities.csv, authorities.ods, authorities.xlsx files, or authorities/*.yaml (save "
        "it as one of those)",
        "notes.docx: is not read: a year's folder holds year.yaml, the authorities "
        "(authorities.csv, .xlsx or .ods, and/or authorities/*.yaml), and nothing else; move it "
        "elsewhere"]


def test_a_damaged_workbook_is_named(make_year):
    folder = make_year()
    (folder / "authorities.xlsx").write_bytes(b"not a zip at all")
    (problem,) = problems_of(folder)
    assert problem.startswith("authorities.xlsx: cannot be read as an Excel workbook (")


def test_a_huge_cell_is_quoted_short(make_year):
    rows = typed_rows(*ROWS)
    rows[0][12] = "x" * 30_000  # Excel holds at most 32,767 in a cell
    folder = make_year()
    write_xlsx(folder / "authorities.xlsx", HEADER, rows)
    assert problems_of(folder) == [
        "authorities.xlsx, sheet Authorities, cell M2 (received_housing): "
        "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (30,000 characters)' is not a whole "
        "number"]


# ---- read as Excel and LibreOffice show it (issue 17) --------------------------------------

SHEET = "xl/worksheets/sheet1.xml"


def with_shared_strings(path, strings: list[str], cells: dict[str, int]) -> None:
    """The .xlsx at `path` with these cells (A2, ...) holding shared strings (raw XML)."""
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

    rewrite_zip(path, lambda name, data: edit(name, data.decode()).encode())
    with zipfile.ZipFile(path, "a") as package:
        package.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/'
                         f'spreadsheetml/2006/main">{"".join(strings)}</sst>')


def test_excel_escapes_are_decoded_as_excel_means_them(make_year):
    folder = make_year()
    path = xlsx(folder / "authorities.xlsx", HEADER, typed_rows(*ROWS), edit=lambda name, text:
                text.replace("<t>Adur District Council</t>", "<t>Adur_x0020_District Council</t>"))
    rich = ("<si><r><t>Bromsgrove </t></r><r><rPr><b/></rPr><t>District Council</t></r>"
            "<rPh sb='0' eb='1'><t>\u30d6\u30ed\u30e0</t></rPh></si>")  # a reading aid
    with_shared_strings(path, ["<si><t>Kevin_x005F_x000D_Dicks</t></si>", rich],
                        {"C3": 0, "A3": 1})
    year = load_year(folder)
    assert [a.name for a in year.authorities] == [
        "Adur District Council", "Bromsgrove District Council", "Council of the Isles of Scilly"]
    assert year.authorities[1].recipient.name == "Kevin_x000D_Dicks"  # _x005F_ is "_"


def test_a_formula_counts_by_its_saved_value_in_xlsx_too(make_year):
    folder = make_year()
    xlsx(folder / "authorities.xlsx", HEADER, typed_rows(*ROWS), edit=lambda name, text:
         text.replace('<c r="P2" t="n"><v>21</v></c>',
                      '<c r="P2"><f>SUM(G2:O2)</f><v>21</v></c>'))
    assert sum(load_year(folder).authorities[0].received.values()) == 21


def test_an_ods_sheet_passed_over_may_hold_anything(make_year):
    """The first sheet is read only if no sheet is named Authorities: a long sheet of notes
    before it is no fault."""
    folder = make_year()
    notes = ods_row(["notes"]) + ods_row([], repeat=9000) + ods_row(["far down"])
    ods(folder / "authorities.ods", {"Notes": notes, "Authorities": "".join(
        ods_row(row) for row in [HEADER, *typed_rows(*ROWS)])})
    assert len(load_year(folder).authorities) == 3


def test_the_first_ods_sheet_past_a_limit_is_refused_when_it_is_read(make_year):
    folder = make_year()
    rows = ods_row(HEADER) + ods_row(typed_rows(BROMSGROVE_ROW)[0], repeat=6000)
    ods(folder / "authorities.ods", {"Figures": rows, "Notes": ods_row(["notes"])})
    assert problems_of(folder) == [
        "authorities.ods, sheet Figures, cell A2: repeats a row with values 6,000 times, to row "
        "6,001, beyond the 5,000 rows read: a year has a few hundred authorities"]


def test_ods_text_is_read_as_libreoffice_shows_it(make_year):
    """Spaces (<text:s>), several paragraphs (a line break in the cell), no comment, and none
    of the spaces that lay the XML out."""
    folder = make_year()
    rows = [HEADER, *typed_rows(*ROWS)]
    cells = [ods_cell(value) for value in rows[1]]
    cells[0] = ('<table:table-cell office:value-type="string">\n  <office:annotation><text:p>'
                'check</text:p></office:annotation>\n  <text:p>Adur<text:s/>District<text:s '
                'text:c="1"/>Council</text:p>\n</table:table-cell>')
    cells[2] = ('<table:table-cell office:value-type="string"><text:p>Ann</text:p>'
                "<text:p>Smith</text:p></table:table-cell>")
    ods(folder / "authorities.ods", {"Authorities": ods_row(rows[0]) + "<table:table-row>"
                                     + "".join(cells) + "</table:table-row>"})
    assert problems_of(folder) == [
        "authorities.ods, sheet Authorities, cell C2 (recipient_name): holds a control character "
        "(U+000A LF); retype it without"]
    cells[2] = ods_cell("Ann Smith")
    ods(folder / "authorities.ods", {"Authorities": ods_row(rows[0]) + "<table:table-row>"
                                     + "".join(cells) + "</table:table-row>"})
    (adur,) = load_year(folder).authorities
    assert (adur.name, adur.recipient.name) == ("Adur District Council", "Ann Smith")


def test_a_count_with_a_leading_zero_as_text_is_refused(make_year):
    rows = typed_rows(ADUR_ROW)
    rows[0][12] = "03"
    folder = make_year()
    write_xlsx(folder / "authorities.xlsx", HEADER, rows)
    assert problems_of(folder) == [
        "authorities.xlsx, sheet Authorities, cell M2 (received_housing): expected a whole number "
        'of 0 or more without leading zeros, found "03": write 3 (some programs read 03 as '
        "another number)"]


@pytest.mark.parametrize("repeat", ["\u00b2", "0", "9" * 5000])
def test_an_ods_repeat_that_is_no_count(make_year, repeat):
    folder = make_year()
    ods(folder / "authorities.ods", {"Authorities": ods_row(HEADER) + ods_row(
        [{"table:number-columns-repeated": repeat}])})
    (problem,) = problems_of(folder)
    assert problem.startswith("authorities.ods, sheet Authorities, cell A2: says its "
                              f'number-columns-repeated is "{repeat[:40]}", which is not a count')
def test_the_same_authorities_in_the_csv_and_a_workbook_are_one_finding(make_year, run):
    """A workbook saved beside the CSV it came from: not a line for every authority."""
    rows = (BUNDLED_YEAR / "authorities.csv").read_text(encoding="utf-8").splitlines()[1:]
    folder = make_year(csv=csv_text(*rows))
    write_xlsx(folder / "authorities.xlsx", HEADER, typed_rows(*rows))
    assert problems_of(folder) == [
        "authorities.xlsx: holds the same authorities as authorities.csv (352: Adur District "
        "Council, Allerdale Borough Council, Amber Valley Borough Council and 349 more): each "
        "authority belongs in one file; keep one of the two files, or take the repeated ones "
        "out of one"]
    result = run("build", "--data", folder, "--out", folder / "out")
    assert result.exit_code == 2 and len(result.output.splitlines()) == 2


def test_a_few_repeated_in_a_workbook_are_each_named(make_year):
    folder = make_year(csv=csv_text(*ROWS))
    write_xlsx(folder / "authorities.xlsx", HEADER, typed_rows(BROMSGROVE_ROW))
    assert problems_of(folder) == [
        'authorities.xlsx, sheet Authorities, cell A2 (authority): "Bromsgrove District '
        'Council" appears more than once (first at authorities.csv, line 3)']
