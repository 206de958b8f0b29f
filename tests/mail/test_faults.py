"""Faults where the ledger once recorded something other than what happened, each against the
real SMTP server on 127.0.0.1: what the server logged, `send`, `status` and the ledger agree."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from helpers import BUNDLED_YEAR, ROOT, TEMPLATES
from helpers.mail import (
    NAMES,
    HoldsTheReply,
    Recorder,
    Server,
    address,
    free_port,
    ledger_rows,
    send,
    send_command,
)

ALPHA = NAMES[0]
RECORDS = "records@lgo.example.org"


class Logging(Recorder):
    """Also logs every RCPT the server is given, with what it answered."""

    def __init__(self):
        super().__init__()
        self.rcpts: list[tuple[str, str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = await super().handle_RCPT(server, session, envelope, address, rcpt_options)
        self.rcpts.append((address, reply))
        return reply


@pytest.fixture
def logging_smtp():
    server = Server(free_port(), Logging())
    server.start()
    yield server
    server.stop()


def status(run, year) -> tuple[str, dict]:
    text = run("status", "--data", year / "2017-18", "--out", year / "out")
    data = run("status", "--data", year / "2017-18", "--out", year / "out", "--format", "json")
    return text.output, {letter["authority"]: letter
                         for letter in json.loads(data.output)["letters"]}


def test_a_council_that_refuses_its_address_for_now_is_not_sent_nor_given_data(
        run, year, logging_smtp):
    recorder = logging_smtp.recorder
    recorder.rcpt_replies[address(ALPHA)] = ["450 4.2.1 Mailbox busy"] * 2
    result = send(run, year, logging_smtp, "--only", ALPHA, "--cc", RECORDS, "--retries", "1")
    assert result.exit_code == 1, result.output
    assert recorder.messages == []  # never DATA: not even the Cc has it
    assert [rcpt for rcpt, _ in recorder.rcpts] == [address(ALPHA)] * 2  # tried, then retried
    reply = "ce@alpha.example.org: 450 4.2.1 Mailbox busy"
    assert f"  failed-temporary: {ALPHA} ({reply})" in result.output
    assert ledger_rows(year)[ALPHA][:3] == ("failed-temporary", 2, reply)
    text, letters = status(run, year)
    assert letters[ALPHA]["state"] == "failed"
    assert f"  {ALPHA}: failed: {reply} (a re-run tries it again)" in text.splitlines()

    again = send(run, year, logging_smtp, "--only", ALPHA, "--cc", RECORDS)  # accepted now
    assert again.exit_code == 0, again.output
    assert [rcpts for _, rcpts, _ in recorder.messages] == [[address(ALPHA), RECORDS]]


def test_a_council_that_refuses_its_address_for_good_is_refused_not_sent(
        run, year, logging_smtp):
    recorder = logging_smtp.recorder
    recorder.rcpt_replies[address(ALPHA)] = ["550 5.1.1 No such mailbox"]
    result = send(run, year, logging_smtp, "--only", ALPHA, "--cc", RECORDS)
    assert result.exit_code == 1
    assert recorder.messages == []
    reply = "ce@alpha.example.org: 550 5.1.1 No such mailbox"
    assert ledger_rows(year)[ALPHA][:3] == ("failed-permanent", 1, reply)
    again = send(run, year, logging_smtp, "--only", ALPHA, "--cc", RECORDS)
    assert f"held back: {ALPHA}: refused for good last time ({reply}); not retried" in (
        again.output)
    assert recorder.messages == []


def test_a_refused_cc_leaves_the_letter_sent_with_a_warning(run, year, logging_smtp):
    recorder = logging_smtp.recorder
    recorder.rcpt_replies[RECORDS] = ["550 5.1.1 No such mailbox"]
    result = send(run, year, logging_smtp, "--only", ALPHA, "--cc", RECORDS)
    assert result.exit_code == 0, result.output
    assert [rcpts for _, rcpts, _ in recorder.messages] == [[address(ALPHA)]]
    warning = f"the Cc {RECORDS} was refused (550 5.1.1 No such mailbox)"
    assert f"Sent, with a warning (1; status shows them):\n  {ALPHA}: {warning}\n" in (
        result.output)
    assert ledger_rows(year)[ALPHA][0] == "sent"
    text, letters = status(run, year)
    assert letters[ALPHA]["state"] == "sent"
    assert letters[ALPHA]["warning"] == warning
    assert any(line.startswith(f"  {ALPHA}: sent: sent on ") and line.endswith(
        f" to ce@alpha.example.org, cc {RECORDS} (warning: {warning})")
        for line in text.splitlines())


class Answers(Recorder):
    """Keeps each message and answers its end with `reply`, whatever that is."""

    def __init__(self, reply: str):
        super().__init__()
        self.reply = reply

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        return self.reply


@pytest.mark.parametrize("reply", [
    "OK queued",  # no code at all
    "2500 queued",  # four digits
    "354 Go ahead",  # a code, but not an answer to the message's end
    "250 " + "x" * 9000,  # more than smtplib will read: an exception before a parsed reply
])
def test_a_reply_that_is_not_a_well_formed_code_after_the_data_is_unknown_never_retried(
        run, year, reply):
    server = Server(free_port(), Answers(reply))
    server.start()
    try:
        result = send(run, year, server, "--only", ALPHA, "--retries", "5")
        assert result.exit_code == 1, result.output
        assert len(server.recorder.messages) == 1  # one copy, never retried
        assert f"  unknown: {ALPHA} (no " in result.output
        assert ledger_rows(year)[ALPHA][:2] == ("unknown", 1)
        text, letters = status(run, year)
        assert "unknown:          1" in text
        assert letters[ALPHA]["reason"].startswith("outcome unknown: no ")
        again = send(run, year, server, "--only", ALPHA)
        assert "held back: Alpha Borough Council: outcome unknown: " in again.output
        assert len(server.recorder.messages) == 1
    finally:
        server.stop()


def test_a_reply_without_a_code_is_shown_as_the_server_gave_it(run, year):
    server = Server(free_port(), Answers("OK queued"))
    server.start()
    try:
        result = send(run, year, server, "--only", ALPHA)
    finally:
        server.stop()
    assert (f"  unknown: {ALPHA} (no well-formed reply after the whole message was handed over "
            '(the server answered "OK queued"): the server may have it; check with the '
            "recipient, then --resend to send it again)") in result.output


def test_a_letter_replaced_on_disk_during_the_run_is_not_sent(run, year):
    """The draft's bytes never go, and the ledger never records the approved hash for them."""
    recorder = HoldsTheReply()
    server = Server(free_port(), recorder)
    server.start()
    try:
        process = subprocess.Popen(send_command(year, server.port, "--yes"), cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert recorder.arrived.wait(60)  # the first letter is in DATA
        draft = year / "out" / "gamma-county-council.pdf"
        original = draft.read_bytes()
        shutil.copy(year / "out" / "beta-district-council.pdf", draft)  # another real PDF
        recorder.released.set()
        out, err = process.communicate(timeout=120)
    finally:
        server.stop()
    assert process.returncode == 1, out + err
    assert recorder.to(address(NAMES[2])) == []
    assert ("  held back: Gamma County Council: its PDF is not the one built (changed since "
            "the build): rebuild it with lgsco-letters build") in out
    assert NAMES[2] not in ledger_rows(year)
    for name in (NAMES[0], NAMES[1], NAMES[3]):
        (message,) = recorder.to(address(name))
        (attachment,) = message.iter_attachments()
        slug = name.lower().replace(" ", "-")
        assert attachment.get_content() == (year / "out" / f"{slug}.pdf").read_bytes()
    _, letters = status(run, year)
    assert letters[NAMES[2]]["reason_code"] == "not as built"
    draft.write_bytes(original)
    assert status(run, year)[1][NAMES[2]]["state"] == "approved"


def test_preview_never_writes_inside_a_years_output_folder_but_its_preview_folder(
        run, year):
    built = year / "out" / "bromsgrove-district-council.pdf"
    before = built.read_bytes()

    def preview(target):
        return run("preview", "bromsgrove", "--data", year / "2017-18", "--out", target)

    for target in (built, year / "out" / "draft.html", year / "out" / "site" / "x.pdf"):
        result = preview(target)
        assert result.exit_code == 2, result.output
        assert (f"--out {target}: that is inside {year / 'out'}, a year's output folder, where "
                "the built letters are that the manifest and the ledger vouch for; a preview "
                f"may go in {year / 'out' / 'preview'}/, or outside the years' output folders"
                ) in result.output
        assert not target.exists() or target == built
    (year / "out" / "preview").mkdir()
    (year / "out" / "preview" / "linked.pdf").symlink_to(built)  # a way back to the letter
    assert preview(year / "out" / "preview" / "linked.pdf").exit_code == 2
    assert built.read_bytes() == before
    allowed = preview(year / "out" / "preview" / "bromsgrove.pdf")
    assert allowed.exit_code == 0, allowed.output
    assert built.read_bytes() == before


def test_preview_refuses_a_years_folder_under_the_configured_out_before_it_is_built(
        run_here, tmp_path, monkeypatch):
    (tmp_path / "lgsco-letters.yml").write_text(
        f"data: {BUNDLED_YEAR}\nout: out\ntemplates: {TEMPLATES}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    refused = run_here("preview", "bromsgrove", "--out", "out/2017-18/bromsgrove.pdf")
    assert refused.exit_code == 2
    assert "that is inside out/2017-18, a year's output folder" in refused.output
    assert not (tmp_path / "out").exists()
    assert run_here("preview", "bromsgrove", "--out", "out/draft.pdf").exit_code == 0


def test_a_resend_whose_outcome_is_unknown_is_never_said_not_delivered(run, year, smtp):
    """The server may have the resend: "was not delivered" would be a guess said as a fact."""
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0
    server = Server(free_port(), Answers("OK queued"))
    server.start()
    try:
        result = send(run, year, server, "--resend", ALPHA)
    finally:
        server.stop()
    assert result.exit_code == 0, result.output  # the council has its letter
    (said,) = [line for line in result.output.splitlines()
               if line.startswith(f"  {ALPHA}: a resend")]
    assert said.startswith(f"  {ALPHA}: a resend's outcome is unknown (no well-formed reply "
                           "after the whole message was handed over (the server answered \"OK "
                           "queued\"): the server may have it; ")
    assert said.endswith("); the letter stays sent (sent on "
                         f"{status(run, year)[1][ALPHA]['sent_at']})")
    text, letters = status(run, year)
    assert "sent:             1\n" in text and "unknown:          0\n" in text
    assert letters[ALPHA]["state"] == "sent"
    assert "was not delivered" not in letters[ALPHA]["warning"]
    assert " may have been delivered or not (its outcome is unknown: no well-formed reply " in (
        letters[ALPHA]["warning"])
