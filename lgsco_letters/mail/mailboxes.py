"""Mailboxes on disk, read and never written: a maildir folder, or an mbox file.

Python's `mailbox` module is not used: it opens an mbox for writing when it can, and creates
what is missing. Here every file (and a maildir's folders) is opened read-only, and, where the
system allows, without updating its access time, which some mail programs read as "seen":
Linux's O_NOATIME, which only a file's owner (or root) may use. Files opened without it are
counted, so that the command never says nothing was changed when the system may have updated
their access times. Messages are read one at a time, each only as far as it needs to be: its
headers, and for a report (or what looks like a bounce) its first `MAX_BYTES`. A message file
that cannot be read is said to be so, named, and the rest are read.
"""

from __future__ import annotations

import email.parser
import email.policy
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.mail.dsn import MAX_BYTES, looks_like_bounce
from lgsco_letters.words import plural

HEAD_BYTES = 64 * 1024  # enough of a message to read its headers
LINE_BYTES = 64 * 1024  # an mbox is read in lines of at most this


@dataclass(frozen=True)
class Stored:
    """One message as read from a mailbox: where it is, and its first bytes."""

    where: str
    data: bytes
    truncated: bool = False  # the message is longer than what was read
    error: str = ""  # why it could not be read at all


def needs_body(head: bytes) -> bool:
    """Whether a message whose headers are `head` may be a report (or a bounce in plain
    words), and must be read further."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
        return headers.get_content_type() == "multipart/report" or looks_like_bounce(headers)
    except Exception:
        return True  # cannot tell from its headers: read it, and let the reader say


NOATIME = getattr(os, "O_NOATIME", 0)


class Quietly:
    """Opens files and folders read-only, leaving their access times alone where the system
    allows; counts those it could not."""

    def __init__(self) -> None:
        self.touched = 0

    def open(self, path: Path, flags: int = 0) -> int:
        if NOATIME:
            try:
                return os.open(path, os.O_RDONLY | flags | NOATIME)
            except PermissionError:
                pass  # O_NOATIME is for the file's owner only: open it as anyone may
        handle = os.open(path, os.O_RDONLY | flags)
        self.touched += 1
        return handle

    def hedge(self) -> str:
        """What the reading may have changed after all: nothing, or access times."""
        if not self.touched:
            return "nothing there was changed"
        why = ("they belong to another user, and only the owner may read a file without it"
               if NOATIME else "this system cannot read a file without it")
        return (f"no message was changed, but the system may have updated the access time of "
                f"{plural(self.touched, 'file or folder', 'files or folders')}: {why}")


def _read_message_file(path: Path, opener: Quietly) -> tuple[bytes, bool]:
    handle = opener.open(path)
    with os.fdopen(handle, "rb") as stream:
        data = stream.read(HEAD_BYTES)
        if len(data) == HEAD_BYTES and needs_body(data):
            data += stream.read(MAX_BYTES - HEAD_BYTES)
        truncated = bool(stream.read(1))
    return data, truncated


def maildir(folder: Path, opener: Quietly | None = None) -> Iterator[Stored]:
    """Every message in a maildir's `new/` and `cur/`, in order of name; one that cannot be
    read is given with the error, and the rest are read."""
    opener = opener or Quietly()
    missing = [name for name in ("cur", "new") if not (folder / name).is_dir()]
    if not folder.is_dir() or missing:
        raise LettersError(f"--maildir {display_path(folder)}: not a maildir folder (it has no "
                           f"{' or '.join(f'{name}/' for name in missing) or 'cur/ or new/'} "
                           "folder); give the folder that holds cur/, new/ and tmp/")
    for sub in ("new", "cur"):
        for name in _names(folder / sub, opener):
            try:
                data, truncated = _read_message_file(folder / sub / name, opener)
            except FileNotFoundError:
                continue  # moved or deleted by a mail program meanwhile: it is read elsewhere
            except OSError as error:
                yield Stored(f"{sub}/{name}", b"", error=error.strerror or str(error))
                continue
            yield Stored(f"{sub}/{name}", data, truncated)


def _names(folder: Path, opener: Quietly) -> list[str]:
    """The message files in a maildir's folder, by name, the folder opened as its files are."""
    try:
        handle = opener.open(folder, os.O_DIRECTORY)
        try:
            return sorted(entry.name for entry in os.scandir(handle)
                          if not entry.name.startswith(".") and entry.is_file())
        finally:
            os.close(handle)
    except OSError as error:
        raise LettersError(f"--maildir {display_path(folder)}: cannot be read "
                           f"({error.strerror or error})") from None


class _Message:
    """An mbox message being read: its first bytes, and where it began."""

    def __init__(self, number: int, line: int):
        self.number, self.line = number, line
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False
        self.report: bool | None = None  # known once its headers are read

    def add(self, chunk: bytes) -> None:
        if self.size >= HEAD_BYTES and self.report is None:
            self.report = needs_body(b"".join(self.chunks))
        room = (MAX_BYTES if self.report is not False else HEAD_BYTES) - self.size
        if room <= 0:
            self.truncated = True
            return
        if len(chunk) > room:
            chunk, self.truncated = chunk[:room], True
        self.chunks.append(chunk)
        self.size += len(chunk)

    def stored(self) -> Stored:
        return Stored(f"message {self.number} (line {self.line})", b"".join(self.chunks),
                      self.truncated)


KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
         (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
         (stat.S_ISSOCK, "a socket"))


def mbox(path: Path, opener: Quietly | None = None) -> Iterator[Stored]:
    """Every message in an mbox file: each begins with a line `From ...`; a body line that
    was escaped as `>From ...` (mboxrd) is given back as it was."""
    opener = opener or Quietly()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise LettersError(f"--mbox {display_path(path)}: no such file") from None
    except OSError as error:
        raise LettersError(f"--mbox {display_path(path)}: cannot be read "
                           f"({error.strerror or error})") from None
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in KINDS if test(mode)), "not a file")
        raise LettersError(f"--mbox {display_path(path)}: {kind}, not a regular file: give an "
                           "mbox file")
    try:
        with os.fdopen(opener.open(path), "rb") as stream:
            yield from _mbox_messages(stream, path)
    except OSError as error:
        raise LettersError(f"--mbox {display_path(path)}: cannot be read "
                           f"({error.strerror or error}); what was read before is recorded"
                           ) from None


def _mbox_messages(stream, path: Path) -> Iterator[Stored]:
    current: _Message | None = None
    number = line_number = 0
    at_line_start = True
    while chunk := stream.readline(LINE_BYTES):
        starts_line, at_line_start = at_line_start, chunk.endswith(b"\n")
        line_number += starts_line
        if starts_line and chunk.startswith(b"From "):
            if current is not None:
                yield current.stored()
            number += 1
            current = _Message(number, line_number)
            continue
        if current is None:
            if chunk.strip():
                raise LettersError(f"--mbox {display_path(path)}: not an mbox file (line "
                                   f"{line_number} comes before any line starting \"From \")")
            continue
        if starts_line and chunk.startswith(b">") and chunk.lstrip(b">").startswith(b"From "):
            chunk = chunk[1:]
        current.add(chunk)
    if current is not None:
        yield current.stored()
