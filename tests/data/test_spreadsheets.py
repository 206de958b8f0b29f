"""Authorities from workbooks (.xlsx written with openpyxl, .ods with odfpy), read as the CSV is."""

from __future__ import annotations

import csv
import datetime
import io

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
from lgsco_letters.data.year import load_year
from lgsco_letters.errors import DataError, display_path
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
