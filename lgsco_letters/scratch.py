"""Temporary folders that a killed process cannot leave behind for good.

WeasyPrint keeps each renderer's fonts (about 1.2 MB) in a `weasyprint-*` folder under
`$TMPDIR`, removed only when the renderer is closed. A process that renders in itself (`preview`,
`serve`, a build of one letter) and is killed outright (SIGKILL, the out-of-memory killer) never
closes it, and a year of previews fills `/tmp`. So a renderer's temporary files go in a folder of
its own, `lgsco-letters-scratch-*`, on which its process holds an `flock`: the kernel lets go of
it when the process ends, however it ends. Every run that renders removes the folders whose lock
it can take, whose process is gone (only its own user's: `/tmp` is shared).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

PREFIX = "lgsco-letters-scratch-"
HELD = ".held"  # the file in each folder whose lock says its process is alive


class Scratch:
    """A folder of this process's own, held while it is open; `close` removes it."""

    def __init__(self, path: Path, handle: int):
        self.path, self.handle = path, handle

    def close(self) -> None:
        if self.handle >= 0:
            shutil.rmtree(self.path, ignore_errors=True)
            os.close(self.handle)  # the lock goes with it
            self.handle = -1


def claim() -> Scratch:
    """A new scratch folder under the temporary folder, after sweeping away the stale ones.
    Made under a name no sweep looks at, locked, then renamed: never seen unlocked."""
    sweep()
    making = Path(tempfile.mkdtemp(prefix=f".{PREFIX}"))
    try:
        handle = os.open(making / HELD, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                         | os.O_CLOEXEC, 0o600)
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path = making.with_name(making.name.removeprefix("."))
        os.rename(making, path)
    except BaseException:
        shutil.rmtree(making, ignore_errors=True)
        raise
    return Scratch(path, handle)


def sweep(folder: Path | None = None) -> None:
    """Remove the scratch folders in `folder` (the temporary folder) whose process is gone."""
    top = Path(folder or tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for path in top.glob(f"{PREFIX}*"):
            if _abandoned(path):
                logger.info("removing %s, left by a process that was killed", path)
                shutil.rmtree(path, ignore_errors=True)


def _abandoned(path: Path) -> bool:
    """A real folder of this user's, whose lock no process holds."""
    try:
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return False
        handle = os.open(path / HELD, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:  # held: its process is alive
        return False
    finally:
        os.close(handle)
