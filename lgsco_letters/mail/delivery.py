"""Handing one message to an SMTP server, and telling temporary failures from permanent ones."""

from __future__ import annotations

import email.policy
import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from lgsco_letters.errors import LettersError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str = "plain"  # plain, starttls or ssl
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    cafile: str | None = None  # a private certificate authority to trust, else the system's


@dataclass(frozen=True)
class Result:
    status: str  # sent, failed-temporary or failed-permanent
    reply: str


class TemporaryFailure(Exception):
    """Worth trying again later: a 4xx reply, a refused or dropped connection, a timeout."""


class PermanentFailure(Exception):
    """Not worth trying again: a 5xx reply."""


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}"


def _failure(code: int, text: bytes | str) -> Exception:
    kind = PermanentFailure if code >= 500 else TemporaryFailure
    return kind(_reply(code, text))


class Connection:
    """One SMTP session, opened when first needed and reopened after a failure."""

    def __init__(self, server: Server):
        self.server = server
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        try:
            smtp = self._connect()
        except ssl.SSLCertVerificationError as error:  # retrying cannot fix a certificate
            raise LettersError(f"{self.server.host}:{self.server.port}: its certificate could "
                               f"not be verified ({error.verify_message}); if it comes from a "
                               "private authority, name that authority's certificate with "
                               "--cafile") from None
        self._login(smtp)
        return smtp

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

    def _login(self, smtp: smtplib.SMTP) -> None:
        server = self.server
        if server.user:
            try:
                smtp.login(server.user, server.password or "")
            except smtplib.SMTPException as error:  # a bad login stops the run: retrying won't help
                smtp.close()
                why = (_reply(error.smtp_code, error.smtp_error)
                       if isinstance(error, smtplib.SMTPResponseException) else str(error))
                raise LettersError(f"{server.host}:{server.port} refused the login for "
                                   f"{server.user}: {why}") from None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> str:
        """Hand the message over; return the server's reply. Raises a Temporary/Permanent
        failure, having dropped the session if it may be broken."""
        try:
            if self.smtp is None:
                self.smtp = self._open()
            return self._transaction(self.smtp, message, sender, recipients)
        except (PermanentFailure, TemporaryFailure):
            self._reset()
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

    @staticmethod
    def _transaction(smtp: smtplib.SMTP, message: EmailMessage, sender: str,
                     recipients: list[str]) -> str:
        code, text = smtp.mail(sender)
        if code != 250:
            raise _failure(code, text)
        refused = {}
        for recipient in recipients:
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, text)
        if len(refused) == len(recipients):
            worst = max(code for code, _ in refused.values())
            kind = PermanentFailure if worst >= 500 else TemporaryFailure
            raise kind("; ".join(f"{r}: {_reply(*refused[r])}" for r in refused))
        code, text = smtp.data(message.as_bytes(policy=email.policy.SMTP))
        if code != 250:
            raise _failure(code, text)
        extra = "".join(f"; refused {r}: {_reply(*reply)}" for r, reply in refused.items())
        return _reply(code, text) + extra


def deliver(connection: Connection, message: EmailMessage, sender: str, recipients: list[str],
            retries: int, backoff: float,
            on_attempt: Callable[[], None] | None = None) -> Result:
    """Try once, then again after growing pauses while the failure is temporary."""
    for attempt in range(retries + 1):
        if on_attempt is not None:
            on_attempt()
        try:
            return Result("sent", connection.send(message, sender, recipients))
        except PermanentFailure as failure:
            return Result("failed-permanent", str(failure))
        except TemporaryFailure as failure:
            logger.info("temporary failure (attempt %d): %s", attempt + 1, failure)
            last = str(failure)
            if attempt < retries:
                time.sleep(backoff * 2 ** attempt)
    return Result("failed-temporary", last)
