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

from lgsco_letters.data.addresses import visible_address
from lgsco_letters.errors import ExitCode, LettersError
from lgsco_letters.mail.ledger import SendStatus
from lgsco_letters.mail.replies import (
    PermanentFailure,
    TemporaryFailure,
    UnknownOutcome,
    _data,
    _failure,
    _reply,
)
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


class SessionRefused(LettersError):
    """The server refuses the session or the sender (its greeting, EHLO or MAIL FROM answered
    5xx): no letter can go through it as things are, and no council has refused anything. The
    run stops, as it does for a refused login."""

    exit_code = ExitCode.UNFINISHED


class NeedsSmtputf8(Exception):
    """The council's own address is not plain ASCII, and the server does not offer SMTPUTF8:
    this server cannot carry the letter to it. Not the council's refusal, nor the server's."""


def message_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it; UTF-8 headers only where an address needs them."""
    addresses = "".join(str(message.get(name, "")) for name in ("From", "To", "Cc"))
    policy = email.policy.SMTP if addresses.isascii() else email.policy.SMTPUTF8
    return message.as_bytes(policy=policy)


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

    @property
    def where(self) -> str:
        return f"{self.server.host}:{self.server.port}"

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context(cafile=server.cafile)
        try:
            if server.security == "ssl":
                smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout,
                                        context=context)
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        except smtplib.SMTPConnectError as error:  # a greeting other than 220
            raise self._refused("the connection", error.smtp_code, error.smtp_error) from None
        self._hello(smtp)
        if server.security == "starttls":
            if not smtp.has_extn("starttls"):
                smtp.close()
                raise LettersError(f"{self.where} does not offer STARTTLS")
            smtp.starttls(context=context)
            self._hello(smtp)
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

    def _hello(self, smtp: smtplib.SMTP) -> None:
        """EHLO, or HELO for a server that knows no EHLO; a refusal of both is the session's."""
        code, text = smtp.ehlo()
        if not 200 <= code < 300:
            code, text = smtp.helo()
        if not 200 <= code < 300:
            smtp.close()
            raise self._refused("the greeting (EHLO and HELO)", code, text)

    def _refused(self, what: str, code: int, text: bytes | str,
                 advice: str = "") -> Exception:
        """A refusal of the session (5xx) stops the run; anything else is worth trying again."""
        if not 500 <= code < 600:
            return TemporaryFailure(f"{self.where} refused {what}: {_reply(code, text)}")
        return SessionRefused(f"{self.where} refused {what}: {_reply(code, text)}. That is no "
                              "council's refusal: none is recorded as refused, and the letter "
                              "in hand stays unsent. "
                              + (advice or "Check --smtp and the server's settings (does it "
                                 "accept connections from this machine?)")
                              + ", then run send again.")

    def drop(self) -> None:
        """Close at once, without a goodbye (a second Ctrl-C: nothing more is waited for)."""
        if self.smtp is not None:
            self.smtp.close()
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
        refused or could not be given. Raises a Temporary/Permanent failure (the recipient's
        own, when the server refuses the recipient), an UnknownOutcome, NeedsSmtputf8, or a
        LettersError that stops the run (the login, the sender or the session refused), having
        dropped the session if it may be broken. `before_data` runs once the recipient is
        accepted, just before the message goes.
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
        except (LettersError, NeedsSmtputf8):
            self.close()
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
        options, cc, refused = self._mail_options(smtp, sender, recipient, cc)
        _copies_only(message, cc)
        payload = message_bytes(message)  # made before the server is told anything
        code, text = smtp.mail(sender, options)
        if code != 250:
            raise self._lost(code, text) or self._refused(
                f"the sender {visible_address(sender)}", code, text,
                "Check --from: the server must accept it as a sender (an address it may send "
                "for, or the login's own)")
        code, text = smtp.rcpt(recipient)
        if code == 530:  # authentication required: the session's, not the council's
            raise self._refused("to relay without a login", code, text, "Give --user")
        if code not in (250, 251):
            raise self._lost(code, text) or _failure(code, f"{recipient}: "
                                                            f"{_reply(code, text)}", quoted=True)
        for copy in cc:
            code, text = smtp.rcpt(copy)
            if code not in (250, 251):
                refused.append(f"the Cc {visible_address(copy)} was refused "
                               f"({_reply(code, text)})")
        before_data()
        code, text = _data(smtp, payload, self._lost)
        return _reply(code, text), "; ".join(refused)

    def _lost(self, code: int, text: bytes | str) -> SignInLost | None:
        """The refusal is the sign-in's (an expired token), not the message's."""
        return lost(self.server.signin, code, _reply(code, text))

    def _mail_options(self, smtp: smtplib.SMTP, sender: str, recipient: str,
                      cc: list[str]) -> tuple[list[str], list[str], list[str]]:
        """SMTPUTF8 where an address needs it and the server offers it; return the MAIL
        options, the Cc addresses that can be given, and a warning for each that cannot. An
        address that is not plain ASCII cannot go through a server without SMTPUTF8: the
        sender's stops the run, the council's keeps its letter back, a Cc's is left out."""
        if all(address.isascii() for address in [sender, recipient, *cc]):
            return [], cc, []
        if smtp.has_extn("smtputf8"):
            return ["SMTPUTF8", "BODY=8BITMIME"], cc, []
        lacks = f"needs SMTPUTF8, which {self.where} does not offer"
        if not sender.isascii():
            raise LettersError(f"--from {visible_address(sender)} {lacks}: give a plain ASCII "
                               "sender, or send through a server that offers SMTPUTF8")
        if not recipient.isascii():
            raise NeedsSmtputf8(f"its address {visible_address(recipient)} {lacks}: send it "
                                "through a server that does (nothing was recorded: a re-run "
                                "tries it again)")
        return [], [copy for copy in cc if copy.isascii()], [
            f"the Cc {visible_address(copy)} was not copied: it {lacks}"
            for copy in cc if not copy.isascii()]


def _copies_only(message: EmailMessage, cc: list[str]) -> None:
    """The message's Cc header names only the copies the server is given (one it could not
    be given would need UTF-8 headers the server cannot carry)."""
    if message["Cc"] is not None and message["Cc"] != ", ".join(cc):
        del message["Cc"]
        if cc:
            message["Cc"] = ", ".join(cc)


def pause(seconds: float, stopping: Callable[[], bool]) -> None:
    """Wait, unless (or until) the run is asked to stop."""
    until = time.monotonic() + seconds
    while not stopping() and (left := until - time.monotonic()) > 0:
        time.sleep(min(left, 0.1))


def deliver(connection: Connection, message: EmailMessage, sender: str, recipient: str,
            cc: list[str], retries: int, backoff: float,
            on_attempt: Callable[[], None] = lambda: None,
            before_data: Callable[[], None] = lambda: None,
            stopping: Callable[[], bool] = lambda: False) -> Result:
    """Try once, then again after growing pauses while the failure is temporary (and the run
    is not asked to stop: then the temporary failure stands, for the next run)."""
    for attempt in range(retries + 1):
        if attempt and stopping():
            break
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
                pause(backoff * 2 ** attempt, stopping)
    return Result(SendStatus.FAILED_TEMPORARY, last)
