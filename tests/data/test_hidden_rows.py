"""What staff see is what is read: a value in a hidden row or column of a workbook (hidden, or
filtered out) is refused naming its cell, never read into a letter nobody saw."""

from __future__ import annotations

import csv
import io

import pytest

from helpers import ADUR_ROW, BROMSGROVE_ROW, CSV_HEADER, typed
from helpers.workbooks import in_sheet, ods, ods_row, problems_of, xlsx
from lgsco_letters.project import load_year

HEADER = CSV_HEADER.split(",")
TWO = [typed(next(csv.reader(io.StringIO(row)))) for row in (ADUR_ROW, BROMSGROVE_ROW)]


@pytest.mark.parametrize(("edit", "expected"), [
    (in_sheet('<row r="3"', '<row r="3" hidden="1"'), "cell A3: holds a value in a hidden row "
     "(hidden, or filtered out), which whoever checks the sheet does not see: show the row"),
    (in_sheet("<sheetData>", '<cols><col min="13" max="13" hidden="1"/></cols><sheetData>'),
     "cell M1: holds a value in a hidden column, which whoever checks the sheet does not see"),
])
def test_an_xlsx_value_hidden_from_view_is_refused(make_year, edit, expected):
    folder = make_year()
    xlsx(folder / "authorities.xlsx", HEADER, TWO, edit=edit)
    (problem,) = problems_of(folder)
    assert problem.startswith(f"authorities.xlsx, sheet Authorities, {expected}")


def test_an_empty_hidden_column_costs_nothing(make_year):
    folder = make_year()
    xlsx(folder / "authorities.xlsx", HEADER, TWO, edit=in_sheet(
        "<sheetData>", '<cols><col min="40" max="16384" hidden="1"/></cols><sheetData>'))
    assert len(load_year(folder).authorities) == 2


@pytest.mark.parametrize(("columns", "row", "expected"), [
    ("", ' table:visibility="collapse"', "cell A3: holds a value in a hidden row"),
    ("", ' table:visibility="filter"', "cell A3: holds a value in a hidden row"),
    ('<table:table-column table:number-columns-repeated="12"/>'
     '<table:table-column table:visibility="collapse"/>', "",
     "cell M1: holds a value in a hidden column"),
])
def test_an_ods_value_hidden_from_view_is_refused(make_year, columns, row, expected):
    folder = make_year()
    hidden = ods_row(TWO[1]).replace("<table:table-row", f"<table:table-row{row}", 1)
    rows = [ods_row(HEADER), ods_row(TWO[0]), hidden]
    ods(folder / "authorities.ods", {"Authorities": columns + "".join(rows)})
    (problem,) = problems_of(folder)
    assert problem.startswith(f"authorities.ods, sheet Authorities, {expected}")


def test_an_ods_hidden_column_past_the_data_costs_nothing(make_year):
    folder = make_year()
    rows = [ods_row(HEADER), *(ods_row(row) for row in TWO)]
    ods(folder / "authorities.ods", {"Authorities": '<table:table-column table:number-columns-'
                                     'repeated="40"/><table:table-column table:visibility='
                                     '"collapse" table:number-columns-repeated="16000"/>'
                                     + "".join(rows)})
    assert len(load_year(folder).authorities) == 2
