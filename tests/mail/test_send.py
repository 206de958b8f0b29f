"""Mass mailing against a real SMTP server (aiosmtpd on 127.0.0.1), faults and all."""

from __future__ import annotations

import collections
import email
import email.policy
import hashlib
import json
import os
import pty
import shutil
import signal
import sqlite3
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from helpers import BROMSGROVE_ROW, ROOT, csv_text, pdf_text
from helpers.mail import (
    NAMES,
    SENDER,
    HoldsTheReply,
    Recorder,
    Server,
    address,
    approve_all,
    free_port,
    ledger_rows,
    send,
    send_command,
)


def test_every_recipient_gets_exactly_one_message_with_its_pdf(run, year, smtp):
    result = send(run, year, smtp)
    assert result.exit_code == 1, result.output  # the specimen is held back: not done
    assert ("Not sent (1):\n  Adur District Council: held back: specimen letter (made-up "
            "figures): not sent without --allow-specimen\n") in result.output
    recorder = smtp.recorder
    assert len(recorder.messages) == 5
    for name in NAMES:
        (message,) = recorder.to(address(name))
        assert message["From"] == SENDER
        assert message["Subject"] == f"Annual Review letter 2018 \u2013 {name}"
        slug = name.lower().replace(" ", "-")
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == f"annual-review-letter-2018-{slug}.pdf"
        assert attachment.get_content() == (year / "out" / f"{slug}.pdf").read_bytes()
        text = message.get_body(("plain",)).get_content()
        assert text.splitlines()[0] == "Dear Chief Executive,"
        assert f"Annual Review letter 2018 for {name}" in " ".join(text.split())
        assert message.get_body(("html",)) is not None
        assert ledger_rows(year)[name][:2] == ("sent", 1)
        assert ledger_rows(year)[name][3] == message["Message-ID"]
    (bromsgrove,) = recorder.to("chief.executive@bromsgrove.example.org")
    assert "Dear Kevin Dicks," in bromsgrove.get_body(("plain",)).get_content()
    assert recorder.to("chief.executive@adur.example.org") == []
    assert ("held back: Adur District Council: specimen letter (made-up figures): not sent "
            "without --allow-specimen") in result.output
    assert "5 sent, 0 failed for now" in result.output

    again = send(run, year, smtp)
    assert again.exit_code == 1
    assert "0 letters to send" in again.output and "5 already sent" in again.output
    assert len(recorder.messages) == 5
    done = send(run, year, smtp, "--only", "Bromsgrove District Council")
    assert done.exit_code == 0  # every letter chosen has gone


def test_temporary_and_permanent_refusals(run, year, smtp):
    recorder = smtp.recorder
    recorder.rcpt_replies[address(NAMES[1])] = ["451 4.3.0 Try again later"]
    recorder.rcpt_replies[address(NAMES[2])] = ["550 5.1.1 No such mailbox"]
    result = send(run, year, smtp, "--retries", "2")
    assert result.exit_code == 1
    rows = ledger_rows(year)
    assert rows[NAMES[1]][:2] == ("sent", 2)  # refused once, then accepted on the retry
    reply = "ce@gamma.example.org: 550 5.1.1 No such mailbox"
    assert rows[NAMES[2]][:3] == ("failed-permanent", 1, reply)
    assert f"failed-permanent: Gamma County Council ({reply})" in result.output
    assert "4 sent, 0 failed for now (a re-run tries them again), 1 refused for good" in (
        result.output)

    again = send(run, year, smtp)
    assert f"held back: Gamma County Council: refused for good last time ({reply}); " \
           "not retried" in again.output
    for name in (NAMES[0], NAMES[1], NAMES[3]):
        assert len(recorder.to(address(name))) == 1
    assert recorder.to(address(NAMES[2])) == []


def test_a_server_that_stops_halfway_then_comes_back(run, year, smtp):
    smtp.recorder.stop_after = 2
    first = send(run, year, smtp, "--retries", "1")
    assert first.exit_code == 1
    statuses = [status for status, *_ in ledger_rows(year).values()]
    assert statuses.count("sent") == 2
    assert statuses.count("failed-temporary") == 3
    assert "connection failed" in first.output

    smtp.recorder.stop_after = None
    smtp.start()  # the same port, the same mailbox
    second = send(run, year, smtp)
    assert second.exit_code == 1, second.output  # all but the held-back specimen
    assert "3 letters to send" in second.output and "2 already sent" in second.output
    recipients = [r for _, rs, _ in smtp.recorder.messages for r in rs]
    assert sorted(recipients) == sorted([*map(address, NAMES),
                                         "chief.executive@bromsgrove.example.org"])


