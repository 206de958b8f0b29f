"""How a run's processes end: workers die with their parent, and SIGTERM stops a run the way
Ctrl-C does, through the same clean-up.

A worker learns of its parent's death twice over. The kernel sends it SIGTERM (Linux's
`PR_SET_PDEATHSIG`); that signal comes when the *thread* that forked the worker ends, so it is
asked for only when the main thread forks, whose end is the process's. And the pipe it reads its
work from closes, which it sees as soon as it asks for the next letter.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator

from lgsco_letters.errors import ExitCode

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class Terminated(KeyboardInterrupt):
    """SIGTERM (as `timeout` and systemd send), raised like Ctrl-C's KeyboardInterrupt so that
    one path stops a run and cleans up after it."""


def stop_reason(interrupt: BaseException) -> str:
    return "SIGTERM" if isinstance(interrupt, Terminated) else "Ctrl-C"


def interrupt_exit_code(interrupt: BaseException) -> ExitCode:
    """The shell's convention: 128 and the signal's number."""
    return ExitCode.TERMINATED if isinstance(interrupt, Terminated) else ExitCode.INTERRUPTED


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM raises `Terminated` in the main thread (elsewhere, where
    no handler can be set, it keeps its default)."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def forked_by_main_thread() -> bool:
    """Whether a process forked now would get the parent-death signal when the process ends
    (and not earlier, when some other thread ends)."""
    return threading.current_thread() is threading.main_thread()


def die_with_parent(parent_pid: int, death_signal: bool) -> None:
    """In a freshly forked child: be sent SIGTERM when the parent dies, and end now if it has
    died already (it may have, between the fork and this call)."""
    if death_signal and sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:
        raise SystemExit(ExitCode.SUCCESS)  # nothing to do: the run it was for is over


def exit_on_sigterm(clean_up: Callable[[], None]) -> None:
    """In a worker: SIGTERM runs `clean_up` and ends the process there and then; Ctrl-C is its
    parent's to act on, so it is ignored here.

    Not by raising an exception: WeasyPrint catches every exception while it draws an SVG image
    (the wordmark), and would go on to write the letter without it."""

    def leave(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            clean_up()
        finally:
            os._exit(ExitCode.TERMINATED)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait for the end of the block (a letter being rendered in this
    process), then stop the run as usual: raised inside WeasyPrint, the exception could be
    swallowed (see `exit_on_sigterm`) and a letter written without its wordmark."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {signum: signal.signal(signum, lambda number, frame: caught.append(number))
                for signum in (signal.SIGINT, signal.SIGTERM)
                if signal.getsignal(signum) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if caught:
        raise Terminated() if caught[0] == signal.SIGTERM else KeyboardInterrupt()
