"""`new-year` writes what it reads back exactly, and nothing a spreadsheet or YAML reader would
take for something else; it refuses what it cannot write safely. Run on copies of the bundled
years, its files read back by the real readers."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from helpers import ROOT
from lgsco_letters.data.sources import read_csv
from lgsco_letters.data.spreadsheets import read_workbook
from lgsco_letters.formats import get_format

REGISTER = ROOT / "examples" / "councils-2019.csv"


@pytest.fixture
def years(tmp_path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path / "data"


def nothing_written(folder: Path) -> bool:
    return sorted(path.name for path in folder.iterdir()) == ["2017-18", "2018-19"]


def edit_rows(path: Path, edit) -> None:
    """Rewrite a CSV, each row (a dict) passed through `edit`."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(edit(row) or row for row in rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


# ---- text that starts like a formula -------------------------------------------------------

LIKE_FORMULAS = {"Adur District Council": ("=1+1", "-Acting- Chief Executive"),
                 "Allerdale Borough Council": ("+44 Jo Bloggs", "@Chief Executive"),
                 "Amber Valley Borough Council": ('=HYPERLINK("https://x.example","Jo")',
                                                  "Chief Executive")}


def formula_like(row: dict[str, str]) -> dict[str, str]:
    if row["authority"] in LIKE_FORMULAS:
        row["recipient_name"], row["recipient_title"] = LIKE_FORMULAS[row["authority"]]
    return row


def read_back(path: Path) -> dict[str, tuple]:
    problems: list = []
    schema = get_format("tables-2018").schema
    reader = read_csv if path.suffix == ".csv" else read_workbook
    records = reader(path, schema, problems)
    assert problems == []
    return {record.values["authority"]: (record.values.get("recipient_name"),
                                         record.values.get("recipient_title"))
            for record in records if record.values["authority"] in LIKE_FORMULAS}


@pytest.mark.parametrize("workbook", [False, True])
def test_text_like_a_formula_is_written_as_text_and_read_back_as_it_was(run, years, workbook):
    """`=1+1` went into authorities.xlsx as a formula (read back as one with no saved value)
    and into authorities.csv as it stood, for a spreadsheet to run."""
    edit_rows(years / "2017-18" / "authorities.csv", formula_like)
    result = run("new-year", "2018-19", "--from", years / "2017-18", "--to", years / "next",
                 *(["--workbook"] if workbook else []))
    assert result.exit_code == 0, result.output
    path = years / "next" / ("authorities.xlsx" if workbook else "authorities.csv")
    assert read_back(path) == LIKE_FORMULAS
    if workbook:
        import openpyxl

        sheet = openpyxl.load_workbook(path)["authorities"]
        cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row
                 if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))]
        assert len(cells) == 5
        assert {(cell.data_type, cell.quotePrefix) for cell in cells} == {("s", True)}
    else:
        text = path.read_text(encoding="utf-8")
        assert ",'=1+1,'-Acting- Chief Executive," in text
        assert ",'+44 Jo Bloggs,'@Chief Executive," in text
        assert ',"\'=HYPERLINK(""https://x.example"",""Jo"")",Chief Executive,' in text


# ---- year.yaml: text written so that it reads back as the same text -----------------------

TRICKY = ["0800", "1e3", "yes", "null", "2018-7-18", "010", "y", "~", "0x10", "1:30", ".inf",
          "2018-07-18", "1_0", "Off", "<<", "="]


def test_year_yaml_text_is_quoted_where_yaml_would_read_it_otherwise(run, years):
    """`delivery: "0800"` was written back as `delivery: 0800`, which YAML reads as a number,
    and `check` then refused the new year's year.yaml."""
    year_yaml = years / "2017-18" / "year.yaml"
    text = year_yaml.read_text(encoding="utf-8")
    titles = "".join(f'    - "{title}"\n' for title in TRICKY)
    text = text.replace("delivery: By email", 'delivery: "0800"').replace(
        "    - Local Government and Social Care Ombudsman\n", titles).replace(
        "strategy_period: 2018-21", 'strategy_period: "1e3"')
    assert text.count('"') >= 2 * len(TRICKY) + 4
    year_yaml.write_text(text, encoding="utf-8")
    result = run("new-year", "2018-19", "--from", years / "2017-18", "--to", years / "next")
    assert result.exit_code == 0, result.output

    from lgsco_letters.data.yamlfiles import read_yaml

    problems: list = []
    written, _ = read_yaml(years / "next" / "year.yaml", problems)
    assert problems == []
    assert written["delivery"] == "0800" and written["prose"]["strategy_period"] == "1e3"
    assert written["signatory"]["titles"][:-1] == TRICKY
    plain = [value for value in [written["delivery"], *written["signatory"]["titles"]]
             if getattr(value, "meaning", "str") != "str"]
    assert plain == []  # each read as text, as it was written in 2017-18
    check = run("check", "--data", years / "next")
    assert "year.yaml" not in check.output, check.output


# ---- the register: every council once, in one spelling, taken over by one -----------------

