"""Mailboxes on disk, read and never written: a maildir folder, or an mbox file.

Python's `mailbox` module is not used: it opens an mbox for writing when it can, and creates
what is missing. Here every file is opened read-only (and, where the system allows, without
updating its access time, which some mail programs read as "seen"), one message at a time, each
read only as far as it needs to be: its headers, and for a report its first `MAX_BYTES`.
"""

from __future__ import annotations

import email.parser
import email.policy
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.mail.dsn import MAX_BYTES

HEAD_BYTES = 64 * 1024  # enough of a message to read its headers
LINE_BYTES = 64 * 1024  # an mbox is read in lines of at most this


@dataclass(frozen=True)
class Stored:
    """One message as read from a mailbox: where it is, and its first bytes."""

    where: str
    data: bytes
    truncated: bool = False  # the message is longer than what was read


def needs_body(head: bytes) -> bool:
    """Whether a message whose headers are `head` may be a report, and must be read further."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
        return headers.get_content_type() == "multipart/report"
    except Exception:
        return True  # cannot tell from its headers: read it, and let the reader say


def _open_quietly(path: Path) -> int:
    """Open for reading only, leaving the access time alone where the system allows that."""
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_NOATIME", 0))
    except PermissionError:
        return os.open(path, os.O_RDONLY)  # O_NOATIME is for the file's owner only


def _read_message_file(path: Path) -> tuple[bytes, bool]:
    handle = _open_quietly(path)
    with os.fdopen(handle, "rb") as stream:
        data = stream.read(HEAD_BYTES)
        if len(data) == HEAD_BYTES and needs_body(data):
            data += stream.read(MAX_BYTES - HEAD_BYTES)
        truncated = bool(stream.read(1))
    return data, truncated


def maildir(folder: Path) -> Iterator[Stored]:
    """Every message in a maildir's `new/` and `cur/`, in order of name."""
    missing = [name for name in ("cur", "new") if not (folder / name).is_dir()]
    if not folder.is_dir() or missing:
        raise LettersError(f"--maildir {display_path(folder)}: not a maildir folder (it has no "
                           f"{' or '.join(f'{name}/' for name in missing) or 'cur/ or new/'} "
                           "folder); give the folder that holds cur/, new/ and tmp/")
    for sub in ("new", "cur"):
        names = sorted(entry.name for entry in os.scandir(folder / sub)
                       if not entry.name.startswith(".") and entry.is_file())
        for name in names:
            try:
                data, truncated = _read_message_file(folder / sub / name)
            except FileNotFoundError:
                continue  # moved or deleted by a mail program meanwhile: it is read elsewhere
            yield Stored(f"{sub}/{name}", data, truncated)


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


def mbox(path: Path) -> Iterator[Stored]:
    """Every message in an mbox file: each begins with a line `From ...`; a body line that
    was escaped as `>From ...` (mboxrd) is given back as it was."""
    if not path.is_file():
        raise LettersError(f"--mbox {display_path(path)}: "
                           + ("is a folder, not an mbox file" if path.is_dir()
                              else "no such file"))
    handle = _open_quietly(path)
    with os.fdopen(handle, "rb") as stream:
        yield from _mbox_messages(stream, path)


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
