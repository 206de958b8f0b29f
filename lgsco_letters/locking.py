"""One run at a time on an output folder: `build`, `send`, `approve` and `publish` take its lock.

An `flock` on a file in the folder, not a pid file: the kernel lets go of it when the process
ends, however it ends, so a killed run never blocks the next. The file also says who holds it
(command, process id, start time), so that the one refused can be told whom it waits for.

An flock belongs to the open file, which a forked child shares: a build's worker that kept it
would hold the folder after its parent died. So every child closes it as it starts.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from lgsco_letters.errors import LettersError, access_denied, display_path
from lgsco_letters.files import as_given, open_folder

LOCK_FILE = ".lgsco.lock"
_held: set[int] = set()  # this process's lock files, open


def _close_in_child() -> None:
    for handle in _held:
        os.close(handle)  # closing a copy lets nothing go: the parent still holds its own
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


class FolderBusy(LettersError):
    """Another run holds the output folder."""


@contextlib.contextmanager
def holding(out_dir: Path, command: str) -> Iterator[None]:
    """Hold the folder's lock for the block, or refuse at once, naming who holds it."""
    try:
        handle = _open_lock_file(out_dir)
    except OSError as error:
        if not access_denied(error):
            raise
        raise LettersError(f"{display_path(out_dir / LOCK_FILE)}: cannot be opened for writing: "
                           f"{error.strerror} ({errno.errorcode[error.errno]}). Nothing was "
                           "changed. This is a matter of permissions: the user running "
                           f"lgsco-letters must be able to write {display_path(out_dir)} (a "
                           "read-only or immutable folder cannot be written).") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(handle)
        os.close(handle)
        raise FolderBusy(f"{display_path(out_dir)} is in use by {holder}: one build, send or "
                         "approve at a time on a year's letters. Wait for it to finish, then run "
                         "this again.") from None
    _held.add(handle)
    try:
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(handle, 0)
        os.pwrite(handle, json.dumps({"command": command, "pid": os.getpid(),
                                      "started": started}).encode(), 0)
        yield
    finally:
        _held.discard(handle)
        os.ftruncate(handle, 0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        os.close(handle)


def _open_lock_file(out_dir: Path) -> int:
    """The lock file, made if missing; refused, with its path, if it is anything but the plain
    file this makes (a link, a folder, a FIFO, a device): never opened, if it can be told."""
    path = out_dir / LOCK_FILE
    with open_folder(out_dir) as folder:
        if kind := _kind(folder):
            raise _odd(path, kind)
        try:  # O_NONBLOCK: a FIFO put there meanwhile must not wait for a writer
            handle = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                             | os.O_CLOEXEC, 0o644, dir_fd=folder)
        except OSError as error:
            if access_denied(error):  # a matter of permissions, said as such by `holding`
                raise
            raise _odd(path, f"cannot be opened ({error.strerror})") from None
    if kind := _kind_of(os.fstat(handle).st_mode):
        os.close(handle)
        raise _odd(path, kind)
    return handle


def _odd(path: Path, what: str) -> LettersError:
    return LettersError(f"{as_given(path)} {what}, not the lock file lgsco-letters makes "
                        "(a plain file): remove it, and the next run makes a new one")


def _kind(folder: int) -> str:
    try:
        return _kind_of(os.stat(LOCK_FILE, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return ""


def _kind_of(mode: int) -> str:
    """What a file is, in words, if not a plain file."""
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
             (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
    return next((f"is {name}" for test, name in kinds if test(mode)), "")


def _holder(handle: int) -> str:
    try:
        held = json.loads(os.pread(handle, 4096, 0) or b"{}")
        return (f"lgsco-letters {held['command']} (process {held['pid']}, started "
                f"{held['started']})")
    except (ValueError, KeyError, TypeError):
        return "another lgsco-letters run (it is just starting)"
