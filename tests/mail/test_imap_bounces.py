"""`bounces --imap` against a real IMAP server, Dovecot on 127.0.0.1 (started unprivileged by
the tests, its mailbox in a temporary folder): the full round from sending to a resend to a
corrected address, read-only access, TLS, and sign-in by password and by OAuth 2.0 token."""

from __future__ import annotations

import hashlib
import imaplib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT
from helpers.dovecot import PASSWORD, USER, Dovecot
from helpers.mail import NAMES, address, send
from helpers.notifications import about, notification, sent_letters, subject_of
from helpers.oauth import make_certificate, runs, token, token_command
from helpers.reports import plain_words_bounce
from lgsco_letters.mail.imap import quoted

ALPHA, BETA, GAMMA, DELTA = NAMES
CHANGES = {"STORE", "EXPUNGE", "COPY", "MOVE", "UID STORE", "UID EXPUNGE", "UID COPY",
           "UID MOVE", "SELECT", "CLOSE", "APPEND", "DELETE", "RENAME", "CREATE"}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def dovecot(certificate):
    server = Dovecot(certificate)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def commands(monkeypatch) -> list[str]:
    """Every IMAP command lgsco-letters sends, as it sends it (imaplib's own method, called
    through)."""
    sent: list[str] = []
    real = imaplib.IMAP4._command

    def command(self, name, *args):
        sent.append(name if name != "UID" else f"UID {args[0]}")
        return real(self, name, *args)

    monkeypatch.setattr(imaplib.IMAP4, "_command", command)
    return sent


def imap(run, year, dovecot, *extra):
    return run("bounces", "--data", year / "2017-18", "--out", year / "out", "--imap",
               f"127.0.0.1:{dovecot.port}", "--user", USER, *extra)


def status(run, year) -> dict:
    result = run("status", "--data", year / "2017-18", "--out", year / "out", "--format",
                 "json")
    return {letter["authority"]: letter for letter in json.loads(result.output)["letters"]}


