"""Each council against its own last year (`previous:` in year.yaml): the rate of each measure
the year before holds, in the letter, its chart and `summary`, pooled for a council that took
others over; read back from real PDFs and the command line."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from helpers import (
    BUNDLED_YEAR,
    HEADLINE_YEAR,
    HEADLINE_YEAR_YAML,
    figure_alts,
    headline_csv,
    pdf_text,
)
from lgsco_letters.errors import DataError, display_path
from lgsco_letters.project import load_year

COUNCILS = ("Adur District Council", "Bromsgrove District Council",
            "Forest Heath District Council", "St Edmundsbury Borough Council")


def words(path) -> str:
    return " ".join(pdf_text(path).split())


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def csv_of(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def upheld(council: str, more: int):
    """`council`'s figures with `more` of its not-upheld investigations upheld instead."""
    def edit(row):
        if row["authority"] == council:
            row["decided_upheld"] = str(int(row["decided_upheld"]) + more)
            row["decided_not_upheld"] = str(int(row["decided_not_upheld"]) - more)
        return row
    return edit


def this_year(before_csv: str) -> str:
    """2019-20 in the same format: Adur and Bromsgrove go on, West Suffolk took over Forest
    Heath and St Edmundsbury; every council's figures this year are Adur's of the year before."""
    rows = rows_of(before_csv)
    adur = next(row for row in rows if row["authority"] == "Adur District Council")
    names = ("Adur District Council", "Bromsgrove District Council", "West Suffolk Council")
    return csv_of([{**adur, "authority": name, "successor": "",
                    "predecessors": ("Forest Heath District Council; St Edmundsbury Borough "
                                     "Council" if name.startswith("West") else "")}
                   for name in names])


@pytest.fixture
def two_years(tmp_path):
    """A 2018-19 of four councils (two taken over by West Suffolk) and the 2019-20 after it."""
    before = tmp_path / "2018-19"
    before.mkdir()
    (before / "year.yaml").write_text(HEADLINE_YEAR_YAML)
    (before / "authorities.csv").write_text(headline_csv(*COUNCILS))
    after = tmp_path / "2019-20"
    after.mkdir()
    (after / "year.yaml").write_text(HEADLINE_YEAR_YAML.replace("year: 2018-19 ", "year: 2019-20 ")
                                     .replace("2019-07-24", "2020-07-24")
                                     .replace("2019-03-31", "2020-03-31") + "previous: 2018-19\n")
    (after / "authorities.csv").write_text(this_year(headline_csv(*COUNCILS)))
    return before, after


def problems_of(folder) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_year(folder)
    return [str(problem).replace(display_path(folder.parent), "DATA")
            for problem in caught.value.problems]


# ---- the bundled 2018-19, against 2017-18 -----------------------------------------------------

def test_a_2018_19_letter_quotes_its_own_2017_18_rates(run, tmp_path):
    """Bromsgrove's real 2017-18 letter: 1 of 2 upheld (50%), none of the one upheld remedied
    by the council (0%). 2017-18 (tables-2018) holds no recommendations: compliance says
    nothing of it."""
    target = tmp_path / "bromsgrove.pdf"
    result = run("preview", "Bromsgrove", "--data", HEADLINE_YEAR, "--out", target)
    assert result.exit_code == 0, result.output
    text = words(target)
    assert ("We upheld 2 of the 5 complaints we investigated in detail, 40%. In 2017-18 it was "
            "50%. The average for district councils was 57%.") in text
    assert ("recommendations due in the year, 100%. The average for district councils was "
            "98%.") in text
    assert "already offered a satisfactory remedy before the complaint reached us. In 2017-18 " \
           "it was 0%." in text
    assert text.count("2017-18") == 3  # two sentences and the chart's key
    (alt,) = [alt for alt in figure_alts(target) if alt.startswith("Bar chart")]
    assert alt == (
        "Bar chart of three measures, Bromsgrove District Council against the average for "
        "district councils and against its own rates in 2017-18: Complaints upheld, 40% "
        "against 57% (50% in 2017-18); Compliance with Ombudsman recommendations, 100% against "
        "98%; Satisfactory remedy provided by the authority, 0% against 1% (0% in 2017-18).")


