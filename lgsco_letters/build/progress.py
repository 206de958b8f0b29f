"""Progress of a build: a bar on a terminal, plain periodic lines anywhere else."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """Count, rate and time left. Lines at most every `interval` seconds when not a terminal."""

    def __init__(self, total: int, stream: TextIO | None = None, interval: float = 5.0):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty()
        self.interval = interval
        self.started = self.last_shown = time.monotonic()

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.terminal:
            self.stream.write("\r" + self.line(now, bar=True))
            self.stream.flush()
        elif now - self.last_shown >= self.interval or self.done == self.total:
            self.stream.write(self.line(now) + "\n")
            self.last_shown = now

    def line(self, now: float, bar: bool = False) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        text = (f"{self.done}/{self.total} letters  {rate:.1f}/s  "
                f"{duration(left)} left")
        if not bar:
            return text
        filled = round(30 * self.done / self.total) if self.total else 30
        return f"[{'#' * filled}{'.' * (30 - filled)}] {text}"

    def finish(self) -> None:
        if self.terminal and self.done:
            self.stream.write("\n")
            self.stream.flush()