def register_with(tmp_path: Path, old: str, new: str) -> Path:
    text = REGISTER.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "register.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def refused(run, years, register: Path) -> list[str]:
    result = run("new-year", "2019-20", "--from", years / "2018-19", "--register", register)
    assert result.exit_code == 2, result.output
    assert nothing_written(years)
    return result.output.splitlines()


def test_two_rows_naming_one_council_in_two_ways_are_refused(run, years, tmp_path):
    """`Adur district council` beside `Adur District Council`: both were carried into the new
    year, one as a new council with no recipient."""
    register = register_with(tmp_path, "Allerdale Borough Council,Allerdale",
                             "Allerdale Borough Council,Allerdale,ALL,E07000026,district,North "
                             "West,,,x\nAllerdale borough council.,Allerdale")
    assert refused(run, years, register) == [
        "Found 1 problem; nothing was written:",
        f"  {register}, line 4 (Allerdale borough council.), official_name: \"Allerdale borough "
        "council.\" and \"Allerdale Borough Council\" (line 3) differ only in case, spaces or "
        "punctuation: one council written two ways, or two whose letters would have the same "
        "file name; keep one"]


def test_a_council_written_otherwise_than_last_year_is_refused(run, years, tmp_path):
    """The register's `Adur district council` dropped 2018-19's Adur District Council, its
    recipient and its figures, and started a new council in its place."""
    register = register_with(tmp_path, "Adur District Council,Adur", "Adur district council,Adur")
    (line,) = refused(run, years, register)[1:]
    assert line.startswith(f"  {register}, line 2 (Adur district council), official_name: is "
                           'written "Adur district council", but 2018-19 has "Adur District '
                           'Council" (')
    assert line.endswith("authorities.csv, line 2), which differs only in case, spaces or "
                         "punctuation: write it as 2018-19 does, so that its recipient and "
                         "figures carry on")


def test_a_council_two_others_replace_is_refused(run, years, tmp_path):
    register = register_with(tmp_path, "South West,2019-04-01,Dorset County Council; ",
                             "South West,2019-04-01,Christchurch Borough Council; Dorset County "
                             "Council; ")
    lines = refused(run, years, register)
    assert any(line.endswith(
        '(Dorset Council), replaces: replaces "Christchurch Borough Council", which '
        '"Bournemouth, Christchurch and Poole Council" (line 25) replaces too: a council is '
        "taken over by one council") for line in lines), lines


def test_a_register_past_its_row_limit_is_refused(run, years, tmp_path):
    """A register of a million rows ran out of memory (exit 3)."""
    register = tmp_path / "register.csv"
    with register.open("w", encoding="utf-8") as stream:
        stream.write("official_name,authority_type\n")
        stream.writelines(f"Council {n},district\n" for n in range(200_000))
    assert refused(run, years, register) == [
        "Found 1 problem; nothing was written:",
        f"  {register}, line 5001: has more than 5,000 rows (the header among them): a register "
        "of England's councils lists a few hundred (is it the right file?)"]
    big = tmp_path / "big.csv"
    big.write_text("official_name,authority_type\n" + "x" * 21_000_000)
    assert refused(run, years, big) == [
        "Found 1 problem; nothing was written:",
        f"  {big}: is 20.0 MB, more than the 20.0 MB a data file of its kind may be: a year's "
        "data is far smaller (is it the right file?)"]


def test_only_the_first_names_not_found_get_a_hint(run, years, tmp_path):
    """Four hundred misspelt `replaces` took 16 s, each compared with every council."""
    with (years / "2018-19" / "authorities.csv").open(encoding="utf-8", newline="") as stream:
        names = [row["authority"] for row in csv.DictReader(stream)]
    rows = "".join(f'New Council {n},district,"{name[:-1]}"\n' for n, name in enumerate(names))
    register = tmp_path / "register.csv"
    register.write_text("official_name,authority_type,replaces\n" + rows, encoding="utf-8")
    lines = refused(run, years, register)
    replaces = [line for line in lines if "replaces: replaces" in line]
    assert len(replaces) == 200  # the first 200 problems said, the rest counted
    assert lines[0] == "Found 368 problems; nothing was written:"  # 15 successors unplaced
    assert lines[-1] == "  and 163 more problems (-v lists every one)"
    assert sum("(did you mean" in line for line in replaces) == 20


@pytest.mark.parametrize("inside", ["2019-20", "authorities/2019-20", "../2018-19/x/2019-20"])
def test_a_new_year_inside_the_old_years_folder_is_refused(run, years, inside):
    """`--to data/2018-19/2019-20` wrote the new year into the old one, which then held a
    folder that is no part of a year."""
    target = years / "2018-19" / inside
    result = run("new-year", "2019-20", "--from", years / "2018-19", "--register", REGISTER,
                 "--to", target)
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"--to {target} is inside {years / '2018-19'}, the year it starts from: a year's folder "
        f"holds that year's files alone; give a folder beside it, such as {years / '2019-20'}\n")
    assert nothing_written(years)
    assert sorted(path.name for path in (years / "2018-19").iterdir()) == [
        "authorities.csv", "year.yaml"]
