"""Delivery status notifications made to measure (RFC 3464, and RFC 6533's UTF-8 form), for the
cases the fixture files do not cover: several recipients, a report about another message, one
dated before the letter went, a report in base64, one sent as plain words."""

from __future__ import annotations

import base64
import email.header
import email.utils
import time

from helpers.mail import SENDER


def block(address: str, action: str, status: str, diagnostic: str = "",
          original: str | None = None, kind: str = "rfc822") -> str:
    """One per-recipient block of fields."""
    lines = [f"Final-Recipient: {kind}; {address}"]
    if original:
        lines.append(f"Original-Recipient: {kind}; {original}")
    lines += [f"Action: {action}", f"Status: {status}"]
    if diagnostic:
        lines.append(f"Diagnostic-Code: smtp; {diagnostic}")
    return "\r\n".join(lines) + "\r\n"


def encoded(text: str) -> str:
    return email.header.Header(text, "utf-8").encode()


def delivery_report(blocks: list[str], *, subject: str = "Undelivered Mail Returned to Sender",
                    about_id: str | None = None, returned_subject: str | None = None,
                    returned_to: str = "", date: float | None = None,
                    own_id: str | None = "<report-1@mx.example.net>",
                    in_reply_to: str | None = None, global_form: bool = False,
                    encoding: str = "7bit") -> bytes:
    """A report from mx.example.net; the returned headers carry `about_id` and
    `returned_subject` (none are returned when both are None). `global_form` makes it RFC
    6533's (message/global-delivery-status), its fields in UTF-8, in 8bit or base64."""
    when = email.utils.formatdate(date or time.time())
    kind = "global-delivery-status" if global_form else "delivery-status"
    head = ["From: Mail Delivery System <MAILER-DAEMON@mx.example.net>", f"To: {SENDER}",
            f"Date: {when}", f"Subject: {encoded(subject)}", "MIME-Version: 1.0",
            f'Content-Type: multipart/report; report-type={kind}; boundary="REPORT"']
    if own_id:
        head.append(f"Message-ID: {own_id}")
    if in_reply_to:
        head.append(f"In-Reply-To: {in_reply_to}")
    fields = (f"Reporting-MTA: dns; mx.example.net\r\nArrival-Date: {when}\r\n\r\n"
              + "\r\n".join(blocks)).encode("utf-8")
    if encoding == "base64":
        fields = base64.encodebytes(fields).replace(b"\n", b"\r\n")
    parts = [b"--REPORT\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
             b"Delivery to some recipients failed.\r\n",
             f"--REPORT\r\nContent-Type: message/{kind}\r\nContent-Transfer-Encoding: "
             f"{encoding}\r\n\r\n".encode() + fields + b"\r\n"]
    if about_id is not None or returned_subject is not None:
        returned = [f"From: {SENDER}", f"To: {returned_to}"]
        if returned_subject is not None:
            returned.append(f"Subject: {encoded(returned_subject)}")
        if about_id is not None:
            returned.append(f"Message-ID: {about_id}")
        parts.append(("--REPORT\r\nContent-Type: text/rfc822-headers\r\n\r\n"
                      + "\r\n".join(returned) + "\r\n\r\n").encode())
    return ("\r\n".join(head) + "\r\n\r\n").encode() + b"".join(parts) + b"--REPORT--\r\n"


def plain_words_bounce(recipient: str, message_id: str, subject: str) -> bytes:
    """A bounce as qmail writes one: no report, the failure and the message in plain words."""
    return (f"From: MAILER-DAEMON@mx.example.net\r\nTo: {SENDER}\r\nSubject: failure notice\r\n"
            f"Date: {email.utils.formatdate(time.time())}\r\nMessage-ID: <qmail-7@mx>\r\n\r\n"
            "Hi. This is the qmail-send program at mx.example.net.\r\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
            f"<{recipient}>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"
            "--- Below this line is a copy of the message.\r\n\r\n"
            f"From: {SENDER}\r\nTo: {recipient}\r\nMessage-ID: {message_id}\r\n"
            f"Subject: {encoded(subject)}\r\n\r\nDear Chief Executive,\r\n").encode()