def test_the_full_round_from_send_to_a_resend_to_a_corrected_address(
        run, year, smtp, dovecot, commands, monkeypatch):
    assert send(run, year, smtp).exit_code == 1  # five sent; the specimen held back
    assert len(smtp.recorder.messages) == 5
    dovecot.append(about(year, BETA, "postfix"), about(year, GAMMA, "exchange-truncated"),
                   about(year, ALPHA, "out-of-office"), notification("not-ours"))
    stored, flags = dovecot.stored(), dovecot.flags()
    monkeypatch.setenv("LGSCO_IMAP_PASSWORD", PASSWORD)

    commands.clear()
    result = imap(run, year, dovecot)
    ours = list(commands)  # what lgsco-letters sent (the checks below are the test's)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (f"Read 4 messages from INBOX at 127.0.0.1:{dovecot.port} (read only: "
                        "nothing there was changed).")
    assert lines[1] == "Bounced: 2, recorded now"
    assert lines[2].startswith(f"  {BETA}: ce@beta.example.org: 550 5.1.1 ")
    assert lines[2].endswith("matched by Message-ID)")
    assert lines[3].startswith(f"  {GAMMA}: ce@gamma.example.org: 554 5.2.2 mailbox full")
    assert lines[3].endswith("matched by recipient and subject)")
    assert ("Not bounces: 1 automatic reply, 1 notification about no letter of this year's "
            "(-v lists them)") in lines
    # The mailbox, exactly as it was: opened with EXAMINE, read with BODY.PEEK, nothing
    # stored, expunged, copied or moved; no message marked seen.
    assert "EXAMINE" in ours and not CHANGES & set(ours), ours
    assert dovecot.flags() == flags and all(b"\\Seen" not in item for item in flags)
    assert dovecot.stored() == stored
    assert "deleted=0 expunged=0" in dovecot.log()

    text = run("status", "--data", year / "2017-18", "--out", year / "out").output
    assert "bounced:          2" in text.splitlines()
    assert f"  {BETA}: bounced: 550 5.1.1 <ce@beta.example.org>: Recipient address rejected" in (
        text)
    assert (f"  {GAMMA}: bounced: 554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:Quota"
            "ExceededException.MapiExceptionShutoffQuotaExceeded (for ce@gamma.example.org, "
            "notified ") in text
    assert send(run, year, smtp, "--only", GAMMA).exit_code == 1  # held while bounced

    # Gamma's address corrected in the data. No rebuild: an address is not what it says.
    pdf = year / "out" / "gamma-county-council.pdf"
    pdf_bytes, manifest = pdf.read_bytes(), json.loads((year / "out" / "manifest.json")
                                                       .read_text())
    csv_path = year / "2017-18" / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace("ce@gamma.example.org",
                                                     "chief.executive@gamma.example.org"))
    assert run("inspect", pdf, "--data", year / "2017-18").exit_code == 0  # provenance holds
    reason = status(run, year)[GAMMA]["reason"]
    assert reason.endswith("the address is corrected in the data (now chief.executive@gamma."
                           "example.org): approve the letter again, then send --resend "
                           "gamma-county-council")
    held = send(run, year, smtp, "--resend", GAMMA)
    assert held.exit_code == 1
    assert "the address changed since approval: approve it again" in held.output
    approved = run("approve", GAMMA, "--as", "Pat Signer", "--data", year / "2017-18",
                   "--out", year / "out")
    assert approved.exit_code == 0, approved.output
    assert f"  {GAMMA}: to chief.executive@gamma.example.org" in approved.output
    assert status(run, year)[GAMMA]["reason"].endswith(
        "approved again for the corrected address (chief.executive@gamma.example.org): send "
        "--resend gamma-county-council sends it")
    resent = send(run, year, smtp, "--resend", GAMMA)
    assert resent.exit_code == 0, resent.output
    (message,) = smtp.recorder.to("chief.executive@gamma.example.org")
    (attachment,) = message.iter_attachments()
    assert attachment.get_content() == pdf_bytes == pdf.read_bytes()
    built = next(row["sha256"] for row in manifest if row["authority"] == GAMMA)
    assert hashlib.sha256(pdf_bytes).hexdigest() == built
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        (approved_sha,) = db.execute("SELECT sha256 FROM approvals WHERE authority = ?",
                                     (GAMMA,)).fetchone()
        assert approved_sha == built  # approved again for the same bytes: never rebuilt
        deliveries = db.execute("SELECT status, recipient, message_id FROM deliveries WHERE "
                                "authority = ? ORDER BY id", (GAMMA,)).fetchall()
    assert [row[:2] for row in deliveries] == [("bounced", address(GAMMA)),
                                                ("sent", "chief.executive@gamma.example.org")]
    assert deliveries[1][2] == deliveries[0][2].replace("@", ".resend1@")  # a new delivery
    letters = status(run, year)
    assert letters[GAMMA]["state"] == "sent" and letters[BETA]["state"] == "bounced"
    assert send(run, year, smtp).exit_code == 1  # Beta still bounced (and the specimen)
    assert len(smtp.recorder.messages) == 6  # nobody mailed twice


@pytest.mark.parametrize("flag", ["--starttls", "--ssl"])
def test_imap_over_tls_as_send_has_it(run, year, smtp, dovecot, certificate, flag,
                                      monkeypatch):
    assert send(run, year, smtp, "--only", BETA).exit_code == 0
    dovecot.append(about(year, BETA, "gmail"))
    monkeypatch.setenv("LGSCO_IMAP_PASSWORD", PASSWORD)
    port = dovecot.ssl_port if flag == "--ssl" else dovecot.port
    arguments = ("bounces", "--data", year / "2017-18", "--out", year / "out", "--imap",
                 f"127.0.0.1:{port}", "--user", USER, flag)
    refused = run(*arguments)
    assert refused.exit_code == 2
    assert f"127.0.0.1:{port}: its certificate could not be verified (" in refused.output
    assert "--cafile" in refused.output
    result = run(*arguments, "--cafile", certificate[1])
    assert result.exit_code == 0, result.output
    assert "Bounced: 1, recorded now" in result.output


