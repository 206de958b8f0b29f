"""Handing one message to an SMTP server, and telling temporary failures from permanent ones."""

from __future__ import annotations

import email.policy
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from lgsco_letters.errors import LettersError
from lgsco_letters.mail.ledger import SendStatus
from lgsco_letters.mail.signin import SignIn
from lgsco_letters.mail.smtp_login import SignInLost, log_in, lost, sign_in_afresh

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str = "plain"  # plain, starttls or ssl
    signin: SignIn | None = None
    timeout: float = 30.0
    cafile: str | None = None  # a private certificate authority to trust, else the system's


@dataclass(frozen=True)
class Result:
    status: SendStatus  # sent, failed-temporary, failed-permanent or unknown
    reply: str
    warning: str = ""  # for a letter sent: the Cc addresses the server refused


class TemporaryFailure(Exception):
    """Worth trying again later: a 4xx reply, a refused or dropped connection, a timeout."""


class PermanentFailure(Exception):
    """Not worth trying again: a 5xx reply."""


class UnknownOutcome(Exception):
    """The whole message went, end of data and all, but no reply came: the server may have it.
    Sending it again could deliver it twice, so only a person may decide to."""


LINE_START_DOT = re.compile(rb"(?m)^\.")


def message_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it; UTF-8 headers only where an address needs them."""
    addresses = "".join(str(message.get(name, "")) for name in ("From", "To", "Cc"))
    policy = email.policy.SMTP if addresses.isascii() else email.policy.SMTPUTF8
    return message.as_bytes(policy=policy)


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if code < 0:  # smtplib's stand-in for a reply without a code
        return f"a reply without a code ({' '.join(text.split())})"
    return f"{code} {' '.join(text.split())}"


def _failure(code: int, text: bytes | str, quoted: bool = False) -> Exception:
    """A refusal before the message was handed over: 5xx for good, anything else for now."""
    kind = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return kind(str(text) if quoted else _reply(code, text))


class Connection:
    """One SMTP session, opened when first needed and reopened after a failure."""

    def __init__(self, server: Server):
        self.server = server
        self.smtp: smtplib.SMTP | None = None
        self.renewed = False  # signed in afresh after a refusal, and nothing sent since

    def _open(self) -> smtplib.SMTP:
        try:
            smtp = self._connect()
        except ssl.SSLCertVerificationError as error:  # retrying cannot fix a certificate
            raise LettersError(f"{self.server.host}:{self.server.port}: its certificate could "
                               f"not be verified ({error.verify_message}); if it comes from a "
                               "private authority, name that authority's certificate with "
                               "--cafile") from None
        if self.server.signin is None:
            return smtp
        try:
            return log_in(smtp, self.server.signin, f"{self.server.host}:{self.server.port}",
                          self._connect, renew=not self.renewed)
        except BaseException:
            smtp.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context(cafile=server.cafile)
        if server.security == "ssl":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout,
                                    context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        smtp.ehlo()
        if server.security == "starttls":
            if not smtp.has_extn("starttls"):
                smtp.close()
                raise LettersError(f"{server.host}:{server.port} does not offer STARTTLS")
            smtp.starttls(context=context)
            smtp.ehlo()
        return smtp

    def open_early(self) -> None:
        """Connect and sign in before the first letter is claimed, so that credentials that
        cannot be had or are refused stop the run before anything is recorded. A connection
        that fails now is tried again, as usual, with the first letter."""
        try:
            self.smtp = self._open()
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            logger.info("connecting before the first letter failed: %s", error)
            self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def send(self, message: EmailMessage, sender: str, recipient: str, cc: list[str],
             before_data: Callable[[], None] = lambda: None) -> tuple[str, str]:
        """Hand the message over; return the server's reply, and a warning naming any Cc it
        refused. Raises a Temporary/Permanent failure (the recipient's own, when the server
        refuses the recipient) or an UnknownOutcome, having dropped the session if it may be
        broken. `before_data` runs once the recipient is accepted, just before the message goes.
        A session whose sign-in the server no longer takes is signed in afresh (a fresh token)
        and the message tried again; a second refusal raises TokenRefused: the run stops."""
        while True:
            try:
                reply = self._send(message, sender, recipient, cc, before_data)
            except SignInLost as refusal:
                self.close()
                sign_in_afresh(self.server.signin, f"{self.server.host}:{self.server.port}",
                               str(refusal), self.renewed)  # raises TokenRefused the 2nd time
                self.renewed = True
                continue
            self.renewed = False
            return reply

    def _send(self, message: EmailMessage, sender: str, recipient: str, cc: list[str],
              before_data: Callable[[], None]) -> tuple[str, str]:
        try:
            if self.smtp is None:
                self.smtp = self._open()
            return self._transaction(self.smtp, message, sender, recipient, cc, before_data)
        except (PermanentFailure, TemporaryFailure):
            self._reset()
            raise
        except UnknownOutcome:
            self.close()  # the session's state is unknown too
            raise
        except smtplib.SMTPResponseException as error:
            self.close()
            raise _failure(error.smtp_code, error.smtp_error) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            self.smtp = None  # the session is gone; the next attempt reconnects
            raise TemporaryFailure(f"connection failed: {error or type(error).__name__}"
                                   ) from None

    def _reset(self) -> None:
        try:
            if self.smtp is not None:
                self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.smtp = None

    def _transaction(self, smtp: smtplib.SMTP, message: EmailMessage, sender: str,
                     recipient: str, cc: list[str],
                     before_data: Callable[[], None]) -> tuple[str, str]:
        """Sent means the council's own address accepted it: a refused recipient ends the
        transaction before DATA, whatever the Cc's would have said."""
        options = self._mail_options(smtp, [sender, recipient, *cc])
        code, text = smtp.mail(sender, options)
        if code != 250:
            raise self._refused(code, text) or _failure(code, text)
        code, text = smtp.rcpt(recipient)
        if code not in (250, 251):
            raise self._refused(code, text) or _failure(code, f"{recipient}: "
                                                              f"{_reply(code, text)}", quoted=True)
        refused = []
        for copy in cc:
            code, text = smtp.rcpt(copy)
            if code not in (250, 251):
                refused.append(f"the Cc {copy} was refused ({_reply(code, text)})")
        before_data()
        code, text = _data(smtp, message_bytes(message), self._refused)
        return _reply(code, text), "; ".join(refused)

    def _refused(self, code: int, text: bytes | str) -> SignInLost | None:
        return lost(self.server.signin, code, _reply(code, text))

    def _mail_options(self, smtp: smtplib.SMTP, addresses: list[str]) -> list[str]:
        """SMTPUTF8 where an address needs it; refused for good where the server lacks it."""
        if all(address.isascii() for address in addresses):
            return []
        if not smtp.has_extn("smtputf8"):
            raise PermanentFailure(f"an address is not plain ASCII, which needs SMTPUTF8, and "
                                   f"{self.server.host}:{self.server.port} does not offer it")
        return ["SMTPUTF8", "BODY=8BITMIME"]