def test_summary_gives_the_year_before_keyed_as_this_year(run):
    summary = json.loads(run("summary", "--data", HEADLINE_YEAR, "--format", "json").output)
    before = json.loads(run("summary", "--data", BUNDLED_YEAR, "--format", "json").output)
    assert "previous" not in before  # 2017-18 has no year before
    previous = summary["previous"]
    assert previous["year"] == "2017-18"
    assert set(previous) == {"year", "england", "groups"}
    assert list(previous["england"]) == list(summary["england"])
    assert {key: previous["england"][key] for key in before["england"]} == before["england"]
    assert previous["england"]["compliance_rate"] is None  # 2017-18 has no recommendations
    assert previous["england"]["recommendations_due"] is None
    assert previous["england"]["remedy_rate"] == 9  # 202 of 2,303
    assert list(previous["groups"]) == list(summary["groups"])
    with (BUNDLED_YEAR / "authorities.csv").open(encoding="utf-8", newline="") as stream:
        districts = [row for row in csv.DictReader(stream) if row["authority_type"] == "district"]
    upheld_then = sum(int(row["decided_upheld"]) for row in districts) + 1  # and Bromsgrove's
    investigated = sum(int(row["decided_upheld"]) + int(row["decided_not_upheld"])
                       for row in districts) + 2
    district = previous["groups"]["district"]
    assert (district["upheld"], district["detailed_investigations"]) == (upheld_then,
                                                                        investigated)
    assert district["uphold_rate"] == (200 * upheld_then + investigated) // (2 * investigated)
    assert list(district) == list(summary["groups"]["district"])
    csv_lines = run("summary", "--data", HEADLINE_YEAR, "--format", "csv").output.splitlines()
    assert [line.split(",")[:2] for line in csv_lines[1:]] == [
        [year, area] for year in ("2018-19", "2017-18")
        for area in ("england", *summary["groups"])]


# ---- through a reorganisation, and what a changed year before rebuilds ------------------------

def test_a_successor_quotes_its_predecessors_pooled(two_years, run, tmp_path):
    """West Suffolk, 2019-20: Forest Heath's and St Edmundsbury's 2018-19 counts pooled (1 of 2
    upheld, and 2 of 3: 3 of 5, 60%), every measure, as 2018-19 holds them all."""
    _, after = two_years
    target = tmp_path / "ws.pdf"
    assert run("preview", "West Suffolk", "--data", after, "--out", target).exit_code == 0
    text = words(target)
    assert "In 2018-19 it was 60%." in text
    assert text.count("In 2018-19 it was") == 3
    summary = json.loads(run("summary", "--data", after, "--format", "json").output)
    assert summary["previous"]["groups"]["district"]["authorities"] == 4  # all four pooled
    assert summary["previous"]["groups"]["district"]["detailed_investigations"] == sum(
        int(row["decided_upheld"]) + int(row["decided_not_upheld"])
        for row in rows_of(headline_csv(*COUNCILS)))


def test_a_changed_year_before_rebuilds_exactly_the_letters_whose_figures_then_moved(
        two_years, run, tmp_path):
    before, after = two_years
    out = tmp_path / "out"
    first = run("build", "--data", after, "--out", out, "--jobs", "2")
    assert first.exit_code == 0, first.output

    def statuses() -> dict[str, str]:
        rows = json.loads((out / "manifest.json").read_text())
        return {row["authority"]: row["status"] for row in rows}

    # Adur's and St Edmundsbury's uphold rates then move: Adur's letter and West Suffolk's
    edit = upheld("Adur District Council", 1)
    (before / "authorities.csv").write_text(
        headline_csv(*COUNCILS, edit=lambda row: upheld("St Edmundsbury Borough Council", 1)(
            edit(row))))
    # its data fingerprint holds its figures then: inspect sees Adur's moved, not Bromsgrove's
    moved = run("inspect", out / "adur-district-council.pdf", "--data", after)
    assert moved.exit_code == 1 and "Data: CHANGED since the letter was made" in moved.output
    kept = run("inspect", out / "bromsgrove-district-council.pdf", "--data", after)
    assert kept.exit_code == 0, kept.output
    again = run("build", "--data", after, "--out", out, "--jobs", "2")
    assert "2 built, 1 unchanged, 0 failed" in again.output, again.output
    assert statuses() == {"Adur District Council": "built",
                          "Bromsgrove District Council": "unchanged",
                          "West Suffolk Council": "built"}
    assert "In 2018-19 it was 80%." in words(out / "west-suffolk-council.pdf")  # 4 of 5

    # a count the letters do not quote of the year before moves nothing
    def one_more_housing_complaint(row):
        row = upheld("St Edmundsbury Borough Council", 1)(edit(row))
        if row["authority"] == "Bromsgrove District Council":
            row["received_housing"] = str(int(row["received_housing"]) + 1)
            row["received_total"] = str(int(row["received_total"]) + 1)
        return row
    (before / "authorities.csv").write_text(headline_csv(*COUNCILS,
                                                         edit=one_more_housing_complaint))
    still = run("build", "--data", after, "--out", out, "--jobs", "2")
    assert "0 built, 3 unchanged, 0 failed" in still.output, still.output
    assert run("inspect", out / "adur-district-council.pdf", "--data", after).exit_code == 0


