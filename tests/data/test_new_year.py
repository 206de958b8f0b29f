"""`lgsco-letters new-year`: the next year's folder from the last one and a register of councils,
run on copies of the bundled years, with its files read back and `check` run on what it wrote."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from helpers import HEADLINE_YEAR, ROOT, pdf_text
from lgsco_letters.data.year_writer import years_on

REGISTER = ROOT / "examples" / "councils-2019.csv"
NEW = ["Bournemouth, Christchurch and Poole Council", "Dorset Council", "East Suffolk Council",
       "Somerset West and Taunton Council", "West Suffolk Council"]


@pytest.fixture
def years(tmp_path) -> Path:
    """A copy of the bundled years' folder."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path / "data"


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def register_with(tmp_path: Path, old: str, new: str) -> Path:
    text = REGISTER.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "register.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def nothing_written(folder: Path) -> bool:
    """Only the two bundled years, and no half-written folder beside them."""
    return sorted(path.name for path in folder.iterdir()) == ["2017-18", "2018-19"]


def every_complaint_upheld(row: dict[str, str]) -> dict[str, str]:
    """The year's figures for a test: last year's, with every investigation upheld."""
    upheld = int(row["decided_upheld"]) + int(row["decided_not_upheld"])
    return {**row, "decided_upheld": str(upheld), "decided_not_upheld": "0"}


