"""Writing output so that a crash never leaves a half-written file under its real name, and
nothing is ever written through a symbolic link.

A file goes to a new temporary name beside its target (created with O_EXCL | O_NOFOLLOW, so a
link planted at that name is never followed), is flushed to disk, then renamed into place. The
folders it goes through are opened one by one from the top of the output (`within`) with
O_NOFOLLOW, and the file is made and renamed relative to the last of them: a folder that is a
link, anywhere from the top down, is refused, and cannot be swapped in midway.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from lgsco_letters.errors import LettersError, Problem


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Letters are for sharing, like any other file the user makes.
FILE_MODE = 0o666 & ~_umask()
DIR_MODE = 0o777 & ~_umask()
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class NotAFolder(LettersError):
    """A folder the engine writes in is a symbolic link, or not a folder at all."""


def write_atomic(path: Path, data: bytes | str, within: Path | None = None) -> None:
    """Write `data` to `path` through a temporary name. Every folder from `within` (by
    default, the file's own folder) down to the file's must be a real folder; missing ones are
    made."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with open_folder(path.parent, within) as folder:
        _write_in(folder, path, lambda stream: stream.write(payload))


def copy_atomic(source: Path, path: Path, within: Path | None = None) -> None:
    """Copy the file `source` to `path`, as `write_atomic` writes."""
    with source.open("rb") as reading, open_folder(path.parent, within) as folder:
        _write_in(folder, path, lambda stream: shutil.copyfileobj(reading, stream))


def write_new_folder(target: Path, files: dict[str, bytes | str]) -> None:
    """Make the folder `target` holding `files` (by name), whole or not at all: each file is
    written as `write_atomic` writes, into a new hidden folder beside `target`, which is then
    renamed into place. Nothing is made or written through a link: the hidden folder is new
    (made, never found), its files are new names in it, and both are reached through
    descriptors. `target`'s own folder is the user's, taken as it is. `FileExistsError` if
    `target` is there, before or (made by another program) meanwhile: it is never replaced."""
    if target.exists() or target.is_symlink():
        raise _already_there(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    parent = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    scratch = f".{target.name}.{secrets.token_hex(6)}.new"
    try:
        os.mkdir(scratch, 0o700, dir_fd=parent)  # its owner's alone until it is whole
        try:
            _fill_folder(parent, scratch, target, files)
        except BaseException:
            _remove_folder(parent, scratch)
            raise
    finally:
        os.close(parent)


def _fill_folder(parent: int, scratch: str, target: Path, files: dict[str, bytes | str]
                 ) -> None:
    folder = os.open(scratch, FOLDER, dir_fd=parent)
    try:
        for name, data in files.items():
            payload = data.encode("utf-8") if isinstance(data, str) else data
            _write_in(folder, target / name, lambda stream, payload=payload: stream.write(payload))
        os.fchmod(folder, DIR_MODE)
    finally:
        os.close(folder)
    if _present(target.name, parent):
        raise _already_there(target)
    os.rename(scratch, target.name, src_dir_fd=parent, dst_dir_fd=parent)


def _already_there(target: Path) -> FileExistsError:
    return FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))


def _present(name: str, folder: int) -> bool:
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _remove_folder(parent: int, name: str) -> None:
    """A hidden folder this process made, and the plain files in it (a link is unlinked, never
    followed)."""
    with contextlib.suppress(OSError):
        folder = os.open(name, FOLDER, dir_fd=parent)
        try:
            for entry in os.listdir(folder):
                os.unlink(entry, dir_fd=folder)
        finally:
            os.close(folder)
    with contextlib.suppress(OSError):
        os.rmdir(name, dir_fd=parent)


def _write_in(folder: int, path: Path, write) -> None:
    temporary = f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        handle = os.open(temporary, NEW_FILE, FILE_MODE, dir_fd=folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                write(stream)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder)
            raise
    except OSError as error:  # said with the real path, not the temporary name
        raise OSError(error.errno, error.strerror, str(path)) from None


@contextlib.contextmanager
def open_folder(folder: Path, within: Path | None = None) -> Iterator[int]:
    """A descriptor of `folder`, made if missing, reached from `within` (default: `folder`)
    without following a link at `within` or below it. The folders above `within` are the
    user's own, and are taken as they are."""
    top = folder if within is None else within
    parts = folder.relative_to(top).parts
    top.parent.mkdir(parents=True, exist_ok=True)
    handle = _open_one(None, top, top)
    try:
        for index, part in enumerate(parts):
            inner = _open_one(handle, Path(part), top.joinpath(*parts[:index + 1]))
            os.close(handle)
            handle = inner
        yield handle
    finally:
        os.close(handle)


def _open_one(parent: int | None, name: Path, shown: Path) -> int:
    """Open (making it first if missing) one folder, never through a link."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, dir_fd=parent)
    try:
        return os.open(name, FOLDER, dir_fd=parent)
    except OSError as error:
        if error.errno not in (errno.ENOTDIR, errno.ELOOP):
            raise OSError(error.errno, error.strerror, str(shown)) from None
    kind = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
    what = ("a symbolic link: lgsco-letters never writes through one. Replace it with a real "
            "folder (or remove it)" if stat.S_ISLNK(kind) else "not a folder: remove it")
    raise NotAFolder(f"{as_given(shown)} is {what}")


def as_given(path: Path) -> str:
    """A path as the user would type it, the link itself named (not where it leads)."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def remove_within(top: Path, relative: str) -> bool:
    """Remove the file `top/relative` if it is a plain file reached without a link; whether
    it was removed."""
    parts = Path(relative).parts
    if not parts or ".." in parts or Path(relative).is_absolute():
        return False
    try:
        with open_existing(top, parts[:-1]) as folder:
            if not stat.S_ISREG(os.stat(parts[-1], dir_fd=folder,
                                        follow_symlinks=False).st_mode):
                return False
            os.unlink(parts[-1], dir_fd=folder)
            return True
    except (OSError, NotAFolder):
        return False


@contextlib.contextmanager
def open_existing(top: Path, parts: tuple[str, ...]) -> Iterator[int]:
    """Like `open_folder`, but making nothing: a missing folder is `FileNotFoundError`."""
    handle = os.open(top, FOLDER)
    try:
        for part in parts:
            inner = os.open(part, FOLDER, dir_fd=handle)
            os.close(handle)
            handle = inner
        yield handle
    finally:
        os.close(handle)


def read_utf8(path: Path, problems: list[Problem]) -> str | None:
    """The file's text. Excel's byte-order mark is dropped; CRLF is left for the parsers."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(
            path,
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} cannot be read); "
            "save it as UTF-8 (in Excel: 'CSV UTF-8')",
            line,
        ))
        return None
