"""The ledger's tables, their version, and the way from every earlier version to this one.

`PRAGMA user_version` says which version a ledger is. A ledger of an earlier version is brought
up to date in one transaction when a command that writes opens it, and read through an
up-to-date copy in memory when one that only reads does: never read as if it were something
else. A ledger of a later version, or whose tables are not the shape their version has, is
refused.

Version 1 keeps one row per delivery (`deliveries`): a letter sent again, or sent to a
corrected address, is a new delivery of the same letter, and its first delivery stays on
record. The view `sends` gives each letter's latest delivery. Approvals cover the envelope
(`recipient`, and `cc`: the Cc fields' addresses, as JSON).

Version 2 records the delivery status notifications that came back (`notifications`: one row
per notification and address it reports on, each matched to a delivery), and a delivery may be
`bounced`: taken by the server, then reported failed.

Version 3: approvals cover the cover note too (`cover`: the SHA-256 of the subject, text and
HTML an approval was given for). An approval from before has none, and must be given again.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum


class SendStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    FAILED_TEMPORARY = "failed-temporary"
    FAILED_PERMANENT = "failed-permanent"
    UNKNOWN = "unknown"  # the server may have it: handed over, no reply
    BOUNCED = "bounced"  # the server took it, and a delivery status notification says it failed


def now() -> str:
    """The ledger's timestamps: UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


VERSION = 3
STATUSES = ", ".join(f"'{status}'" for status in SendStatus)
DELIVERIES = f"""
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    authority TEXT NOT NULL,
    recipient TEXT NOT NULL,
    cc TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ({STATUSES})),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT NOT NULL DEFAULT '',
    warning TEXT NOT NULL DEFAULT '',
    first_attempt TEXT,
    last_attempt TEXT,
    sent_at TEXT,
    resends INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT
);
CREATE INDEX deliveries_of_a_letter ON deliveries (slug, id);
"""
NOTIFICATIONS = """
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    delivery INTEGER NOT NULL REFERENCES deliveries (id),
    slug TEXT NOT NULL,
    recipient TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('failed', 'delayed', 'delivered')),
    status TEXT NOT NULL DEFAULT '',
    diagnostic TEXT NOT NULL DEFAULT '',
    notified_at TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    matched_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (notification_id, delivery, recipient)
);
CREATE INDEX notifications_of_a_letter ON notifications (slug, id);
"""
# Version 0's tables, as the versions before user_version made them.
SENDS_V0 = ("slug", "authority", "recipient", "cc", "sha256", "message_id", "status", "attempts",
            "reply", "first_attempt", "last_attempt", "sent_at", "resends")
APPROVALS_V0 = """
CREATE TABLE IF NOT EXISTS approvals (
    slug TEXT PRIMARY KEY,
    authority TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS approval_log (
    at TEXT NOT NULL,
    slug TEXT NOT NULL,
    authority TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('approved', 'revoked')),
    person TEXT NOT NULL
);
"""
SENDS_VIEW = f"""
CREATE VIEW sends AS SELECT {', '.join(SENDS_V0)} FROM deliveries AS latest
WHERE id = (SELECT MAX(id) FROM deliveries WHERE slug = latest.slug);
"""
COLUMNS = {  # each table's columns in this version
    "deliveries": ("id", *SENDS_V0[:9], "warning", *SENDS_V0[9:], "claimed_by"),
    "approvals": ("slug", "authority", "sha256", "approved_by", "approved_at", "recipient", "cc",
                  "cover"),
    "approval_log": ("at", "slug", "authority", "sha256", "action", "person", "recipient", "cc",
                     "cover"),
    "notifications": ("id", "delivery", "slug", "recipient", "action", "status", "diagnostic",
                      "notified_at", "notification_id", "matched_by", "recorded_at"),
}
# In a version-0 ledger, each address the server refused is appended to the reply as
# "; refused ADDRESS: CODE TEXT" (CODE -1 for a reply without one).
V0_REFUSAL = "; refused "
V0_REFUSED = re.compile(r"(?P<address>[^:\s]+): (?P<code>-1|\d{3})(?: (?P<text>.*))?", re.DOTALL)


