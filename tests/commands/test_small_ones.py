"""Help that says what the options do, a command run outside any project, the names approve
lists, and names as people type them."""

from __future__ import annotations

import pytest

from helpers import BUNDLED_YEAR, csv_text
from lgsco_letters.data.names import select_authorities
from lgsco_letters.errors import LettersError
from lgsco_letters.project import load_year


def test_build_help_says_what_only_takes_without_a_stray_space(run):
    text = " ".join(run("build", "--help").output.split())
    assert "Worker processes. Default: the number of CPU cores." in text
    assert "Worker processes ." not in text
    assert ("--only NAME Build only this authority: its name, its slug, or enough of its whole "
            "words to name it alone (bromsgrove); repeat for more.") in text
    assert "exact name or slug" not in text


def test_send_help_says_only_and_resend_repeat(run):
    text = " ".join(run("send", "--help").output.split())
    assert "--only NAME Send only to this authority; repeat for more." in text
    assert ("--resend NAME Send this authority's letter again, deliberately; repeat for more."
            in text)


@pytest.mark.parametrize("command", [("build",), ("check",), ("preview", "bromsgrove"),
                                     ("list",), ("status",)])
def test_outside_any_project_it_says_no_config_was_found(tmp_path, monkeypatch, run_here,
                                                         command):
    monkeypatch.chdir(tmp_path)
    result = run_here(*command)
    assert result.exit_code == 2
    assert result.output == (
        f"No lgsco-letters.yml found in {tmp_path} or any folder above it, so the year's "
        "folder is the default, data/2017-18, which does not exist. Run lgsco-letters in the "
        "project's folder (the one with lgsco-letters.yml, or a folder inside it), or give "
        "--data.\n")


def test_outside_any_project_with_data_it_says_the_templates_are_missing(tmp_path, monkeypatch,
                                                                        run_here):
    monkeypatch.chdir(tmp_path)
    result = run_here("build", "--data", BUNDLED_YEAR)
    assert result.exit_code == 2
    assert result.output.startswith(f"No lgsco-letters.yml found in {tmp_path} or any folder "
                                    "above it, so the templates folder is the default, "
                                    "templates, which does not exist.")
    assert run_here("list", "--data", BUNDLED_YEAR).exit_code == 0  # needs no templates


def test_approve_lists_up_to_ten_names_then_counts(make_year, run, tmp_path):
    rows = (BUNDLED_YEAR / "authorities.csv").read_text(encoding="utf-8").splitlines()[1:13]
    data = make_year(csv=csv_text(*rows))
    out = tmp_path / "out"
    assert run("build", "--data", data, "--out", out, "--jobs", "2").exit_code == 0
    names = [line.split("  ")[0] for line in run("list", "--data", data).output.splitlines()
             if "  " in line]
    four = run("approve", *names[:4], "--as", "Pat", "--data", data, "--out", out)
    assert four.output.splitlines()[0] == ("Approved 4 letters as Pat, each for its PDF, its "
                                           "cover note and the addresses shown:")
    assert [line.split(":")[0].strip() for line in four.output.splitlines()[1:]] == names[:4]
    rest = run("approve", "--all", "--as", "Pat", "--data", data, "--out", out)
    assert rest.output.splitlines()[0] == ("Approved 8 letters as Pat; 4 already approved as they "
                                           "are, each for its PDF, its cover note and the "
                                           "addresses shown:")
    assert [line.split(":")[0].strip() for line in rest.output.splitlines()[1:]] == names[4:]
    withdrawn = run("approve", "--all", "--revoke", "--as", "Pat", "--data", data, "--out", out)
    assert withdrawn.output == (f"Withdrew the approval of 12 letters ({'; '.join(names[:10])}"
                                "; and 2 more); 0 had none.\n")
    again = run("approve", "--all", "--as", "Pat", "--data", data, "--out", out).output
    assert [line.split(":")[0].strip() for line in again.splitlines()[1:11]] == names[:10]
    assert again.splitlines()[11:] == [
        "  and 2 more, each for its own addresses (-v lists them all here; lgsco-letters status "
        "--all lists every letter's)"]


@pytest.mark.parametrize("typed, meant", [
    ("north somerset", "North Somerset Council"),
    ("North Somerset", "North Somerset Council"),
    ("bath north east somerset", "Bath and North East Somerset Council"),
])
def test_the_names_distinctive_words_exactly_win(typed, meant):
    year = load_year(BUNDLED_YEAR)
    assert [a.name for a in select_authorities(year, [typed])] == [meant]


def test_some_of_the_distinctive_words_are_still_ambiguous():
    year = load_year(BUNDLED_YEAR)
    assert [a.name for a in select_authorities(year, ["somerset"])] == [
        "Somerset County Council"]
    with pytest.raises(LettersError, match='"north" matches 14 authorities'):
        select_authorities(year, ["north"])
