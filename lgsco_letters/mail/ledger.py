"""The sending ledger, `out/<year>/sent.sqlite`: who was sent what, when, and what the server said.

Every change is committed before the next message goes, so an interrupted run loses nothing it
has recorded. A row is marked `sending` before a message is handed to the server; a row still
`sending` on the next run means the run was interrupted mid-message, and that message is sent
again with the same Message-ID, so the receiving server can recognise the repeat.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LEDGER_FILE = "sent.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
    slug TEXT PRIMARY KEY,
    authority TEXT NOT NULL,
    recipient TEXT NOT NULL,
    cc TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed-temporary',
                                           'failed-permanent')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT NOT NULL DEFAULT '',
    first_attempt TEXT,
    last_attempt TEXT,
    sent_at TEXT,
    resends INTEGER NOT NULL DEFAULT 0
)
"""


@dataclass(frozen=True)
class Entry:
    slug: str
    authority: str
    recipient: str
    cc: str
    sha256: str
    message_id: str
    status: str
    attempts: int
    reply: str
    first_attempt: str | None
    last_attempt: str | None
    sent_at: str | None
    resends: int


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Ledger:
    def __init__(self, path: Path | None):
        """The ledger at `path`, created if need be; None gives an empty one in memory."""
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path or ":memory:", isolation_level=None)  # commits are ours
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def entries(self) -> dict[str, Entry]:
        rows = self.db.execute(f"SELECT {', '.join(Entry.__dataclass_fields__)} FROM sends")
        return {row[0]: Entry(*row) for row in rows}

    def get(self, slug: str) -> Entry | None:
        return self.entries().get(slug)

    def begin(self, slug: str, authority: str, recipient: str, cc: str, sha256: str,
              message_id: str, resends: int) -> None:
        """Record that a message is about to be handed over; committed before it is."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                """INSERT INTO sends (slug, authority, recipient, cc, sha256, message_id,
                                      status, attempts, first_attempt, last_attempt, resends)
                   VALUES (?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?, ?)
                   ON CONFLICT(slug) DO UPDATE SET
                     authority = excluded.authority, recipient = excluded.recipient,
                     cc = excluded.cc, sha256 = excluded.sha256,
                     message_id = excluded.message_id, status = 'sending',
                     attempts = attempts + 1, last_attempt = excluded.last_attempt,
                     resends = excluded.resends""",
                (slug, authority, recipient, cc, sha256, message_id, now(), now(), resends))

    def finish(self, slug: str, status: str, reply: str) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "UPDATE sends SET status = ?, reply = ?, sent_at = CASE WHEN ? = 'sent' "
                "THEN ? ELSE sent_at END WHERE slug = ?",
                (status, reply, status, now(), slug))
