"""Councils that were reorganised (`successor`, `predecessors`), the year before (`previous:`),
the monitoring officer and `copied_to:`, and what an unfinished year lacks, said once."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import (
    ADUR_ROW,
    BROMSGROVE_ROW,
    BROMSGROVE_YAML,
    BUNDLED_YEAR,
    CSV_HEADER,
    HEADLINE_YEAR,
    ZERO_ROW,
    csv_text,
    pdf_text,
)
from lgsco_letters.errors import DataError, display_path
from lgsco_letters.project import load_year

YEAR_YAML = (BUNDLED_YEAR / "year.yaml").read_text(encoding="utf-8")
ABOLISHED = {  # the councils abolished on 1 April 2019, and the council that took each over
    "Borough of Poole": "Bournemouth, Christchurch and Poole Council",
    "Bournemouth Borough Council": "Bournemouth, Christchurch and Poole Council",
    "Christchurch Borough Council": "Bournemouth, Christchurch and Poole Council",
    "Dorset County Council": "Dorset Council",
    "East Dorset District Council": "Dorset Council",
    "North Dorset District Council": "Dorset Council",
    "Purbeck District Council": "Dorset Council",
    "West Dorset District Council": "Dorset Council",
    "Weymouth and Portland Borough Council": "Dorset Council",
    "Suffolk Coastal District Council": "East Suffolk Council",
    "Waveney District Council": "East Suffolk Council",
    "Taunton Deane Borough Council": "Somerset West and Taunton Council",
    "West Somerset District Council": "Somerset West and Taunton Council",
    "Forest Heath District Council": "West Suffolk Council",
    "St Edmundsbury Borough Council": "West Suffolk Council",
}


def problems_of(folder) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_year(folder)
    return [str(problem).replace(display_path(folder), "YEAR")
            for problem in caught.value.problems]


def with_columns(columns: str, *rows: tuple[str, str]) -> str:
    """A CSV of (row, cells) pairs with `columns` added after specimen's place."""
    header = CSV_HEADER.replace(",specimen,", f",specimen,{columns},")
    width = columns.count(",") + 1
    lines = [row.replace(",true,", f",true,{cells},", 1).replace(",false,", f",false,{cells},", 1)
             for row, cells in rows]
    assert all(line.count(",") == header.count(",") for line in lines)
    assert width
    return "\n".join([header, *lines]) + "\n"


# ---- the bundled 2018-19 year ---------------------------------------------------------------

def test_2018_19_holds_the_councils_that_existed_in_it():
    year = load_year(HEADLINE_YEAR)
    names = {authority.name for authority in year.authorities}
    assert len(names) == 353
    assert {a.name: a.successor for a in year.authorities if a.successor} == ABOLISHED
    assert not names & set(ABOLISHED.values())  # the five new councils began in 2019-20
    forest_heath = next(a for a in year.authorities if a.name == "Forest Heath District Council")
    assert forest_heath.recipient.email == "chief.executive@west-suffolk.example.org"
    assert forest_heath.slug == "forest-heath-district-council"


def test_forest_heaths_letter_goes_to_west_suffolk(run, tmp_path):
    result = run("preview", "Forest Heath", "--data", HEADLINE_YEAR, "--out",
                 tmp_path / "forest-heath.pdf")
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(tmp_path / "forest-heath.pdf").split())
    assert "By email Chief Executive West Suffolk Council Dear Chief Executive," in text
    assert ("West Suffolk Council has taken over from Forest Heath District Council: in this "
            "letter, “your authority” means Forest Heath District Council.") in text
    assert ("Forest Heath District Council Your authority in 2017-18 Average for district "
            "councils") in text  # the chart's key
    assert "In 2017-18 it was" in text  # its own figures then