def test_2019_20_from_2018_19_and_the_register(run, years, tmp_path):
    result = run("new-year", "2019-20", "--from", years / "2018-19", "--register", REGISTER)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == "343 authorities: 338 carried from 2018-19, 5 new"
    assert lines[6] == ("  new: West Suffolk Council (took over Forest Heath District Council; "
                        "St Edmundsbury Borough Council)")
    folder = years / "2019-20"
    assert sorted(path.name for path in folder.iterdir()) == ["authorities.csv", "year.yaml"]

    settings = yaml.safe_load((folder / "year.yaml").read_text(encoding="utf-8"))
    old = yaml.safe_load((HEADLINE_YEAR / "year.yaml").read_text(encoding="utf-8"))
    assert settings == {**old, "year": "2019-20", "previous": "2018-19",
                        "letter_date": date(2020, 7, 24), "period_end": date(2020, 3, 31)}

    rows = rows_of(folder / "authorities.csv")
    register = rows_of(REGISTER)
    assert [row["authority"] for row in rows] == [c["official_name"] for c in register]
    before = {row["authority"]: row for row in rows_of(HEADLINE_YEAR / "authorities.csv")}
    for row in rows:
        carried = before.get(row["authority"])
        expected = ((carried["recipient_name"], carried["recipient_title"],
                     carried["recipient_email"]) if carried else ("", "", ""))
        assert (row["recipient_name"], row["recipient_title"], row["recipient_email"]) == expected
        assert all(row[column] == "" for column in row if column.startswith(
            ("received_", "decided_", "remedied_", "recommendations_")))
    new = {row["authority"]: row for row in rows if row["authority"] not in before}
    assert sorted(new) == NEW
    assert new["West Suffolk Council"]["predecessors"] == (
        "Forest Heath District Council; St Edmundsbury Borough Council")
    assert new["West Suffolk Council"]["authority_type"] == "district"
    assert all(not row["predecessors"] for row in rows if row["authority"] in before)

    check = run("check", "--data", folder)
    assert check.exit_code == 2
    assert check.output == (
        f"{folder / 'authorities.csv'}\n"
        "  343 authorities have no figures yet (received_*, decided_*, ...)\n"
        "  5 authorities have no recipient yet (recipient_email): Bournemouth, Christchurch and "
        "Poole Council; Dorset Council; East Suffolk Council; Somerset West and Taunton "
        "Council; West Suffolk Council\n"
        "2 problems in 1 file.\n")

    # the figures, as staff would fill them in: the new councils' from their predecessors'
    counts = [column for column in rows[0] if column.startswith(
        ("received_", "decided_", "remedied_", "recommendations_")) and
        not column.endswith("_total")]
    for row in rows:
        olds = ([before[name] for name in row["predecessors"].split("; ")]
                if row["predecessors"] else [before[row["authority"]]])
        row.update(every_complaint_upheld({column: str(sum(int(old[column]) for old in olds))
                                           for column in counts}))
        if not row["recipient_email"]:
            first_word = row["authority"].split()[0].strip(",").lower()
            row["recipient_email"] = f"ce@{first_word}.example.org"
    with (folder / "authorities.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    check = run("check", "--data", folder)
    assert check.exit_code == 0, check.output
    assert check.output.splitlines()[-1] == "No problems: 343 letters checked."

    preview = run("preview", "West Suffolk", "--data", folder, "--out", tmp_path / "ws.pdf")
    assert preview.exit_code == 0, preview.output
    text = " ".join(pdf_text(tmp_path / "ws.pdf").split())
    assert "By email Chief Executive West Suffolk Council Dear Chief Executive," in text
    assert "year ended 31 March 2020" in text
    # Forest Heath (1 upheld of 2) and St Edmundsbury (2 of 3) in 2018-19, all 5 upheld now
    assert "We upheld 5 of the 5 complaints we investigated in detail, 100%." in text
    # its own last year: its predecessors' 2018-19 figures pooled, 3 of 5 upheld
    assert ("We upheld 5 of the 5 complaints we investigated in detail, 100%. In 2018-19 it "
            "was 60%.") in text


def test_an_existing_folder_is_refused(run, years):
    (years / "2019-20").mkdir()
    (years / "2019-20" / "notes.txt").write_text("mine")
    result = run("new-year", "2019-20", "--from", years / "2018-19", "--register", REGISTER)
    assert result.exit_code == 2
    assert result.output == (f"{years / '2019-20'} already exists: new-year writes a new folder "
                             "and never changes one; remove it, or give another with --to\n")
    assert [path.name for path in (years / "2019-20").iterdir()] == ["notes.txt"]
    elsewhere = run("new-year", "2019-20", "--from", years / "2018-19", "--register", REGISTER,
                    "--to", years / "2017-18")
    assert elsewhere.exit_code == 2
    assert "already exists" in elsewhere.output


def test_a_link_where_the_folder_would_go_is_refused_and_left_alone(run, years, tmp_path):
    """A link, even one that leads nowhere, stands where the new year would go: it is said to
    be there, never written through or replaced, and nothing is left beside it."""
    elsewhere = tmp_path / "elsewhere"
    (years / "2019-20").symlink_to(elsewhere)
    result = run("new-year", "2019-20", "--from", years / "2018-19", "--register", REGISTER)
    assert result.exit_code == 2
    assert result.output.startswith(f"{years / '2019-20'} already exists: new-year writes")
    assert (years / "2019-20").is_symlink() and not elsewhere.exists()
    assert sorted(path.name for path in years.iterdir()) == ["2017-18", "2018-19", "2019-20"]


def test_the_new_folder_is_written_whole_through_descriptors(years):
    """The files go into a new hidden folder, then it is renamed into place: a failure midway
    leaves no folder and no hidden one."""
    from lgsco_letters.files import write_new_folder

    target = years / "2019-20"
    with pytest.raises(TypeError):
        write_new_folder(target, {"year.yaml": "year: 2019-20\n", "authorities.csv": None})
    assert sorted(path.name for path in years.iterdir()) == ["2017-18", "2018-19"]
    write_new_folder(target, {"year.yaml": "year: 2019-20\n", "authorities.csv": b"a\n"})
    assert (target / "authorities.csv").read_bytes() == b"a\n"
    assert sorted(path.name for path in years.iterdir()) == ["2017-18", "2018-19", "2019-20"]
    with pytest.raises(FileExistsError):
        write_new_folder(target, {"year.yaml": ""})


def test_a_register_type_in_no_comparison_group_is_named(run, years, tmp_path):
    register = register_with(tmp_path, "West Suffolk,WSK,E07000245,district",
                             "West Suffolk,WSK,E07000245,shire district")
    result = run("new-year", "2019-20", "--from", years / "2018-19", "--register", register)
    assert result.exit_code == 2
    assert result.output == (
        "Found 1 problem; nothing was written:\n"
        f"  {register}, line 330 (West Suffolk Council), authority_type: the type \"shire "
        "district\" is in no comparison group of year.yaml (groups: county, district, "
        "metropolitan, unitary, london)\n")
    assert nothing_written(years)


def test_the_register_is_checked_against_last_years_successors(run, years, tmp_path):
    register = register_with(tmp_path, "Forest Heath District Council; St Edmundsbury",
                             "Forest Heth District Council; St Edmundsbury")
    register.write_text(register.read_text().replace("North Somerset Council,",
                                                     "North Somerset  Council,"))
    result = run("new-year", "2019-20", "--from", years / "2018-19", "--register", register)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Found 2 problems; nothing was written:",
        f"  {register}, line 207 (North Somerset  Council), official_name: \"North Somerset  "
        "Council\" has spaces at its start or end, or two together: expected single spaces "
        "between words",
        f"  {register}, line 330 (West Suffolk Council), replaces: replaces \"Forest Heth "
        "District Council\", which is not an authority of 2018-19 (did you mean \"Forest Heath "
        "District Council\"?)"]
    assert nothing_written(years)


