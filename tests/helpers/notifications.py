"""Delivery status notifications for the tests: the fixtures in tests/fixtures/notifications/
(written for these tests from RFC 3464 and the shapes Exchange Online, Gmail, Postfix and Exim
send), filled in with a letter's Message-ID, recipient and subject; and mailboxes to put them in.
"""

from __future__ import annotations

import email.header
import email.utils
import sqlite3
import string
import time
from pathlib import Path

from helpers import ROOT
from helpers.mail import SENDER

NOTIFICATIONS = ROOT / "tests" / "fixtures" / "notifications"


def q_words(text: str) -> str:
    """`text` as the inside of a Q-encoded word (RFC 2047), as Exchange writes subjects."""
    out = []
    for char in text:
        if char == " ":
            out.append("_")
        elif char.isascii() and (char.isalnum() or char in "-.!*+/"):
            out.append(char)
        else:
            out += [f"={byte:02X}" for byte in char.encode("utf-8")]
    return "".join(out)


def notification(name: str, *, message_id: str = "<nothing@lgo.example.org>",
                 recipient: str = "nobody@example.org", subject: str = "", sender: str = SENDER,
                 date: float | None = None) -> bytes:
    """The fixture `name`.eml filled in, with CRLF line ends as mail servers store it."""
    template = string.Template((NOTIFICATIONS / f"{name}.eml").read_text(encoding="utf-8"))
    text = template.substitute(
        MESSAGE_ID=message_id, RECIPIENT=recipient, SENDER=sender,
        SUBJECT_ENCODED=email.header.Header(subject, "utf-8").encode(),
        SUBJECT_Q=q_words(subject), DATE=email.utils.formatdate(date or time.time()))
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def sent_letters(year: Path) -> dict[str, tuple[str, str]]:
    """Each letter's latest delivery as the ledger has it: authority -> (recipient, Message-ID)."""
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        return {row[0]: (row[1], row[2]) for row in db.execute(
            "SELECT authority, recipient, message_id FROM sends")}


def subject_of(name: str) -> str:
    return f"Annual Review letter 2018 \u2013 {name}"


def about(year: Path, name: str, fixture: str, **extra) -> bytes:
    """The fixture, about the letter sent to `name`."""
    recipient, message_id = sent_letters(year)[name]
    values = {"message_id": message_id, "recipient": recipient, "subject": subject_of(name)}
    return notification(fixture, **(values | extra))


def write_maildir(folder: Path, messages: list[bytes]) -> Path:
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for number, data in enumerate(messages):
        (folder / "new" / f"17644{number:05d}.M{number}P1.mail.lgo.example.org").write_bytes(data)
    return folder


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    """An mboxrd file: each message after a From line, body lines starting From escaped."""
    with path.open("wb") as stream:
        for data in messages:
            stream.write(b"From MAILER-DAEMON Mon Nov 30 09:00:00 2026\n")
            for line in data.replace(b"\r\n", b"\n").split(b"\n"):
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                stream.write(line + b"\n")
            stream.write(b"\n")
    return path