def test_every_letter_of_2018_19_is_checked_and_the_abolished_ones_built(run, tmp_path):
    result = run("check", "--data", HEADLINE_YEAR)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "No problems: 353 letters checked."
    only = [arg for name in ABOLISHED for arg in ("--only", name)]
    result = run("build", "--data", HEADLINE_YEAR, "--out", tmp_path / "out", "--jobs", "2", *only)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert len(manifest) == 353
    built = {row["authority"]: row["successor"] for row in manifest if row["status"] == "built"}
    assert built == ABOLISHED
    # Each runs over its first page, into the statistics: two pages, nothing half empty (a
    # second page holding only the closing lines and the signature was a warning on all 15).
    assert {(row["pages"], row["layout"]) for row in manifest if row["status"] == "built"} == {
        (2, "")}
    assert "Layout warnings" not in result.output
    assert all(row["successor"] == "" for row in manifest if row["authority"] not in ABOLISHED)
    result = run("status", "--data", HEADLINE_YEAR, "--out", tmp_path / "out", "--format", "json")
    letters = {letter["authority"]: letter for letter in json.loads(result.output)["letters"]}
    assert letters["Forest Heath District Council"]["successor"] == "West Suffolk Council"
    assert letters["Adur District Council"]["successor"] == ""
    lines = run("status", "--data", HEADLINE_YEAR, "--out", tmp_path / "out", "--all").output
    assert ("  Forest Heath District Council (specimen) (to its successor, West Suffolk "
            "Council): draft: not approved") in lines.splitlines()


def test_list_shows_the_successor(run):
    lines = run("list", "--data", HEADLINE_YEAR).output.splitlines()
    (poole,) = [line for line in lines if line.startswith("Borough of Poole ")]
    assert poole.split() == ["Borough", "of", "Poole", "borough-of-poole.pdf", "unitary",
                             "specimen", "successor:", "Bournemouth,", "Christchurch", "and",
                             "Poole", "Council"]
    assert lines[-1] == "353 authorities in data/2018-19"


# ---- successor and predecessors --------------------------------------------------------------

def test_successor_and_predecessors_from_csv_and_yaml(make_year):
    text = with_columns("successor,predecessors",
                        (ADUR_ROW, "West Suffolk Council,"),
                        (BROMSGROVE_ROW, ",Redditch Borough Council; Wyre Forest District Council"))
    adur, bromsgrove = load_year(make_year(csv=text)).authorities
    assert (adur.successor, adur.predecessors) == ("West Suffolk Council", ())
    assert bromsgrove.predecessors == ("Redditch Borough Council", "Wyre Forest District Council")
    yaml_text = BROMSGROVE_YAML.read_text(encoding="utf-8") + (
        "successor: Worcestershire Council\npredecessors: [Redditch Borough Council]\n")
    (one,) = load_year(make_year(yaml_files={"b.yaml": yaml_text})).authorities
    assert (one.successor, one.predecessors) == ("Worcestershire Council",
                                                 ("Redditch Borough Council",))


def test_successor_and_predecessors_are_validated_as_names(make_year):
    text = with_columns("successor,predecessors",
                        (ADUR_ROW, "West  Suffolk Council,Adur District Council"),
                        (BROMSGROVE_ROW, "Bromsgrove District Council,A Council; ; A Council"))
    assert problems_of(make_year(csv=text)) == [
        'YEAR/authorities.csv, line 2 (Adur District Council), successor: "West  Suffolk '
        'Council" has spaces at its start or end, or two together: expected single spaces '
        "between words",
        "YEAR/authorities.csv, line 2 (Adur District Council), predecessors: names the "
        "authority itself: expected the councils it took over",
        "YEAR/authorities.csv, line 3 (Bromsgrove District Council), successor: names the "
        "authority itself: expected the council that took it over",
        'YEAR/authorities.csv, line 3 (Bromsgrove District Council), predecessors: expected '
        'names separated by "; ", found an empty one',
        'YEAR/authorities.csv, line 3 (Bromsgrove District Council), predecessors: names '
        '"A Council" twice',
    ]


