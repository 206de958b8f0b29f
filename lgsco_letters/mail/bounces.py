"""Which letters came back: each message in the sender's mailbox told as a notification about
one of the year's deliveries (and what it says of which address), an automatic reply, a
notification about some other message, or something else.

A notification is matched to a delivery by the Message-ID `send` gave it (the ledger holds it),
when the notification carries it: in the returned message or headers, or in its In-Reply-To or
References. Otherwise by its final recipient together with the letter's subject (as the year's
template makes it), found in the returned headers or in the notification's own subject, as
Exchange gives it ("Undeliverable: ..."). Nothing else ever counts as a bounce.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lgsco_letters.mail.dsn import AUTO_REPLY, DSN, UNREADABLE, Notice, RecipientReport
from lgsco_letters.mail.ledger_records import Delivery
from lgsco_letters.mail.ledger_schema import SendStatus, now
from lgsco_letters.mail.notifications import (
    ACTIONS,
    BY_MESSAGE_ID,
    BY_RECIPIENT_AND_SUBJECT,
    Report,
)
from lgsco_letters.words import plural

# Deliveries a notification can be about: those the server took, or may have.
TAKEN = (SendStatus.SENT, SendStatus.BOUNCED, SendStatus.UNKNOWN, SendStatus.SENDING)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _copies(delivery: Delivery) -> set[str]:
    return {address.strip().casefold() for address in delivery.cc.split(",") if address.strip()}


@dataclass
class Matching:
    """The year's deliveries, as a notification is matched against them."""

    deliveries: list[Delivery]
    subjects: dict[str, str]  # slug -> the letter's subject line
    by_id: dict[str, list[Delivery]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {}
        for delivery in self.deliveries:
            self.by_id.setdefault(delivery.message_id, []).append(delivery)
        self.subjects = {slug: _fold(subject) for slug, subject in self.subjects.items()}

    def by_message_id(self, notice: Notice) -> list[Delivery]:
        return [d for message_id in notice.about_ids for d in self.by_id.get(message_id, [])]

    def letters_named(self, notice: Notice) -> set[str]:
        """The letters whose subject the notification quotes; the longest wins where one
        council's name begins another's."""
        said = [_fold(notice.about_subject), _fold(notice.subject)]
        found = {slug: len(subject) for slug, subject in self.subjects.items()
                 if subject and any(subject in text for text in said)}
        longest = max(found.values(), default=0)
        return {slug for slug, length in found.items() if length == longest}


@dataclass(frozen=True)
class Finding:
    """What one recipient report of a notification came to."""

    report: RecipientReport
    record: Report | None  # None: it matched no delivery
    authority: str = ""
    own: bool = False  # about the letter's own recipient (else a Cc)
    why: str = ""  # for one that matched nothing: why not


def _addressed(report: RecipientReport, delivery: Delivery) -> str | None:
    """The delivery's address the report is about (its recipient, or a Cc), or None."""
    if delivery.recipient.casefold() in report.addresses:
        return delivery.recipient
    copy = next((c for c in _copies(delivery) if c in report.addresses), None)
    return copy


def _by_id(report: RecipientReport, matched: list[Delivery]) -> tuple[Delivery, str] | None:
    for delivery in reversed(matched):
        if (address := _addressed(report, delivery)) is not None:
            return delivery, address
    alone = [d for d in matched if not _copies(d)]
    if len({d.id for d in matched}) == 1 and alone:
        # Sent to one address only, and reported for another: forwarded on by the council's
        # server (an alias, a redirect). The letter's own address is the one that failed.
        return alone[0], alone[0].recipient
    return None


def _by_subject(report: RecipientReport, notice: Notice, matching: Matching
                ) -> tuple[Delivery, str] | None:
    letters = matching.letters_named(notice)
    candidates = [(d, address) for d in matching.deliveries
                  if d.slug in letters and d.status in TAKEN
                  and (address := _addressed(report, d)) is not None]
    if not candidates:
        return None
    sent_before = [c for c in candidates if not notice.sent_at or not c[0].first_attempt
                   or c[0].first_attempt <= notice.sent_at]
    return (sent_before or candidates)[-1]


def match(notice: Notice, matching: Matching) -> list[Finding]:
    """Each recipient report of a notification, matched to a delivery where it can be."""
    if notice.kind != DSN:
        return []
    matched = matching.by_message_id(notice)
    findings = []
    for report in notice.reports:
        if report.action not in ACTIONS:
            continue  # relayed or expanded: says nothing of whether it arrived
        found = _by_id(report, matched) if matched else None
        how = BY_MESSAGE_ID
        if found is None and not matched:
            found, how = _by_subject(report, notice, matching), BY_RECIPIENT_AND_SUBJECT
        if found is None:
            findings.append(Finding(report, None, why=_why_not(report, matched)))
            continue
        delivery, address = found
        findings.append(Finding(report, Report(
            delivery.id, delivery.slug, address, report.action, report.status,
            report.diagnostic, notice.sent_at or now(), notice.notification_id, how),
            delivery.authority, own=address == delivery.recipient))
    return findings


def _why_not(report: RecipientReport, matched: list[Delivery]) -> str:
    named = report.final_recipient or report.original_recipient or "no address"
    if matched:
        return (f"it is about the letter to {matched[-1].authority}, but reports on {named}, "
                "which that letter did not go to")
    return (f"it reports on {named}, but carries neither the Message-ID of a letter sent from "
            "this ledger nor, with that address, a letter's subject")


@dataclass
class Tally:
    """Everything one reading of a mailbox found, in the order found."""

    read: int = 0
    findings: list[tuple[str, Finding]] = field(default_factory=list)  # matched, with where
    unmatched: list[str] = field(default_factory=list)  # notifications about no letter of ours
    automatic: list[str] = field(default_factory=list)  # automatic replies: where, described
    others: list[str] = field(default_factory=list)  # neither notification nor automatic
    unreadable: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)  # notifications saying nothing to record

    @property
    def reports(self) -> list[Report]:
        return [finding.record for _, finding in self.findings]

    def add(self, where: str, notice: Notice, matching: Matching) -> None:
        self.read += 1
        if notice.kind != DSN:
            kind = {AUTO_REPLY: self.automatic, UNREADABLE: self.unreadable}.get(notice.kind,
                                                                              self.others)
            kind.append(f"{where}: {notice.problem or notice.describe()}")
            return
        if notice.problem:
            self.unreadable.append(f"{where}: a delivery status notification "
                                   f"{notice.describe()}, but {notice.problem}")
            return
        findings = match(notice, matching)
        if not findings:
            self.silent.append(f"{where}: {notice.describe()}: it reports only "
                               f"{', '.join(sorted({r.action or '?' for r in notice.reports}))}")
        self.findings += [(where, f) for f in findings if f.record is not None]
        missed = [f for f in findings if f.record is None]
        if missed:
            more = f" (and {plural(len(missed) - 1, 'other address', 'other addresses')} like "\
                   "it)" if len(missed) > 1 else ""
            self.unmatched.append(f"{where}: {notice.describe()}: {missed[0].why}{more}")
