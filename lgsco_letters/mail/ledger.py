"""The sending ledger, `out/<year>/sent.sqlite`: who was sent what, when, and what the server said.

The ledger, not the lock file, decides whether a letter may go: a run claims each letter in one
`BEGIN IMMEDIATE` transaction that first reads the letter's record again, so that two runs
(a lock file deleted, a second machine) can never both send it. Every change is committed
before the next step, so an interrupted run loses nothing it has recorded. A delivery is marked
`sending` just before its data goes to the server; one still `sending` when its run has ended
was interrupted mid-message: the server may have it, so it becomes `unknown`, and only a
deliberate `--resend` sends it again (with the same Message-ID).

A ledger is the only proof of what went out, so one that is damaged, emptied or missing must
never read as "nothing sent yet". A marker written beside it with the first send keeps that
evidence outside the database. `status`, `check` and the live preview open it read-only.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.files import write_atomic
from lgsco_letters.mail import ledger_schema as schema
from lgsco_letters.mail.approvals import read_approvals, read_latest_log
from lgsco_letters.mail.ledger_access import access_problem, not_a_plain_file
from lgsco_letters.mail.ledger_deliveries import INTERRUPTED, DeliveryLog
from lgsco_letters.mail.ledger_records import Delivery, LetterRecord, Sending
from lgsco_letters.mail.ledger_schema import SendStatus, now
from lgsco_letters.mail.notifications import read_notifications

LEDGER_FILE = "sent.sqlite"
MARKER_FILE = "sent.sqlite.started"  # written with the first send: this year has sent before
BUSY_SECONDS = 10  # how long to wait for a ledger another program holds
__all__ = ["INTERRUPTED", "Delivery", "Ledger", "LedgerError", "LetterRecord", "SendStatus",
           "Sending", "open_ledger"]


class LedgerError(LettersError):
    """A ledger that cannot be used: sending from it could mail councils twice."""


def _damaged(path: Path, why: str) -> LedgerError:
    """Only for a ledger whose content was read and found wrong: the one case where starting a
    new ledger may be the answer."""
    return LedgerError(f"{display_path(path)}: {why}. Nothing was sent. Restore the ledger from "
                       "backup; or, if you are sure, start a new one with send --new-ledger "
                       "(every letter not in it will be sent again).")


class Ledger(DeliveryLog):
    """`write` opens (and creates) the file to record in it; otherwise it is only read, and a
    ledger of an earlier version is brought up to date in a copy in memory. None as the path
    gives an empty ledger in memory (a year that has never sent)."""

    def __init__(self, path: Path | None, write: bool = False):
        self.path, self.write = path, write
        self.marker = path.with_name(MARKER_FILE) if path is not None else None
        self.db: sqlite3.Connection | None = None
        self.recorded = False  # whether this ledger object has committed anything
        with self._guard():
            self.db = self._connect()
            self._prepare()

    def _connect(self) -> sqlite3.Connection:
        if self.path is None:
            return sqlite3.connect(":memory:", isolation_level=None)
        if self.write:
            db = sqlite3.connect(self.path, isolation_level=None)  # commits are ours
            db.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            return db
        return self._connect_read_only()

    def _connect_read_only(self) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri() + "?mode=ro"
        db = sqlite3.connect(uri, uri=True, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        try:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as error:
            wal = self.path.with_name(self.path.name + "-wal")
            refused = str(getattr(error, "sqlite_errorname", "")).startswith(
                ("SQLITE_READONLY", "SQLITE_CANTOPEN"))
            if not refused or (wal.exists() and wal.stat().st_size):
                raise
            # A folder nobody may write to: no run can be writing, and nothing is pending in a
            # write-ahead log, so the file alone is the whole ledger.
            db.close()
            db = sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None)
        return db

    def _prepare(self) -> None:
        if schema.needs_upgrade(self.db):
            if self.write:
                with self.transaction():
                    if schema.needs_upgrade(self.db):  # not done meanwhile by another run
                        schema.upgrade(self.db)
            else:
                self._upgrade_a_copy()
        schema.check_shape(self.db)

    def _upgrade_a_copy(self) -> None:
        """Read an earlier version through an up-to-date copy, leaving the file as it is."""
        copy = sqlite3.connect(":memory:", isolation_level=None)
        if self.path is not None:
            self.db.backup(copy)
            self.db.close()
        self.db = copy
        with self.transaction():
            schema.upgrade(self.db)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """SQLite's and the system's errors as what they mean to the user: a damaged ledger, a
        permission the system refuses, or a ledger another program holds."""
        try:
            yield
        except (schema.ShapeError, sqlite3.IntegrityError) as error:
            self._abandon()
            raise _damaged(self.path, f"is not a ledger lgsco-letters can read: {error}") from None
        except schema.TooNew as error:
            self._abandon()
            raise LedgerError(f"{display_path(self.path)}: {error}. Use that version; nothing "
                              "was changed.") from None
        except (sqlite3.Error, OSError) as error:
            self._abandon()
            raise self._explain(error) from None

    def _explain(self, error: sqlite3.Error | OSError) -> LettersError:
        name = str(getattr(error, "sqlite_errorname", ""))
        where = display_path(self.path) if self.path else "the ledger"
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return LedgerError(f"{where}: another program holds it locked (waited "
                               f"{BUSY_SECONDS} s): close whatever has it open (an SQLite "
                               "browser, a backup tool), then run this again. Nothing more was "
                               "recorded.")
        if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
            return _damaged(self.path, f"cannot be read as a ledger ({error})")
        denied = access_problem(self.path, self.write, self.recorded) if self.path else None
        if denied:
            return LedgerError(denied)
        return LedgerError(f"{where}: cannot be used ({error}); nothing more was recorded. "
                           "Its content was not found damaged: do not start a new ledger; "
                           "check the disk and the folder, then run this again.")

    def _abandon(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (`BEGIN IMMEDIATE`): nothing another run
        commits can come between what it reads and what it writes."""
        with self._guard():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.db is not None:
                    with contextlib.suppress(sqlite3.Error):
                        self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            self.recorded = True

    def close(self, checkpoint: bool = False) -> None:
        """`checkpoint` (after a run that wrote) folds the write-ahead log into the file, so
        that `sent.sqlite` alone is complete. Readers leave it: it would wait on a writer."""
        if self.db is None:
            return
        with self._guard():
            if checkpoint and self.write and self.path is not None:
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.close()
        self.db = None

    def records(self) -> dict[str, LetterRecord]:
        """Every letter's record, read as of one moment."""
        with self._guard():
            self.db.execute("BEGIN")
            try:
                return self._records(None)
            finally:
                self.db.execute("COMMIT")

    def record(self, slug: str) -> LetterRecord:
        """One letter's record (inside a transaction, as of it)."""
        return self._records(slug).get(slug, LetterRecord())

    def _records(self, slug: str | None) -> dict[str, LetterRecord]:
        where, args = ("WHERE slug = ?", (slug,)) if slug is not None else ("", ())
        rows = self.db.execute(f"SELECT {', '.join(schema.COLUMNS['deliveries'])} FROM "
                               f"deliveries {where} ORDER BY id", args)
        deliveries: dict[str, list[Delivery]] = {}
        for row in rows:
            deliveries.setdefault(row[1], []).append(Delivery.from_row(row))
        approvals, logged = read_approvals(self.db, slug), read_latest_log(self.db, slug)
        notifications = read_notifications(self.db, slug)
        return {name: LetterRecord(tuple(deliveries.get(name, ())), approvals.get(name),
                                   logged.get(name), notifications.get(name, ()))
                for name in {*deliveries, *approvals, *logged}}

    def is_empty(self) -> bool:
        with self._guard():
            return self.db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 0

    def write_marker(self) -> None:
        """The evidence, outside the database, that this year's ledger has sent before."""
        if self.marker is not None and not self.marker.exists():
            with self._guard():
                write_atomic(self.marker, json.dumps({"ledger": LEDGER_FILE, "since": now()})
                             + "\n")


def open_ledger(out_dir: Path, write: bool = False, new: bool = False) -> Ledger:
    """The year's ledger, refused if it cannot be trusted.

    Without `write` (a dry run, `status`, the preview) it is only read, and a year with no
    ledger reads as an empty one in memory. With `write` the file is created if need be: open
    it so only once there is something to record. `new` sets the old ledger aside first.
    """
    path, marker = out_dir / LEDGER_FILE, out_dir / MARKER_FILE
    if new:
        _set_aside(path, marker)
    if strange := not_a_plain_file(path):
        raise LedgerError(strange)
    if marker.exists() and not path.is_file():
        raise _damaged(path, f"is missing, although this year has sent before ({MARKER_FILE} "
                             "says so)")
    if not write and not path.is_file():
        return Ledger(None)
    ledger = Ledger(path, write)
    if ledger.is_empty() and marker.exists():
        ledger.close()
        raise _damaged(path, "is empty, although this year has sent before "
                             f"({MARKER_FILE} says so)")
    if write and not ledger.is_empty():
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