def test_a_token_refused_is_fetched_afresh_once_and_never_shown(year, smtp, run, dovecot,
                                                               tmp_path):
    assert send(run, year, smtp, "--only", BETA).exit_code == 0
    dovecot.append(about(year, BETA, "exim"))
    dovecot.introspection.accepted = {token(2)}  # the first token has expired
    command = [sys.executable, "-m", "lgsco_letters", "-v", "bounces", "--data",
               str(year / "2017-18"), "--out", str(year / "out"), "--imap",
               f"127.0.0.1:{dovecot.port}", "--user", USER, "--auth", "xoauth2",
               "--token-command", token_command(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=without_secrets())
    assert result.returncode == 0, result.stderr
    assert "Bounced: 1, recorded now" in result.stdout
    assert dovecot.introspection.asked == [token(1), token(2)]
    assert runs(tmp_path) == 2
    for secret in (token(1), token(2)):
        assert secret not in result.stdout + result.stderr
        assert all(secret.encode() not in path.read_bytes()
                   for path in (year / "out").rglob("*") if path.is_file())

    dovecot.introspection.accepted = set()
    stopped = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                             env=without_secrets())
    assert stopped.returncode == 1
    assert (f"127.0.0.1:{dovecot.port} refused the token for {USER} from --token-command "
            f"{command[-1]!r}, and a fresh one from it as well (") in stopped.stderr
    assert "Nothing was read." in stopped.stderr
    assert "Traceback" not in stopped.stderr


def test_a_token_from_the_environment_imap_first_then_smtp(year, smtp, run, dovecot,
                                                          monkeypatch):
    assert send(run, year, smtp, "--only", BETA).exit_code == 0
    dovecot.append(about(year, BETA, "postfix"))
    dovecot.introspection.accepted = {token(7)}
    monkeypatch.delenv("LGSCO_IMAP_TOKEN", raising=False)
    monkeypatch.setenv("LGSCO_SMTP_TOKEN", token(7))  # the same mailbox sends and receives
    result = imap(run, year, dovecot, "--auth", "xoauth2")
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("LGSCO_IMAP_TOKEN", token(8))
    refused = imap(run, year, dovecot, "--auth", "xoauth2")
    assert refused.exit_code == 1
    assert "from $LGSCO_IMAP_TOKEN (" in refused.output
    assert token(8) not in refused.output


def test_a_wrong_password_a_missing_folder_and_another_folder(run, year, smtp, dovecot,
                                                              monkeypatch):
    assert send(run, year, smtp, "--only", BETA).exit_code == 0
    dovecot.append(about(year, BETA, "postfix"), folder="Bounces")
    monkeypatch.setenv("LGSCO_IMAP_PASSWORD", "wrong")
    wrong = imap(run, year, dovecot)
    assert wrong.exit_code == 2
    assert f"127.0.0.1:{dovecot.port} refused the login for {USER}: " in wrong.output
    assert "wrong" not in wrong.output.replace("refused", "")
    monkeypatch.setenv("LGSCO_IMAP_PASSWORD", PASSWORD)
    missing = imap(run, year, dovecot, "--folder", "Bounced mail")
    assert missing.exit_code == 2
    assert (f"127.0.0.1:{dovecot.port}: cannot open the folder 'Bounced mail': ") in (
        missing.output)
    empty = imap(run, year, dovecot, "--auth", "plain")
    assert empty.exit_code == 0, empty.output
    assert empty.output.startswith(f"Read 0 messages from INBOX at 127.0.0.1:{dovecot.port}")
    other = imap(run, year, dovecot, "--folder", "Bounces", "--auth", "login")
    assert other.exit_code == 0, other.output
    assert "Bounced: 1, recorded now" in other.output
    dovecot.append(about(year, BETA, "gmail"), folder="R&APw-ckl&AOQ-ufer")  # as IMAP spells it
    accented = imap(run, year, dovecot, "--folder", "R\u00fcckl\u00e4ufer")
    assert accented.exit_code == 0, accented.output
    assert accented.output.startswith("Read 1 message from R\u00fcckl\u00e4ufer at ")


