"""Signing in to an SMTP server: a password (by whatever mechanism the server offers, or the one
`--auth` names), or a bearer token with SASL XOAUTH2 (RFC 4954's AUTH, with Google's and
Microsoft's XOAUTH2 mechanism), fetching a fresh token once when the server refuses one."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable

from lgsco_letters.mail.signin import SignIn, SignInError, TokenRefused, xoauth2

logger = logging.getLogger(__name__)

# What a server answers to a token that has expired or been withdrawn: 535 (authentication
# credentials invalid) or 454 (temporary authentication failure).
TOKEN_REFUSED = (454, 535)


def _reply(error: smtplib.SMTPException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {' '.join(text.split())}"
    return str(error) or type(error).__name__


def _offered(smtp: smtplib.SMTP, where: str, mechanism: str) -> None:
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if mechanism not in offered:
        said = f"it offers {', '.join(offered)}" if offered else "it offers no sign-in at all"
        raise SignInError(f"{where} does not offer sign-in by {mechanism} ({said})")


def log_in(smtp: smtplib.SMTP, signin: SignIn, where: str,
           reconnect: Callable[[], smtplib.SMTP]) -> smtplib.SMTP:
    """Sign in on `smtp`; return the session signed in (a new one, from `reconnect`, after a
    refused token). Raises SignInError: retrying the letter would not help."""
    if signin.with_token:
        return _with_token(smtp, signin, where, reconnect)
    try:
        if signin.method is None:
            smtp.login(signin.user, signin.password or "")
        else:
            mechanism = signin.method.upper()
            _offered(smtp, where, mechanism)
            smtp.user, smtp.password = signin.user, signin.password or ""
            smtp.auth(mechanism, getattr(smtp, f"auth_{signin.method}"))
    except smtplib.SMTPException as error:
        smtp.close()
        raise SignInError(f"{where} refused the login for {signin.user}: "
                          f"{signin.hide(_reply(error))}") from None
    except UnicodeEncodeError:
        smtp.close()
        raise SignInError(f"--user {signin.user}: the user name or the password is not plain "
                          "ASCII, which SMTP sign-in cannot carry") from None
    return smtp


def _with_token(smtp: smtplib.SMTP, signin: SignIn, where: str,
                reconnect: Callable[[], smtplib.SMTP]) -> smtplib.SMTP:
    _offered(smtp, where, "XOAUTH2")
    refused = _offer_token(smtp, signin, where)
    if refused is None:
        return smtp
    smtp.close()
    tokens = signin.tokens
    if not tokens.refresh():
        raise TokenRefused(f"{where} refused the token for {signin.user} from {tokens.describe()}"
                           f" ({refused}): it may have expired. Put a fresh one there, or give "
                           "--token-command CMD so that a fresh token is fetched when one is "
                           "refused. The letters not yet sent stay unsent; run send again.")
    smtp = reconnect()
    again = _offer_token(smtp, signin, where)
    if again is None:
        return smtp
    smtp.close()
    raise TokenRefused(f"{where} refused the token for {signin.user} from {tokens.describe()}, "
                       f"and a fresh one from it as well ({again}). The run stopped; the letters "
                       "not yet sent stay unsent. Check that the mailbox may send by SMTP with "
                       "OAuth (in Microsoft 365, SMTP AUTH enabled for it) and the token's "
                       "scope, then run send again.")


def _offer_token(smtp: smtplib.SMTP, signin: SignIn, where: str) -> str | None:
    """AUTH XOAUTH2 with the current token: None once signed in, or the server's refusal of
    the token (535 or 454), with what its challenge said of why."""
    said: list[str] = []

    def respond(challenge: bytes | None = None) -> str:
        if challenge is None:
            return xoauth2(signin.user, signin.tokens.token())
        # A refusal comes as a challenge carrying the reason (JSON); the client answers it with
        # an empty line, and the server then gives its final reply.
        said.append(" ".join(challenge.decode("utf-8", "replace").split())[:200])
        return ""

    try:
        smtp.auth("XOAUTH2", respond)
        logger.info("%s: signed in as %s with a bearer token", where, signin.user)
        return None
    except smtplib.SMTPAuthenticationError as error:
        reply = signin.hide(_reply(error)) + (f"; the server said {signin.hide(said[0])}"
                                              if said and said[0] else "")
        if error.smtp_code in TOKEN_REFUSED:
            logger.info("%s refused the token: %s", where, reply)
            return reply
        smtp.close()
        raise SignInError(f"{where} refused the sign-in for {signin.user}: {reply}") from None

