"""What came back: delivery status notifications, each matched to a delivery of a letter, kept in
the year's ledger (`notifications`, from ledger version 2).

A notification that reports the council's own address failed makes its delivery `bounced`: the
server took the letter, and it never arrived. One for a Cc address is a warning on a letter that
did arrive. `delayed` is a warning until a later notification (by its own time) says `failed`
or `delivered`. Recording is idempotent: a notification is known by its Message-ID (or, lacking
one, its bytes' SHA-256), so reading a mailbox twice records nothing twice.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lgsco_letters.data.addresses import visible
from lgsco_letters.mail.dsn import STATUS_CODE
from lgsco_letters.mail.ledger_schema import COLUMNS, SendStatus, now

if TYPE_CHECKING:
    from lgsco_letters.mail.ledger import Ledger

FAILED, DELAYED, DELIVERED = "failed", "delayed", "delivered"
ACTIONS = (FAILED, DELAYED, DELIVERED)  # the actions recorded; relayed and expanded say nothing
BY_MESSAGE_ID, BY_RECIPIENT_AND_SUBJECT = "message-id", "recipient and subject"


def explained(status: str, diagnostic: str) -> str:
    """A diagnostic, with the status code before it where it gives none of its own."""
    # Made visible when shown too: a ledger of an earlier release kept them as they came.
    words = visible(diagnostic) or "no diagnostic given"
    return f"{status} {words}" if status and not STATUS_CODE.search(words) else words


@dataclass(frozen=True)
class Notification:
    """One notification's report on one address of one delivery."""

    id: int
    delivery: int
    slug: str
    recipient: str
    action: str  # failed, delayed or delivered
    status: str  # RFC 3463's code, e.g. 5.1.1 (may be empty)
    diagnostic: str  # the remote server's words, e.g. "550 5.1.1 user unknown"
    notified_at: str  # the notification's own time (UTC, ISO 8601)
    notification_id: str  # its Message-ID
    matched_by: str
    recorded_at: str

    @property
    def day(self) -> str:
        return self.notified_at[:10]

    def explained(self) -> str:
        """The diagnostic, with the status code where the diagnostic does not give it."""
        return explained(self.status, self.diagnostic)

    def as_dict(self) -> dict[str, str]:
        return {"recipient": visible(self.recipient), "action": self.action,
                "status": self.status, "diagnostic": visible(self.diagnostic),
                "at": self.notified_at, "notification_id": visible(self.notification_id),
                "matched_by": self.matched_by}


@dataclass(frozen=True)
class Report:
    """A notification to record: what it says of one address of one delivery."""

    delivery: int
    slug: str
    recipient: str
    action: str
    status: str
    diagnostic: str
    notified_at: str
    notification_id: str
    matched_by: str


def read_notifications(db: sqlite3.Connection, slug: str | None = None
                       ) -> dict[str, tuple[Notification, ...]]:
    """Each letter's notifications, in the order they were sent (their own times)."""
    where, args = ("WHERE slug = ?", (slug,)) if slug is not None else ("", ())
    rows = db.execute(f"SELECT {', '.join(COLUMNS['notifications'])} FROM notifications {where} "
                      "ORDER BY notified_at, id", args)
    found: dict[str, list[Notification]] = {}
    for row in rows:
        found.setdefault(row[2], []).append(Notification(*row))
    return {name: tuple(items) for name, items in found.items()}


def settled(notifications: tuple[Notification, ...], delivery: int,
            recipient: str) -> Notification | None:
    """What the notifications last said of this address of this delivery: a failure is final
    (nothing after it undoes it); otherwise the latest, delayed or delivered."""
    about = [n for n in notifications
             if n.delivery == delivery and n.recipient.casefold() == recipient.casefold()]
    failed = [n for n in about if n.action == FAILED]
    return failed[0] if failed else (about[-1] if about else None)


def record(ledger: Ledger, reports: list[Report]) -> list[Report]:
    """Record the reports not recorded before, in one transaction; a failure of a delivery's
    own recipient, recorded now, makes it `bounced` (a delivery's status never changes without
    the notification that says why). Returns the reports that are new."""
    fresh = []
    with ledger.transaction() as db:
        for report in reports:
            added = db.execute(
                """INSERT OR IGNORE INTO notifications (delivery, slug, recipient, action, status,
                       diagnostic, notified_at, notification_id, matched_by, recorded_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (report.delivery, report.slug, report.recipient, report.action, report.status,
                 report.diagnostic, report.notified_at, report.notification_id,
                 report.matched_by, now())).rowcount
            if not added:
                continue
            fresh.append(report)
            if report.action == FAILED:
                # Only a delivery the server took can bounce; its own recipient, not a Cc.
                db.execute("UPDATE deliveries SET status = ? WHERE id = ? AND status IN (?, ?) "
                           "AND recipient = ? COLLATE NOCASE",
                           (str(SendStatus.BOUNCED), report.delivery, str(SendStatus.SENT),
                            str(SendStatus.UNKNOWN), report.recipient))
    return fresh
