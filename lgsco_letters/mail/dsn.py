"""Reading what comes back to the sender's mailbox: delivery status notifications (RFC 3464),
automatic replies (RFC 3834), and everything else, with the standard library's `email`.

A notification is a `multipart/report; report-type=delivery-status` message whose
`message/delivery-status` part holds one block of fields for the message, then one per
recipient (`Final-Recipient`, `Action`, `Status`, `Diagnostic-Code`); or, from a server that
speaks UTF-8 mail, `report-type=global-delivery-status` with a `message/global-delivery-status`
part (RFC 6533) of the same fields in UTF-8. The message it reports on comes back whole
(`message/rfc822`), as its headers only (`text/rfc822-headers`), or not at all; some servers
also name it in `In-Reply-To` or `References`. Every message is read from at most `MAX_BYTES`
of it, and nothing in it can raise: what cannot be read is said to be so. Its text is kept with
control and format characters made visible: it came from anyone, and is shown in a terminal.

A bounce in plain words (qmail's, and older servers') is no report, and is never recorded as a
bounce; but one from a mail system that names a letter is pointed out, to be checked by hand.
"""

from __future__ import annotations

import email
import email.parser
import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message

from lgsco_letters.mail.mail_text import (
    ENCODED_STATUS,
    RAW,
    Parsed,
    address,
    looks_like_bounce,
    message_ids,
    parts,
    text,
    utc,
    words,
)

MAX_BYTES = 1024 * 1024  # the report comes first; the letter returned after it may be cut
MAX_DIAGNOSTIC = 500  # characters of a diagnostic kept
MAX_REPORTS = 100  # recipients read from one notification
HASHED = MAX_BYTES // 2  # of a message without a Message-ID, known by this much (see _digest)
STATUS_CODE = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")
REPORT_TYPES = ("message/delivery-status", "message/global-delivery-status", ENCODED_STATUS)
RETURNED = ("message/rfc822", "text/rfc822-headers", "message/global",
            "message/global-headers")

DSN, AUTO_REPLY, OTHER, UNREADABLE = "notification", "automatic reply", "other", "unreadable"



@dataclass(frozen=True)
class RecipientReport:
    """One per-recipient block: the address as the reporting server had it (and as it was first
    given, when it says so), what happened, and why."""

    final_recipient: str
    original_recipient: str
    action: str  # lower case: failed, delayed, delivered, relayed, expanded (or empty)
    status: str  # RFC 3463's code, e.g. 5.1.1
    diagnostic: str

    @property
    def addresses(self) -> set[str]:
        return {a.casefold() for a in (self.final_recipient, self.original_recipient) if a}


@dataclass(frozen=True)
class Notice:
    kind: str  # notification, automatic reply, other or unreadable
    notification_id: str  # its Message-ID; a notification without one, its bytes' SHA-256
    sent_at: str  # its own time, UTC (ISO 8601), or empty when it gives none that can be read
    sender: str
    subject: str
    about_ids: tuple[str, ...] = ()  # Message-IDs of the message it reports on
    about_subject: str = ""  # that message's Subject, as returned
    reports: tuple[RecipientReport, ...] = ()
    problem: str = ""  # for an unreadable one, or a notification missing what it needs
    truncated: bool = False
    bounce_like: bool = False  # no report, but from a mail system, saying something failed
    mentions: str = ""  # for one such: its words, to find the letter it names

    def describe(self) -> str:
        """Who sent it, when and about what: for the lists -v prints."""
        when = f" on {self.sent_at[:10]}" if self.sent_at else ""
        subject = f'"{self.subject[:80]}"' if self.subject else "(no subject)"
        return f"from {self.sender or '(no sender)'}{when}: {subject}"


@dataclass
class _Blocks:
    message_fields: dict[str, str] = field(default_factory=dict)
    recipients: list[dict[str, str]] = field(default_factory=list)


def _fields(block: Message) -> dict[str, str]:
    return {name.casefold(): text(value) for name, value in block.items()}


def _status_blocks(part: Message) -> _Blocks:
    """A delivery-status part's blocks. `email` parses `message/delivery-status` into one
    Message per block; the UTF-8 `message/global-delivery-status` comes as text."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = [_fields(block) for block in payload if isinstance(block, Message)]
    else:
        raw = part.get_payload(decode=True) or b""
        chunks = re.split(r"\r?\n\s*\r?\n", raw.decode("utf-8", "replace"))
        parser = email.parser.HeaderParser(policy=RAW)
        blocks = [_fields(parser.parsestr(chunk.strip() + "\n")) for chunk in chunks
                  if chunk.strip()]
    found = _Blocks()
    for block in blocks:
        if {"final-recipient", "original-recipient", "action"} & set(block):
            if len(found.recipients) < MAX_REPORTS:
                found.recipients.append(block)
        elif not found.message_fields:
            found.message_fields = block
    return found


def _recipient(block: dict[str, str]) -> RecipientReport:
    status = STATUS_CODE.search(block.get("status", ""))
    kind, _, words = block.get("diagnostic-code", "").partition(";")
    diagnostic = (words if words else kind).strip()
    return RecipientReport(address(block.get("final-recipient", "")),
                           address(block.get("original-recipient", "")),
                           block.get("action", "").split(" ")[0].casefold()[:20],
                           status.group(0) if status else "",
                           diagnostic[:MAX_DIAGNOSTIC])


def _returned(part: Message) -> Message | None:
    """The headers of the message reported on, from whichever form it came back in."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload[0] if payload and isinstance(payload[0], Message) else None
    raw = part.get_payload(decode=True) or b""
    return email.parser.BytesHeaderParser(policy=RAW).parsebytes(raw[:65536])


