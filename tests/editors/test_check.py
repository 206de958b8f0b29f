"""`lgsco-letters check`: one test per kind of problem, each message pinned."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from helpers import (
    ADUR_ROW,
    BROMSGROVE_ROW,
    BUNDLED_YEAR,
    FAILS_WITHOUT_COMPLAINTS,
    HEADLINE_YEAR,
    HEADLINE_YEAR_YAML,
    TEMPLATES,
    ZERO_ROW,
    csv_text,
    edit_file,
    headline_csv,
)
from lgsco_letters.cli import cli


@pytest.fixture
def project(tmp_path, monkeypatch, make_year):
    """A folder with its own templates and year; returns a function to edit a template."""
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    data = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW))
    (tmp_path / "lgsco-letters.yml").write_text(f"data: {data}\ntemplates: templates\n")
    monkeypatch.chdir(tmp_path)

    def edit(name: str, old: str, new: str) -> None:
        edit_file(tmp_path / "templates" / name, old, new)

    edit.data = data
    return edit


def check(*args: str):
    return CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)


def test_a_clean_year(project):
    result = check()
    assert result.exit_code == 0, result.output
    assert result.output == "No problems: 3 letters checked.\n"


def test_the_bundled_year_is_clean(run):
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.output == "No problems: 353 letters checked.\n"


def test_bad_data_is_listed_under_its_file(project):
    csv_path = project.data / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(",0,4,2,0,3,", ",0,x,2,0,3,"))
    result = check()
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].endswith("authorities.csv")
    assert lines[1] == ('  line 2 (Adur District Council), received_benefits_and_tax: expected a '
                        'whole number of 0 or more, found "x"')
    assert lines[-1] == "1 problem in 1 file."


def test_a_template_that_does_not_compile(project):
    project("letter-2018.html", "{{ prose.strategy_period }}", "{{ prose.strategy_period }")
    result = check()
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "templates/letter-2018.html", "  line 20: unexpected '}'", "1 problem in 1 file."]


def test_a_name_no_letter_has(project):
    project("partials/sign-off.html", "{{ signatory.name }}", "{{ signatory_name }}")
    result = check()
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[:2] == ["templates/partials/sign-off.html",
                         "  line 4: uses \"signatory_name\", which no letter's context has "
                         "(did you mean \"signatory\"?)"]
    assert lines[2:] == ["1 problem in 1 file."]  # one mistake, said once, not also as a render


def test_a_prose_figure_the_year_does_not_give(project):
    project("letter-2018.html", "{{ prose.courses_delivered }}", "{{ prose.courses }}")
    lines = check().output.splitlines()
    assert "  line 34: uses prose.courses, which year.yaml does not give" in lines
    assert not any('has no "courses"' in line for line in lines)
    assert any(line.startswith("  ") and "year.yaml, prose.courses_delivered: is never used by "
               "the letter templates" in line for line in lines)


def test_unused_values_are_warnings_not_problems(project):
    project("letter-2018.html", "In {{ year.label }} we delivered {{ prose.courses_delivered }} "
            "courses", "In 2017-18 we delivered many courses")
    result = check()
    assert result.exit_code == 0, result.output
    assert "Warnings (not problems):" in result.output
    assert "year.yaml, prose.courses_delivered: is never used by the letter templates" in (
        result.output)
    assert result.output.splitlines()[-1] == "No problems: 3 letters checked; 1 warning."


def test_a_context_entry_no_template_uses(project):
    project("partials/sign-off.html", "{{ signatory.name }}", "{{ year.signatory.name }}")
    project("partials/sign-off.html", "{% for title in signatory.titles %}",
            "{% for title in year.signatory.titles %}")
    result = check()
    assert result.exit_code == 0
    assert ('templates/letter-2018.html: "signatory" is in every letter\'s context but no letter '
            "template uses it") in result.output


def test_a_failure_only_some_data_triggers_names_the_authority(project):
    project("partials/statistics.html", *FAILS_WITHOUT_COMPLAINTS)
    result = check()
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].endswith("authorities.csv")
    assert lines[1] == ("  line 4 (Council of the Isles of Scilly): templates/partials/"
                        "statistics.html, line 31: integer division or modulo by zero")


def test_an_email_template_is_checked_too(project):
    project("email/cover.txt", "{{ signatory.name }}", "{{ signatory.name }} {{ sender_name }}")
    result = check()
    assert result.exit_code == 2
    assert "templates/email/cover.txt\n  line 10: uses \"sender_name\", which no letter's " \
           "context has" in result.output


def test_pdf_warns_of_a_letter_whose_page_count_is_unusual(project):
    """A page count unlike the year's is worth a look, not a problem (it was exit 2)."""
    project("letter-2018.html", "{% include \"partials/sign-off.html\" %}",
            "{% if authority.specimen and not recipient.name and figures.received_total == 0 %}"
            "{% for n in range(60) %}<p>An extra paragraph.</p>{% endfor %}{% endif %}"
            "{% include \"partials/sign-off.html\" %}")
    result = check("--pdf", "--jobs", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Warnings (not problems):"
    assert lines[2].endswith("authorities.csv, line 4 (Council of the Isles of Scilly): the "
                             "letter has 5 pages where the year's letters usually have 3 "
                             "(page-count)")
    assert lines[-1] == ("No problems: 3 letters checked; PDFs rendered: 3 (3, 5 pages); "
                         "2 warnings.")


def test_pdf_on_a_clean_year(project):
    result = check("--pdf")
    assert result.exit_code == 0
    assert result.output == "No problems: 3 letters checked; PDFs rendered: 3 (3 pages).\n"


def test_json_for_machines(project):
    project("letter-2018.html", "{{ prose.strategy_period }}", "{{ prose.strategy_period }")
    result = check("--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["clean"] is False
    assert report["problems"] == [{"file": "templates/letter-2018.html", "line": 20,
                                   "authority": None, "field": None, "sheet": None,
                                   "cell": None,
                                   "message": "unexpected '}'"}]


def test_the_headline_year_is_clean(run):
    """No warning about `prose`, which 2018-19's year.yaml does not set (it was one)."""
    result = run("check", "--data", HEADLINE_YEAR)
    assert result.exit_code == 0, result.output
    assert result.output == "No problems: 353 letters checked.\n"


def test_an_unused_prose_value_is_named_as_year_yaml_sets_it(make_year, run):
    folder = make_year(csv=headline_csv("Adur District Council"), name="2018-19",
                       year_yaml=HEADLINE_YEAR_YAML
                       + "prose:\n  courses_delivered: 58\n")
    result = run("check", "--data", folder)
    assert result.exit_code == 0
    assert result.output.splitlines()[1:] == [
        f"  {folder / 'year.yaml'}, prose.courses_delivered: is never used by the letter "
        "templates", "No problems: 1 letter checked; 1 warning."]


FIVE = [ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW,
        *(ADUR_ROW.replace("Adur District Council", name).replace("adur", slug)
          for name, slug in (("Arun District Council", "arun"),
                             ("Ashford Borough Council", "ashford")))]
STRUCK = ("display: flow-root;", "height: 12mm;")  # the old letterhead: its rule through its text


@pytest.fixture
def five(tmp_path, monkeypatch, make_year):
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    data = make_year(csv=csv_text(*FIVE))
    (tmp_path / "lgsco-letters.yml").write_text(f"data: {data}\ntemplates: templates\n")
    monkeypatch.chdir(tmp_path)
    edit_file(tmp_path / "templates" / "letter.css", *STRUCK)
    return tmp_path


def test_pdf_reads_every_letters_layout_and_says_a_shared_finding_once(five):
    result = check("--pdf", "--jobs", "2")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].endswith("authorities.csv")
    assert lines[1] == ('  page 1: a rule runs through the text "OMBUDSMAN", 13.5 mm below the '
                        'top margin (overlap) (in 5 letters: line 2 (Adur District Council), '
                        'line 5 (Arun District Council), line 6 (Ashford Borough Council) and 2 '
                        'more; -v lists every one)')
    assert lines[2:] == ["5 problems in 1 file; PDFs rendered: 5 (3 pages)."]


def test_pdf_lists_every_letter_with_v_and_gives_codes_in_json(five):
    result = CliRunner().invoke(cli, ["-v", "check", "--pdf", "--jobs", "2"])
    assert result.exit_code == 2
    found = [line for line in result.output.splitlines() if "(overlap)" in line]
    assert [line.split(")")[0] for line in found] == [
        "  line 2 (Adur District Council", "  line 3 (Bromsgrove District Council",
        "  line 4 (Council of the Isles of Scilly", "  line 5 (Arun District Council",
        "  line 6 (Ashford Borough Council"]
    report = json.loads(check("--pdf", "--format", "json").output)
    assert report["clean"] is False
    assert {p["code"] for p in report["problems"]} == {"overlap"}
    assert [p["authority"] for p in report["problems"]][:2] == [
        "Adur District Council", "Arun District Council"]
    assert report["problems"][0]["message"].startswith("page 1: a rule runs through the text")


def test_pdf_never_hides_a_finding_that_differs_under_a_shared_one(five):
    """Grouped by code alone, Arun's own overlap (its own words over others) was hidden
    under the letterhead's, and the count was of findings, not letters. Alike means the same
    code and the same words, but for the numbers and the letter's own name."""
    edit_file(five / "templates" / "letter-2018.html", "{% include \"partials/sign-off.html\" %}",
              "{% if authority.name.startswith('Arun') %}<p style='position: relative; top: "
              "-6mm'>Arun's own words</p>{% endif %}{% include \"partials/sign-off.html\" %}")
    lines = check("--pdf", "--jobs", "2").output.splitlines()
    shared = [line for line in lines if "OMBUDSMAN" in line]
    assert len(shared) == 1 and "(in 5 letters: line 2 (Adur District Council)" in shared[0]
    (own,) = [line for line in lines if "Arun's own words" in line]
    assert own.startswith("  line 5 (Arun District Council): page 2: the text \"Arun's own "
                          'words" is drawn over the text')
    assert lines[-1].startswith("6 problems in 1 file")


def test_a_rule_broken_with_a_different_value_in_every_row_is_one_finding(make_year, run):
    """A finding was alike only when its words were, quoted value included: a column of
    fractions (3.5, 5.5, ...) or of display-name addresses gave a line for every value, 393
    lines for one mistake. The same rule on the same field is one finding, each example with
    the value it quotes; the same value everywhere is still said as before."""
    rows = (BUNDLED_YEAR / "authorities.csv").read_text(encoding="utf-8").splitlines()[1:7]
    halves = [row.replace(",Chief Executive,", ",Chief Executive,Chief <", 1) for row in rows]
    halves = [row.replace(".example.org,", f".example.org>,{n},", 1).replace(
        f",{n},true,", f",{n}.5,").replace(f",{n},false,", f",{n}.5,")
        for n, row in enumerate(halves)]
    folder = make_year(csv=csv_text(*halves))
    result = run("check", "--data", folder)
    assert result.exit_code == 2
    assert result.output.splitlines()[1:] == [
        "  recipient_email: expected an email address like name@council.gov.uk, found different "
        'values (in 6 rows: line 2 (Adur District Council) "Chief <chief.executive@adur.example.'
        'org>", line 3 (Allerdale Borough Council) "Chief <chief.executive@allerdale.example.'
        'org>", line 4 (Amber Valley Borough Council) "Chief <chief.executive@amber-valley.'
        'example.org>" and 3 more; -v lists every one)',
        '  specimen: expected true or false, found different values (in 6 rows: line 2 (Adur '
        'District Council) "0.5", line 3 (Allerdale Borough Council) "1.5", line 4 (Amber Valley '
        'Borough Council) "2.5" and 3 more; -v lists every one)',
        "12 problems in 1 file."]
    assert len(run("-v", "check", "--data", folder).output.splitlines()) == 14


def test_a_coded_finding_is_counted_in_letters_and_alike_only_in_its_words():
    from pathlib import Path

    from lgsco_letters.errors import Problem
    from lgsco_letters.findings import group_problems

    def finding(line: int, name: str, page: int, words: str) -> Problem:
        return Problem(Path("authorities.csv"), f"page {page}: {words} (underfilled)", line,
                       name, code="underfilled")

    names = ["Adur District Council", "Arun District Council", "Ashford Borough Council",
             "Bromsgrove District Council"]
    twice = [finding(n + 2, name, page, f"only {20 + n}% of the page is filled")
             for n, name in enumerate(names) for page in (1, 2)]
    (one,) = group_problems(twice)
    assert one.message == ("page 1: only 20% of the page is filled (underfilled) (in 4 letters: "
                           "line 2 (Adur District Council), line 3 (Arun District Council), "
                           "line 4 (Ashford Borough Council) and 1 more; -v lists every one)")
    assert len(group_problems(twice[:6])) == 6  # three letters: each said, none counted
    own = [finding(n + 2, name, 1, f'a rule runs through the text "{name}"')
           for n, name in enumerate(names)]
    assert len(group_problems(own)) == 1  # the letter's own name is no difference
    different = [*own[:3], finding(5, names[3], 1, 'a rule runs through the text "Total"')]
    assert group_problems(different) == different
    assert group_problems(twice, every=True) == twice
@pytest.mark.parametrize("old, new, said", [
    ("{{ year.period_end|long_date }}", "{{ year.period_ending|long_date }}",
     '  line 8: year has no "period_ending" (did you mean "period_end"?) (in 3 of 3 letters: '),
    ("In {{ year.label }} we", "In {{ yeer.label }} we",
     '  line 34: uses "yeer", which no letter\'s context has (did you mean "year"?)'),
    ("{{ prose.courses_delivered }}", "{{ prose.courses_deliverd }}",
     "  line 34: uses prose.courses_deliverd, which year.yaml does not give (did you mean "
     '"courses_delivered"?)'),
    # Jinja's "No filter named 'long_dat'.", with no suggestion, at compile time ...
    ("{{ year.period_end|long_date }}", "{{ year.period_end|long_dat }}",
     '  line 8: no filter named "long_dat" (did you mean "long_date"?)'),
    # ... and "No test named 'numbr' found." at render time, inside a block that may not run
    ("{{ year.period_end|long_date }}", "{% if year is numbr %}x{% endif %}",
     '  line 8: no test named "numbr" (did you mean "number"?)'),
])
def test_template_mistakes_in_the_editors_words_with_a_suggestion(project, old, new, said):
    project("letter-2018.html", old, new)
    lines = check().output.splitlines()
    assert any(line.startswith(said) for line in lines), lines
    assert not any("lgsco_letters" in line or "object" in line for line in lines)


def test_a_mistake_only_a_render_finds_is_said_in_the_editors_words(project):
    project("letter-2018.html", "{{ year.period_end|long_date }}",
            "{{ year.period_ending|long_date }}")
    result = CliRunner().invoke(cli, ["build", "--jobs", "1", "--only", "bromsgrove"])
    assert result.exit_code == 1
    assert ('Bromsgrove District Council: templates/letter-2018.html, line 8: year has no '
            '"period_ending" (did you mean "period_end"?)') in result.output


def test_a_misspelt_filter_in_a_build_or_preview_gets_a_suggestion(project):
    project("letter-2018.html", "{{ year.period_end|long_date }}",
            "{% if year %}{{ year.period_end|long_dat }}{% endif %}")
    for command in (["build", "--jobs", "1", "--only", "bromsgrove"],
                    ["preview", "bromsgrove", "--out", "letter.html"]):
        result = CliRunner().invoke(cli, command)
        assert ('Bromsgrove District Council: templates/letter-2018.html, line 8: no filter '
                'named "long_dat" (did you mean "long_date"?)') in result.output, command


def test_a_finding_many_records_share_is_counted_and_v_lists_them(make_year, run):
    rows = (BUNDLED_YEAR / "authorities.csv").read_text(encoding="utf-8").splitlines()[1:6]
    folder = make_year(csv=csv_text(*(row.replace(",false,", ",maybe,").replace(
        ",true,", ",maybe,") for row in rows)))
    result = run("check", "--data", folder)
    assert result.exit_code == 2
    assert result.output.splitlines()[1:] == [
        '  specimen: expected true or false, found "maybe" (in 5 rows: line 2 (Adur District '
        "Council), line 3 (Allerdale Borough Council), line 4 (Amber Valley Borough Council) "
        "and 2 more; -v lists every one)", "5 problems in 1 file."]
    every = run("-v", "check", "--data", folder).output.splitlines()
    assert len(every) == 7 and every[5] == ("  line 6 (Ashfield District Council), specimen: "
                                            'expected true or false, found "maybe"')
    assert len(json.loads(run("check", "--format", "json", "--data", folder).output)[
        "problems"]) == 5
    built = run("build", "--data", folder, "--out", folder / "out")
    assert built.exit_code == 2 and len(built.output.splitlines()) == 2
    assert "(in 5 rows: line 2 (Adur District Council), " in built.output
    assert len(run("-v", "build", "--data", folder, "--out", folder / "out").output
               .splitlines()) == 6