def _data(smtp: smtplib.SMTP, payload: bytes,
          refused: Callable[[int, bytes], Exception | None]) -> tuple[int, bytes]:
    """DATA, the message, then the reply. Once the message's end has gone, anything but a
    well-formed 2xx, 4xx or 5xx reply (no reply, a reply without a code, an error of any kind)
    means the server may have it: an unknown, never a failure to retry (smtplib's `data` cannot
    tell the two apart)."""
    code, text = smtp.docmd("data")
    if code != 354:
        raise refused(code, text) or _failure(code, text)
    body = LINE_START_DOT.sub(b"..", payload)
    smtp.send(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    try:
        code, text = _final_reply(smtp)
    except UnknownOutcome:
        raise
    except Exception as error:  # whatever it is, the message may have been taken
        raise UnknownOutcome(_unknown("no reply", f" ({error or type(error).__name__})")
                             ) from None
    if 200 <= code < 300:
        return code, text
    raise refused(code, text) or _failure(code, text)


REPLY_LINE = re.compile(rb"([245][0-9][0-9])(?:([ -])(.*))?", re.DOTALL)


def _final_reply(smtp: smtplib.SMTP) -> tuple[int, bytes]:
    """The reply to the message's end, read strictly: every line a 2xx, 4xx or 5xx code, the
    same on each line, then a space (or a hyphen while more lines follow) and text."""
    if smtp.file is None:
        smtp.file = smtp.sock.makefile("rb")
    code, lines = None, []
    while True:
        line = smtp.file.readline(MAX_REPLY_LINE + 1)
        if not line:
            raise UnknownOutcome(_unknown("no reply", " (the server closed the connection)"))
        bare = line.rstrip(b"\r\n")
        match = REPLY_LINE.fullmatch(bare) if len(line) <= MAX_REPLY_LINE else None
        if match is None or (code is not None and match[1] != code):
            shown = " ".join(bare[:80].decode("utf-8", "replace").split())
            raise UnknownOutcome(_unknown("no well-formed reply",
                                          f" (the server answered \"{shown}\")"))
        code = match[1]
        lines.append(match[3] or b"")
        if match[2] != b"-":
            return int(code), b"\n".join(lines)


MAX_REPLY_LINE = 8192


def _unknown(what: str, detail: str) -> str:
    return (f"{what} after the whole message was handed over{detail}: the server may have "
            "it; check with the recipient, then --resend to send it again")


def deliver(connection: Connection, message: EmailMessage, sender: str, recipient: str,
            cc: list[str], retries: int, backoff: float,
            on_attempt: Callable[[], None] = lambda: None,
            before_data: Callable[[], None] = lambda: None) -> Result:
    """Try once, then again after growing pauses while the failure is temporary."""
    for attempt in range(retries + 1):
        on_attempt()
        try:
            reply, warning = connection.send(message, sender, recipient, cc, before_data)
            return Result(SendStatus.SENT, reply, warning)
        except PermanentFailure as failure:
            return Result(SendStatus.FAILED_PERMANENT, str(failure))
        except UnknownOutcome as unknown:  # never retried: it may have been delivered
            return Result(SendStatus.UNKNOWN, str(unknown))
        except TemporaryFailure as failure:
            logger.info("temporary failure (attempt %d): %s", attempt + 1, failure)
            last = str(failure)
            if attempt < retries:
                time.sleep(backoff * 2 ** attempt)
    return Result(SendStatus.FAILED_TEMPORARY, last)
