"""Why the system will not let a command at the ledger: named, path and all, and told apart
from a damaged ledger (whose remedy, a new ledger, would send every letter again)."""

from __future__ import annotations

import errno
import os
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
