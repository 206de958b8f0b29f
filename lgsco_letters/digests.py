"""A file's SHA-256: how every stage tells whether a file is still the one it expects (the
build its letters, `send` and `status` what was approved, `publish` what it copied).

Only a plain file counts: a link is never followed (it could lead to a file that merely has
the right bytes today, or anywhere), and a named pipe or a device is never read (it would
never end), so that whatever stands where a letter should be is judged as not that letter.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

READ_PLAIN = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def plain_bytes(path: Path) -> bytes | None:
    """The bytes of the plain file at `path`; None when there is none there (nothing, or a
    link, a folder, a named pipe, a device)."""
    try:
        handle = os.open(path, READ_PLAIN)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:  # a link: never followed
            return None
        raise
    with os.fdopen(handle, "rb") as file:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return None
        return file.read()


def file_sha256(path: Path) -> str | None:
    """The SHA-256 in hex of the plain file at `path`, or None when there is none there."""
    data = plain_bytes(path)
    return None if data is None else hashlib.sha256(data).hexdigest()


def not_plain(path: Path) -> str | None:
    """What stands at `path` if it is there but is not a plain file, in words ("a symbolic
    link (to ...)", "a folder", ...); None for a plain file, or nothing."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return f"a symbolic link (to {os.readlink(path)})"
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")
