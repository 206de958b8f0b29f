"""Runs that cannot go on, or must not: a cover note's template fault, a bug, a server that
refuses the sender or the session, a ledger that cannot be written once the server has a letter,
and Ctrl-C; each against the real SMTP server on 127.0.0.1. What the server logged, `send`,
`status` and the ledger agree, and nothing is recorded as the council's refusal that was not."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading

import pytest

from helpers import ROOT, TEMPLATES, edit_file
from helpers.mail import (
    NAMES,
    SENDER,
    HoldsTheReply,
    Recorder,
    Server,
    address,
    free_port,
    ledger_rows,
    send,
    send_command,
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


def test_a_bug_before_the_handing_over_is_never_recorded_as_the_servers_refusal(
        run, year, smtp, monkeypatch):
    from lgsco_letters.mail import delivery

    def broken(message):
        raise ValueError("a message nobody could write")

    monkeypatch.setattr(delivery, "message_bytes", broken)  # a bug cannot be caused otherwise
    result = send(run, year, smtp, "--only", ALPHA)
    assert result.exit_code == 3, result.output
    assert f"  not sent: {ALPHA} (an unexpected error before its message was handed over " \
           "(ValueError: a message nobody could write)" in result.output
    assert "refused for good" not in result.output.replace("0 refused for good", "")
    assert smtp.recorder.messages == []
    assert ledger_rows(year) == {}
    _, letters = status(run, year)
    assert letters[ALPHA]["state"] == "approved"


class RefusesTheSender(Recorder):
    def __init__(self):
        super().__init__()
        self.mail_from: list[str] = []

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_from.append(address)
        return "550 5.7.1 Sender address rejected: not owned by user"


def test_a_refused_sender_stops_the_run_and_no_council_is_recorded_as_refusing(run, year):
    server = Server(free_port(), RefusesTheSender())
    server.start()
    try:
        result = send(run, year, server)
    finally:
        server.stop()
    assert result.exit_code == 1, result.output
    assert server.recorder.mail_from == [SENDER]  # asked once, not once per council
    assert (f"127.0.0.1:{server.port} refused the sender {SENDER}: 550 5.7.1 Sender address "
            "rejected: not owned by user. That is no council's refusal: none is recorded as "
            "refused, and the letter in hand stays unsent. Check --from: the server must "
            "accept it as a sender (an address it may send for, or the login's own), then run "
            "send again.") in result.output
    assert f"  {ALPHA}: not sent: the run stopped before it went (see below)" in result.output
    assert "0 sent, 0 failed for now (a re-run tries them again), 0 refused for good" in (
        result.output)
    assert ", 1 not sent (nothing recorded), 4 not tried." in result.output
    assert ledger_rows(year) == {}
    _, letters = status(run, year)
    assert {letter["state"] for letter in letters.values()} == {"approved"}


class RefusesTheConnection:
    """A server on 127.0.0.1 that greets every connection with a 5xx and hangs up."""

    def __init__(self, greeting: bytes):
        self.greeting, self.connections = greeting, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with client:
                client.sendall(self.greeting)

    def stop(self):
        self.listener.close()


def test_a_server_that_refuses_the_connection_stops_the_run(run, year):
    server = RefusesTheConnection(b"554 5.3.2 No SMTP service here\r\n")
    try:
        result = send(run, year, server, "--retries", "3")
    finally:
        server.stop()
    assert result.exit_code == 1, result.output
    assert server.connections == 1
    assert (f"127.0.0.1:{server.port} refused the connection: 554 5.3.2 No SMTP service here. "
            "That is no council's refusal") in result.output
    assert ledger_rows(year) == {}


LOCKER = """import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
"""


def test_a_ledger_locked_once_the_server_has_the_letter_names_it_and_stops_with_a_summary(
        year):
    """Another program holds the ledger (BEGIN IMMEDIATE) from the moment the server has
    Alpha's letter: the run says so, naming Alpha, prints what it did, and exits 1; Alpha is
    never sent again on its own."""
    recorder = HoldsTheReply()
    server = Server(free_port(), recorder)
    server.start()
    holder = []

    def lock_the_ledger_then_reply():
        assert recorder.arrived.wait(60)
        holder.append(subprocess.Popen([sys.executable, "-c", LOCKER,
                                        str(year / "out" / "sent.sqlite")],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        assert holder[0].stdout.readline() == "locked\n"
        recorder.released.set()

    helper = threading.Thread(target=lock_the_ledger_then_reply)
    helper.start()
    command = send_command(year, server.port, "--yes", "--only", ALPHA, "--only", BETA)
    try:
        first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        helper.join(60)
        holder[0].communicate("done\n", timeout=30)
        again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        if holder and holder[0].poll() is None:
            holder[0].kill()
        server.stop()
    result = first.stdout + first.stderr
    assert first.returncode == 1, result
    assert f"  sent: {ALPHA} (250 2.0.0 Message accepted for delivery; NOT RECORDED: the " \
           "ledger could not be written (see below))" in result
    assert (f"Outcome not recorded (1; the ledger could not be written):\n  {ALPHA}: sent: 250 "
            "2.0.0 Message accepted for delivery; the server may have it: from the next run on "
            "its outcome shows as unknown\n") in result
    assert f"Not sent (1):\n  {BETA}: not tried: the run stopped\n" in result
    assert ("0 sent, 0 failed for now (a re-run tries them again), 0 refused for good, 0 "
            "unknown (the server may have them: never sent again without --resend), 0 already "
            "sent before, 0 held back, 1 not recorded, 1 not tried.") in result
    path = year / "out" / "sent.sqlite"
    assert (f"{ALPHA}: the server accepted it (250 2.0.0 Message accepted for delivery), but "
            f"the ledger could not record that: {path}: another program holds it locked "
            "(waited 10 s): close whatever has it open (an SQLite browser, a backup tool), then "
            "run this again. Nothing more was recorded. The ledger still says it was being "
            "handed over: from the next run on its outcome shows as unknown, and it is never "
            "sent again on its own (the server has it). The run stopped there.") in result
    assert "Nothing was recorded" not in result

    assert again.returncode == 1, again.stdout + again.stderr
    assert f"held back: {ALPHA}: outcome unknown: interrupted while handing the message over" \
        in again.stdout
    assert [rcpts for _, rcpts, _ in recorder.messages] == [[address(ALPHA)], [address(BETA)]]
    assert ledger_rows(year)[ALPHA][0] == "unknown"


def test_a_run_killed_while_waiting_for_the_reply_is_said_to_have_handed_it_over(run, year):
    """Killed after the end of the data, before the reply: status, the live preview and send
    all say the server may have it (never "before the message was handed over")."""
    from lgsco_letters.mail.ledger import open_ledger
    from lgsco_letters.mail.standing import in_words, standing_for
    from lgsco_letters.project import load_year
    from lgsco_letters.render.templating import Templates

    recorder = HoldsTheReply()
    server = Server(free_port(), recorder)
    server.start()
    try:
        process = subprocess.Popen(send_command(year, server.port, "--yes", "--only", ALPHA),
                                   cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        assert recorder.arrived.wait(60)
        process.kill()
        process.wait()
        recorder.released.set()
    finally:
        server.stop()
    words = ("outcome unknown: interrupted while handing the message over: the server may have "
             "it (check with the recipient, then --resend to send it again)")
    text, letters = status(run, year)
    assert letters[ALPHA]["state"] == "held back"
    assert letters[ALPHA]["reason"] == words
    assert f"  {ALPHA}: held back: {words}" in text.splitlines()
    assert "unknown:          1\nsending:          0\n" in text  # counted as what it is
    the_year = load_year(year / "2017-18")
    authority = next(a for a in the_year.authorities if a.name == ALPHA)
    ledger = open_ledger(year / "out")
    try:
        assert in_words(standing_for(the_year, year / "out", ledger, authority,
                                     Templates(TEMPLATES))) == f"held back: {words}"
    finally:
        ledger.close()


class HoldsTheSecondReply(Recorder):
    """Answers the first message at once, and holds the second's reply until `released`."""

    def __init__(self):
        super().__init__()
        self.arrived, self.released = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == 2:
            self.arrived.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
        return reply