def _automatic(message: Message) -> bool:
    """RFC 3834's Auto-Submitted (anything but `no`), and the older marks of a vacation
    program, for a message that is not a delivery status notification."""
    submitted = text(message.get("Auto-Submitted")).casefold()
    if submitted and not submitted.startswith("no"):
        return True
    return bool(message.get("X-Autoreply") or message.get("X-Autorespond")
                or text(message.get("Precedence")).casefold() == "auto_reply")


def _claims_status(message: Message) -> bool:
    """A report that says it reports delivery status (other reports, such as read receipts,
    are something else)."""
    return (message.get_content_type() == "multipart/report"
            and text(message.get_param("report-type")).casefold() in ("delivery-status",
                                                                      "global-delivery-status"))


def _digest(data: bytes) -> str:
    """A message's identity when it has no Message-ID: its SHA-256, line ends and trailing
    white space set aside (an IMAP server gives CRLF where a file holds LF), over as much of it
    as any reader has of it (a reader keeps the first MAX_BYTES as stored, which is at least
    HASHED once line ends are made alike)."""
    alike = b"\n".join(line.rstrip(b" \t\r") for line in data.split(b"\n")).rstrip()
    return "sha256:" + hashlib.sha256(alike[:HASHED]).hexdigest()


def read_notice(data: bytes, truncated: bool = False) -> Notice:
    """What one message is, and for a notification, what it says. Never raises."""
    try:
        return _read(data, truncated)
    except RecursionError:
        return Notice(UNREADABLE, "", "", "", "", problem="its parts are nested too deeply "
                      "to be read", truncated=truncated)
    except Exception as error:  # hostile or broken input: said, never a traceback
        return Notice(UNREADABLE, "", "", "", "", problem=f"it cannot be read as an email "
                      f"message ({type(error).__name__})", truncated=truncated)


def _read(data: bytes, truncated: bool) -> Notice:
    message = email.message_from_bytes(data[:MAX_BYTES], _class=Parsed,
                                       policy=RAW)
    if not message.keys():
        return Notice(UNREADABLE, "", "", "", "", problem="it has no email headers",
                      truncated=truncated)
    ids = message_ids(text(message.get("Message-ID")))
    base = dict(notification_id=ids[0] if ids else "",
                sent_at=utc(text(message.get("Date"))),
                sender=text(message.get("From"))[:200], subject=text(message.get("Subject"))[:300],
                truncated=truncated)
    found = parts(message)
    reports = [part for part in found if part.get_content_type() in REPORT_TYPES]
    if message.get_content_type() != "multipart/report" or not reports:
        if _claims_status(message):
            return Notice(UNREADABLE, problem="it says it is a delivery status notification, "
                          "but has no delivery-status part that can be read" + (
                              f" in its first {MAX_BYTES // 1024 // 1024} MB" if truncated
                              else ""), **base)
        kind = AUTO_REPLY if _automatic(message) else OTHER
        if looks_like_bounce(message):
            return Notice(kind, bounce_like=True, mentions=words(message), **base)
        return Notice(kind, **base)
    blocks = _status_blocks(reports[0])
    returned = next((part for part in found if part.get_content_type() in RETURNED), None)
    original = _returned(returned) if returned is not None else None
    about = []
    if original is not None:
        about += message_ids(text(original.get("Message-ID")))
    for name in ("In-Reply-To", "References"):
        about += message_ids(text(message.get(name)))
    if not base["sent_at"]:
        base["sent_at"] = utc(blocks.message_fields.get("arrival-date", ""))
    recipients = tuple(_recipient(block) for block in blocks.recipients)
    problem = _missing(recipients)
    base["notification_id"] = base["notification_id"] or _digest(data)
    return Notice(DSN, about_ids=tuple(dict.fromkeys(about)),
                  about_subject=text(original.get("Subject"))[:300] if original else "",
                  reports=recipients, problem=problem, **base)


def _missing(recipients: tuple[RecipientReport, ...]) -> str:
    """What a notification lacks that a bounce cannot be told without."""
    if not recipients:
        return "its delivery-status part names no recipient"
    if not any(report.addresses for report in recipients):
        return "its delivery-status part has no Final-Recipient or Original-Recipient"
    if not any(report.action for report in recipients):
        return "its delivery-status part has no Action field"
    return ""
