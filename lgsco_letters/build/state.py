"""What earlier builds left in an output folder, so that a rebuild renders only what changed.

Each finished letter is recorded in a journal, one line flushed to disk right after its PDF is
renamed into place; so a build killed at any moment leaves a record of exactly the letters it
completed, and the next build picks up from there. At the end of a build the journal is folded
into a compact state file.
"""

from __future__ import annotations

import errno
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from lgsco_letters.digests import file_sha256
from lgsco_letters.files import write_atomic

logger = logging.getLogger(__name__)

STATE_FILE = ".lgsco-build.json"
JOURNAL_FILE = ".lgsco-build.journal"


@dataclass(frozen=True)
class Record:
    """A letter as last written: the inputs' fingerprint and the output file's particulars."""

    fingerprint: str
    sha256: str
    pages: int
    size: int
    layout: str = ""  # the layout check's warnings, by code (a letter with problems is not kept)


class BuildState:
    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.records: dict[str, Record] = {}
        self._journal = None
        self._load()

    def _load(self) -> None:
        state = self.out_dir / STATE_FILE
        if state.is_file():
            try:
                saved = json.loads(state.read_text(encoding="utf-8"))
                self.records = {slug: Record(**entry) for slug, entry in saved.items()}
            except (ValueError, TypeError):
                logger.warning("ignoring an unreadable %s: every letter will be rebuilt", state)
        journal = self.out_dir / JOURNAL_FILE
        if journal.is_file() and not journal.is_symlink():
            for line in journal.read_text(encoding="utf-8").splitlines():
                self._replay(line)

    def _replay(self, line: str) -> None:
        try:
            entry = json.loads(line)
            slug = entry.pop("slug")
            self.records[slug] = Record(**entry)
        except (ValueError, TypeError, KeyError):
            pass  # the torn last line of a build that was killed mid-write

    def current(self, slug: str, fingerprint: str, path: Path) -> Record | None:
        """The record, if the letter was built from these inputs and its file is untouched."""
        record = self.on_disk(slug, path)
        return record if record and record.fingerprint == fingerprint else None

    def on_disk(self, slug: str, path: Path) -> Record | None:
        """The record of the letter's PDF, if the file is still the one it describes."""
        record = self.records.get(slug)
        return record if record and file_sha256(path) == record.sha256 else None

    def record(self, slug: str, record: Record) -> None:
        """Remember a finished letter durably before going on to the next."""
        self.records[slug] = record
        if self._journal is None:
            self._journal = _open_journal(self.out_dir / JOURNAL_FILE)
        self._journal.write(json.dumps({"slug": slug, **asdict(record)}) + "\n")
        self._journal.flush()
        os.fsync(self._journal.fileno())

    def save(self) -> None:
        """Fold the journal into the state file."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        entries = {slug: asdict(record) for slug, record in sorted(self.records.items())}
        write_atomic(self.out_dir / STATE_FILE, json.dumps(entries, indent=1))
        (self.out_dir / JOURNAL_FILE).unlink(missing_ok=True)


def _open_journal(path: Path):
    """The journal for appending; a symlink in its place is replaced, never written through."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
    try:
        handle = os.open(path, flags, 0o644)
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        path.unlink()
        handle = os.open(path, flags, 0o644)
    return os.fdopen(handle, "a", encoding="utf-8")


def remove_stale_temporaries(out_dir: Path) -> None:
    """Temporary files a killed build left behind (never a finished PDF)."""
    for path in out_dir.glob(".*.tmp"):
        path.unlink(missing_ok=True)
