"""Commands run as real processes in a session of their own, to be killed one process at a time
(never the group), and to see what each leaves behind: processes, and temporary files in a
private TMPDIR."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import ROOT


def wait_until(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _stat(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # state, ppid, pgrp, session, ...


class Run:
    """`lgsco-letters ARGS` with its own session id and TMPDIR; output in a file."""

    def __init__(self, folder: Path, *args: str):
        self.tmpdir = folder / "tmpdir"
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        self.output = folder / f"run-{time.monotonic_ns()}.log"
        with self.output.open("wb") as stream:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lgsco_letters", *map(str, args)], cwd=ROOT,
                start_new_session=True, stdin=subprocess.DEVNULL, stdout=stream,
                stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": str(self.tmpdir)})

    @property
    def pid(self) -> int:
        return self.process.pid

    def processes(self) -> list[int]:
        """Every live process of the run (a zombie is dead, only not yet reaped)."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (stat := _stat(entry)) and stat[3] == str(self.pid) \
                    and stat[0] != "Z":
                found.append(int(entry))
        return found

    def children(self) -> list[int]:
        return [pid for pid in self.processes() if _stat(str(pid))[1] == str(self.pid)]

    def kill(self, signum: int, pid: int | None = None) -> None:
        os.kill(pid or self.pid, signum)

    def wait(self, seconds: float) -> int:
        return self.process.wait(timeout=seconds)

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def assert_gone_within(self, seconds: float = 5.0) -> None:
        """No process of the run is left; any that is gets killed, so the tests go on."""
        deadline = time.monotonic() + seconds
        while (left := self.processes()) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"processes of the run still alive {seconds} s on: {left}"

    def leftovers(self) -> list[str]:
        return sorted(str(path.relative_to(self.tmpdir)) for path in self.tmpdir.rglob("*"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in self.processes():
            os.kill(pid, signal.SIGKILL)


def fd_targets(pid: int) -> list[str]:
    """What a process's open file descriptors point at."""
    folder = Path(f"/proc/{pid}/fd")
    targets = []
    for entry in folder.iterdir():
        with contextlib.suppress(OSError):
            targets.append(os.readlink(entry))
    return targets