def test_a_run_killed_in_data_leaves_it_unknown_until_resent_with_its_message_id(run, year):
    recorder = HoldsTheReply()
    server = Server(free_port(), recorder)
    server.start()
    try:
        process = subprocess.Popen(send_command(year, server.port, "--yes", "--only",
                                                "Alpha Borough Council"), cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert recorder.arrived.wait(60)  # the whole message is there; no reply yet
        process.kill()  # SIGKILL, in DATA
        process.wait()
        recorder.released.set()
        (first,) = recorder.to(address(NAMES[0]))
        result = send(run, year, server, "--only", "Alpha Borough Council")
        assert result.exit_code == 1, result.output
        assert ("Alpha Borough Council: the last run was stopped while handing its letter "
                "over, so the server may have it: recorded as unknown") in result.output
        assert "held back: Alpha Borough Council: outcome unknown: interrupted while handing" in (
            result.output)
        assert len(recorder.messages) == 1
        assert ledger_rows(year)[NAMES[0]][:2] == ("unknown", 1)
        status = run("status", "--data", year / "2017-18", "--out", year / "out")
        assert "unknown:          1" in status.output

        again = send(run, year, server, "--resend", "Alpha Borough Council")
        assert again.exit_code == 0, again.output
        _, second = recorder.to(address(NAMES[0]))
        assert second["Message-ID"] == first["Message-ID"]
        assert len(recorder.messages) == 2  # --resend alone: that letter and nothing else
        assert ledger_rows(year)[NAMES[0]][:2] == ("sent", 2)  # the same delivery, tried again
    finally:
        server.stop()


def test_resend_sends_exactly_the_letters_named(run, year, smtp):
    assert send(run, year, smtp, "--only", "Alpha Borough Council").exit_code == 0
    result = send(run, year, smtp, "--resend", "alpha borough council")
    assert result.exit_code == 0, result.output
    assert "1 letter to send" in result.output
    assert [rs for _, rs, _ in smtp.recorder.messages] == [[address(NAMES[0])]] * 2
    assert set(ledger_rows(year)) == {NAMES[0]}


class SlowRecorder(Recorder):
    """Keeps the message, then answers only after the client has given up waiting."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(self.delay)
        return reply


def test_a_slow_server_gets_each_letter_once(run, year):
    recorder = SlowRecorder(delay=2.5)
    server = Server(free_port(), recorder)
    server.start()
    try:
        only = ("--only", "Alpha Borough Council", "--only", "Beta District Council")
        result = send(run, year, server, *only, "--timeout", "1", "--retries", "2")
        assert result.exit_code == 1
        assert len(recorder.messages) == 2
        assert "  unknown: Alpha Borough Council (no reply after the whole message was " \
               "handed over" in result.output
        assert "0 sent, 0 failed for now (a re-run tries them again), 0 refused for good, " \
               "2 unknown" in result.output
        assert [row[:2] for row in ledger_rows(year).values()] == [("unknown", 1)] * 2

        again = send(run, year, server, *only, "--timeout", "1")
        assert again.exit_code == 1
        assert "0 letters to send" in again.output
        assert "held back: Beta District Council: outcome unknown: no reply after" in (
            again.output)
        assert len(recorder.messages) == 2
        status = run("status", "--data", year / "2017-18", "--out", year / "out")
        assert "unknown:          2" in status.output
        assert "  Alpha Borough Council: held back: outcome unknown: no reply after the whole " \
               "message" in status.output
    finally:
        server.stop()


def test_a_4xx_reply_to_the_data_is_retried(run, year, smtp):
    class Busy(Recorder):
        refusals = 1

        async def handle_DATA(self, server, session, envelope):
            if self.refusals:
                self.refusals -= 1
                return "451 4.3.0 Queue full, try later"
            return await super().handle_DATA(server, session, envelope)

    recorder = Busy()
    server = Server(free_port(), recorder)
    server.start()
    try:
        result = send(run, year, server, "--only", "Alpha Borough Council")
        assert result.exit_code == 0, result.output
        assert len(recorder.messages) == 1
        assert ledger_rows(year)[NAMES[0]][:2] == ("sent", 2)
    finally:
        server.stop()


def test_a_changed_pdf_is_left_alone_until_resent(run, year, smtp):
    assert send(run, year, smtp, "--only", "Alpha Borough Council").exit_code == 0
    csv_path = year / "2017-18" / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(
        "Alpha Borough Council,district,,Chief Executive,ce@alpha.example.org,false,0,4,",
        "Alpha Borough Council,district,,Chief Executive,ce@alpha.example.org,false,1,3,"))
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    approve_all(year)
    held = send(run, year, smtp, "--only", "Alpha Borough Council")
    assert "held back: Alpha Borough Council: its PDF changed after it was sent on " in (
        held.output)
    assert len(smtp.recorder.to(address(NAMES[0]))) == 1
    resent = send(run, year, smtp, "--resend", "Alpha Borough Council", "--only",
                  "Alpha Borough Council")
    assert resent.exit_code == 0, resent.output
    first, second = smtp.recorder.to(address(NAMES[0]))
    assert second["Message-ID"] != first["Message-ID"]
    assert ".resend1@" in second["Message-ID"]
    (attachment,) = list(second.iter_attachments())
    assert attachment.get_content() == (year / "out" / "alpha-borough-council.pdf").read_bytes()


def test_a_pdf_that_does_not_match_the_manifest_stops_everything(run, year, smtp):
    (year / "out" / "beta-district-council.pdf").write_bytes(b"%PDF-1.7 tampered")
    (year / "out" / "delta-city-council.pdf").unlink()
    result = send(run, year, smtp)
    assert result.exit_code == 2
    assert "beta-district-council.pdf (Beta District Council): does not match the manifest's " \
           "SHA-256" in result.output
    assert "delta-city-council.pdf (Delta City Council): is missing" in result.output
    assert smtp.recorder.messages == []


def test_specimens_only_with_the_flag(run, year, smtp):
    result = send(run, year, smtp, "--only", "Adur District Council", "--allow-specimen")
    assert result.exit_code == 0
    assert len(smtp.recorder.to("chief.executive@adur.example.org")) == 1


def test_bad_cc_addresses_are_refused_before_anything_is_sent(run, year, smtp):
    result = send(run, year, smtp, "--cc", "not-an-address", "--cc", "officer")
    assert result.exit_code == 2
    assert ('--cc not-an-address: expected an email address like name@council.gov.uk, found '
            '"not-an-address"; or name one of the data fields link_officer_email') in result.output
    assert "--cc officer: expected" in result.output
    assert smtp.recorder.messages == []


def test_cc_from_an_address_and_from_a_data_field(run, year, smtp):
    csv_path = year / "2017-18" / "authorities.csv"
    text = csv_path.read_text().replace(",specimen,", ",link_officer_email,specimen,")
    lines = text.splitlines()
    lines[1:] = [line.replace(",false,", ",lo@alpha.example.org,false,", 1)
                 if line.startswith("Alpha") else line.replace(",false,", ",,false,", 1)
                 .replace(",true,", ",,true,", 1) for line in lines[1:]]
    csv_path.write_text("\n".join(lines) + "\n")
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    approve_all(year)
    result = send(run, year, smtp, "--only", "Alpha Borough Council", "--only",
                  "Beta District Council", "--cc", "link_officer_email",
                  "--cc", "records@lgo.example.org")
    assert result.exit_code == 0, result.output
    (alpha,) = smtp.recorder.to(address(NAMES[0]))
    assert alpha["Cc"] == "lo@alpha.example.org, records@lgo.example.org"
    (beta,) = smtp.recorder.to(address(NAMES[1]))
    assert beta["Cc"] == "records@lgo.example.org"
    assert len(smtp.recorder.to("records@lgo.example.org")) == 2


def with_officers(year: Path, copied_to: str = "") -> None:
    """Alpha with a link officer and a monitoring officer, Beta with a monitoring officer."""
    csv_path = year / "2017-18" / "authorities.csv"
    text = csv_path.read_text().replace(",specimen,",
                                        ",link_officer_email,monitoring_officer_email,specimen,")
    officers = {"Alpha": "lo@alpha.example.org,mo@alpha.example.org",
                "Beta": ",mo@beta.example.org"}
    lines = text.splitlines()
    lines[1:] = [line.replace(",false,", f",{officers.get(line.split()[0], ',')},false,", 1)
                 .replace(",true,", ",,,true,", 1) for line in lines[1:]]
    csv_path.write_text("\n".join(lines) + "\n")
    if copied_to:
        with (year / "2017-18" / "year.yaml").open("a") as stream:
            stream.write(f"copied_to: [{copied_to}]\n")


def test_the_monitoring_officer_is_in_the_cc_of_a_dry_run(run, year, smtp, tmp_path):
    with_officers(year)
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    approve_all(year)
    result = run("send", "--data", year / "2017-18", "--out", year / "out", "--from", SENDER,
                 "--only", "Alpha", "--only", "Beta", "--only", "Gamma",
                 "--cc", "monitoring_officer_email", "--dry-run", tmp_path / "eml")
    assert result.exit_code == 0, result.output

    def headers(slug: str) -> tuple[str | None, str | None]:
        parsed = email.message_from_bytes((tmp_path / "eml" / f"{slug}.eml").read_bytes(),
                                          policy=email.policy.default)
        return parsed["To"], parsed["Cc"]
    assert headers("alpha-borough-council") == (address(NAMES[0]), "mo@alpha.example.org")
    assert headers("beta-district-council") == (address(NAMES[1]), "mo@beta.example.org")
    assert headers("gamma-county-council") == (address(NAMES[2]), None)
    assert smtp.recorder.messages == []


def test_letters_copied_to_an_officer_are_sent_to_that_officer(run, year, smtp, tmp_path):
    with_officers(year, "link officer, monitoring officer")
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    approve_all(year)
    result = send(run, year, smtp, "--only", "Alpha", "--cc", "link_officer_email")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "The letters say they are copied to the monitoring officer "
        f"(copied_to: in {year / '2017-18' / 'year.yaml'}), so send must copy them: add "
        "--cc monitoring_officer_email")
    assert smtp.recorder.messages == []
    result = send(run, year, smtp, "--only", "Alpha", "--cc", "link_officer_email", "--cc",
                  "monitoring_officer_email")
    assert result.exit_code == 0, result.output
    (alpha,) = smtp.recorder.to(address(NAMES[0]))
    assert alpha["Cc"] == "lo@alpha.example.org, mo@alpha.example.org"
    (attachment,) = list(alpha.iter_attachments())
    pdf = tmp_path / "alpha.pdf"
    pdf.write_bytes(attachment.get_content())
    assert "Copied to: link officer, monitoring officer" in pdf_text(pdf)


def test_dry_run_writes_messages_and_sends_nothing(run, year, smtp, tmp_path):
    result = run("send", "--data", year / "2017-18", "--out", year / "out", "--from", SENDER,
                 "--dry-run", tmp_path / "eml")
    assert result.exit_code == 1, result.output  # the specimen would be held back
    assert "Wrote 5 messages to " in result.output
    files = sorted(path.name for path in (tmp_path / "eml").iterdir())
    assert files == sorted(f"{name.lower().replace(' ', '-')}.eml"
                           for name in [*NAMES, "Bromsgrove District Council"])
    parsed = email.message_from_bytes((tmp_path / "eml" / "gamma-county-council.eml").read_bytes(),
                                      policy=email.policy.default)
    assert parsed["To"] == address(NAMES[2])
    (attachment,) = list(parsed.iter_attachments())
    assert attachment.get_content() == (year / "out" / "gamma-county-council.pdf").read_bytes()
    assert smtp.recorder.messages == []
    assert ledger_rows(year) == {}  # records nothing


def test_login_takes_the_password_from_the_environment_only(run, year, monkeypatch):
    seen = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-pass")

    recorder = Recorder()
    server = Server(free_port(), recorder, authenticator=authenticate, auth_require_tls=False)
    server.start()
    try:
        missing = send(run, year, server, "--user", "mailer", "--only", "Alpha Borough Council")
        assert missing.exit_code == 2
        assert "set the password in the environment variable LGSCO_SMTP_PASSWORD" in (
            missing.output)
        monkeypatch.setenv("LGSCO_SMTP_PASSWORD", "s3cret-pass")
        result = send(run, year, server, "--user", "mailer", "--only", "Alpha Borough Council")
        assert result.exit_code == 0, result.output
        assert seen == [(b"mailer", b"s3cret-pass")]
        assert "s3cret-pass" not in result.output
        monkeypatch.setenv("LGSCO_SMTP_PASSWORD", "wrong")
        refused = send(run, year, server, "--user", "mailer", "--resend",
                       "Alpha Borough Council", "--only", "Alpha Borough Council")
        assert refused.exit_code == 2
        assert "refused the login for mailer: " in refused.output
    finally:
        server.stop()


def test_starttls_is_required_when_asked_for(run, year, smtp):
    result = send(run, year, smtp, "--starttls", "--only", "Alpha Borough Council")
    assert result.exit_code == 2
    assert f"127.0.0.1:{smtp.port} does not offer STARTTLS" in result.output


def test_without_a_terminal_it_asks_for_yes(run, year, smtp):
    result = run("send", "--data", year / "2017-18", "--out", year / "out",
                 "--smtp", f"127.0.0.1:{smtp.port}", "--from", SENDER)
    assert result.exit_code == 2
    assert "Not a terminal, so cannot ask for confirmation: add --yes to send." in result.output
    assert smtp.recorder.messages == []


def test_status_tells_the_truth(run, year, smtp):
    smtp.recorder.rcpt_replies[address(NAMES[2])] = ["550 5.1.1 No such mailbox"]
    send(run, year, smtp)
    result = run("status", "--data", year / "2017-18", "--out", year / "out")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:7] == ["sent:             4", "failed-temporary: 0", "failed-permanent: 1",
                         "unknown:          0", "sending:          0", "bounced:          0",
                         "not yet sent:     2 of 6"]
    assert lines[7] == ("letters:          0 draft, 1 approved, 4 sent, 0 held back, 1 failed, "
                        "0 bounced")
    assert "  Adur District Council (specimen): approved: approved by Pat Signer on " in (
        result.output)
    assert ("  Gamma County Council: failed: refused for good: ce@gamma.example.org: 550 5.1.1 "
            "No such mailbox") in lines


def test_send_needs_a_built_year(run, make_year, smtp, tmp_path):
    folder = make_year(csv=csv_text(BROMSGROVE_ROW))
    result = run("send", "--data", folder, "--out", tmp_path / "nothing", "--smtp",
                 f"127.0.0.1:{smtp.port}", "--from", SENDER, "--yes")
    assert result.exit_code == 2
    assert "manifest.json does not exist: build the letters first" in result.output


def test_smtp_must_be_host_and_port(run, year):
    result = run("send", "--data", year / "2017-18", "--out", year / "out", "--smtp",
                 "localhost", "--from", SENDER, "--yes")
    assert result.exit_code == 2
    assert "expected HOST:PORT" in result.output


def test_sigkill_mid_run_loses_nothing_and_duplicates_nothing(year, smtp):
    command = send_command(year, smtp.port, "--yes", "--rate", "120")  # one every 0.5 s
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(smtp.recorder.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    delivered = len(smtp.recorder.messages)
    assert 2 <= delivered < 5
    rows = ledger_rows(year)
    statuses = [status for status, *_ in rows.values()]
    # Every message the server took is recorded: sent, or (killed between the handing over
    # and the commit of the reply) still "sending", which the next run calls unknown.
    assert statuses.count("sent") + statuses.count("sending") >= delivered
    interrupted = {name for name, (status, *_) in rows.items() if status == "sending"}

    result = subprocess.run(send_command(year, smtp.port, "--yes"), cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr  # a specimen held back
    by_recipient = collections.Counter(r for _, rs, _ in smtp.recorder.messages for r in rs)
    assert set(by_recipient) == {*map(address, NAMES), "chief.executive@bromsgrove.example.org"}
    assert set(by_recipient.values()) == {1}  # nobody mailed twice
    final = ledger_rows(year)
    assert {name for name, (status, *_) in final.items() if status == "unknown"} == interrupted
    assert [status for status, *_ in final.values()].count("sent") == 5 - len(interrupted)


def on_a_terminal_until_asked(command: list[str]) -> tuple[subprocess.Popen, int, bytes]:
    """Run the command on a pseudo-terminal until it asks yes or no; return what it printed."""
    main, child = pty.openpty()
    process = subprocess.Popen(command, cwd=ROOT, stdin=child, stdout=child, stderr=child)
    os.close(child)
    seen = b""
    while b"[y/N]" not in seen:
        seen += os.read(main, 1024)
    return process, main, seen


def test_on_a_terminal_it_says_what_it_will_do_and_asks(year, smtp):
    process, main, seen = on_a_terminal_until_asked(
        send_command(year, smtp.port, "--only", "Alpha Borough Council"))
    assert b"1 letter to send from annual.review@lgo.example.org through 127.0.0.1:" in seen
    assert b"Send 1 message now? [y/N]" in seen
    os.write(main, b"n\n")
    assert process.wait(timeout=30) == 1  # Aborted!
    assert smtp.recorder.messages == []

    process, main, _ = on_a_terminal_until_asked(
        send_command(year, smtp.port, "--only", "Alpha Borough Council"))
    os.write(main, b"y\n")
    assert process.wait(timeout=30) == 0
    assert len(smtp.recorder.to(address(NAMES[0]))) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: the server's, and the authority to trust."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return key, cert


def tls_server(certificate, **options) -> Server:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate[1], certificate[0])
    recorder = Recorder()
    server = Server(free_port(), recorder, **{key: context for key in options})
    server.start()
    return server


@pytest.mark.parametrize(("flag", "context_option"), [("--starttls", "tls_context"),
                                                      ("--ssl", "ssl_context")])
def test_tls_with_a_private_authority(run, year, certificate, flag, context_option):
    server = tls_server(certificate, **{context_option: True})
    try:
        refused = send(run, year, server, flag, "--only", "Alpha Borough Council")
        assert refused.exit_code == 2
        assert f"127.0.0.1:{server.port}: its certificate could not be verified (" in (
            refused.output)
        assert "--cafile" in refused.output
        result = send(run, year, server, flag, "--cafile", certificate[1],
                      "--only", "Alpha Borough Council")
        assert result.exit_code == 0, result.output
        (message,) = server.recorder.to(address(NAMES[0]))
        assert message["Subject"] == "Annual Review letter 2018 \u2013 Alpha Borough Council"
    finally:
        server.stop()


def test_an_emptied_ledger_refuses_to_send(run, year, smtp):
    assert send(run, year, smtp, "--only", "Alpha Borough Council").exit_code == 0
    ledger = year / "out" / "sent.sqlite"
    for leftover in (year / "out").glob("sent.sqlite-*"):
        leftover.unlink()
    ledger.write_bytes(b"")
    for command in (lambda: send(run, year, smtp),
                    lambda: run("status", "--data", year / "2017-18", "--out", year / "out")):
        result = command()
        assert result.exit_code == 2
        assert ("sent.sqlite: is empty, although this year has sent before "
                "(sent.sqlite.started says so). Nothing was sent. Restore the ledger from "
                "backup") in result.output
        assert "Traceback" not in result.output
    assert len(smtp.recorder.messages) == 1

    ledger.unlink()
    missing = send(run, year, smtp)
    assert missing.exit_code == 2
    assert "sent.sqlite: is missing, although this year has sent before" in missing.output
    assert len(smtp.recorder.messages) == 1


def test_a_damaged_ledger_refuses_without_a_traceback(run, year, smtp):
    (year / "out" / "sent.sqlite").write_bytes(b"this is not a database" * 100)
    result = send(run, year, smtp)
    assert result.exit_code == 2
    assert "sent.sqlite: cannot be read as a ledger (file is not a database). Nothing was " \
           "sent. Restore the ledger from backup; or, if you are sure, start a new one with " \
           "send --new-ledger" in result.output
    assert smtp.recorder.messages == []
    status = run("status", "--data", year / "2017-18", "--out", year / "out")
    assert status.exit_code == 2 and "cannot be read as a ledger" in status.output


def test_new_ledger_starts_afresh_and_keeps_the_old_one(run, year, smtp):
    (year / "out" / "sent.sqlite").write_bytes(b"junk")
    result = send(run, year, smtp, "--only", "Alpha Borough Council", "--new-ledger")
    assert result.exit_code == 1  # the approvals were in the lost ledger too
    assert "held back: Alpha Borough Council: not approved" in result.output
    approve_all(year)
    result = send(run, year, smtp, "--only", "Alpha Borough Council")
    assert result.exit_code == 0, result.output
    assert len(smtp.recorder.messages) == 1
    kept = list((year / "out").glob("sent.sqlite.set-aside-*"))
    assert [path.read_bytes() for path in kept] == [b"junk"]


def test_the_ledger_file_alone_is_complete_after_a_run(run, year, smtp, tmp_path):
    assert send(run, year, smtp).exit_code == 1  # the specimen held back
    copy = tmp_path / "copy.sqlite"
    shutil.copy(year / "out" / "sent.sqlite", copy)  # without its -wal file
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT COUNT(*) FROM sends WHERE status = 'sent'").fetchone() == (5,)


def test_a_forged_manifest_entry_stops_the_run(run, year, smtp):
    manifest = year / "out" / "manifest.json"
    rows = json.loads(manifest.read_text())
    target = year / "elsewhere.txt"
    target.write_text("not a letter")
    row = next(r for r in rows if r["slug"] == "beta-district-council")
    row["file"] = "../elsewhere.txt"
    row["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
    manifest.write_text(json.dumps(rows))
    result = send(run, year, smtp)
    assert result.exit_code == 2
    assert ('manifest.json (Beta District Council), file: names the file "../elsewhere.txt", '
            "but a letter can only be beta-district-council.pdf inside ") in result.output
    assert smtp.recorder.messages == []


def test_a_letter_that_is_a_link_or_a_pipe_is_refused_as_such_and_a_build_mends_it(
        run, year, smtp):
    """A link (even to the very bytes built) or a named pipe where a letter should be is said
    to be what it is, never "the manifest has been altered"; the build it advises writes the
    letter there afresh (a link was once "unchanged" to it, and a pipe hung every command)."""
    pdf = year / "out" / "beta-district-council.pdf"
    outside = year / "outside.pdf"
    shutil.move(pdf, outside)
    pdf.symlink_to(outside)
    gamma = year / "out" / "gamma-county-council.pdf"
    gamma.unlink()
    os.mkfifo(gamma)
    result = send(run, year, smtp)
    assert result.exit_code == 2
    said = ("{path} (Beta District Council): is not a file but a symbolic link (to {outside}): "
            "a built letter is a plain file in {out}, and nothing else is sent as one; run "
            "lgsco-letters build, which writes it there afresh")
    assert said.format(path=pdf, outside=outside, out=year / "out") in result.output
    assert (f"{gamma} (Gamma County Council): is not a file but a named pipe (FIFO): "
            in result.output)
    assert smtp.recorder.messages == []
    built = run("build", "--data", year / "2017-18", "--out", year / "out")
    assert built.exit_code == 0, built.output
    assert "2 built, 4 unchanged, 0 failed" in built.output
    assert not pdf.is_symlink() and pdf.read_bytes() == outside.read_bytes()
    approve_all(year)
    assert send(run, year, smtp, "--only", "beta", "--only", "gamma").exit_code == 0
    assert [rs for _, rs, _ in smtp.recorder.messages] == [["ce@beta.example.org"],
                                                          ["ce@gamma.example.org"]]


def test_a_manifest_that_is_not_json_is_refused(run, year, smtp):
    (year / "out" / "manifest.json").write_text("{nonsense")
    result = send(run, year, smtp)
    assert result.exit_code == 2
    assert "manifest.json: not a manifest written by lgsco-letters build" in result.output


def with_address(year, name: str, new: str) -> None:
    csv_path = year / "2017-18" / "authorities.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace(address(name), new),
                        encoding="utf-8")


def test_a_look_alike_hyphen_in_an_address_is_refused_with_a_hint(run, year):
    with_address(year, NAMES[0], "chief\u2010executive@alpha.example.org")
    result = run("check", "--data", year / "2017-18")
    assert result.exit_code == 2
    assert ('recipient_email: expected an email address like name@council.gov.uk, found '
            '"chief\u2010executive@alpha.example.org": "\u2010" (U+2010 HYPHEN) looks like "-" '
            "but is another character; retype it") in result.output


@pytest.mark.parametrize(("bad", "said"), [
    ('"""ce""@alpha.example.org"', 'found "\"ce\"@alpha.example.org"'),
    ("ce:x@alpha.example.org", 'found "ce:x@alpha.example.org"'),
    ("c\\e@alpha.example.org", 'found "c\\e@alpha.example.org"'),
    ("ce\x00@alpha.example.org", "holds a control character (U+0000 NUL)"),
    ("ce\x1b@alpha.example.org", "holds a control character (U+001B ESC)"),
    ("Name <ce@alpha.example.org>", 'found "Name <ce@alpha.example.org>"')])