def test_a_successor_the_register_does_not_know(run, years, tmp_path):
    csv_path = years / "2018-19" / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(",West Suffolk Council,",
                                                     ",West Suffolk District Council,"))
    register = register_with(tmp_path, "Forest Heath District Council; ", "")
    result = run("new-year", "2019-20", "--from", years / "2018-19", "--register", register)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == "Found 2 problems; nothing was written:"
    assert lines[1].endswith(
        "(Forest Heath District Council), successor: names the successor \"West Suffolk "
        "District Council\", which the register does not list (did you mean \"West Suffolk "
        "Council\"?)")
    assert lines[2].endswith(
        "(St Edmundsbury Borough Council), successor: names the successor \"West Suffolk "
        "District Council\", but the register has \"West Suffolk Council\" replacing it")
    assert nothing_written(years)


def test_a_council_the_register_no_longer_lists_is_dropped_and_said(run, years, tmp_path):
    register = register_with(tmp_path, "Adur District Council,Adur",
                             "Adur and Worthing Council,Adur")
    result = run("new-year", "2019-20", "--from", years / "2018-19", "--register", register)
    assert result.exit_code == 0, result.output
    assert "  new: Adur and Worthing Council" in result.output.splitlines()
    assert "  dropped, as the register no longer lists them: Adur District Council" in (
        result.output.splitlines())


def test_without_a_register_the_successors_must_be_placed(run, years):
    result = run("new-year", "2019-20", "--from", years / "2018-19")
    assert result.exit_code == 2
    assert result.output.startswith(
        "2018-19 names successors that are not among its councils, and without a register of "
        "the new year's councils they cannot be placed: Bournemouth, Christchurch and Poole "
        "Council (for Borough of Poole, Bournemouth Borough Council, Christchurch Borough "
        "Council); Dorset Council (for ")
    assert result.output.endswith(
        "West Suffolk Council (for Forest Heath District Council, St Edmundsbury Borough "
        "Council). Give --register FILE, a CSV with official_name, authority_type and replaces "
        "(such as examples/councils-2019.csv).\n")
    assert nothing_written(years)


def test_without_a_register_last_years_councils_go_on(run, years):
    csv_path = years / "2017-18" / "authorities.csv"
    rows = rows_of(csv_path)
    with csv_path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=[*rows[0], "successor"], lineterminator="\n")
        writer.writeheader()
        for row in rows:  # Adur taken over by its neighbour, which goes on
            successor = "Worthing Borough Council" if row["authority"].startswith("Adur") else ""
            writer.writerow({**row, "successor": successor})
    result = run("new-year", "2018-19", "--from", years / "2017-18", "--to", years / "next")
    assert result.exit_code == 0, result.output
    rows = {row["authority"]: row for row in rows_of(years / "next" / "authorities.csv")}
    assert len(rows) == 352 and "Adur District Council" not in rows
    assert rows["Worthing Borough Council"]["predecessors"] == "Adur District Council"
    assert rows["Bromsgrove District Council"]["recipient_name"] == "Kevin Dicks"  # from YAML
    assert rows["Bromsgrove District Council"]["specimen"] == "false"
    assert "Note:" not in result.output  # 2017-18 is beside the new year


