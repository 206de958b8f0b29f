"""Smaller rules of one letter and one year: each address once on a letter, a new council's
predecessors among the year before's councils, and counts said in words that agree."""

from __future__ import annotations

import shutil

import pytest

from helpers import ADUR_ROW, BROMSGROVE_ROW, BUNDLED_YEAR, CSV_HEADER, ROOT, csv_text
from lgsco_letters.errors import DataError, display_path
from lgsco_letters.project import load_year

YEAR_YAML = (BUNDLED_YEAR / "year.yaml").read_text(encoding="utf-8")
OFFICERS = "link_officer_email,monitoring_officer_email"


def problems_of(folder) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_year(folder)
    return [str(problem).replace(display_path(folder), "YEAR")
            for problem in caught.value.problems]


def with_officers(row: str, officers: str) -> str:
    flag = ",true," if ",true," in row else ",false,"
    return row.replace(flag, f",{officers}{flag}", 1)


def officers_csv(*rows: tuple[str, str]) -> str:
    header = CSV_HEADER.replace(",specimen,", f",{OFFICERS},specimen,")
    return "\n".join([header, *(with_officers(row, cells) for row, cells in rows)]) + "\n"


def test_one_address_twice_on_a_letter_is_refused(make_year):
    """The monitoring officer's address was the link officer's, or the recipient's own: the
    letter went twice to one mailbox."""
    text = officers_csv((ADUR_ROW, "lo@adur.example.org,LO@adur.example.org"),
                        (BROMSGROVE_ROW, "chief.executive@bromsgrove.example.org,"))
    assert problems_of(make_year(csv=text)) == [
        'YEAR/authorities.csv, line 2 (Adur District Council), monitoring_officer_email: is '
        '"LO@adur.example.org", as link_officer_email is: a letter is sent to each address '
        "once; give each its own address, or leave this one empty",
        'YEAR/authorities.csv, line 3 (Bromsgrove District Council), link_officer_email: is '
        '"chief.executive@bromsgrove.example.org", as recipient_email is: a letter is sent to '
        "each address once; give each its own address, or leave this one empty"]


def test_send_refuses_a_cc_that_is_a_councils_own_address(run, make_year, tmp_path):
    folder = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW))
    out = tmp_path / "out"
    assert run("build", "--data", folder, "--out", out).exit_code == 0
    result = run("send", "--data", folder, "--out", out, "--from", "lgo@lgo.example.org",
                 "--cc", "chief.executive@adur.example.org", "--dry-run", tmp_path / "eml")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "--cc would send 1 letter twice to one address (Adur District Council): an address "
        "given to --cc is also the council's own, or a --cc is given twice; give each once")
    assert not (tmp_path / "eml").exists()


def years_beside(tmp_path, predecessors: str):
    """2016-17 (Adur and Bromsgrove), and 2017-18 whose Adur took over `predecessors`."""
    for label, rows in (("2016-17", (ADUR_ROW, BROMSGROVE_ROW)), ("2017-18", ())):
        (tmp_path / label).mkdir(parents=True)
        text = YEAR_YAML.replace("year: 2017-18", f"year: {label}")
        if label == "2017-18":
            text += "previous: 2016-17\n"
            header = CSV_HEADER.replace(",specimen,", ",predecessors,specimen,")
            adur = ADUR_ROW.replace(",true,", f",{predecessors},true,", 1)
            rows = ("\n".join([header, adur]),)
        (tmp_path / label / "year.yaml").write_text(text, encoding="utf-8")
        (tmp_path / label / "authorities.csv").write_text(
            rows[0] + "\n" if label == "2017-18" else csv_text(*rows), encoding="utf-8")
    return tmp_path / "2017-18"


def test_a_predecessor_must_be_a_council_of_the_year_before(tmp_path):
    """`previous: 2016-17` named the year before, and a predecessor it never had passed."""
    folder = years_beside(tmp_path, "Bromsgove District Council")
    assert problems_of(folder) == [
        "YEAR/authorities.csv, line 2 (Adur District Council), predecessors: \"Bromsgove "
        "District Council\" is not an authority of 2016-17, the year before (previous: in "
        "year.yaml) (did you mean \"Bromsgrove District Council\"?): expected the councils of "
        "the year before that this one took over"]
    good = years_beside(tmp_path / "good", "Bromsgrove District Council")
    assert load_year(good).authorities[0].predecessors == ("Bromsgrove District Council",)


def test_one_council_is_said_as_one(run, tmp_path):
    """A register of one council: "1 authorities: ..."."""
    shutil.copytree(ROOT / "data" / "2017-18", tmp_path / "2017-18")
    register = tmp_path / "register.csv"
    register.write_text("official_name,authority_type\nAdur District Council,district\n")
    result = run("new-year", "2018-19", "--from", tmp_path / "2017-18", "--register", register)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == "1 authority: 1 carried from 2017-18, 0 new"