def test_a_predecessor_cannot_be_a_council_of_the_same_year(make_year):
    text = with_columns("predecessors", (ADUR_ROW, "Bromsgrove District Council"),
                        (BROMSGROVE_ROW, ""))
    assert problems_of(make_year(csv=text)) == [
        'YEAR/authorities.csv, line 2 (Adur District Council), predecessors: "Bromsgrove '
        "District Council\" is one of this year's authorities too: expected the councils of "
        "the year before that this one took over"]


def test_yaml_predecessors_must_be_names(make_year):
    yaml_text = BROMSGROVE_YAML.read_text(encoding="utf-8")
    line = len(yaml_text.splitlines()) + 1
    yaml_text += "predecessors: [12, ' Redditch']\n"
    assert problems_of(make_year(yaml_files={"b.yaml": yaml_text})) == [
        f"YEAR/authorities/b.yaml, line {line} (Bromsgrove District Council), predecessors: "
        'expected text, found 12, which YAML reads as a number: put it in quotes, '
        'predecessors: "12"',
        f"YEAR/authorities/b.yaml, line {line} (Bromsgrove District Council), predecessors: "
        '" Redditch" has spaces at its start or end, or two together: expected single spaces '
        "between words"]


# ---- the monitoring officer and copied_to ----------------------------------------------------

def test_the_monitoring_officer_is_an_address_like_the_others(make_year):
    text = with_columns("monitoring_officer_email", (ADUR_ROW, "mo@adur.example.org"),
                        (BROMSGROVE_ROW, "mo at bromsgrove"))
    assert problems_of(make_year(csv=text)) == [
        "YEAR/authorities.csv, line 3 (Bromsgrove District Council), monitoring_officer_email: "
        'expected an email address like name@council.gov.uk, found "mo at bromsgrove"']
    yaml_text = BROMSGROVE_YAML.read_text(encoding="utf-8") + (
        "monitoring_officer:\n  email: mo@bromsgrove.example.org\n")
    (one,) = load_year(make_year(yaml_files={"b.yaml": yaml_text})).authorities
    assert one.monitoring_officer_email == "mo@bromsgrove.example.org"


def test_copied_to_names_known_roles_once(make_year):
    good = YEAR_YAML + "copied_to: [link officer, monitoring officer]\n"
    year = load_year(make_year(csv=csv_text(ADUR_ROW), year_yaml=good))
    assert year.copied_to == ("link officer", "monitoring officer")
    bad = YEAR_YAML + "copied_to: [link officer, monitoring oficer, link officer]\n"
    assert problems_of(make_year(csv=csv_text(ADUR_ROW), year_yaml=bad)) == [
        'YEAR/year.yaml, line 19, copied_to[2]: "monitoring oficer" is not a role a letter is '
        'copied to (did you mean "monitoring officer"?); the roles: link officer, monitoring '
        "officer",
        'YEAR/year.yaml, line 19, copied_to[3]: "link officer" is given twice']
    not_a_list = YEAR_YAML + "copied_to: link officer\n"
    assert problems_of(make_year(csv=csv_text(ADUR_ROW), year_yaml=not_a_list)) == [
        "YEAR/year.yaml, line 19, copied_to: expected a list of the roles copied, from: link "
        "officer, monitoring officer"]


