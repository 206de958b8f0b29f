"""`bounces`: what a notification is about, told strictly. A failure counts only for an address
the letter went to, only for the message it names (a subject only when it names none), never
before the letter went; each notification once; what a mailbox holds shown as text, never as
terminal commands; and what matters said where a person sees it, without -v."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from helpers.mail import NAMES, send
from helpers.notifications import notification, sent_letters, subject_of, write_maildir, write_mbox
from helpers.reports import block, delivery_report, plain_words_bounce

ALPHA, BETA, GAMMA, DELTA = NAMES


@pytest.fixture
def sent(run, year, smtp):
    """The year with its five real letters sent (the specimen held back)."""
    assert send(run, year, smtp).exit_code == 1  # the specimen
    return year


def bounces(run, year, *args):
    return run("bounces", "--data", year / "2017-18", "--out", year / "out", *args)


def verbose_bounces(run, year, *args):
    return run("-v", "bounces", "--data", year / "2017-18", "--out", year / "out", *args)


def status_json(run, year) -> dict:
    result = run("status", "--data", year / "2017-18", "--out", year / "out", "--format",
                 "json")
    assert result.exit_code == 0, result.output
    return {letter["authority"]: letter for letter in json.loads(result.output)["letters"]}


def recorded(year) -> list[tuple]:
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        return db.execute("SELECT slug, recipient, action, diagnostic FROM notifications "
                          "ORDER BY id").fetchall()


def statuses(year) -> dict[str, str]:
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        return dict(db.execute("SELECT authority, status FROM sends"))


def test_a_failure_for_an_address_the_letter_did_not_go_to_is_never_its_bounce(
        run, sent, tmp_path):
    recipient, message_id = sent_letters(sent)[BETA]
    report = delivery_report([block(recipient, "delivered", "2.0.0", "250 2.0.0 Ok"),
                              block("pa.to.ce@beta.example.org", "failed", "5.2.1",
                                    "550 5.2.1 mailbox disabled")],
                             about_id=message_id, returned_to=recipient,
                             returned_subject=subject_of(BETA))
    result = verbose_bounces(run, sent, "--maildir", write_maildir(tmp_path / "M", [report]))
    assert result.exit_code == 0, result.output
    assert "Bounced" not in result.output and "Already recorded" not in result.output
    assert "Delivered (settles an earlier delay): 1, recorded now" in result.output
    assert "Not bounces: 1 report on an address the letter did not go to" in result.output
    assert (f"it is about the letter to {BETA}, but reports on pa.to.ce@beta.example.org, which "
            "that letter did not go to") in result.output
    assert recorded(sent) == [("beta-district-council", recipient, "delivered", "250 2.0.0 Ok")]
    assert statuses(sent)[BETA] == "sent"
    assert status_json(run, sent)[BETA]["state"] == "sent"


@pytest.mark.parametrize("cc", [[], ["--cc", "records@lgo.example.org"]])
def test_a_report_on_another_address_carrying_our_message_id_is_not_about_the_letter(
        run, year, smtp, tmp_path, cc):
    assert send(run, year, smtp, "--only", GAMMA, *cc).exit_code == 0
    recipient, message_id = sent_letters(year)[GAMMA]
    report = delivery_report([block("someone.else@elsewhere.example", "failed", "5.1.1",
                                    "550 5.1.1 user unknown")],
                             about_id=message_id, returned_to=recipient,
                             returned_subject=subject_of(GAMMA))
    result = verbose_bounces(run, year, "--maildir", write_maildir(tmp_path / "M", [report]))
    assert result.exit_code == 0, result.output
    assert "recorded now" not in result.output
    assert "Not bounces: 1 report on an address the letter did not go to" in result.output
    assert recorded(year) == []
    assert statuses(year)[GAMMA] == "sent"


def test_a_report_about_another_message_is_never_matched_by_its_subject(run, sent, tmp_path):
    recipient, _ = sent_letters(sent)[ALPHA]
    reply = f"RE: {subject_of(ALPHA)}"
    other_message = delivery_report(
        [block(recipient, "failed", "5.1.1", "550 5.1.1 user unknown")],
        subject=f"Undeliverable: {reply}", about_id="<follow-up-123@lgo.example.org>",
        returned_subject=reply, returned_to=recipient,
        in_reply_to="<follow-up-123@lgo.example.org>")
    cut_short = delivery_report([block(recipient, "failed", "5.1.1", "550 5.1.1 user unknown")],
                                subject=f"Undeliverable: {reply}", own_id="<cut-1@mx>")
    result = verbose_bounces(run, sent, "--maildir",
                             write_maildir(tmp_path / "M", [other_message, cut_short]))
    assert result.exit_code == 0, result.output
    assert "recorded now" not in result.output
    assert "Not bounces: 2 notifications about no letter of this year's" in result.output
    assert ("it reports on ce@alpha.example.org, but is about another message "
            "(<follow-up-123@lgo.example.org>), not a letter sent from this ledger"
            ) in result.output
    assert recorded(sent) == [] and statuses(sent)[ALPHA] == "sent"
    # The same, about the letter itself, its headers cut short: matched by its subject.
    letter = delivery_report([block(recipient, "failed", "5.1.1", "550 5.1.1 user unknown")],
                             subject=f"Undeliverable: {subject_of(ALPHA)}", own_id="<cut-2@mx>")
    matched = bounces(run, sent, "--maildir", write_maildir(tmp_path / "N", [letter]))
    assert "matched by recipient and subject)" in matched.output
    assert statuses(sent)[ALPHA] == "bounced"


def test_a_notification_older_than_the_letter_is_not_about_it(run, sent, tmp_path):
    recipient, message_id = sent_letters(sent)[DELTA]

    def report_dated(seconds_ago: float, own_id: str) -> bytes:
        return delivery_report([block(recipient, "failed", "5.1.1", "550 5.1.1 user unknown")],
                               about_id=message_id, returned_to=recipient, own_id=own_id,
                               returned_subject=subject_of(DELTA),
                               date=time.time() - seconds_ago)

    older = verbose_bounces(run, sent, "--maildir", write_maildir(
        tmp_path / "M", [report_dated(3600, "<old@mx>")]))
    assert older.exit_code == 0, older.output
    assert "recorded now" not in older.output
    assert f"it names the letter to {DELTA}, but is dated " in older.output
    assert ", before that letter was sent (" in older.output
    assert recorded(sent) == [] and statuses(sent)[DELTA] == "sent"
    cut_short = delivery_report([block(recipient, "failed", "5.1.1", "550 5.1.1 user unknown")],
                                subject=f"Undeliverable: {subject_of(DELTA)}", own_id="<c@mx>",
                                date=time.time() - 3600)
    by_subject = verbose_bounces(run, sent, "--maildir", write_maildir(tmp_path / "S",
                                                                       [cut_short]))
    assert f"it names the letter to {DELTA} by its subject, but is dated " in by_subject.output
    assert recorded(sent) == []
    # A clock a few minutes behind is allowed for.
    skewed = bounces(run, sent, "--maildir", write_maildir(
        tmp_path / "N", [report_dated(300, "<skewed@mx>")]))
    assert "Bounced: 1, recorded now" in skewed.output
    assert statuses(sent)[DELTA] == "bounced"


@pytest.mark.parametrize(("global_form", "encoding"), [
    (True, "7bit"), (True, "8bit"), (True, "base64"), (False, "base64")])
def test_a_utf8_global_or_an_encoded_report_is_read(run, sent, tmp_path, global_form, encoding):
    recipient, message_id = sent_letters(sent)[BETA]
    words = ("550 5.1.1 Empfänger unbekannt: Postfach gelöscht" if global_form
             and encoding != "7bit" else "550 5.1.1 user unknown")
    report = delivery_report([block(recipient, "failed", "5.1.1", words,
                                    kind="utf-8" if global_form else "rfc822")],
                             about_id=message_id, returned_to=recipient,
                             returned_subject=subject_of(BETA), global_form=global_form,
                             encoding=encoding)
    result = bounces(run, sent, "--maildir", write_maildir(tmp_path / "M", [report]))
    assert result.exit_code == 0, result.output
    assert "Bounced: 1, recorded now" in result.output
    assert f"  {BETA}: {recipient}: {words} (notified " in result.output
    assert recorded(sent) == [("beta-district-council", recipient, "failed", words)]


def test_terminal_control_sequences_from_a_mailbox_are_shown_as_text(run, sent, tmp_path):
    recipient, message_id = sent_letters(sent)[BETA]
    hostile = "550 5.1.1 \x1b]0;pwned\x07\x1b[31mRED\x1b[0m \u202egnp.exe"
    report = delivery_report([block(recipient, "failed", "5.1.1", hostile)],
                             subject="Undelivered \x1b[2J", about_id=message_id,
                             returned_to=recipient, returned_subject=subject_of(BETA))
    other = b"From: a@example.org\r\nSubject: =?utf-8?q?hi_=1B]0;x=07?=\r\n\r\nhi\r\n"
    mailbox = write_maildir(tmp_path / "M", [report, other])
    (mailbox / "new" / "esc\x1b[31mname\nline").write_bytes(other.replace(b"hi", b"yo"))
    result = verbose_bounces(run, sent, "--maildir", mailbox)
    assert result.exit_code == 0, result.output
    shown = (f"  {BETA}: {recipient}: 550 5.1.1 \\u001b]0;pwned\\u0007\\u001b[31mRED"
             "\\u001b[0m \\u202egnp.exe (notified ")
    assert shown in result.output
    assert "new/esc\\u001b[31mname\\u000aline: from a@example.org" in result.output
    texts = [result.output, run("status", "--data", sent / "2017-18", "--out",
                                sent / "out").output,
             run("status", "--data", sent / "2017-18", "--out", sent / "out", "--format",
                 "json").output]
    for text in texts:
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    ((diagnostic,),) = [(row[3],) for row in recorded(sent)]
    assert diagnostic == shown.split(": ", 2)[2].removesuffix(" (notified ")  # stored visible


def test_one_notification_read_from_imap_and_from_a_file_is_one(run, sent, tmp_path):
    recipient, message_id = sent_letters(sent)[GAMMA]
    report = delivery_report([block(recipient, "failed", "5.2.2", "552 5.2.2 mailbox full ")],
                             about_id=message_id, returned_to=recipient, own_id=None,
                             returned_subject=subject_of(GAMMA))
    assert b"\r\n" in report  # as an IMAP server gives it
    first = bounces(run, sent, "--maildir", write_maildir(tmp_path / "M", [report]))
    assert "Bounced: 1, recorded now" in first.output
    again = bounces(run, sent, "--mbox", write_mbox(tmp_path / "box", [report]))  # LF ends
    assert again.exit_code == 0, again.output
    assert "recorded now" not in again.output
    assert "Already recorded (reading twice records nothing twice): 1" in again.output
    assert len(recorded(sent)) == 1


def test_a_delay_to_a_cc_is_a_warning_in_status(run, year, smtp, tmp_path):
    assert send(run, year, smtp, "--only", ALPHA, "--cc", "records@lgo.example.org"
                ).exit_code == 0
    _, message_id = sent_letters(year)[ALPHA]
    delayed = notification("postfix-delayed", message_id=message_id,
                           recipient="records@lgo.example.org", subject=subject_of(ALPHA))
    result = bounces(run, year, "--maildir", write_maildir(tmp_path / "M", [delayed]))
    assert "Delayed to a Cc (a warning in status): 1, recorded now" in result.output
    warning = status_json(run, year)[ALPHA]["warning"]
    assert warning.startswith("delivery to the Cc records@lgo.example.org delayed: 4.4.1 ")
    assert warning.endswith("; a later notification says whether it arrived")
    text = run("status", "--all", "--data", year / "2017-18", "--out", year / "out").output
    assert "(warning: delivery to the Cc records@lgo.example.org delayed: 4.4.1" in text


def test_copies_of_one_notification_are_reported_once(run, sent, tmp_path):
    recipient, message_id = sent_letters(sent)[BETA]
    report = delivery_report([block(recipient, "failed", "5.1.1", "550 5.1.1 user unknown")],
                             about_id=message_id, returned_to=recipient,
                             returned_subject=subject_of(BETA))
    result = bounces(run, sent, "--maildir", write_maildir(tmp_path / "M", [report, report]))
    assert result.exit_code == 0, result.output
    assert "Bounced: 1, recorded now" in result.output
    assert result.output.count(f"  {BETA}: {recipient}: 550 5.1.1 user unknown") == 1
    assert "Copies of a notification read above (each counted once): 1" in result.output


def test_a_bounce_of_a_delivery_sent_again_since_is_said_to_be_so(run, sent, smtp, tmp_path):
    recipient, first_id = sent_letters(sent)[GAMMA]
    assert send(run, sent, smtp, "--resend", GAMMA).exit_code == 0  # sent again, on purpose
    assert sent_letters(sent)[GAMMA][1] != first_id
    report = delivery_report([block(recipient, "failed", "5.2.2", "552 5.2.2 mailbox full")],
                             about_id=first_id, returned_to=recipient,
                             returned_subject=subject_of(GAMMA))
    result = bounces(run, sent, "--maildir", write_maildir(tmp_path / "M", [report]))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == ("About an earlier delivery of a letter sent again since (recorded; the "
                        "letter stands as its latest delivery does): 1")
    assert lines[2].startswith(f"  {GAMMA}: {recipient}: 552 5.2.2 mailbox full (notified ")
    assert lines[2].endswith(f"matched by Message-ID; sent again since, to {recipient} on "
                             f"{time.strftime('%Y-%m-%d', time.gmtime())})")
    assert "Bounced:" not in result.output and "--resend" not in result.output
    assert status_json(run, sent)[GAMMA]["state"] == "sent"


def test_a_bounce_in_plain_words_naming_a_letter_is_shown_to_check_by_hand(run, sent,
                                                                            tmp_path):
    recipient, message_id = sent_letters(sent)[BETA]
    other_id = sent_letters(sent)[ALPHA][1]
    mailbox = write_maildir(tmp_path / "M", [
        plain_words_bounce(recipient, message_id, subject_of(BETA)),
        plain_words_bounce("someone@elsewhere.example", other_id, subject_of(ALPHA))])
    result = bounces(run, sent, "--maildir", mailbox)  # without -v
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == ("Check by hand: 1 message looks like a bounce but not a standard report, "
                        "so nothing was recorded from it")
    assert lines[2].startswith("  new/")
    assert lines[2].endswith(f": \"failure notice\": it names the letter to {BETA} "
                             f"({recipient})")
    assert "Not bounces: 1 other message (-v lists them)" in lines
    assert recorded(sent) == [] and statuses(sent)[BETA] == "sent"


def test_a_status_never_changes_without_the_notification_that_says_why(sent):
    from lgsco_letters.mail.ledger import open_ledger
    from lgsco_letters.mail.notifications import Report, record

    ledger = open_ledger(sent / "out", write=True)
    try:
        (beta,) = ledger.records()["beta-district-council"].deliveries
        said = dict(delivery=beta.id, slug=beta.slug, recipient=beta.recipient, status="",
                    diagnostic="", notified_at="2026-11-30T12:00:00+00:00",
                    notification_id="<one@mx>", matched_by="message-id")
        assert record(ledger, [Report(action="delivered", **said)]) != []
        # The same notification, again, now saying failed: one row per notification and
        # address, so it is not recorded, and the delivery's status is left as it was.
        assert record(ledger, [Report(action="failed", **said)]) == []
    finally:
        ledger.close()
    assert recorded(sent) == [("beta-district-council", beta.recipient, "delivered", "")]
    assert statuses(sent)[BETA] == "sent"


def test_a_bounce_in_plain_words_is_matched_by_the_message_id_as_written():
    from lgsco_letters.mail.bounces import Matching, Tally
    from lgsco_letters.mail.dsn import read_notice
    from lgsco_letters.mail.ledger_records import Delivery
    from lgsco_letters.mail.ledger_schema import SendStatus

    message_id = "<0A1B2C.resend1@LGO.Example.ORG>"  # --from's domain, as the sender wrote it
    sent = Delivery(7, "beta", BETA, "CE@Beta.example.org", "", "0" * 64, message_id,
                    SendStatus.SENT, 1, "250 OK", "", None, None, None, 1, None)
    tally = Tally()
    tally.add("new/1", read_notice(plain_words_bounce("ce@beta.example.org", message_id,
                                                      subject_of(BETA))),
              Matching([sent], {"beta": subject_of(BETA)}))
    assert tally.by_hand == [f"new/1: from MAILER-DAEMON@mx.example.net on "
                             f"{time.strftime('%Y-%m-%d', time.gmtime())}: \"failure notice\": "
                             f"it names the letter to {BETA} (CE@Beta.example.org)"]