def test_the_year_yaml_carries_the_prose_with_a_note_to_check_it(run, years):
    result = run("new-year", "2018-19", "--from", years / "2017-18", "--to",
                 years / "x" / "2018-19")
    assert result.exit_code == 0, result.output
    assert (years / "x" / "2018-19" / "year.yaml").read_text() == (
        "# The year-wide values of 2018-19, started from 2017-18 by lgsco-letters new-year.\n"
        "# Everything but the label, the dates and previous: is carried from 2017-18: check it.\n"
        "year: 2018-19                 # the reporting year\n"
        "previous: 2017-18             # the year before, whose folder is beside this one\n"
        "letter_date: 2019-07-18       # 2017-18's, 1 year on: check it\n"
        "period_end: 2019-03-31        # 2017-18's, 1 year on: check it\n"
        "template: letter-2018.html\n"
        "delivery: By email\n"
        "signatory:\n"
        "  name: Michael King\n"
        "  titles:\n"
        "  - Local Government and Social Care Ombudsman\n"
        "  - Chair, Commission for Local Administration in England\n"
        "prose:\n"
        "  strategy_period: 2018-21      # as in 2017-18: check it for 2018-19\n"
        "  courses_delivered: 58         # as in 2017-18: check it for 2018-19\n"
        "  people_trained: 800           # as in 2017-18: check it for 2018-19\n")
    assert result.output.splitlines()[-2] == (
        f"Note: previous: 2017-18 names the folder beside this one, {years / 'x' / '2017-18'}, "
        f"which is not {years / '2017-18'}: put the year there, or check will ask.")


@pytest.mark.parametrize(("label", "said"), [
    ("2019-2020", 'LABEL: expected a reporting year such as 2019-20, found "2019-2020"'),
    ("2019-21", 'LABEL: expected a reporting year such as 2019-20, found "2019-21"'),
    ("2018-19", "LABEL: expected a year after 2018-19, the year it starts from, found 2018-19"),
])
def test_the_label_is_a_later_reporting_year(run, years, label, said):
    result = run("new-year", label, "--from", years / "2018-19", "--register", REGISTER)
    assert result.exit_code == 2
    assert result.output == said + "\n"
    assert nothing_written(years)


def test_a_workbook_for_those_who_fill_figures_in_a_spreadsheet(run, years):
    import openpyxl

    result = run("new-year", "2019-20", "--from", years / "2018-19", "--register", REGISTER,
                 "--workbook")
    assert result.exit_code == 0, result.output
    folder = years / "2019-20"
    assert sorted(path.name for path in folder.iterdir()) == ["authorities.xlsx", "year.yaml"]
    sheet = openpyxl.load_workbook(folder / "authorities.xlsx")["authorities"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["authority", "authority_type", "recipient_name"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "B2"
    housing = header.index("received_housing") + 1
    assert sheet.cell(2, housing).value is None
    assert {sheet.cell(row, housing).number_format for row in range(2, 345)} == {"0"}
    assert sheet.max_row == 344
    (validation,) = sheet.data_validations.dataValidation
    assert (validation.type, validation.formula1, validation.formula2) == ("whole", "0", "1000000")
    check = run("check", "--data", folder)
    assert check.exit_code == 2
    assert check.output.splitlines()[:2] == [
        str(folder / "authorities.xlsx"),
        "  343 authorities have no figures yet (received_*, decided_*, ...)"]


def test_dates_move_on_by_whole_years():
    assert years_on(date(2019, 7, 24), 1) == date(2020, 7, 24)
    assert years_on(date(2020, 2, 29), 1) == date(2021, 2, 28)
    assert years_on(date(2019, 3, 31), 2) == date(2021, 3, 31)
