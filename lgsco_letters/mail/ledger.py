"""The sending ledger, `out/<year>/sent.sqlite`: who was sent what, when, and what the server said.

Every change is committed before the next message goes, so an interrupted run loses nothing it
has recorded. A row is marked `sending` just before a message's data goes to the server. A row still
`sending` on the next run means the run was interrupted mid-message: the server may have it, so
it becomes `unknown`, and only a deliberate `--resend` sends it again (with the same Message-ID).

A ledger is the only proof of what went out, so one that is damaged, emptied or missing must
never read as "nothing sent yet". A marker written beside it with the first send keeps that
evidence outside the database.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.files import write_atomic

LEDGER_FILE = "sent.sqlite"
MARKER_FILE = "sent.sqlite.started"  # written with the first send: this year has sent before


class SendStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    FAILED_TEMPORARY = "failed-temporary"
    FAILED_PERMANENT = "failed-permanent"
    UNKNOWN = "unknown"  # the server may have it: handed over, no reply


STATUSES = ", ".join(f"'{status}'" for status in SendStatus)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS sends (
    slug TEXT PRIMARY KEY,
    authority TEXT NOT NULL,
    recipient TEXT NOT NULL,
    cc TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ({STATUSES})),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT NOT NULL DEFAULT '',
    first_attempt TEXT,
    last_attempt TEXT,
    sent_at TEXT,
    resends INTEGER NOT NULL DEFAULT 0
)
"""
NOT_HANDED_OVER = "interrupted before the message was handed over"
INTERRUPTED = ("interrupted while handing the message over: the server may have it "
               "(check with the recipient, then --resend to send it again)")


class LedgerError(LettersError):
    """A ledger that cannot be trusted: sending from it could mail councils twice."""


@dataclass(frozen=True)
class Entry:
    slug: str
    authority: str
    recipient: str
    cc: str
    sha256: str
    message_id: str
    status: SendStatus
    attempts: int
    reply: str
    first_attempt: str | None
    last_attempt: str | None
    sent_at: str | None
    resends: int


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _refuse(path: Path, why: str) -> LedgerError:
    return LedgerError(f"{display_path(path)}: {why}. Nothing was sent. Restore the ledger from "
                       "backup; or, if you are sure, start a new one with send --new-ledger "
                       "(every letter not in it will be sent again).")


class Ledger:
    def __init__(self, path: Path | None):
        """The ledger at `path`, created if need be; None gives an empty one in memory."""
        self.path = path
        self.marker = path.with_name(MARKER_FILE) if path is not None else None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path or ":memory:", isolation_level=None)  # commits are ours
        try:
            self._prepare()
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise _refuse(path, f"cannot be read as a ledger ({error})") from None

    def _prepare(self) -> None:
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=10000")
        old = self.db.execute("SELECT sql FROM sqlite_master WHERE name = 'sends'").fetchone()
        if old is not None and "'unknown'" not in old[0]:
            self._upgrade()
        self.db.execute(SCHEMA)

    def _upgrade(self) -> None:
        """A ledger from before `unknown` existed: the same rows under today's schema."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("ALTER TABLE sends RENAME TO sends_before_unknown")
            self.db.execute(SCHEMA)
            self.db.execute("INSERT INTO sends SELECT * FROM sends_before_unknown")
            self.db.execute("DROP TABLE sends_before_unknown")

    def close(self, checkpoint: bool = False) -> None:
        """`checkpoint` (after a run that wrote) folds the write-ahead log into the file, so
        that `sent.sqlite` alone is complete. Readers leave it: it would wait on a writer."""
        if checkpoint and self.path is not None:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()

    def entries(self) -> dict[str, Entry]:
        rows = self.db.execute(f"SELECT {', '.join(Entry.__dataclass_fields__)} FROM sends")
        return {row[0]: Entry(*row[:6], SendStatus(row[6]), *row[7:]) for row in rows}

    def is_empty(self) -> bool:
        return self.db.execute("SELECT COUNT(*) FROM sends").fetchone()[0] == 0

    def mark_interrupted(self) -> list[str]:
        """Rows a killed run left `sending` become `unknown`; return their authorities."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            names = [row[0] for row in self.db.execute(
                "SELECT authority FROM sends WHERE status = 'sending' ORDER BY authority")]
            self.db.execute("UPDATE sends SET status = 'unknown', reply = ? "
                            "WHERE status = 'sending'", (INTERRUPTED,))
        return names

    def begin(self, slug: str, authority: str, recipient: str, cc: str, sha256: str,
              message_id: str, resends: int) -> None:
        """Record an attempt before it starts. A new row reads as a temporary failure until
        the message is handed over, so a run killed before then simply tries it again."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                """INSERT INTO sends (slug, authority, recipient, cc, sha256, message_id,
                                      status, attempts, reply, first_attempt, last_attempt,
                                      resends)
                   VALUES (?, ?, ?, ?, ?, ?, 'failed-temporary', 1, ?, ?, ?, ?)
                   ON CONFLICT(slug) DO UPDATE SET
                     authority = excluded.authority, recipient = excluded.recipient,
                     cc = excluded.cc, sha256 = excluded.sha256,
                     message_id = excluded.message_id, attempts = attempts + 1,
                     last_attempt = excluded.last_attempt, resends = excluded.resends""",
                (slug, authority, recipient, cc, sha256, message_id, NOT_HANDED_OVER, now(),
                 now(), resends))
        self.write_marker()

    def handing_over(self, slug: str) -> None:
        """The message is about to go, end of data and all: committed before it does."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("UPDATE sends SET status = 'sending' WHERE slug = ?", (slug,))

    def write_marker(self) -> None:
        """The evidence, outside the database, that this year's ledger has sent before."""
        if self.marker is not None and not self.marker.exists():
            write_atomic(self.marker, json.dumps({"ledger": LEDGER_FILE, "since": now()}) + "\n")

    def finish(self, slug: str, status: SendStatus, reply: str) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "UPDATE sends SET status = ?, reply = ?, sent_at = CASE WHEN ? = 'sent' "
                "THEN ? ELSE sent_at END WHERE slug = ?",
                (str(status), reply, str(status), now(), slug))


def open_ledger(out_dir: Path, create: bool = True, new: bool = False) -> Ledger:
    """The year's ledger, refused if it cannot be trusted.

    `create=False` (a dry run, `status`) never creates one: an in-memory ledger stands in for
    a year that has never sent. `new` sets the old ledger aside and starts afresh.
    """
    path, marker = out_dir / LEDGER_FILE, out_dir / MARKER_FILE
    if new:
        _set_aside(path, marker)
    if marker.exists() and not path.is_file():
        raise _refuse(path, f"is missing, although this year has sent before ({MARKER_FILE} "
                            "says so)")
    if not create and not path.is_file():
        return Ledger(None)
    ledger = Ledger(path)
    if ledger.is_empty() and marker.exists():
        ledger.db.close()
        raise _refuse(path, "is empty, although this year has sent before "
                            f"({MARKER_FILE} says so)")
    if not ledger.is_empty():
        ledger.write_marker()  # a ledger from before markers existed
    return ledger


def _set_aside(path: Path, marker: Path) -> None:
    """Keep the old ledger, renamed, rather than delete the record of what went out."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for suffix in ("", "-wal", "-shm"):
        old = path.with_name(path.name + suffix)
        if old.exists():  # the same suffixes after the new name, so that SQLite pairs them
            old.rename(path.with_name(f"{path.name}.set-aside-{stamp}{suffix}"))
    marker.unlink(missing_ok=True)