class ShapeError(Exception):
    """The ledger's tables are not those of any version this engine knows."""


def check_row(table: str, row: tuple, names: tuple[str, ...], whole: tuple[str, ...] = (),
              optional: tuple[str, ...] = (),
              statuses: dict[str, tuple[str, ...]] | None = None) -> None:
    """Refuse a row whose values are not what its columns hold: text, whole numbers (`whole`),
    missing values only where allowed (`optional`), one of a few words (`statuses`). SQLite
    keeps whatever it is given, so a ledger changed by other means can hold anything."""
    values, statuses = dict(zip(names, row, strict=True)), statuses or {}
    for name, value in values.items():
        if value is None and name in optional:
            continue
        if name in whole:
            good, expected = isinstance(value, int), "a whole number"
        elif name in statuses:
            good, expected = value in statuses[name], f"one of {', '.join(statuses[name])}"
        else:
            good, expected = isinstance(value, str), "text"
        if not good:
            where = (f"row {values['id']}" if "id" in values
                     else f"the row of {values.get('slug')!r}")
            whose = f" ({values['authority']})" if isinstance(values.get("authority"), str) else ""
            raise ShapeError(f"its table {table}, {where}{whose}: {name} is {value!r}; expected "
                             f"{expected}")


class TooNew(Exception):
    """The ledger was written by a later version of lgsco-letters."""


def columns(db: sqlite3.Connection, table: str) -> tuple[str, ...]:
    return tuple(row[1] for row in db.execute(f"PRAGMA table_info({table})"))


def objects(db: sqlite3.Connection) -> dict[str, str]:
    """The ledger's tables and views by name, with their kind."""
    return dict(db.execute("SELECT name, type FROM sqlite_master WHERE type IN "
                           "('table', 'view') AND name NOT LIKE 'sqlite_%'"))


def version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def needs_upgrade(db: sqlite3.Connection) -> bool:
    """Whether the ledger is of an earlier version (raises TooNew for a later one)."""
    found = version(db)
    if found > VERSION:
        raise TooNew(f"it is version {found} of the ledger, written by a later lgsco-letters "
                     f"(this one knows versions up to {VERSION})")
    return found < VERSION or not objects(db)


def upgrade(db: sqlite3.Connection) -> None:
    """Bring the ledger to this version inside the caller's transaction."""
    for step in MIGRATIONS[version(db):]:
        step(db)
    db.execute(f"PRAGMA user_version = {VERSION}")


def check_shape(db: sqlite3.Connection) -> None:
    """Refuse tables that are not the shape this version gives them."""
    found = objects(db)
    for table, expected in COLUMNS.items():
        if found.get(table) != "table":
            raise ShapeError(f"it has no table {table}")
        if set(columns(db, table)) != set(expected):
            raise ShapeError(f"its table {table} has the columns {', '.join(columns(db, table))}"
                             f"; expected {', '.join(expected)}")
    if found.get("sends") != "view":
        raise ShapeError("its sends should be a view of the deliveries")


