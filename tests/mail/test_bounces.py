"""`bounces`: which sent letters came back, read from a maildir or an mbox file (the IMAP path,
against Dovecot, is in test_imap_bounces.py), with notifications in the shapes real servers
send, matched to the letters that `send` gave to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import os
import sqlite3
import time

import pytest

from helpers.mail import NAMES, send
from helpers.notifications import (
    about,
    notification,
    sent_letters,
    subject_of,
    write_maildir,
    write_mbox,
)
from lgsco_letters.locking import holding
from lgsco_letters.mail.dsn import AUTO_REPLY, DSN, OTHER, read_notice

ALPHA, BETA, GAMMA, DELTA = NAMES
BROMSGROVE = "Bromsgrove District Council"


@pytest.fixture
def sent(run, year, smtp):
    """The year with its five real letters sent (the specimen held back)."""
    assert send(run, year, smtp).exit_code == 1  # the specimen
    return year


def bounces(run, year, *args):
    return run("bounces", "--data", year / "2017-18", "--out", year / "out", *args)


def status_json(run, year) -> dict:
    result = run("status", "--data", year / "2017-18", "--out", year / "out", "--format",
                 "json")
    assert result.exit_code == 0, result.output
    return {letter["authority"]: letter for letter in json.loads(result.output)["letters"]}


def notifications(year) -> list[tuple]:
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        return db.execute("SELECT slug, recipient, action, status, matched_by FROM "
                          "notifications ORDER BY id").fetchall()


@pytest.mark.parametrize(("fixture", "status", "diagnostic"), [
    ("exchange-online", "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not "
                                  "found by SMTP address lookup"),
    ("gmail", "5.1.1", "550-5.1.1 The email account that you tried to reach does not exist. "
                       "550 5.1.1 Please try double-checking the recipient's email address for "
                       "typos."),
    ("postfix", "5.1.1", "550 5.1.1 <ce@alpha.example.org>: Recipient address rejected: User "
                         "unknown in virtual mailbox table"),
    ("exim", "5.0.0", "550 5.2.1 Mailbox disabled, not accepting messages"),
])
def test_each_servers_notification_is_read_for_what_it_says(fixture, status, diagnostic):
    notice = read_notice(notification(fixture, message_id="<letter@lgo.example.org>",
                                      recipient="ce@alpha.example.org",
                                      subject=subject_of(ALPHA)))
    assert notice.kind == DSN and notice.problem == ""
    assert notice.about_ids == ("<letter@lgo.example.org>",)
    assert notice.about_subject == subject_of(ALPHA)
    (report,) = notice.reports
    assert (report.final_recipient, report.action, report.status, report.diagnostic) == (
        "ce@alpha.example.org", "failed", status, diagnostic)


def test_what_is_not_a_bounce_is_told_apart():
    values = {"message_id": "<letter@lgo.example.org>", "recipient": "ce@alpha.example.org",
              "subject": subject_of(ALPHA)}
    assert read_notice(notification("out-of-office", **values)).kind == AUTO_REPLY
    truncated = read_notice(notification("exchange-truncated", **values))
    assert truncated.kind == DSN and truncated.about_ids == () and truncated.about_subject == ""
    assert truncated.subject == f"Undeliverable: {subject_of(ALPHA)}"
    plain = read_notice(b"From: someone@example.org\r\nSubject: Thank you\r\n\r\nThanks!\r\n")
    assert plain.kind == OTHER


def test_bounces_are_recorded_once_each_with_how_they_were_matched(run, sent, tmp_path):
    mailbox = write_maildir(tmp_path / "Maildir", [
        about(sent, BETA, "postfix"),
        about(sent, GAMMA, "exchange-truncated"),  # no Message-ID: recipient and subject
        about(sent, ALPHA, "out-of-office"),
        notification("not-ours"),
        about(sent, DELTA, "postfix-delayed"),
        b"From: colleague@lgo.example.org\r\nSubject: Lunch?\r\n\r\nAt one?\r\n",
    ])
    stored = {path: path.read_bytes() for path in mailbox.rglob("*") if path.is_file()}
    result = bounces(run, sent, "--maildir", mailbox)
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes() for p in mailbox.rglob("*") if p.is_file()} == stored  # as it was
    when = time.strftime("%Y-%m-%d", time.gmtime())
    assert result.output.splitlines() == [
        f"Read 6 messages from the maildir {mailbox} (read only: nothing there was changed).",
        "Bounced: 2, recorded now",
        f"  {BETA}: ce@beta.example.org: 550 5.1.1 <ce@beta.example.org>: Recipient address "
        f"rejected: User unknown in virtual mailbox table (notified {when}, matched by "
        "Message-ID)",
        f"  {GAMMA}: ce@gamma.example.org: 554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:"
        f"QuotaExceededException.MapiExceptionShutoffQuotaExceeded (notified {when}, matched "
        "by recipient and subject)",
        "Delayed (a warning in status until a later notification settles it): 1, recorded now",
        f"  {DELTA}: ce@delta.example.org: 4.4.1 connect to mx.council.example.org"
        f"[192.0.2.10]:25: Connection timed out (notified {when}, matched by Message-ID)",
        "Not bounces: 1 automatic reply, 1 notification about no letter of this year's, 1 other "
        "message (-v lists them)",
        "For each letter that bounced: correct the address in the data, approve the letter "
        "again, then lgsco-letters send --resend NAME (status shows them).",
    ]
    letters = status_json(run, sent)
    assert letters[BETA]["state"] == "bounced"
    assert letters[BETA]["bounce"]["diagnostic"].startswith("550 5.1.1 <ce@beta.example.org>")
    assert letters[BETA]["bounce"]["matched_by"] == "message-id"
    assert letters[BETA]["reason"] == (
        f"550 5.1.1 <ce@beta.example.org>: Recipient address rejected: User unknown in "
        f"virtual mailbox table (for ce@beta.example.org, notified {when}): correct the address "
        "in the data, approve the letter again, then send --resend beta-district-council")
    assert letters[GAMMA]["state"] == "bounced"
    assert letters[DELTA]["state"] == "sent"
    assert letters[DELTA]["warning"] == (
        "delivery delayed: 4.4.1 connect to mx.council.example.org[192.0.2.10]:25: Connection "
        f"timed out (notified {when}); a later notification says whether it arrived")
    assert letters[ALPHA]["state"] == "sent" and letters[ALPHA]["warning"] is None
    text = run("status", "--data", sent / "2017-18", "--out", sent / "out").output
    assert "bounced:          2" in text.splitlines()
    assert f"  {BETA}: bounced: 550 5.1.1 <ce@beta.example.org>: Recipient address" in text

    recorded = notifications(sent)
    again = bounces(run, sent, "--maildir", mailbox)
    assert again.exit_code == 0
    assert "recorded now" not in again.output
    assert "Already recorded (reading twice records nothing twice): 3 (-v lists them)" in (
        again.output)
    assert notifications(sent) == recorded  # nothing twice


def test_verbose_lists_what_was_not_a_bounce_and_why(run, sent, tmp_path):
    mailbox = write_maildir(tmp_path / "Maildir", [
        about(sent, ALPHA, "out-of-office"), notification("not-ours")])
    result = run("-v", "bounces", "--data", sent / "2017-18", "--out", sent / "out",
                 "--maildir", mailbox)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert ("Not bounces: 1 automatic reply, 1 notification about no letter of this year's"
            in lines)
    (auto,) = [line for line in lines if "Automatic reply:" in line]
    assert auto.startswith("  new/") and "from Chief Executive <ce@alpha.example.org>" in auto
    (ours,) = [line for line in lines if "press.office@newspaper.example.com" in line]
    assert ours.endswith("(Mail Delivery System) on " + time.strftime("%Y-%m-%d", time.gmtime())
                         + ": \"Undelivered Mail Returned to Sender\": it reports on "
                         "press.office@newspaper.example.com, but is about another message "
                         "(<press-release-2018-07-18@lgo.example.org>), not a letter sent from "
                         "this ledger")
    assert notifications(sent) == []


def test_send_exits_1_while_a_chosen_letter_is_bounced(run, sent, smtp, tmp_path):
    mailbox = write_maildir(tmp_path / "Maildir", [about(sent, BETA, "gmail")])
    assert bounces(run, sent, "--maildir", mailbox).exit_code == 0
    result = send(run, sent, smtp, "--only", BETA)
    assert result.exit_code == 1
    assert f"  {BETA}: held back: it bounced: 550-5.1.1 The email account" in result.output
    assert send(run, sent, smtp, "--only", ALPHA).exit_code == 0  # the others are done
    assert len(smtp.recorder.messages) == 5  # nothing sent again


def test_a_later_notification_settles_a_delay(run, sent, tmp_path):
    hour = time.time()  # the letters were sent just now: a notification comes after
    delayed = write_maildir(tmp_path / "one", [
        about(sent, ALPHA, "postfix-delayed", date=hour),
        about(sent, DELTA, "postfix-delayed", date=hour)])
    assert bounces(run, sent, "--maildir", delayed).exit_code == 0
    letters = status_json(run, sent)
    assert letters[ALPHA]["warning"].startswith("delivery delayed: 4.4.1")
    # Read in any order, the notifications' own times say which came last.
    settled = write_maildir(tmp_path / "two", [
        about(sent, DELTA, "exim", date=hour + 1800),
        about(sent, ALPHA, "postfix-delivered", date=hour + 1800),
        about(sent, ALPHA, "postfix-delayed", date=hour)])
    result = bounces(run, sent, "--maildir", settled)
    assert result.exit_code == 0, result.output
    assert "Delivered (settles an earlier delay): 1, recorded now" in result.output
    letters = status_json(run, sent)
    assert letters[ALPHA]["state"] == "sent" and letters[ALPHA]["warning"] is None
    assert letters[DELTA]["state"] == "bounced"
    assert letters[DELTA]["bounce"]["diagnostic"] == (
        "550 5.2.1 Mailbox disabled, not accepting messages")


def test_a_bounced_cc_is_a_warning_on_a_letter_that_arrived(run, year, smtp, tmp_path):
    assert send(run, year, smtp, "--only", ALPHA, "--cc", "records@lgo.example.org"
                ).exit_code == 0
    _, message_id = sent_letters(year)[ALPHA]
    mailbox = write_maildir(tmp_path / "Maildir", [notification(
        "postfix", message_id=message_id, recipient="records@lgo.example.org",
        subject=subject_of(ALPHA))])
    result = bounces(run, year, "--maildir", mailbox)
    assert result.exit_code == 0, result.output
    assert "A Cc bounced (the letter itself arrived: a warning in status): 1, recorded now" in (
        result.output)
    letter = status_json(run, year)[ALPHA]
    assert letter["state"] == "sent"
    assert letter["warning"].startswith("the Cc records@lgo.example.org bounced: 550 5.1.1")


def test_an_mbox_is_read_and_left_exactly_as_it_was(run, sent, tmp_path):
    body_from = about(sent, GAMMA, "exim").replace(
        b"This message was created automatically",
        b"From the postmaster:\r\nThis message was created automatically")
    path = write_mbox(tmp_path / "bounces.mbox", [about(sent, BETA, "gmail"), body_from,
                                                   about(sent, ALPHA, "out-of-office")])
    assert b"\n>From the postmaster:" in path.read_bytes()
    os.utime(path, (1_000_000_000, 1_700_000_000))  # read since written: atime before mtime
    before = (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_atime_ns)
    result = bounces(run, sent, "--mbox", path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Read 3 messages from the mbox file {path} ")
    assert "Bounced: 2, recorded now" in result.output
    after = (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_atime_ns)
    assert after == before  # not a byte, not a time: a mail program sees it unread
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bounces.mbox", "y"]  # no lock file


def test_bounces_holds_the_years_lock(run, sent, tmp_path):
    mailbox = write_maildir(tmp_path / "Maildir", [about(sent, BETA, "postfix")])
    with holding(sent / "out", "send"):
        result = bounces(run, sent, "--maildir", mailbox)
    assert result.exit_code == 2
    assert "is in use by lgsco-letters send (process " in result.output
    assert notifications(sent) == []


def test_a_year_that_never_sent_has_nothing_to_come_back(run, unapproved, tmp_path):
    mailbox = write_maildir(tmp_path / "Maildir", [])
    result = bounces(run, unapproved, "--maildir", mailbox)
    assert result.exit_code == 2
    assert "has no sent.sqlite: no letter of this year has been sent from it" in result.output
    assert not (unapproved / "out" / "sent.sqlite").exists()


@pytest.mark.parametrize(("args", "said"), [
    ((), "give one mailbox to read: --imap HOST:PORT --user USER, --maildir DIR or --mbox FILE"),
    (("--maildir", "m", "--mbox", "f"), "give one mailbox to read"),
    (("--imap", "127.0.0.1:1143"), "--imap needs --user (the mailbox to sign in as)"),
    (("--maildir", "m", "--user", "u"), "--user, --auth, --token-command, --folder, --ssl, "
                                        "--starttls and --cafile are for --imap"),
    (("--imap", "localhost", "--user", "u"), "expected HOST:PORT, e.g. imap.example.org:993"),
])
def test_options_that_do_not_go_together_are_refused(run, sent, args, said):
    result = bounces(run, sent, *args)
    assert result.exit_code == 2
    assert said in result.output


def test_a_folder_that_is_not_a_maildir_and_a_file_that_is_not_an_mbox(run, sent, tmp_path):
    (tmp_path / "plain").mkdir()
    result = bounces(run, sent, "--maildir", tmp_path / "plain")
    assert result.exit_code == 2
    assert f"--maildir {tmp_path / 'plain'}: not a maildir folder (it has no cur/ or new/ " in (
        result.output)
    text = tmp_path / "notes.txt"
    text.write_text("Not mail at all\n")
    result = bounces(run, sent, "--mbox", text)
    assert result.exit_code == 2
    assert (f"--mbox {text}: not an mbox file (line 1 comes before any line starting "
            "\"From \")") in result.output


def hostile_messages(sent) -> dict[str, bytes]:
    beta = about(sent, BETA, "postfix")
    head, _, rest = beta.partition(b"\r\n\r\n")
    return {
        "garbage": bytes(range(256)) * 40,
        "empty": b"",
        "huge": (b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n"
                 b"\r\n--x\r\n" + b"A" * (30 * 1024 * 1024)),
        "undecodable": (b"From: =?utf-8?B?////?= <\xff\xfe@example.org>\r\n"
                        b"Subject: =?x-unknown?Q?=FF=FE?= \xc3\x28\r\n"
                        b"Content-Type: multipart/report; report-type=delivery-status; "
                        b"boundary=\"b\"\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n"
                        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64\xff\r\n--b--"),
        "missing fields": beta.replace(b"Final-Recipient: rfc822; ce@beta.example.org\r\n", b"")
                              .replace(b"Original-Recipient: rfc822;ce@beta.example.org\r\n",
                                       b""),
        "no action": beta.replace(b"Action: failed\r\n", b""),
        "nested": (b"Content-Type: multipart/mixed; boundary=a0\r\n\r\n"
                   + b"".join(f"--a{i}\r\nContent-Type: multipart/mixed; boundary=a{i + 1}"
                              f"\r\n\r\n".encode() for i in range(3000))),
        "many recipients": head + b"\r\n\r\n" + rest.replace(
            b"Final-Recipient: rfc822; ce@beta.example.org",
            b"\r\n".join(b"Final-Recipient: rfc822; x%d@example.org\r\nAction: failed\r\n"
                         % n for n in range(20000)) + b"\r\nFinal-Recipient: rfc822; "
                                                      b"ce@beta.example.org"),
    }


def test_hostile_messages_are_said_to_be_unreadable_never_a_traceback(run, sent, tmp_path):
    messages = hostile_messages(sent)
    mailbox = write_maildir(tmp_path / "Maildir", list(messages.values()))
    result = run("-v", "bounces", "--data", sent / "2017-18", "--out", sent / "out",
                 "--maildir", mailbox)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output, result.output
    lines = [line.split(".mail.lgo.example.org: ")[-1] for line in
             result.output.splitlines()]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    postfix = f"from MAILER-DAEMON@mail.lgo.example.org (Mail Delivery System) on {today}: " \
              '"Undelivered Mail Returned to Sender"'
    assert lines[1:] == [
        "Not bounces: 1 notification about no letter of this year's",
        f"{postfix}: it reports on x0@example.org, but carries neither the Message-ID of a letter "
        "sent from this ledger nor, with that address, a letter's subject (and 99 other "
        "addresses like it)",
        "Could not be read (never counted as bounces): 7",
        "it has no email headers",
        "it has no email headers",
        "it says it is a delivery status notification, but has no delivery-status part that "
        "can be read in its first 1 MB",
        # 8-bit bytes that are not UTF-8 are read as Latin-1, as older servers write them
        'a delivery status notification from =?utf-8?B?////?= <\u00ff\u00fe@example.org>: '
        '"=?x-unknown?Q?=FF=FE?= \u00c3(", but its delivery-status part names no recipient',
        f"a delivery status notification {postfix}, but its delivery-status part has no "
        "Final-Recipient or Original-Recipient",
        f"a delivery status notification {postfix}, but its delivery-status part has no Action "
        "field",
        "its parts are nested too deeply to be read",
    ]
    assert notifications(sent) == []  # the council's address was beyond what is read of it


def test_thousands_of_messages_are_read_in_bounded_memory(run, sent, tmp_path):
    import tracemalloc

    ordinary = (b"From: colleague@lgo.example.org\r\nSubject: Minutes\r\n"
                b"Content-Type: application/octet-stream\r\n\r\n" + b"x" * 10_000 + b"\r\n")
    one_line = b"Subject: one long line\r\n\r\n" + b"y" * (30 * 1024 * 1024)
    messages = [ordinary] * 3000 + [one_line, about(sent, BETA, "postfix"),
                                    about(sent, GAMMA, "gmail")]
    path = write_mbox(tmp_path / "big.mbox", messages)
    tracemalloc.start()
    try:
        result = bounces(run, sent, "--mbox", path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Read 3003 messages from the mbox file ")
    assert "Bounced: 2, recorded now" in result.output
    assert "Not bounces: 3001 other messages (-v lists them)" in result.output
    assert path.stat().st_size > 60_000_000  # 60 MB of mail...
    assert peak < 16 * 1024 * 1024  # ...read a little at a time


VERSION_1 = """
ALTER TABLE approvals DROP COLUMN cover;
ALTER TABLE approval_log DROP COLUMN cover;
DROP VIEW sends;
DROP TABLE notifications;
DROP INDEX deliveries_of_a_letter;
ALTER TABLE deliveries RENAME TO version_2;
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY, slug TEXT NOT NULL, authority TEXT NOT NULL,
    recipient TEXT NOT NULL, cc TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed-temporary',
                                           'failed-permanent', 'unknown')),
    attempts INTEGER NOT NULL DEFAULT 0, reply TEXT NOT NULL DEFAULT '',
    warning TEXT NOT NULL DEFAULT '', first_attempt TEXT, last_attempt TEXT, sent_at TEXT,
    resends INTEGER NOT NULL DEFAULT 0, claimed_by TEXT);
