"""Sign-off before sending, one run at a time, and exit codes a script can trust; against the
real SMTP server (helpers.mail)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from helpers import ROOT
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


def approve(run, year, *args):
    return run("approve", *args, "--data", year / "2017-18", "--out", year / "out")


def test_an_unapproved_year_sends_nothing_and_exits_1(run, unapproved, smtp):
    result = send(run, unapproved, smtp)
    assert result.exit_code == 1
    assert "0 letters to send" in result.output
    # the specimen is unapproved too: counted once, under the first reason that holds it
    assert ("  6 letters not approved, held back: lgsco-letters approve NAME... (or --all) "
            "--as PERSON (-v lists them)") in result.output.splitlines()
    assert "specimen" not in result.output
    assert smtp.recorder.messages == []


def test_a_letter_changed_after_approval_waits_for_approval_again(run, unapproved, smtp):
    year = unapproved
    result = approve(run, year, "--all", "--as", "Pat Signer")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Approved 6 letters as Pat Signer, each for its PDF, its cover note and the addresses "
        "shown:",
        "  Adur District Council: to chief.executive@adur.example.org",
        *(f"  {name}: to {address(name)}" for name in sorted(NAMES)[:2]),
        "  Bromsgrove District Council: to chief.executive@bromsgrove.example.org",
        *(f"  {name}: to {address(name)}" for name in sorted(NAMES)[2:])]
    csv_path = year / "2017-18" / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(
        "Alpha Borough Council,district,,Chief Executive,ce@alpha.example.org,false,0,4,",
        "Alpha Borough Council,district,,Chief Executive,ce@alpha.example.org,false,1,3,"))
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    first = send(run, year, smtp)
    assert first.exit_code == 1
    assert ("held back: Alpha Borough Council: changed since approved by Pat Signer on "
            f"{time.strftime('%Y-%m-%d', time.gmtime())}: approve it again") in first.output
    assert smtp.recorder.to(address(NAMES[0])) == []

    again = approve(run, year, "alpha", "--as", "Sam Second")
    assert again.output == ("Approved 1 letter as Sam Second, each for its PDF, its cover "
                            "note and the addresses shown:\n"
                            "  Alpha Borough Council: to ce@alpha.example.org\n")
    second = send(run, year, smtp)
    assert "1 letter to send" in second.output
    for name in NAMES:
        (message,) = smtp.recorder.to(address(name))
        (attachment,) = list(message.iter_attachments())
        slug = name.lower().replace(" ", "-")
        assert attachment.get_content() == (year / "out" / f"{slug}.pdf").read_bytes()
    assert len(smtp.recorder.messages) == 5  # everyone once; the specimen held back


def test_approve_needs_names_or_all_and_built_letters(run, unapproved, tmp_path):
    year = unapproved
    neither = approve(run, year, "--as", "Pat")
    assert neither.exit_code == 2
    assert "name the letters to approve, or give --all (not both)" in neither.output
    (year / "out" / "gamma-county-council.pdf").write_bytes(b"%PDF tampered")
    tampered = approve(run, year, "--all", "--as", "Pat")
    assert tampered.exit_code == 2
    assert "gamma-county-council.pdf (Gamma County Council): does not match the manifest's " \
           "SHA-256" in tampered.output
    assert not (year / "out" / "sent.sqlite").exists()  # nothing recorded


def test_revoke_withdraws_an_approval(run, year, smtp):
    result = approve(run, year, "Beta District Council", "--as", "Pat Signer", "--revoke")
    assert result.output == ("Withdrew the approval of 1 letter (Beta District Council); "
                             "0 had none.\n")
    sent = send(run, year, smtp)
    assert "held back: Beta District Council: not approved" in sent.output
    assert smtp.recorder.to(address(NAMES[1])) == []


def test_status_gives_each_letters_state_as_json(run, year, smtp):
    smtp.recorder.rcpt_replies[address(NAMES[2])] = ["550 5.1.1 No such mailbox"]
    send(run, year, smtp, "--only", "Alpha Borough Council", "--only", "Gamma County Council")
    approve(run, year, "Delta City Council", "--as", "Pat Signer", "--revoke")
    result = run("status", "--data", year / "2017-18", "--out", year / "out", "--format",
                 "json")
    status = json.loads(result.output)
    assert status["counts"] == {"draft": 1, "approved": 3, "sent": 1, "held back": 0,
                                "failed": 1, "bounced": 0}
    letters = {letter["authority"]: letter for letter in status["letters"]}
    assert letters["Alpha Borough Council"]["state"] == "sent"
    assert letters["Alpha Borough Council"]["sent_at"]
    assert letters["Delta City Council"]["state"] == "draft"
    assert letters["Gamma County Council"]["reason"] == (
        "refused for good: ce@gamma.example.org: 550 5.1.1 No such mailbox")
    assert letters["Beta District Council"]["approved_by"] == "Pat Signer"


def test_a_letter_refused_for_good_before_keeps_the_exit_code_1(run, year, smtp):
    smtp.recorder.rcpt_replies[address(NAMES[2])] = ["550 5.1.1 No such mailbox"]
    only = ("--only", "Gamma County Council", "--only", "Beta District Council")
    assert send(run, year, smtp, *only).exit_code == 1
    again = send(run, year, smtp, *only)
    assert again.exit_code == 1
    assert "Not sent (1):\n  Gamma County Council: held back: refused for good last time" in (
        again.output)
    done = send(run, year, smtp, "--only", "Beta District Council")
    assert done.exit_code == 0


def first_to_end(processes: list[subprocess.Popen], seconds: float = 60) -> subprocess.Popen:
    deadline = time.monotonic() + seconds
    while all(process.poll() is None for process in processes):
        assert time.monotonic() < deadline, "no run ended"
        time.sleep(0.05)
    return next(process for process in processes if process.poll() is not None)


def test_two_sends_at_once_mail_each_council_once(year):
    recorder = HoldsTheReply()  # one run stays mid-send until the others have been turned away
    server = Server(free_port(), recorder)
    server.start()
    try:
        command = send_command(year, server.port, "--yes", "--timeout", "120")
        runs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        assert recorder.arrived.wait(60)  # one run is mid-send, holding the year
        first_to_end(runs)  # the other is refused at once
        # ... and a build now must wait its turn too
        build = subprocess.run([sys.executable, "-m", "lgsco_letters", "build", "--data",
                                str(year / "2017-18"), "--out", str(year / "out")],
                               cwd=ROOT, capture_output=True, text=True)
        recorder.released.set()
        results = [(process.wait(timeout=60), *process.communicate()) for process in runs]
    finally:
        recorder.released.set()
        server.stop()
    codes = sorted(code for code, _, _ in results)
    assert codes == [1, 2]  # one sent (and held the specimen back), one refused at once
    refused = next(err for code, _, err in results if code == 2)
    # the two start together: the loser may find the lock before its holder has named itself
    assert (("is in use by lgsco-letters send (process " in refused and ", started " in refused)
            or "is in use by another lgsco-letters run (it is just starting)" in refused), refused
    assert build.returncode == 2
    assert "is in use by lgsco-letters send (process " in build.stderr
    recipients = sorted(r for _, rs, _ in recorder.messages for r in rs)
    assert recipients == sorted([*map(address, NAMES), "chief.executive@bromsgrove.example.org"])
    assert [row[0] for row in ledger_rows(year).values()] == ["sent"] * 5


def test_a_lock_left_by_a_killed_run_does_not_block(year, smtp):
    process = subprocess.Popen(send_command(year, smtp.port, "--yes", "--rate", "60"),
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not smtp.recorder.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait()
    result = subprocess.run(send_command(year, smtp.port, "--yes"), cwd=ROOT,
                            capture_output=True, text=True)
    assert "is in use" not in result.stderr
    assert result.returncode == 1  # only the specimen is left
    assert len(smtp.recorder.messages) == 5


def test_approve_is_refused_while_a_send_runs(run, year):
    recorder = HoldsTheReply()  # the send stays mid-message until approve has been tried
    server = Server(free_port(), recorder)
    server.start()
    try:
        process = subprocess.Popen(send_command(year, server.port, "--yes", "--timeout", "120"),
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert recorder.arrived.wait(60)
        result = approve(run, year, "--all", "--as", "Pat")
        recorder.released.set()
        process.wait(timeout=60)
    finally:
        recorder.released.set()
        server.stop()
    assert result.exit_code == 2
    assert "is in use by lgsco-letters send" in result.output


def test_status_counts_many_approved_letters_in_one_line(run, year):
    result = run("status", "--data", year / "2017-18", "--out", year / "out")
    assert ("  6 letters approved, waiting to be sent: lgsco-letters send (status --all lists "
            "them)") in result.output.splitlines()
    every = run("status", "--data", year / "2017-18", "--out", year / "out", "--all")
    assert "  Adur District Council (specimen): approved: approved by Pat Signer on " in (
        every.output)


class CatchesARunMidMessage(Recorder):
    """Holds the first message's reply until another session names a recipient, so that a
    second run is sending while the first is mid-message; then answers each message slowly."""

    def __init__(self):
        super().__init__()
        self.arrived, self.second = threading.Event(), threading.Event()
        self.first_session = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.first_session is None:
            self.first_session = session
        elif session is not self.first_session:
            self.second.set()
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        reply = await super().handle_DATA(server, session, envelope)
        self.arrived.set()
        waited = 0.0
        while session is self.first_session and not self.second.is_set() and waited < 60:
            await asyncio.sleep(0.05)
            waited += 0.05
        await asyncio.sleep(0.3)
        return reply


def test_the_ledger_not_the_lock_file_keeps_two_runs_from_mailing_a_council_twice(year):
    """`rm out/<year>/.lgsco.lock` during a send lets a second send start: the ledger's claims
    must still give each council its letter once."""
    recorder = CatchesARunMidMessage()
    server = Server(free_port(), recorder)
    server.start()
    try:
        command = send_command(year, server.port, "--yes")
        first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        assert recorder.arrived.wait(60)  # the first run holds the lock, mid-message
        (year / "out" / ".lgsco.lock").unlink()
        second = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        results = [(process.communicate(timeout=120), process.returncode)
                   for process in (first, second)]
    finally:
        server.stop()
    assert recorder.second.is_set(), results  # the second run did send, alongside the first
    recipients = sorted(r for _, rs, _ in recorder.messages for r in rs)
    assert recipients == sorted([*map(address, NAMES), "chief.executive@bromsgrove.example.org"])
    assert [row[0] for row in ledger_rows(year).values()] == ["sent"] * 5
    (out_second, err_second), _ = results[1]
    assert f"held back: Alpha Borough Council: being sent by another run (process {first.pid})" \
        in out_second
    assert [code for _, code in results] == [1, 1]  # the specimen is held back by both
    sent_by = [[line.split(": ")[1].split(" (")[0] for line in out.splitlines()
                if line.startswith("  sent: ")] for (out, _), _ in results]
    assert sorted(sent_by[0] + sent_by[1]) == sorted([*NAMES, "Bromsgrove District Council"])
    assert "is in use" not in err_second
