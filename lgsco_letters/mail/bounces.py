"""Which letters came back: each message in the sender's mailbox told as a notification about
one of the year's deliveries (and what it says of which address), an automatic reply, a
notification about some other message, or something else.

A notification is matched to a delivery by the Message-ID `send` gave it (the ledger holds it),
when the notification carries it: in the returned message or headers, or in its In-Reply-To or
References. Only when it names no message at all (its returned headers cut short, or none) is
it matched by its final recipient together with the letter's subject (as the year's template
makes it), exactly as the returned headers give it, or as the notification's own subject gives
it after one label such as Exchange's "Undeliverable:" (never a reply's or a forward's "RE:").

Either way, what it reports counts only for an address the delivery went to (its recipient, or
a Cc), and only if it is not older than the delivery: a notification dated more than `SKEW`
before the letter's first attempt is not about it (clocks differ by minutes, not more).
Nothing else ever counts as a bounce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lgsco_letters.data.addresses import visible
from lgsco_letters.mail.dsn import AUTO_REPLY, DSN, UNREADABLE, Notice, RecipientReport
from lgsco_letters.mail.dsn import message_ids as ids_in
from lgsco_letters.mail.ledger_records import Delivery
from lgsco_letters.mail.ledger_schema import SendStatus, now
from lgsco_letters.mail.notifications import (
    ACTIONS,
    BY_MESSAGE_ID,
    BY_RECIPIENT_AND_SUBJECT,
    DELAYED,
    FAILED,
    Report,
)
from lgsco_letters.words import plural

# Deliveries a notification can be about: those the server took, or may have.
TAKEN = (SendStatus.SENT, SendStatus.BOUNCED, SendStatus.UNKNOWN, SendStatus.SENDING)
SKEW = timedelta(minutes=10)  # how far a notification's clock may be behind ours
# What a reply or a forward puts before a subject: such a subject is another message's.
REPLY_MARKS = {"re", "fw", "fwd", "aw", "wg", "sv", "vs", "tr", "rv", "res", "enc", "antw",
               "odp", "ynt", "r", "i"}
SEVERITY = {FAILED: 2, DELAYED: 1}


def _fold(text: str) -> str:
    return " ".join(text.split())


def _copies(delivery: Delivery) -> set[str]:
    return {address.strip().casefold() for address in delivery.cc.split(",") if address.strip()}


def _moment(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _labelled(said: str, subject: str) -> bool:
    """`said` is `subject`, or `subject` after one label that is not a reply's or forward's
    (Exchange's "Undeliverable: ...")."""
    if said == subject:
        return True
    if not subject or not said.endswith(subject):
        return False
    label = said[:-len(subject)].strip()
    return (label.endswith(":") and ":" not in label[:-1] and len(label) <= 60
            and label[:-1].strip().casefold() not in REPLY_MARKS)


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
        """The letters whose subject the notification gives: exactly as the returned headers
        have it, or, with none returned, as its own subject has it after one label."""
        if notice.about_subject:
            said = _fold(notice.about_subject)
            return {slug for slug, subject in self.subjects.items() if subject == said}
        said = _fold(notice.subject)
        return {slug for slug, subject in self.subjects.items() if _labelled(said, subject)}

    def resent_after(self, delivery: Delivery) -> Delivery | None:
        """The letter's latest delivery since this one, if it was sent again."""
        later = [d for d in self.deliveries if d.slug == delivery.slug and d.id > delivery.id]
        return later[-1] if later else None

    def named_in(self, notice: Notice) -> list[Delivery]:
        """For a bounce in plain words: the deliveries whose Message-ID and address it names."""
        words = notice.mentions.casefold()
        named = [d for message_id in dict.fromkeys(ids_in(notice.mentions))
                 if message_id != notice.notification_id
                 for d in self.by_id.get(message_id, [])]
        return [d for d in named if d.recipient.casefold() in words
                or any(copy in words for copy in _copies(d))]


@dataclass(frozen=True)
class Finding:
    """What one recipient report of a notification came to."""

    report: RecipientReport
    record: Report | None  # None: it matched no delivery
    authority: str = ""
    own: bool = False  # about the letter's own recipient (else a Cc)
    why: str = ""  # for one that matched nothing: why not
    elsewhere: bool = False  # about a letter of ours, for an address it did not go to
    superseded: str = ""  # about an earlier delivery of a letter sent again since: how


def _addressed(report: RecipientReport, delivery: Delivery) -> str | None:
    """The delivery's address the report is about (its recipient, or a Cc), or None."""
    if delivery.recipient.casefold() in report.addresses:
        return delivery.recipient
    return next((c for c in _copies(delivery) if c in report.addresses), None)


def _not_older(delivery: Delivery, when: datetime | None) -> bool:
    """Whether a notification of this time can be about the delivery."""
    began = _moment(delivery.first_attempt) or _moment(delivery.sent_at)
    return when is None or began is None or when >= began - SKEW


def _named(report: RecipientReport) -> str:
    return report.final_recipient or report.original_recipient or "no address"


def _by_id(report: RecipientReport, notice: Notice, matched: list[Delivery],
           when: datetime | None) -> tuple[Delivery, str] | Finding:
    if not matched:
        return Finding(report, None, why=f"it reports on {_named(report)}, but is about another "
                                         f"message ({notice.about_ids[0]}), not a letter sent "
                                         "from this ledger")
    current = [d for d in matched if _not_older(d, when)]
    if not current:
        first = matched[-1]
        return Finding(report, None, why=f"it names the letter to {first.authority}, but is "
                                         f"dated {notice.sent_at}, before that letter was sent "
                                         f"({first.first_attempt}): it is not about it")
    for delivery in reversed(current):
        if (address := _addressed(report, delivery)) is not None:
            return delivery, address
    return Finding(report, None, elsewhere=True,
                   why=f"it is about the letter to {current[-1].authority}, but reports on "
                       f"{_named(report)}, which that letter did not go to")


def _by_subject(report: RecipientReport, notice: Notice, matching: Matching,
                when: datetime | None) -> tuple[Delivery, str] | Finding:
    letters = matching.letters_named(notice)
    named = [(d, address) for d in matching.deliveries if d.slug in letters
             and d.status in TAKEN and (address := _addressed(report, d)) is not None]
    candidates = [(d, address) for d, address in named if _not_older(d, when)]
    if candidates:
        return candidates[-1]
    if named:
        first = named[-1][0]
        return Finding(report, None, why=f"it names the letter to {first.authority} by its "
                                         f"subject, but is dated {notice.sent_at}, before that "
                                         f"letter was sent ({first.first_attempt}): it is not "
                                         "about it")
    return Finding(report, None, why=f"it reports on {_named(report)}, but carries neither the "
                                     "Message-ID of a letter sent from this ledger nor, with "
                                     "that address, a letter's subject")


def match(notice: Notice, matching: Matching) -> list[Finding]:
    """Each recipient report of a notification, matched to a delivery where it can be; one
    finding for each address of a delivery (the gravest, should a report name one twice)."""
    if notice.kind != DSN:
        return []
    matched, when = matching.by_message_id(notice), _moment(notice.sent_at)
    findings: dict[object, Finding] = {}
    for number, report in enumerate(notice.reports):
        if report.action not in ACTIONS:
            continue  # relayed or expanded: says nothing of whether it arrived
        if notice.about_ids:
            found, how = _by_id(report, notice, matched, when), BY_MESSAGE_ID
        else:
            found, how = _by_subject(report, notice, matching, when), BY_RECIPIENT_AND_SUBJECT
        if isinstance(found, Finding):
            findings[number] = found
            continue
        delivery, address = found
        key = (delivery.id, address.casefold())
        if key in findings and SEVERITY.get(findings[key].report.action, 0) >= SEVERITY.get(
                report.action, 0):
            continue
        findings[key] = _found(report, notice, matching, delivery, address, how)
    return list(findings.values())


def _found(report: RecipientReport, notice: Notice, matching: Matching, delivery: Delivery,
           address: str, how: str) -> Finding:
    later = matching.resent_after(delivery)
    superseded = ""
    if later is not None:
        on = (later.sent_at or later.last_attempt or later.first_attempt or "")[:10]
        superseded = (f"sent again since, to {later.recipient}" + (f" on {on}" if on else "")
                      + ("" if later.status == SendStatus.SENT else f" ({later.status})"))
    return Finding(report, Report(
        delivery.id, delivery.slug, address, report.action, report.status,
        report.diagnostic, notice.sent_at or now(), notice.notification_id, how),
        delivery.authority, own=address == delivery.recipient, superseded=superseded)


@dataclass
class Tally:
    """Everything one reading of a mailbox found, in the order found; each notification once,
    however many copies of it the mailbox holds."""

    read: int = 0
    findings: list[tuple[str, Finding]] = field(default_factory=list)  # matched, with where
    unmatched: list[str] = field(default_factory=list)  # notifications about no letter of ours
    elsewhere: list[str] = field(default_factory=list)  # about a letter, another address
    automatic: list[str] = field(default_factory=list)  # automatic replies: where, described
    others: list[str] = field(default_factory=list)  # neither notification nor automatic
    unreadable: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)  # notifications saying nothing to record
    copies: list[str] = field(default_factory=list)  # a notification read before, again
    by_hand: list[str] = field(default_factory=list)  # bounces in plain words naming a letter
    not_read: list[str] = field(default_factory=list)  # messages the mailbox would not give
    _seen: set[tuple] = field(default_factory=set)

    @property
    def reports(self) -> list[Report]:
        return [finding.record for _, finding in self.findings]

    def could_not_read(self, where: str, why: str) -> None:
        self.read += 1
        self.not_read.append(f"{visible(where)}: {why}")

    def add(self, where: str, notice: Notice, matching: Matching) -> None:
        self.read += 1
        where = visible(where)
        if notice.bounce_like and (named := matching.named_in(notice)):
            letters = ", ".join(dict.fromkeys(f"{d.authority} ({d.recipient})" for d in named))
            self.by_hand.append(f"{where}: {notice.describe()}: it names the letter to "
                                f"{letters}")
            return
        if notice.kind != DSN:
            kind = {AUTO_REPLY: self.automatic, UNREADABLE: self.unreadable}.get(notice.kind,
                                                                              self.others)
            kind.append(f"{where}: {notice.problem or notice.describe()}")
            return
        if notice.problem:
            self.unreadable.append(f"{where}: a delivery status notification "
                                   f"{notice.describe()}, but {notice.problem}")
            return
        copy = (notice.notification_id, notice.about_ids, notice.reports)
        if copy in self._seen:  # the same notification, delivered (or filed) twice
            self.copies.append(f"{where}: {notice.describe()}")
            return
        self._seen.add(copy)
        self._sort(where, notice, match(notice, matching))

    def _sort(self, where: str, notice: Notice, findings: list[Finding]) -> None:
        if not findings:
            self.silent.append(f"{where}: {notice.describe()}: it reports only "
                               f"{', '.join(sorted({r.action or '?' for r in notice.reports}))}")
        self.findings += [(where, f) for f in findings if f.record is not None]
        for kind, elsewhere in ((self.unmatched, False), (self.elsewhere, True)):
            missed = [f for f in findings if f.record is None and f.elsewhere == elsewhere]
            if missed:
                more = f" (and {plural(len(missed) - 1, 'other address', 'other addresses')} " \
                       "like it)" if len(missed) > 1 else ""
                kind.append(f"{where}: {notice.describe()}: {missed[0].why}{more}")
