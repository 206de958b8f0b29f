"""`lgsco-letters diff`: a wording change reported once, with the letters it changes."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from helpers import (
    ADUR_ROW,
    BROMSGROVE_ROW,
    FAILS_WITHOUT_COMPLAINTS,
    TEMPLATES,
    ZERO_ROW,
    csv_text,
    edit_file,
)
from lgsco_letters.cli import cli
from lgsco_letters.render.lettertext import sentences

OLD = "I write to you with our annual summary of statistics"
NEW = "We write to you with our yearly summary of statistics"


def git(*args: str, cwd) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path, monkeypatch, make_year):
    """A git repository holding the templates and a three-letter year, committed."""
    folder = tmp_path / "repo"
    shutil.copytree(TEMPLATES, folder / "templates")
    data = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW))
    (folder / "lgsco-letters.yml").write_text(f"data: {data}\ntemplates: templates\n")
    git("init", "-q", cwd=folder)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty",
        "-m", "empty", cwd=folder)
    git("add", ".", cwd=folder)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "letters",
        cwd=folder)
    monkeypatch.chdir(folder)
    return folder


def edit(folder, name: str, old: str, new: str) -> None:
    edit_file(folder / "templates" / name, old, new)


def diff(*args: str):
    return CliRunner().invoke(cli, ["diff", *args], catch_exceptions=False)


def test_one_sentence_changed_in_every_letter_is_shown_once(repo):
    edit(repo, "letter-2018.html", OLD, NEW)
    result = diff("--against", "HEAD")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Against HEAD: 3 of 3 letters change."
    assert lines[3] == "  in 3 letters"
    assert lines[4].startswith(f"    - {OLD} on the complaints made")
    assert lines[5].startswith(f"    + {NEW} on the complaints made")
    assert len(lines) == 6


def test_nothing_changed(repo):
    result = diff("--against", "HEAD")
    assert result.exit_code == 0
    assert result.output == "Against HEAD: 0 of 3 letters change.\n"


def test_against_an_older_revision_and_a_folder(repo, tmp_path):
    edit(repo, "letter-2018.html", OLD, NEW)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "reword",
        cwd=repo)
    assert diff("--against", "HEAD~1").output.startswith("Against HEAD~1: 3 of 3 letters change.")
    other = tmp_path / "other"
    shutil.copytree(TEMPLATES, other / "templates")
    result = diff("--against", str(other))
    assert result.output.startswith(f"Against {other}: 3 of 3 letters change.")
    assert f"    - {OLD}" in result.output


def test_a_change_that_differs_between_letters(repo):
    edit(repo, "base.html", "Dear {{ recipient.salutation }},",
         "{% if recipient.name %}Dear {{ recipient.name }}:{% else %}Dear Sir or Madam,{% endif %}")
    result = diff("--against", "HEAD")
    lines = result.output.splitlines()
    assert lines[0] == "Against HEAD: 3 of 3 letters change."
    assert "  in 2 letters: Adur District Council, Council of the Isles of Scilly" in lines
    assert "    - Dear Chief Executive," in lines and "    + Dear Sir or Madam," in lines
    assert "  in 1 letter: Bromsgrove District Council" in lines
    assert "    - Dear «recipient»," in lines and "    + Dear «recipient»:" in lines
    start = lines.index("Letters whose change differs from the rest (1):")
    assert lines[start + 1:start + 8] == [
        "  Bromsgrove District Council", "    also:", "      - Dear «recipient»,",
        "      + Dear «recipient»:", "    not:", "      - Dear Chief Executive,",
        "      + Dear Sir or Madam,"]


def test_pages_lists_letters_whose_page_count_moved(repo):
    edit(repo, "letter-2018.html", '{% include "partials/sign-off.html" %}',
         "{% if figures.received_total == 0 %}{% for n in range(60) %}<p>More.</p>{% endfor %}"
         '{% endif %}{% include "partials/sign-off.html" %}')
    result = diff("--against", "HEAD", "--pages", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "Page counts that moved (1):\n  Council of the Isles of Scilly: 3 -> 5 pages" in (
        result.output)


def test_json_for_machines(repo):
    edit(repo, "letter-2018.html", OLD, NEW)
    report = json.loads(diff("--against", "HEAD", "--format", "json").output)
    assert report["letters"] == 3 and report["changed"] == 3
    (change,) = report["changes"]
    assert change["letters"] == 3 and change["old"].startswith(OLD)
    assert report["differing"] == [] and report["errors"] == []


def test_working_templates_that_fail_for_every_letter_are_an_error(repo):
    edit(repo, "letter-2018.html", "{{ prose.courses_delivered }}", "{{ prose.nope }}")
    result = diff("--against", "HEAD")
    assert result.exit_code == 2
    assert result.output == (
        "The working templates fail for every letter, so there is nothing to compare: "
        "templates/letter-2018.html, line 34: prose has no \"nope\"\n")
    assert "0 of" not in result.output


def test_a_working_template_that_fails_for_one_letter_is_reported(repo):
    edit(repo, "partials/statistics.html", *FAILS_WITHOUT_COMPLAINTS)
    result = diff("--against", "HEAD")
    assert result.exit_code == 0
    assert ("  Council of the Isles of Scilly (working): templates/partials/statistics.html, "
            "line 31: integer division or modulo by zero") in result.output


def test_an_unknown_revision(repo):
    result = diff("--against", "no-such-branch")
    assert result.exit_code == 2
    assert result.output == "--against no-such-branch: neither a folder nor a git revision\n"


def test_sentences_ignore_the_head_and_split_blocks():
    html = ("<html><head><title>T</title><style>p {}</style></head><body><p>One. Two? "
            "<b>Three</b>!</p><table><tr><td>1</td><td>2</td></tr></table></body></html>")
    assert sentences(html) == ["One.", "Two?", "Three!", "1", "2"]