def test_addresses_smtp_cannot_carry_are_refused(run, year, bad, said):
    with_address(year, NAMES[0], bad)
    result = run("check", "--data", year / "2017-18")
    assert result.exit_code == 2
    assert "(Alpha Borough Council), recipient_email: " in result.output
    assert said in result.output
    assert "Traceback" not in result.output


def test_an_international_address_goes_only_where_the_server_offers_smtputf8(run, year):
    with_address(year, NAMES[0], "josé@alpha.example.org")
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    approve_all(year)
    only = ("--only", "Alpha Borough Council", "--only", "Beta District Council")
    plain = Server(free_port(), Recorder(), enable_SMTPUTF8=False)
    plain.start()
    try:
        result = send(run, year, plain, *only)
        assert result.exit_code == 1
        cannot = (f"its address jos\\u00e9@alpha.example.org (not plain ASCII: \\u00e9 LATIN "
                  f"SMALL LETTER E WITH ACUTE) needs SMTPUTF8, which 127.0.0.1:{plain.port} does "
                  "not offer: send it through a server that does (nothing was recorded: a "
                  "re-run tries it again)")
        assert f"  not sent: Alpha Borough Council ({cannot})" in result.output
        assert "refused" not in result.output.split("Not sent")[0]
        assert len(plain.recorder.to(address(NAMES[1]))) == 1  # the run went on
        assert "Alpha Borough Council" not in ledger_rows(year)  # not the server's refusal
        status = run("status", "--data", year / "2017-18", "--out", year / "out", "--all")
        assert "  Alpha Borough Council: approved: approved by Pat Signer on " in status.output
    finally:
        plain.stop()
    utf8 = Server(free_port(), Recorder())  # aiosmtpd's Controller offers SMTPUTF8
    utf8.start()
    try:
        result = send(run, year, utf8, "--only", "Alpha Borough Council")
        assert result.exit_code == 0, result.output
        (message,) = utf8.recorder.to("josé@alpha.example.org")
        assert message["To"] == "josé@alpha.example.org"
    finally:
        utf8.stop()


