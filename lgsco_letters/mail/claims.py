"""Which process is sending a letter, and whether it still runs.

A run claims each letter in the ledger before it sends it, naming itself: the host, the process
id and the process's start time (so that a process id the system has given to another program
since is not taken for the claimant). Another run skips a letter a live process has claimed,
whatever happened to the lock file. A claim from another host cannot be checked from here, so
it is taken to be live: never guess in favour of sending twice.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Claimant:
    host: str
    pid: int
    started: str | None  # the process's start time, in clock ticks since boot (Linux)

    def as_text(self) -> str:
        return json.dumps({"host": self.host, "pid": self.pid, "started": self.started})

    @classmethod
    def from_text(cls, text: str) -> Claimant | None:
        try:
            data = json.loads(text)
            return cls(str(data["host"]), int(data["pid"]), data.get("started"))
        except (ValueError, TypeError, KeyError):
            return None

    @property
    def here(self) -> bool:
        """Whether the claimant ran on this host (so whether it still runs can be checked)."""
        return self.host == socket.gethostname()

    def describe(self) -> str:
        return f"process {self.pid}" + ("" if self.here else f" on {self.host}")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name, or None where there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def _started(pid: int) -> str | None:
    fields = _stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def this_process() -> Claimant:
    return Claimant(socket.gethostname(), os.getpid(), _started(os.getpid()))


def is_live(claimant: Claimant | None) -> bool:
    """Whether the claimant may still be sending. None (no claim, or a claim from before
    claims were recorded) is not live."""
    if claimant is None:
        return False
    if not claimant.here:
        return True  # cannot be checked from here
    try:
        os.kill(claimant.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, run by another user
    fields = _stat(claimant.pid)
    if fields is None:
        return True  # no /proc: the process id is all there is to go on
    if fields[0] == "Z":
        return False  # ended, not yet reaped by its parent
    return claimant.started is None or fields[19] == claimant.started