CREATE INDEX deliveries_of_a_letter ON deliveries (slug, id);
INSERT INTO deliveries SELECT * FROM version_2;
DROP TABLE version_2;
CREATE VIEW sends AS SELECT slug, authority, recipient, cc, sha256, message_id, status,
    attempts, reply, first_attempt, last_attempt, sent_at, resends FROM deliveries AS latest
    WHERE id = (SELECT MAX(id) FROM deliveries WHERE slug = latest.slug);
PRAGMA user_version = 1;
"""


def test_a_ledger_of_version_1_is_read_as_it_is_and_brought_up_to_date(run, sent, tmp_path):
    path = sent / "out" / "sent.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(VERSION_1)
    before = path.read_bytes()
    letters = status_json(run, sent)
    assert [letters[name]["state"] for name in NAMES] == ["sent"] * 4
    assert path.read_bytes() == before  # read through a copy, the file left as it was
    mailbox = write_maildir(tmp_path / "Maildir", [about(sent, BETA, "postfix")])
    result = bounces(run, sent, "--maildir", mailbox)
    assert result.exit_code == 0, result.output
    assert "Bounced: 1, recorded now" in result.output
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (3,)
        assert db.execute("SELECT authority, status FROM sends WHERE status != 'sent'"
                          ).fetchall() == [(BETA, "bounced")]
    assert status_json(run, sent)[BETA]["state"] == "bounced"