def immutable_refuses_writes_to_open_files(folder) -> None:
    """Skip unless `chattr +i` here stops a write through a file already open (as SQLite
    holds its -wal): not every file system does (tmpfs, for one)."""
    probe = folder / ".immutable-probe"
    with probe.open("wb") as stream:
        made = subprocess.run(["chattr", "+i", str(probe)], capture_output=True, text=True)
        try:
            if made.returncode != 0:
                pytest.skip(f"chattr +i is not possible here: {made.stderr.strip()}")
            try:
                stream.write(b"x")
                stream.flush()
            except PermissionError:
                return
            pytest.skip("chattr +i does not stop writes to open files on this file system")
        finally:
            subprocess.run(["chattr", "-i", str(probe)], capture_output=True)
            probe.unlink()


def test_a_ledger_made_unwritable_mid_run_never_says_nothing_was_recorded(year):
    """`chattr +i sent.sqlite-wal` while the server has Beta's letter: Alpha stays recorded
    sent, Beta is named as the letter whose outcome could not be recorded, exit 1."""
    immutable_refuses_writes_to_open_files(year / "out")
    recorder = HoldsTheSecondReply()
    server = Server(free_port(), recorder)
    server.start()
    wal = year / "out" / "sent.sqlite-wal"
    try:
        process = subprocess.Popen(send_command(year, server.port, "--yes", "--only", ALPHA,
                                                "--only", BETA, "--only", NAMES[2]),
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        assert recorder.arrived.wait(60)
        made = subprocess.run(["chattr", "+i", str(wal)], capture_output=True, text=True)
        recorder.released.set()
        out, err = process.communicate(timeout=120)
        if made.returncode != 0:
            pytest.skip(f"chattr +i is not possible here: {made.stderr.strip()}")
    finally:
        subprocess.run(["chattr", "-i", str(wal)], capture_output=True)
        server.stop()
    assert process.returncode == 1, out + err
    assert f"  sent: {ALPHA} (250 2.0.0 Message accepted for delivery)" in out
    assert f"  sent: {BETA} (250 2.0.0 Message accepted for delivery; NOT RECORDED: " in out
    assert f"Not sent (1):\n  {NAMES[2]}: not tried: the run stopped\n" in out
    assert "Nothing was recorded" not in out + err
    assert (f"{BETA}: the server accepted it (250 2.0.0 Message accepted for delivery), but the "
            f"ledger could not record that: {wal}: cannot be written: Operation not permitted "
            "(EPERM). What this run recorded before stays recorded; nothing more was.") in err
    assert "The run stopped there." in err
    rows = ledger_rows(year)
    assert rows[ALPHA][0] == "sent" and rows[BETA][0] == "sending"
    assert NAMES[2] not in rows


def wait_for_line(stream, text: str) -> str:
    """Read the stream until a line holding `text` (the process writes it, or ends)."""
    seen = ""
    while text not in seen:
        line = stream.readline()
        assert line, f"the process ended without saying {text!r}: {seen}"
        seen += line
    return seen


@pytest.mark.parametrize("signum, by", [(signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, "SIGTERM")])
def test_the_first_ctrl_c_lets_the_letter_in_hand_finish_then_stops_with_the_summary(
        year, signum, by):
    """SIGTERM (as `timeout` and systemd send) killed the run outright: no summary, and the
    letter in hand left unknown, for someone to check with the council by hand. It stops the
    run as Ctrl-C does."""
    recorder = HoldsTheReply()
    server = Server(free_port(), recorder)
    server.start()
    try:
        process = subprocess.Popen(send_command(year, server.port, "--yes", "--only", ALPHA,
                                                "--only", BETA, "--only", NAMES[2]),
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        assert recorder.arrived.wait(60)  # Alpha's message is there, its reply held
        process.send_signal(signum)
        said = wait_for_line(process.stderr, f"{by}: stopping once the letter in hand is done")
        recorder.released.set()
        out, err = process.communicate(timeout=120)
    finally:
        server.stop()
    assert process.returncode == 1, out + said + err
    assert f"  sent: {ALPHA} (250 2.0.0 Message accepted for delivery)" in out
    assert (f"Not sent (2):\n  {BETA}: not tried: the run stopped\n  {NAMES[2]}: not tried: "
            "the run stopped\n") in out
    assert "1 sent, 0 failed for now" in out and ", 2 not tried." in out
    assert f"Stopped by {by}, between letters: nothing was left half-done" in err
    assert "Aborted" not in err
    assert [rcpts for _, rcpts, _ in recorder.messages] == [[address(ALPHA)]]
    assert {name: row[0] for name, row in ledger_rows(year).items()} == {ALPHA: "sent"}


def test_a_second_ctrl_c_stops_at_once_and_leaves_the_letter_in_hand_unknown(run, year):
    recorder = HoldsTheReply()
    server = Server(free_port(), recorder)
    server.start()
    try:
        process = subprocess.Popen(send_command(year, server.port, "--yes", "--only", ALPHA,
                                                "--only", BETA, "--timeout", "90"),
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        assert recorder.arrived.wait(60)
        process.send_signal(signal.SIGINT)
        said = wait_for_line(process.stderr, "Ctrl-C again stops at once")
        process.send_signal(signal.SIGINT)
        # at once: neither the reply nor a goodbye to the server is waited for
        out, err = process.communicate(timeout=60)
        recorder.released.set()
    finally:
        server.stop()
    assert process.returncode != 0, out + said + err
    assert ledger_rows(year)[ALPHA][0] == "sending"
    assert BETA not in ledger_rows(year)
    _, letters = status(run, year)
    assert letters[ALPHA]["reason"].startswith(
        "outcome unknown: interrupted while handing the message over: the server may have it")


def test_a_pdf_that_cannot_be_read_at_its_turn_is_not_sent_and_the_run_goes_on(year):
    """Made unreadable while the run is under way (checked readable first): that letter is
    not sent, nothing of it recorded; the others go. Never a run that ends without its
    summary."""
    recorder = HoldsTheReply()
    server = Server(free_port(), recorder)
    server.start()
    beta = year / "out" / "beta-district-council.pdf"
    command = send_command(year, server.port, "--yes", "--only", ALPHA, "--only", BETA,
                           "--only", NAMES[2])
    if os.geteuid() == 0:  # as root, without the capability to read what permissions forbid
        caps = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", *command]
    try:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        assert recorder.arrived.wait(60)
        beta.chmod(0)
        recorder.released.set()
        out, err = process.communicate(timeout=120)
    finally:
        beta.chmod(0o644)
        server.stop()
    assert process.returncode == 1, out + err
    assert f"  not sent: {BETA} (its PDF could not be read: Permission denied ({beta}))" in out
    assert [rcpts for _, rcpts, _ in recorder.messages] == [[address(ALPHA)],
                                                            [address(NAMES[2])]]
    assert BETA not in ledger_rows(year)
    assert "2 sent, 0 failed for now" in out