def test_a_cc_the_server_cannot_carry_is_left_out_with_a_warning_not_the_council(run, year):
    """A Cc that is not plain ASCII, on a server without SMTPUTF8: the council gets its letter,
    and the warning names the Cc that could not be copied."""
    with_officers(year)
    csv_path = year / "2017-18" / "authorities.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace(
        "lo@alpha.example.org", "lo.jos\u00e9@alpha.example.org"), encoding="utf-8")
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    approve_all(year)
    plain = Server(free_port(), Recorder(), enable_SMTPUTF8=False)
    plain.start()
    try:
        result = send(run, year, plain, "--only", "Alpha Borough Council", "--cc",
                      "link_officer_email", "--cc", "monitoring_officer_email")
    finally:
        plain.stop()
    assert result.exit_code == 0, result.output
    assert [rcpts for _, rcpts, _ in plain.recorder.messages] == [
        [address(NAMES[0]), "mo@alpha.example.org"]]
    (message,) = plain.recorder.to(address(NAMES[0]))
    assert message["Cc"] == "mo@alpha.example.org"  # only the copies that were made
    warning = ("the Cc lo.jos\\u00e9@alpha.example.org (not plain ASCII: \\u00e9 LATIN SMALL "
               f"LETTER E WITH ACUTE) was not copied: it needs SMTPUTF8, which "
               f"127.0.0.1:{plain.port} does not offer")
    assert f"Sent, with a warning (1; status shows them):\n  {NAMES[0]}: {warning}\n" in (
        result.output)
    assert ledger_rows(year)[NAMES[0]][0] == "sent"
    status = run("status", "--data", year / "2017-18", "--out", year / "out", "--format",
                 "json")
    (alpha,) = [letter for letter in json.loads(status.output)["letters"]
                if letter["authority"] == NAMES[0]]
    assert alpha["state"] == "sent" and alpha["warning"] == warning