def test_the_letter_names_the_roles_it_is_copied_to(run, make_year, tmp_path):
    year_yaml = YEAR_YAML + "copied_to: [link officer, monitoring officer]\n"
    text = with_columns("link_officer_email,monitoring_officer_email",
                        (ADUR_ROW, "lo@adur.example.org,mo@adur.example.org"),
                        (BROMSGROVE_ROW, ",mo@bromsgrove.example.org"),
                        (ZERO_ROW.replace(",true,", ",false,"), ","))
    folder = make_year(csv=text, year_yaml=year_yaml)
    result = run("build", "--data", folder, "--out", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 0, result.output

    def copied(slug: str) -> list[str]:
        lines = pdf_text(tmp_path / "out" / f"{slug}.pdf").splitlines()
        return [line for line in lines if line.startswith("Copied to")]
    assert copied("adur-district-council") == ["Copied to: link officer, monitoring officer"]
    assert copied("bromsgrove-district-council") == ["Copied to: monitoring officer"]
    assert copied("council-of-the-isles-of-scilly") == []  # no one to copy it to


# ---- previous: -------------------------------------------------------------------------------

def test_previous_names_an_earlier_year_beside(make_year, tmp_path):
    shutil.copytree(BUNDLED_YEAR, tmp_path / "2016-17")
    (tmp_path / "2016-17" / "year.yaml").write_text(YEAR_YAML.replace("year: 2017-18 ",
                                                                      "year: 2016-17 "))
    folder = make_year(csv=csv_text(ADUR_ROW), year_yaml=YEAR_YAML + "previous: 2016-17\n")
    assert load_year(folder).previous == "2016-17"
    for previous, said in [
            ("2015-16", "line 19, previous: no year folder 2015-16 beside this one (expected "
                        "YEAR/../2015-16/year.yaml)"),
            ("2017-18", "line 19, previous: expected a year before 2017-18, found 2017-18"),
            ("2016", 'line 19, previous: expected the reporting year before this one, such as '
                     '2017-18, found 2016')]:
        folder = make_year(csv=csv_text(ADUR_ROW), year_yaml=YEAR_YAML + f"previous: {previous}\n")
        (problem,) = problems_of(folder)
        shown = problem.replace(display_path(folder.parent / "2015-16"), "YEAR/../2015-16")
        assert shown == f"YEAR/year.yaml, {said}"


# ---- what an unfinished year lacks -----------------------------------------------------------

def empty_counts(row: str) -> str:
    cells = row.split(",")
    return ",".join(cells[:6] + [""] * (len(cells) - 6))


def test_a_year_without_figures_is_one_finding(make_year):
    rows = [empty_counts(row) for row in (ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW)]
    assert problems_of(make_year(csv=csv_text(*rows))) == [
        "YEAR/authorities.csv: 3 authorities have no figures yet (received_*, decided_*, ...)"]
    some = make_year(csv=csv_text(rows[0], BROMSGROVE_ROW, rows[2]))
    assert problems_of(some) == [
        "YEAR/authorities.csv: 2 authorities have no figures yet (received_*, decided_*, ...): "
        "Adur District Council; Council of the Isles of Scilly"]
    one = make_year(csv=csv_text(rows[0], BROMSGROVE_ROW))
    assert problems_of(one) == [
        "YEAR/authorities.csv, line 2 (Adur District Council): has no figures yet "
        "(received_*, decided_*, ...)"]


def test_missing_recipients_are_one_finding_listing_the_councils(make_year):
    def no_recipient(row: str) -> str:
        cells = row.split(",")
        return ",".join([*cells[:2], "", "", "", *cells[5:]])
    rows = [no_recipient(row) for row in (ADUR_ROW, BROMSGROVE_ROW)]
    assert problems_of(make_year(csv=csv_text(*rows, ZERO_ROW))) == [
        "YEAR/authorities.csv: 2 authorities have no recipient yet (recipient_email): "
        "Adur District Council; Bromsgrove District Council"]
    assert problems_of(make_year(csv=csv_text(rows[0], ZERO_ROW))) == [
        "YEAR/authorities.csv, line 2 (Adur District Council), recipient_email: is missing: "
        "expected the recipient's email address"]


def test_a_duplicate_is_still_found_in_a_year_without_figures(make_year):
    rows = [empty_counts(ADUR_ROW), empty_counts(ADUR_ROW)]
    assert problems_of(make_year(csv=csv_text(*rows))) == [
        'YEAR/authorities.csv, line 3 (Adur District Council), authority: "Adur District '
        'Council" appears more than once (first at YEAR/authorities.csv, line 2)',
        "YEAR/authorities.csv, line 2 (Adur District Council): has no figures yet "
        "(received_*, decided_*, ...)"]