# ---- a year before that cannot be used ----------------------------------------------------------

def test_a_year_before_that_does_not_load_is_said_at_previous(two_years, run):
    before, after = two_years
    (before / "authorities.csv").write_text(headline_csv(*COUNCILS).replace(
        "Adur District Council,district", "Adur District Council,distrikt"))
    result = run("check", "--data", after)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        display_path(before / "authorities.csv"),
        "  line 2 (Adur District Council), authority_type: the type \"distrikt\" is in no "
        "comparison group of year.yaml (groups: county, district, metropolitan, unitary, london)",
        display_path(after / "year.yaml"),
        f"  line 23, previous: the year before, 2018-19, does not load (its problems, in "
        f"{display_path(before)}, are listed too)",
        "2 problems in 2 files."]
    build = run("build", "--data", after, "--out", after.parent / "out")
    assert build.exit_code == 2
    assert build.output.splitlines()[:2] == [
        "Found 2 problems; nothing was written:",
        f"  {display_path(after / 'year.yaml')}, line 23, previous: the year before, 2018-19, "
        f"does not load (its problems, in {display_path(before)}, are listed too)"]
    assert not (after.parent / "out").exists()
    assert "Traceback" not in result.output


def test_the_year_before_must_be_the_year_its_folder_is_named_for(two_years):
    before, after = two_years
    (before / "year.yaml").write_text(HEADLINE_YEAR_YAML.replace("year: 2018-19 ",
                                                                 "year: 2017-18 "))
    assert problems_of(after) == [
        "DATA/2019-20/year.yaml, line 23, previous: the folder DATA/2018-19 holds "
        "the year 2017-18 (its year.yaml's year:), not 2018-19"]


def test_a_predecessor_the_year_before_lacks_or_gave_to_another(two_years):
    before, after = two_years
    (after / "authorities.csv").write_text(this_year(headline_csv(*COUNCILS)).replace(
        "Forest Heath District Council;", "Forest Heth District Council;"))
    assert problems_of(after) == [
        "DATA/2019-20/authorities.csv, line 4 (West Suffolk Council), predecessors: \"Forest "
        "Heth District Council\" is not an authority of 2018-19, the year before (previous: in "
        "year.yaml) (did you mean \"Forest Heath District Council\"?): expected the councils "
        "of the year before that this one took over"]
    (after / "authorities.csv").write_text(this_year(headline_csv(*COUNCILS)))
    rows = rows_of(headline_csv(*COUNCILS))
    for row in rows:
        if row["authority"] == "St Edmundsbury Borough Council":
            row["successor"] = "East Suffolk Council"
    (before / "authorities.csv").write_text(csv_of(rows))
    assert problems_of(after) == [
        "DATA/2019-20/authorities.csv, line 4 (West Suffolk Council), predecessors: \"St "
        "Edmundsbury Borough Council\" went to East Suffolk Council, as 2018-19 says (its "
        "successor)"]


def test_without_previous_a_letter_says_nothing_of_the_year_before(two_years, run, tmp_path):
    _, after = two_years
    (after / "year.yaml").write_text((after / "year.yaml").read_text().replace(
        "previous: 2018-19\n", ""))
    (after / "authorities.csv").write_text(this_year(headline_csv(*COUNCILS)).replace(
        "Forest Heath District Council; St Edmundsbury Borough Council", ""))
    target = tmp_path / "adur.pdf"
    assert run("preview", "Adur", "--data", after, "--out", target).exit_code == 0
    assert "2018-19" not in words(target)
    assert "previous" not in json.loads(run("summary", "--data", after, "--format",
                                            "json").output)


def test_a_copy_of_the_bundled_years_loads_the_year_before_beside_it(tmp_path):
    shutil.copytree(HEADLINE_YEAR, tmp_path / "2018-19")
    shutil.copytree(BUNDLED_YEAR, tmp_path / "2017-18")
    year = load_year(tmp_path / "2018-19")
    assert year.before is not None and year.before.year.label == "2017-18"
    forest_heath = next(a for a in year.authorities if a.name.startswith("Forest Heath"))
    assert [a.name for a in year.before.of(forest_heath)] == ["Forest Heath District Council"]