def test_one_letters_unexpected_error_does_not_stop_the_run(run, year, smtp, monkeypatch):
    """A bug is never recorded as the server's refusal: the letter is given back, unsent and
    unrecorded, the councils after it get theirs, and the run ends with the exit code of a bug."""
    from lgsco_letters.mail import run as mail_run

    real = mail_run.compose

    def compose(cover, year, authority, *args, **kwargs):
        if authority.name == NAMES[1]:
            raise RuntimeError("a fault nobody foresaw")
        return real(cover, year, authority, *args, **kwargs)

    monkeypatch.setattr(mail_run, "compose", compose)  # a bug cannot be caused otherwise
    result = send(run, year, smtp)
    assert result.exit_code == 3, result.output
    assert ("  not sent: Beta District Council (an unexpected error before its message was "
            "handed over (RuntimeError: a fault nobody foresaw), so nothing went to it and "
            "nothing is recorded; a bug in lgsco-letters (-v shows where); a re-run tries it "
            "again)") in result.output
    assert "refused" not in result.output.split("Not sent")[0]
    assert "A letter was not sent because of an unexpected error in lgsco-letters" in (
        result.output)
    assert len(smtp.recorder.messages) == 4
    assert NAMES[1] not in ledger_rows(year)
    status = run("status", "--data", year / "2017-18", "--out", year / "out", "--all")
    assert "  Beta District Council: approved: approved by Pat Signer on " in status.output


