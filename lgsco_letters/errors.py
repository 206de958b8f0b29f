"""The errors a user can act on, and the one table of exit codes. The CLI catches
`LettersError` once and exits with the error's code; a command that ends by itself returns its
`ExitCode`, which the CLI exits with."""

from __future__ import annotations

import errno
from enum import IntEnum
from pathlib import Path

from lgsco_letters.findings import cut_short, group_problems
from lgsco_letters.problems import Problem, display_path
from lgsco_letters.words import visible


class ExitCode(IntEnum):
    """What a command came to, as its exit code (README, "Exit codes"). Each error class
    carries one (`LettersError.exit_code`); nothing else says a number."""

    SUCCESS = 0
    UNFINISHED = 1  # some letters failed or were left unsent (the rest written, the failures
    #                 listed); a run the system stopped part-way; `inspect`: the letter changed
    BAD_INPUT = 2  # bad usage or bad data: nothing written
    BUG = 3  # a bug in lgsco-letters itself: one line names it, -v shows the traceback
    INTERRUPTED = 130  # stopped by Ctrl-C (128 + SIGINT), what was written kept
    TERMINATED = 143  # stopped by SIGTERM (128 + SIGTERM), what was written kept

# What the system says when it will not let us at a file: a matter of permissions (or of a
# read-only or immutable folder), never of the file's content or of the disk's room.
ACCESS_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)
# `Problem` and `display_path` are problems.py's, given here too: what every stage reports with
__all__ = ["ACCESS_ERRNOS", "DataError", "ExitCode", "LettersError", "Problem", "RenderError",
           "Unfinished", "access_denied", "display_path"]


def access_denied(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in ACCESS_ERRNOS


class LettersError(Exception):
    """A problem with the user's input or request; reported without a traceback."""

    exit_code = ExitCode.BAD_INPUT


class Unfinished(LettersError):
    """A run that stopped part-way, with some letters done and the rest not: what was done is
    kept, and said."""

    exit_code = ExitCode.UNFINISHED


class DataError(LettersError):
    """Every problem found in a year's data or templates, gathered before anything is written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(self.report())

    def report(self, every: bool = False) -> str:
        """Every problem, those alike in many records counted (see `findings`) unless
        `every`."""
        count = len(self.problems)
        heading = f"Found {count:,} problem{'s' if count != 1 else ''}; nothing was written:"
        lines = [f"  {problem}" for problem in group_problems(self.problems, every)]
        # what the data holds is shown, never obeyed: a terminal's escapes made visible
        return "\n".join([heading, *(visible(line) for line in cut_short(lines, every))])


class RenderError(LettersError):
    """One letter could not be rendered; the build carries on with the others.

    `template` and `line` say where a template fault lies, when it lies in a template, so that
    a fault many letters share can be reported once."""

    def __init__(self, message: str, template: Path | None = None, line: int | None = None,
                 detail: str = ""):
        super().__init__(message)
        self.template, self.line, self.detail = template, line, detail or message

    @property
    def where(self) -> tuple[Path | None, int | None, str]:
        return self.template, self.line, self.detail
