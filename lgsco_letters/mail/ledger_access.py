"""Why the system will not let a command at the ledger: named, path and all, and told apart
from a damaged ledger (whose remedy, a new ledger, would send every letter again)."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from lgsco_letters.errors import access_denied, display_path


def _refused(action: Callable[[], object], where: Path, what: str) -> str | None:
    try:
        action()
    except OSError as error:
        if access_denied(error):
            return (f"{display_path(where)}: {what}: {error.strerror} "
                    f"({errno.errorcode.get(error.errno, error.errno)})")
    return None


def _open_and_close(path: Path, flags: int) -> None:
    os.close(os.open(path, flags))


def _create_and_remove(folder: Path) -> None:
    handle, name = tempfile.mkstemp(prefix=".lgsco-access-", dir=folder)
    os.close(handle)
    os.unlink(name)


def _probes(path: Path, write: bool) -> list[tuple[Callable[[], object], Path, str]]:
    folder = path.parent
    probes = [(lambda: os.listdir(folder), folder, "its files cannot be listed")]
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            probes.append((lambda f=file: _open_and_close(f, os.O_RDONLY), file,
                           "cannot be read"))
            if write:
                probes.append((lambda f=file: _open_and_close(f, os.O_WRONLY), file,
                               "cannot be written"))
    if write:
        probes.append((lambda: _create_and_remove(folder), folder,
                       "no file can be created in it"))
    return probes


def access_problem(path: Path, write: bool, recorded: bool = False) -> str | None:
    """What the system refuses of the ledger or its folder, in words, with what to do; None
    when it refuses nothing (the fault lies elsewhere). `recorded`: this run had recorded
    something before, which stays recorded."""
    for action, where, what in _probes(path, write):
        if refused := _refused(action, where, what):
            need = "read and write" if write else "read"
            said = ("What this run recorded before stays recorded; nothing more was."
                    if recorded else "Nothing was recorded.")
            return (f"{refused}. {said} This is a matter of permissions, not a "
                    f"damaged ledger: the user running lgsco-letters must be able to {need} "
                    f"{display_path(path.parent)} and the files in it (a folder mounted "
                    "read-only, or made immutable with chattr +i, cannot be written). Put that "
                    "right, then run this again.")
    return None


def not_a_plain_file(path: Path) -> str | None:
    """Why the ledger or a companion of it is not a plain file where it is (looked at without
    following a link, before SQLite opens anything); None when each is one, or is not there. A
    folder would read as "no ledger", a link could lead anywhere (/dev/null), and a named pipe
    would never answer."""
    for file in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))):
        try:
            mode = os.lstat(file).st_mode
        except FileNotFoundError:
            continue
        except OSError as error:
            return (access_problem(path, False)
                    or f"{display_path(file)}: cannot be looked at ({error.strerror})")
        if not stat.S_ISREG(mode):
            return (f"{display_path(file)}: is not a file but {_kind(file, mode)}: a year's "
                    "ledger is a plain file, never a folder, a link or a device. Nothing was "
                    "read or changed. Move it out of the way; if this year has sent before, "
                    f"restore {path.name} from backup; then run this again.")
    return None


def _kind(file: Path, mode: int) -> str:
    if stat.S_ISLNK(mode):
        return f"a symbolic link (to {os.readlink(file)})"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