def test_many_held_back_letters_are_counted_not_listed(run, unapproved, smtp):
    year = unapproved
    csv_path = year / "2017-18" / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(",false,", ",true,"))
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    result = send(run, year, smtp)
    # unapproved as well as specimens: each counted once, under the first reason that holds it
    assert ("  6 letters not approved, held back: lgsco-letters approve NAME... (or --all) "
            "--as PERSON (-v lists them)") in result.output.splitlines()
    assert "specimen" not in result.output and "held back: Alpha" not in result.output
    status = run("status", "--data", year / "2017-18", "--out", year / "out")
    assert ("  6 specimen letters not yet approved (draft); send also holds them back without "
            "--allow-specimen (status --all lists them)") in status.output.splitlines()
    every = run("status", "--data", year / "2017-18", "--out", year / "out", "--all")
    assert "  Alpha Borough Council (specimen): draft: not approved" in (
        every.output.splitlines())
    approve_all(year)
    approved = send(run, year, smtp)
    assert ("  6 specimen letters held back: --allow-specimen sends them (-v lists them)"
            in approved.output.splitlines())
    verbose = run("-v", "send", "--data", year / "2017-18", "--out", year / "out", "--smtp",
                  f"127.0.0.1:{smtp.port}", "--from", SENDER, "--yes")
    assert "  held back: Alpha Borough Council: specimen letter" in verbose.output
    after = send(run, year, smtp, "-v")  # where the hint "(-v lists them)" puts it
    assert after.exit_code == 1, after.output
    assert "  held back: Alpha Borough Council: specimen letter" in after.output
    assert smtp.recorder.messages == []
