"""Runs that cannot go on, or must not: a cover note's template fault, a bug, a server that
refuses the sender or the session, a ledger that cannot be written once the server has a letter,
and Ctrl-C; each against the real SMTP server on 127.0.0.1. What the server logged, `send`,
`status` and the ledger agree, and nothing is recorded as the council's refusal that was not."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import TEMPLATES, edit_file
from helpers.mail import (
    NAMES,
    SENDER,
    ledger_rows,
)

ALPHA, BETA = NAMES[0], NAMES[1]


def status(run, year) -> tuple[str, dict]:
    text = run("status", "--data", year / "2017-18", "--out", year / "out")
    data = run("status", "--data", year / "2017-18", "--out", year / "out", "--format", "json")
    return text.output, {letter["authority"]: letter
                         for letter in json.loads(data.output)["letters"]}


@pytest.fixture
def own_templates(year, monkeypatch):
    """The year run from its own folder, with its own copy of the templates to break."""
    shutil.copytree(TEMPLATES, year / "templates")
    (year / "lgsco-letters.yml").write_text("data: 2017-18\nout: out\ntemplates: templates\n")
    monkeypatch.chdir(year)
    return year / "templates"


def test_a_fault_in_the_cover_note_stops_the_run_before_anything_is_sent_or_recorded(
        run_here, year, smtp, own_templates):
    edit_file(own_templates / "email" / "cover.txt", "Dear {{ recipient.salutation }},",
              "Dear {{ authority.nonexistent_field }},")
    result = run_here("send", "--out", "out", "--smtp", f"127.0.0.1:{smtp.port}", "--from",
                      SENDER, "--yes", "--backoff", "0", "--timeout", "5")
    assert result.exit_code == 2, result.output
    assert ("  templates/email/cover.txt, line 2: 'lgsco_letters.data.models.Authority object' "
            "has no attribute 'nonexistent_field' (in 6 of 6 letters: Adur District Council, Alpha "
            "Borough Council, Beta District Council and 3 more)"
            ) in result.output
    assert smtp.recorder.messages == []
    assert ledger_rows(year) == {}  # nothing recorded
    dry = run_here("send", "--out", "out", "--from", SENDER, "--dry-run", year / "eml")
    assert dry.exit_code == 2 and "templates/email/cover.txt, line 2: " in dry.output
    check = run_here("check")
    assert check.exit_code == 2, check.output
    assert check.output.startswith(
        "templates/email/cover.txt\n  line 2: 'lgsco_letters.data.models.Authority object' has "
        "no attribute 'nonexistent_field' (in 6 of 6 letters: ")


def test_a_fault_in_a_template_the_html_cover_note_includes_is_not_taken_for_no_html(
        run_here, year, smtp, own_templates, tmp_path):
    (own_templates / "email" / "cover.html").write_text('{% include "email/gone.html" %}\n')
    result = run_here("send", "--out", "out", "--from", SENDER, "--dry-run", tmp_path / "eml")
    assert result.exit_code == 2, result.output
    assert "templates/email/cover.html, line 1: 'email/gone.html' not found" in result.output
    assert not (tmp_path / "eml").exists()
