"""What the ledger holds, as the rest of the mailing reads it: each delivery of a letter, each
letter's record (its deliveries and its approval), and what a run claims."""

from __future__ import annotations

from dataclasses import dataclass

from lgsco_letters.mail.approvals import Approval
from lgsco_letters.mail.claims import Claimant, is_live
from lgsco_letters.mail.ledger_schema import COLUMNS, SendStatus, check_row
from lgsco_letters.mail.notifications import Notification, settled


@dataclass(frozen=True)
class Delivery:
    """One message carrying a letter, however many attempts it took."""

    id: int
    slug: str
    authority: str
    recipient: str
    cc: str
    sha256: str
    message_id: str
    status: SendStatus
    attempts: int
    reply: str
    warning: str
    first_attempt: str | None
    last_attempt: str | None
    sent_at: str | None
    resends: int
    claimed_by: Claimant | None

    @classmethod
    def from_row(cls, row: tuple) -> Delivery:
        """A row of `deliveries`, refused (ShapeError) if its values are not what they must be."""
        check_row("deliveries", row, COLUMNS["deliveries"], whole=("id", "attempts", "resends"),
                  optional=("first_attempt", "last_attempt", "sent_at", "claimed_by"),
                  statuses={"status": tuple(SendStatus)})
        claimant = Claimant.from_text(row[-1]) if row[-1] else None
        return cls(*row[:7], SendStatus(row[7]), *row[8:-1], claimant)

    @property
    def claimed_live(self) -> bool:
        return is_live(self.claimed_by)


@dataclass(frozen=True)
class LetterRecord:
    """All the ledger holds of one letter: its deliveries (oldest first) and its approval, with
    the approval log's latest entry for it."""

    deliveries: tuple[Delivery, ...] = ()
    approval: Approval | None = None
    logged: Approval | None = None  # the log's latest entry, if that entry is an approval
    notifications: tuple[Notification, ...] = ()  # what came back, in the order sent

    def notice(self, delivery: Delivery, address: str | None = None) -> Notification | None:
        """What the notifications last said of the delivery's recipient (or `address`)."""
        return settled(self.notifications, delivery.id, address or delivery.recipient)

    def copies_noticed(self, delivery: Delivery) -> list[Notification]:
        """What the notifications last said of each of the delivery's addresses other than its
        recipient (its Cc's): failed, delayed or delivered."""
        copies = dict.fromkeys(n.recipient.casefold() for n in self.notifications
                               if n.delivery == delivery.id
                               and n.recipient.casefold() != delivery.recipient.casefold())
        return [notice for copy in copies
                if (notice := settled(self.notifications, delivery.id, copy)) is not None]

    @property
    def latest(self) -> Delivery | None:
        return self.deliveries[-1] if self.deliveries else None

    @property
    def last_sent(self) -> Delivery | None:
        return next((d for d in reversed(self.deliveries) if d.status == SendStatus.SENT), None)

    @property
    def status(self) -> SendStatus | None:
        """The letter's sending status: sent once any delivery took it (a resend that failed
        after is a warning, not a letter unsent), else its latest delivery's (`unknown` for one
        still `sending` whose run has ended)."""
        if self.last_sent is not None:
            return SendStatus.SENT
        latest = self.latest
        if latest is not None and latest.status == SendStatus.SENDING and not latest.claimed_live:
            return SendStatus.UNKNOWN  # its run ended while handing it over
        return latest.status if latest else None


@dataclass(frozen=True)
class Sending:
    """What a run is about to send: a delivery's identity."""

    slug: str
    authority: str
    recipient: str
    cc: str
    sha256: str
    message_id: str
    resends: int


@dataclass(frozen=True)
class Claimed:
    id: int  # the delivery's
    sending: Sending
    fresh: bool = True  # the claim began this delivery (else it continues an earlier one)
