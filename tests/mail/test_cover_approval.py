"""An approval covers the cover note too: the email's subject, its text and its HTML, as they
read when the letter was approved. Edited after approval, the letter waits for a new approval;
against the real SMTP server on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from helpers import TEMPLATES, edit_file
from helpers.mail import NAMES, SENDER, address, ledger_rows
from lgsco_letters.mail.message import Cover, render_cover
from lgsco_letters.project import load_year
from lgsco_letters.render.templating import Templates

ALPHA = NAMES[0]
COVER_CHANGED = f"  {ALPHA}: held back: the cover note changed since approval: approve it again"


@pytest.fixture
def own_templates(year, monkeypatch):
    """The approved year run from its own folder, with its own copy of the templates to edit."""
    shutil.copytree(TEMPLATES, year / "templates")
    (year / "lgsco-letters.yml").write_text("data: 2017-18\nout: out\ntemplates: templates\n")
    monkeypatch.chdir(year)
    return year / "templates"


def send_alpha(run_here, smtp):
    return run_here("send", "--out", "out", "--only", ALPHA, "--smtp", f"127.0.0.1:{smtp.port}",
                    "--from", SENDER, "--yes", "--backoff", "0", "--timeout", "5")


def status_of_alpha(run_here) -> tuple[str, dict]:
    text = run_here("status", "--out", "out", "--all").output
    data = json.loads(run_here("status", "--out", "out", "--format", "json").output)
    return text, next(letter for letter in data["letters"] if letter["authority"] == ALPHA)


def cover_as_mailed(smtp) -> Cover:
    [message] = smtp.recorder.to(address(ALPHA))
    html = message.get_body(("html",))
    return Cover(message["Subject"], lines(message.get_body(("plain",)).get_content()),
                 lines(html.get_content()) if html is not None else None)


def lines(part: str) -> str:
    """The part's text with the lines ended as Python ends them (the wire ends them CRLF)."""
    return part.replace("\r\n", "\n")


def cover_now(templates) -> Cover:
    year = load_year(templates.parent / "2017-18")
    alpha = next(a for a in year.authorities if a.name == ALPHA)
    return render_cover(Templates(templates), year, alpha, SENDER)


def approved_digest(year) -> str | None:
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        [(digest,)] = db.execute("SELECT cover FROM approvals WHERE authority = ?", (ALPHA,))
    return digest


def held_then_approved_then_sent(run_here, year, smtp) -> None:
    held = send_alpha(run_here, smtp)
    assert held.exit_code == 1, held.output
    assert COVER_CHANGED in held.output.splitlines()
    assert smtp.recorder.messages == []
    assert ledger_rows(year) == {}
    text, letter = status_of_alpha(run_here)
    assert COVER_CHANGED in text.splitlines()
    assert (letter["state"], letter["reason_code"]) == ("held back", "cover changed")

    again = run_here("approve", "alpha", "--out", "out", "--as", "Sam Second")
    assert again.exit_code == 0, again.output
    assert again.output == ("Approved 1 letter as Sam Second, each for its PDF, its cover note "
                            f"and the addresses shown:\n  {ALPHA}: to {address(ALPHA)}\n")
    sent = send_alpha(run_here, smtp)
    assert sent.exit_code == 0, sent.output
    assert [recipients for _, recipients, _ in smtp.recorder.messages] == [[address(ALPHA)]]


def test_a_cover_note_edited_after_approval_is_not_sent_until_approved_again(
        run_here, year, smtp, own_templates):
    edit_file(own_templates / "email" / "cover.txt", "Please find attached",
              "Please find attached, at last,")
    held_then_approved_then_sent(run_here, year, smtp)
    mailed = cover_as_mailed(smtp)
    assert "Please find attached, at last, the Local Government" in mailed.text
    assert mailed == cover_now(own_templates)


def test_a_subject_edited_after_approval_is_not_sent_until_approved_again(
        run_here, year, smtp, own_templates):
    edit_file(own_templates / "email" / "subject.txt", "Annual Review letter",
              "URGENT Annual Review letter")
    held_then_approved_then_sent(run_here, year, smtp)
    mailed = cover_as_mailed(smtp)
    assert mailed.subject == f"URGENT Annual Review letter 2018 \u2013 {ALPHA}"
    assert mailed == cover_now(own_templates)


def test_the_cover_note_mailed_is_exactly_the_one_approved(run_here, year, smtp, own_templates):
    """The digest the approval records is the digest of the subject, text and HTML that the
    server was given."""
    sent = send_alpha(run_here, smtp)
    assert sent.exit_code == 0, sent.output
    mailed = cover_as_mailed(smtp)
    assert mailed.html is not None and "<p>Dear " in mailed.html
    assert approved_digest(year) == mailed.digest()


def test_a_cover_note_that_quotes_the_sender_is_approved_with_the_sender_as_send_gives_it(
        run_here, year, smtp, own_templates):
    """The sender is send's --from, unknown when approving: the approval covers the cover note
    with it in its place, and the letter goes with the sender given."""
    edit_file(own_templates / "email" / "cover.txt", "Yours sincerely,",
              "Replies to {{ sender }}, please.\n\nYours sincerely,")
    assert run_here("approve", "alpha", "--out", "out", "--as", "Sam Second").exit_code == 0
    sent = send_alpha(run_here, smtp)
    assert sent.exit_code == 0, sent.output
    assert f"Replies to {SENDER}, please." in cover_as_mailed(smtp).text


def test_an_approval_from_before_cover_notes_were_approved_must_be_given_again(
        run_here, year, smtp, own_templates):
    """A ledger of version 2 (approvals without a cover note) is brought up to date, and its
    approvals hold nothing back but the cover note."""
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        for table in ("approvals", "approval_log"):
            if "cover" in [column[1] for column in db.execute(f"PRAGMA table_info({table})")]:
                db.execute(f"ALTER TABLE {table} DROP COLUMN cover")
        db.execute("PRAGMA user_version = 2")
    before = (f"  {ALPHA}: held back: approved before cover notes were part of an approval: "
              "approve it again")
    held = send_alpha(run_here, smtp)
    assert held.exit_code == 1, held.output
    assert before in held.output.splitlines()
    assert smtp.recorder.messages == []
    assert before in run_here("status", "--out", "out", "--all").output.splitlines()
    assert run_here("approve", "alpha", "--out", "out", "--as", "Sam Second").exit_code == 0
    sent = send_alpha(run_here, smtp)
    assert sent.exit_code == 0, sent.output
    assert approved_digest(year) == cover_as_mailed(smtp).digest()
