"""Claims other runs left: a run on another host that is gone (`send --release`), and letters
another run sent while this one went by them; against the real SMTP server on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading

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

ALPHA, BETA = NAMES[0], NAMES[1]


def killed_mid_message(year) -> tuple[Server, int]:
    """A run killed while the server held Alpha's reply: its claim is left in the ledger."""
    recorder = HoldsTheReply()
    server = Server(free_port(), recorder)
    server.start()
    process = subprocess.Popen(send_command(year, server.port, "--yes", "--only", ALPHA),
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert recorder.arrived.wait(60)
    process.kill()
    process.wait()
    recorder.released.set()
    return server, process.pid


def on_another_host(year) -> None:
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        (claim,) = db.execute("SELECT claimed_by FROM deliveries WHERE authority = ?",
                              (ALPHA,)).fetchone()
        moved = json.loads(claim) | {"host": "lgsco-elsewhere"}
        db.execute("UPDATE deliveries SET claimed_by = ? WHERE authority = ?",
                   (json.dumps(moved), ALPHA))


def test_a_claim_left_by_a_run_on_another_host_can_be_released_into_an_unknown(run, year):
    server, pid = killed_mid_message(year)
    try:
        on_another_host(year)
        held = (f"being sent by another run (process {pid} on lgsco-elsewhere): left to it; if "
                "that run is gone (another machine, a container, a renamed host), send --release "
                f'"{ALPHA}" gives its claim up (its outcome is then unknown: that run may have '
                "handed it over)")
        status = run("status", "--data", year / "2017-18", "--out", year / "out")
        assert f"  {ALPHA}: held back: {held}" in status.output.splitlines()
        for extra in ((), ("--resend", ALPHA)):
            again = send(run, year, server, "--only", ALPHA, *extra)
            assert again.exit_code == 1
            assert f"  held back: {ALPHA}: {held}" in again.output
        assert len(server.recorder.messages) == 1

        release = ("send", "--data", year / "2017-18", "--out", year / "out", "--release", ALPHA)
        unasked = run(*release)
        assert unasked.exit_code == 2
        assert "add --yes to release" in unasked.output
        nothing = run("send", "--data", year / "2017-18", "--out", year / "out", "--release",
                      BETA, "--yes")
        assert nothing.exit_code == 2
        assert (f"{BETA}: no run holds a claim on it: nothing to release\nNothing was "
                "released.") in nothing.output
        released = run(*release, "--yes")
        assert released.exit_code == 0, released.output
        assert (f"  {ALPHA}: claimed by process {pid} on lgsco-elsewhere (last attempt: ") in (
            released.output)
        assert "Released 1 claim; each letter's outcome is now unknown" in released.output
        assert ledger_rows(year)[ALPHA][0] == "unknown"
        status = run("status", "--data", year / "2017-18", "--out", year / "out", "--all")
        assert (f"  {ALPHA}: held back: outcome unknown: its claim by process {pid} on "
                "lgsco-elsewhere was released with send --release on ") in status.output

        resent = send(run, year, server, "--resend", ALPHA)
        assert resent.exit_code == 0, resent.output
        first, second = server.recorder.to(address(ALPHA))
        assert second["Message-ID"] == first["Message-ID"]  # the same letter, maybe a repeat
    finally:
        server.stop()


def test_a_claim_of_a_live_run_on_this_host_is_never_released(run, year):
    recorder = HoldsTheReply()
    server = Server(free_port(), recorder)
    server.start()
    try:
        process = subprocess.Popen(send_command(year, server.port, "--yes", "--only", ALPHA),
                                   cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        assert recorder.arrived.wait(60)
        (year / "out" / ".lgsco.lock").unlink()  # the lock is a courtesy: the ledger decides
        refused = run("send", "--data", year / "2017-18", "--out", year / "out", "--release",
                      ALPHA, "--yes")
        recorder.released.set()
        assert process.wait(timeout=60) == 0
    finally:
        server.stop()
    assert refused.exit_code == 2
    assert (f"{ALPHA}: it is being sent by process {process.pid} on this host, which is still "
            "running: its claim is not released (let that run finish, or stop it)\nNothing was "
            "released.") in refused.output
    assert ledger_rows(year)[ALPHA][0] == "sent"


class TwoRunsInStep(Recorder):
    """The first session's reply waits until a second session's message has arrived; that
    one's reply waits until the first run has recorded its letter as sent. So the second run
    goes by a letter the first is sending, and ends after the first has sent it."""

    def __init__(self, year):
        super().__init__()
        self.year, self.first_session = year, None
        self.arrived, self.second = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        reply = await super().handle_DATA(server, session, envelope)
        if self.first_session is None:
            self.first_session = session
            self.arrived.set()
            while not self.second.is_set():
                await asyncio.sleep(0.05)
        else:
            self.second.set()
            for _ in range(1200):
                if ledger_rows(self.year).get(ALPHA, ("",))[0] == "sent":
                    break
                await asyncio.sleep(0.05)
        return reply


def test_a_letter_another_run_sent_meanwhile_counts_as_sent_not_held_back(run, year):
    recorder = TwoRunsInStep(year)
    server = Server(free_port(), recorder)
    server.start()
    try:
        first = subprocess.Popen(send_command(year, server.port, "--yes", "--only", ALPHA),
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        assert recorder.arrived.wait(60)  # the first run is mid-message with Alpha
        (year / "out" / ".lgsco.lock").unlink()
        second = send(run, year, server, "--only", ALPHA, "--only", BETA)
        first.communicate(timeout=60)
    finally:
        server.stop()
    assert first.returncode == 0
    assert second.exit_code == 0, second.output  # every letter it chose has gone
    assert f"  held back: {ALPHA}: being sent by another run (process {first.pid})" in (
        second.output)  # as it was when its turn came
    assert "Not sent" not in second.output
    assert second.output.splitlines()[-1] == (
        "1 sent, 0 failed for now (a re-run tries them again), 0 refused for good, 0 unknown "
        "(the server may have them: never sent again without --resend), 1 already sent before "
        "(1 by another run during this one), 0 held back.")
    assert [rcpts for _, rcpts, _ in recorder.messages] == [[address(ALPHA)], [address(BETA)]]