def test_a_mailbox_of_thousands_is_read_in_batches(run, year, smtp, dovecot, monkeypatch):
    assert send(run, year, smtp, "--only", BETA).exit_code == 0
    ordinary = b"From: colleague@lgo.example.org\r\nSubject: Minutes\r\n\r\nAttached.\r\n"
    # Delivered into the maildir as a mail server would, then seen by Dovecot.
    new = dovecot.maildir / "new"
    new.mkdir(parents=True, exist_ok=True)
    for number in range(1500):
        (new / f"1764400000.M{number}P1.mail").write_bytes(ordinary)
    (new / "1764400001.M9999P1.mail").write_bytes(about(year, BETA, "postfix"))
    if os.geteuid() == 0:
        owner = dovecot.folder.stat()
        for path in [dovecot.maildir, *dovecot.maildir.rglob("*")]:
            os.chown(path, owner.st_uid, owner.st_gid)
    monkeypatch.setenv("LGSCO_IMAP_PASSWORD", PASSWORD)
    result = imap(run, year, dovecot)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Read 1501 messages from INBOX")
    assert "Bounced: 1, recorded now" in result.output
    assert "Not bounces: 1500 other messages (-v lists them)" in result.output


def without_secrets() -> dict[str, str]:
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("LGSCO_SMTP", "LGSCO_IMAP"))}


def test_what_the_server_says_is_shown_as_said(run, year, smtp, dovecot, monkeypatch):
    assert send(run, year, smtp, "--only", BETA).exit_code == 0
    monkeypatch.setenv("LGSCO_IMAP_PASSWORD", "wrong")
    wrong = imap(run, year, dovecot)
    assert wrong.exit_code == 2
    assert (f"127.0.0.1:{dovecot.port} refused the login for {USER}: [AUTHENTICATIONFAILED] "
            "Authentication failed.") in wrong.output  # the server's words, not a bytes repr
    # A name with a quote and a backslash reaches the server as that name, quoted.
    name = 'Bounced "2018" \\ old'
    dovecot.append(about(year, BETA, "postfix"), folder=quoted(name))
    monkeypatch.setenv("LGSCO_IMAP_PASSWORD", PASSWORD)
    odd = imap(run, year, dovecot, "--folder", name)
    assert odd.exit_code == 0, odd.output
    assert "Bounced: 1, recorded now" in odd.output


def test_a_bounce_in_plain_words_is_fetched_and_shown_to_check_by_hand(run, year, smtp,
                                                                      dovecot, monkeypatch):
    assert send(run, year, smtp, "--only", BETA).exit_code == 0
    recipient, message_id = sent_letters(year)[BETA]
    dovecot.append(plain_words_bounce(recipient, message_id, subject_of(BETA)))
    monkeypatch.setenv("LGSCO_IMAP_PASSWORD", PASSWORD)
    result = imap(run, year, dovecot)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "Check by hand: 1 message looks like a bounce but not a standard report, so nothing "
        "was recorded from it",
        f"  UID 1: from MAILER-DAEMON@mx.example.net on {time.strftime('%Y-%m-%d', time.gmtime())}"
        f": \"failure notice\": it names the letter to {BETA} ({recipient})"]


def test_a_token_command_that_cannot_be_run_stops_before_anything_is_read(
        run, year, smtp, dovecot, tmp_path):
    assert send(run, year, smtp, "--only", BETA).exit_code == 0
    script = tmp_path / "get-token"
    script.write_text("echo token\n")  # no #! line: the system cannot run it
    script.chmod(0o755)
    result = imap(run, year, dovecot, "--auth", "xoauth2", "--token-command", str(script))
    assert result.exit_code == 2
    assert (f"--token-command {str(script)!r}: {script} cannot be run: Exec format error (a "
            "script needs a first line such as #!/bin/sh)") in result.output
    assert "connection failed" not in result.output