def _from_version_0(db: sqlite3.Connection) -> None:
    """One row per letter (`sends`) becomes one row per delivery; approvals gain envelopes,
    which approvals from then do not have (they must be given again before sending)."""
    found = objects(db)
    unknown = set(found) - {"sends", "approvals", "approval_log"}
    if unknown:
        raise ShapeError(f"it holds {', '.join(sorted(unknown))}, which no ledger version has")
    _script(db, DELIVERIES.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
                     .replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
    if "sends" in found:
        _expect(db, "sends", SENDS_V0, found)
        db.execute(f"INSERT INTO deliveries ({', '.join(SENDS_V0)}) SELECT "
                   f"{', '.join(SENDS_V0)} FROM sends ORDER BY slug")
        db.execute("DROP TABLE sends")
        _correct_own_address_refused(db)
    _script(db, APPROVALS_V0)
    _expect(db, "approvals", COLUMNS["approvals"][:5], objects(db))
    _expect(db, "approval_log", COLUMNS["approval_log"][:6], objects(db))
    for table in ("approvals", "approval_log"):
        for column in ("recipient", "cc"):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
    _script(db, SENDS_VIEW)


def _script(db: sqlite3.Connection, script: str) -> None:
    """Each statement in turn: `executescript` would commit the caller's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _expect(db: sqlite3.Connection, table: str, expected: tuple[str, ...],
            found: dict[str, str]) -> None:
    if found.get(table) != "table" or columns(db, table) != expected:
        raise ShapeError(f"its table {table} has the columns {', '.join(columns(db, table))}; "
                         f"expected {', '.join(expected)}")


def _correct_own_address_refused(db: sqlite3.Connection) -> None:
    """Version 0 recorded a letter `sent` whenever any address took it. Where the council's
    own address was refused (whatever the reply, a code or none), only a Cc had it: the letter
    becomes the failure it was (5xx for good, else for now), so a re-run sends it. A Cc it
    refused, on a letter the council did get, becomes the letter's warning."""
    rows = db.execute("SELECT id, recipient, reply FROM deliveries WHERE status = 'sent'")
    for row_id, recipient, reply in rows.fetchall():
        refused = _v0_refusals(reply)
        own = [(code, text) for address, code, text in refused if address == recipient]
        if own:
            code = own[0][0]
            status = "failed-permanent" if code.startswith("5") else "failed-temporary"
            db.execute("UPDATE deliveries SET status = ?, sent_at = NULL, reply = ? "
                       "WHERE id = ?", (status, f"{recipient} refused it; only the Cc had "
                                                f"it (recorded then as sent: {reply})", row_id))
        elif refused:
            warning = "; ".join(f"the Cc {address} was refused ({_v0_reply(code, text)})"
                                for address, code, text in refused)
            db.execute("UPDATE deliveries SET warning = ? WHERE id = ?", (warning, row_id))


def _v0_refusals(reply: str) -> list[tuple[str, str, str]]:
    """(address, code, text) of each refusal a version-0 reply lists."""
    found = []
    for part in reply.split(V0_REFUSAL)[1:]:
        if match := V0_REFUSED.fullmatch(part):
            found.append((match["address"], match["code"], match["text"] or ""))
    return found


def _v0_reply(code: str, text: str) -> str:
    return f"a reply without a code ({text})" if code == "-1" else f"{code} {text}".strip()


def _from_version_1(db: sqlite3.Connection) -> None:
    """Deliveries may be `bounced` (SQLite changes a CHECK only by making the table anew), and
    the notifications that say so are kept."""
    found = objects(db)
    unknown = set(found) - {"deliveries", "sends", "approvals", "approval_log"}
    if unknown:
        raise ShapeError(f"it holds {', '.join(sorted(unknown))}, which no ledger version has")
    _expect(db, "deliveries", COLUMNS["deliveries"], found)
    if found.get("sends") == "view":
        db.execute("DROP VIEW sends")
    db.execute("DROP INDEX IF EXISTS deliveries_of_a_letter")
    db.execute("ALTER TABLE deliveries RENAME TO deliveries_version_1")
    _script(db, DELIVERIES)
    columns_listed = ", ".join(COLUMNS["deliveries"])
    db.execute(f"INSERT INTO deliveries ({columns_listed}) SELECT {columns_listed} FROM "
               "deliveries_version_1")
    db.execute("DROP TABLE deliveries_version_1")
    _script(db, SENDS_VIEW)
    _script(db, NOTIFICATIONS)


def _from_version_2(db: sqlite3.Connection) -> None:
    """Approvals gain the cover note's digest, which approvals from then do not have (they
    must be given again before sending)."""
    found = objects(db)
    for table in ("approvals", "approval_log"):
        _expect(db, table, COLUMNS[table][:-1], found)
        db.execute(f"ALTER TABLE {table} ADD COLUMN cover TEXT")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_from_version_0, _from_version_1,
                                                          _from_version_2]
