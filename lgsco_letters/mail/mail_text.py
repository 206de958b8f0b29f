"""A message read as text: its headers' values as one line each, encoded words decoded, 8-bit
bytes read as UTF-8 (else Latin-1), control and format characters made visible, for it came from
anyone and is shown in a terminal; its parts, a bounded number of them, with a report's fields
kept whole where they come encoded; and, for a bounce in plain words (qmail's, and older
servers': no report), whether it looks like one and what it says.
"""

from __future__ import annotations

import contextlib
import email.header
import email.policy
import email.utils
import re
from datetime import UTC
from email.message import Message

from lgsco_letters.data.addresses import visible

MAX_PARTS = 100  # MIME parts looked at in one message
MAX_TEXT = 256 * 1024  # characters of a plain-words bounce searched for the letter it names
MESSAGE_ID = re.compile(r"<[^<>\s]{1,500}>")
ENCODED_STATUS = "message/delivery-status; encoded"  # our name for it: see Parsed
ENCODED = ("base64", "quoted-printable")
# What a mail system's bounce in plain words says of itself.
BOUNCE_SENDERS = re.compile(r"(?i)\b(mailer-daemon|postmaster|mail delivery (sub)?system)\b")
BOUNCE_SUBJECTS = re.compile(
    r"(?i)(undeliver|undelivered|delivery (status|failure|failed|has failed|notification)"
    r"|failure notice|returned mail|returned to sender|mail delivery failed|non-?delivery"
    r"|unzustellbar|non remis|onbestelbaar|no se pudo entregar)")


class _Raw(email.policy.Compat32):
    """compat32, but header values as they were read: 8-bit bytes kept (as surrogates) for
    `text` to decode, where compat32 would make them a Header that says only "unknown"."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


RAW = _Raw()


class Parsed(Message):
    """A message as `email` parses it, but for a report's fields that come encoded: `email`
    parses a `message/*` part as a message within (and `message/delivery-status` as blocks of
    fields) whatever its transfer encoding says. RFC 6533's `message/global-delivery-status`
    (UTF-8, maybe in base64), and a `message/delivery-status` in base64 or quoted-printable, are
    kept as leaves instead, their payload decoded as the encoding says."""

    def get_content_type(self) -> str:
        kind = super().get_content_type()
        if kind == "message/delivery-status" and text(
                self.get("Content-Transfer-Encoding")).casefold() in ENCODED:
            return ENCODED_STATUS
        return kind

    def get_content_maintype(self) -> str:
        if self.get_content_type() in (ENCODED_STATUS, "message/global-delivery-status"):
            return "application"  # a leaf
        return super().get_content_maintype()


def text(value: object) -> str:
    """A header's value as one line of text, encoded words decoded, control and format
    characters made visible; never raises. Raw 8-bit bytes (which `email` keeps as surrogates)
    are read as UTF-8, or, when they are not UTF-8, as Latin-1 (older servers' words)."""
    if value is None:
        return ""
    value = str(value)
    if not value.isascii():
        raw = value.encode("utf-8", "surrogateescape")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("latin-1")
    with contextlib.suppress(Exception):  # a malformed encoded word: the raw value is kept
        value = str(email.header.make_header(email.header.decode_header(value)))
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return visible(" ".join(value.split()))


def address(value: str) -> str:
    """The address in `rfc822; ce@example.org` (or `<ce@example.org>`), lower case kept."""
    kind, _, rest = value.partition(";")
    value = rest if rest else kind
    return value.strip().strip("<>").strip()[:320]


def message_ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value)


def utc(value: str) -> str:
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return ""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    except (OverflowError, ValueError):
        return ""


def parts(message: Message) -> list[Message]:
    """The message's MIME parts, at most MAX_PARTS of them, walking no further than that."""
    found: list[Message] = []
    for part in message.walk():
        found.append(part)
        if len(found) >= MAX_PARTS:
            break
    return found


def looks_like_bounce(message: Message) -> bool:
    """Whether a message's headers say a mail system sends it to say delivery failed."""
    return bool(BOUNCE_SENDERS.search(text(message.get("From")))
                or message.get("X-Failed-Recipients")
                or BOUNCE_SUBJECTS.search(text(message.get("Subject"))))


def words(message: Message) -> str:
    """A plain-words bounce's text, and the Message-IDs its parts name (at most MAX_TEXT)."""
    found, size = [], 0
    for part in parts(message):
        said = [text(part.get(name)) for name in ("Message-ID", "In-Reply-To", "References")]
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True) or b""
            said.append(payload[:MAX_TEXT].decode("utf-8", "replace"))
        for line in said:
            found.append(line[:MAX_TEXT - size])
            size += len(found[-1])
        if size >= MAX_TEXT:
            break
    return "\n".join(found)  # as written: a Message-ID's case is its own
