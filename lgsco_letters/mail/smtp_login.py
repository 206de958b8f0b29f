"""Signing in to an SMTP server: a password (by whatever mechanism the server offers, or the one
`--auth` names), or a bearer token with SASL XOAUTH2 (RFC 4954's AUTH, with Google's and
Microsoft's XOAUTH2 mechanism), fetching a fresh token once when the server refuses one.

The AUTH exchange for a named mechanism is ours, not smtplib's: smtplib raises on a challenge
that is not base64, and keeps nothing of a reply without a code. Here each reply is read as
the server sent it, and whatever it is, it is shown (control characters made visible, cut
short, secrets blanked out) as the server's refusal.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field

from lgsco_letters.data.addresses import visible
from lgsco_letters.mail.signin import SignIn, SignInError, TokenRefused, xoauth2

logger = logging.getLogger(__name__)

# What a server answers to a token that has expired or been withdrawn: 535 (authentication
# credentials invalid) or 454 (temporary authentication failure); at AUTH, or, when the token
# runs out during a session, to the commands after it.
TOKEN_REFUSED = (454, 535)
SHOWN = 200  # characters of a server's words shown
MAX_LINE = 8192
REPLY_LINE = re.compile(rb"(\d{3})([ -]?)(.*)", re.DOTALL)


@dataclass(frozen=True)
class Reply:
    code: int | None  # None: the server answered something without a code
    text: str  # its words as shown: on one line, secrets blanked, visible, cut short
    words: str = field(default="", repr=False)  # as received (a challenge is decoded from it)

    def __str__(self) -> str:
        if self.code is None:
            return f"a reply without a code (\"{self.text}\")"
        return f"{self.code} {self.text}".rstrip()


def _shown(text: str, signin: SignIn) -> str:
    text = visible(" ".join(signin.hide(text).split()))
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."


def _command(smtp: smtplib.SMTP, line: str, signin: SignIn) -> Reply:
    """Send one line of the AUTH exchange and read the reply, every line of it."""
    smtp.send(f"{line}\r\n")
    if smtp.file is None:
        smtp.file = smtp.sock.makefile("rb")
    code, lines = None, []
    while True:
        raw = smtp.file.readline(MAX_LINE + 1)
        if not raw:
            raise smtplib.SMTPServerDisconnected("the server closed the connection")
        bare = raw.rstrip(b"\r\n").decode("utf-8", "replace")
        found = REPLY_LINE.fullmatch(raw.rstrip(b"\r\n"))
        if found is None or (code is not None and int(found[1]) != code):
            return Reply(None, _shown(bare, signin), bare)
        code = int(found[1])
        lines.append(found[3].decode("utf-8", "replace"))
        if found[2] != b"-":
            return Reply(code, _shown(" ".join(lines), signin), " ".join(lines))


def _reply(error: smtplib.SMTPException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        if error.smtp_code < 0:  # smtplib's stand-in for a reply without a code
            return f"a reply without a code (\"{visible(' '.join(text.split()))}\")"
        return f"{error.smtp_code} {visible(' '.join(text.split()))}"
    return str(error) or type(error).__name__


def _offered(smtp: smtplib.SMTP, where: str, mechanism: str) -> None:
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if mechanism not in offered:
        said = f"it offers {', '.join(offered)}" if offered else "it offers no sign-in at all"
        raise SignInError(f"{where} does not offer sign-in by {mechanism} ({said})")


def log_in(smtp: smtplib.SMTP, signin: SignIn, where: str,
           reconnect: Callable[[], smtplib.SMTP], renew: bool = True) -> smtplib.SMTP:
    """Sign in on `smtp`; return the session signed in (a new one, from `reconnect`, after a
    refused token, when `renew` allows one more). Raises SignInError: retrying the letter
    would not help."""
    if signin.with_token:
        return _with_token(smtp, signin, where, reconnect, renew)
    if not (signin.user.isascii() and (signin.password or "").isascii()):
        smtp.close()
        raise SignInError(f"--user {signin.user}: the user name or the password is not plain "
                          "ASCII, which SMTP sign-in cannot carry")
    if signin.method is None:
        try:
            smtp.login(signin.user, signin.password or "")
        except smtplib.SMTPException as error:
            smtp.close()
            raise SignInError(f"{where} refused the login for {signin.user}: "
                              f"{signin.hide(_reply(error))}") from None
        return smtp
    _offered(smtp, where, signin.method.upper())
    reply = _with_password(smtp, signin)
    if reply.code != 235:
        smtp.close()
        raise SignInError(f"{where} refused the login for {signin.user}: {reply}")
    return smtp


def _with_password(smtp: smtplib.SMTP, signin: SignIn) -> Reply:
    user, password = signin.user, signin.password or ""
    if signin.method == "plain":
        plain = _b64("\0" + user + "\0" + password)
        return _answered(smtp, signin, f"AUTH PLAIN {plain}")
    reply = _command(smtp, "AUTH LOGIN", signin)
    for answer in (user, password):
        if reply.code != 334:
            return reply
        reply = _command(smtp, _b64(answer), signin)
    return _cancelled(smtp, signin, reply)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def _answered(smtp: smtplib.SMTP, signin: SignIn, line: str) -> Reply:
    """AUTH with an initial response: a server that asks for more is given nothing more."""
    return _cancelled(smtp, signin, _command(smtp, line, signin))


def _cancelled(smtp: smtplib.SMTP, signin: SignIn, reply: Reply) -> Reply:
    """A challenge where none is due is answered `*` (RFC 4954: cancel): the sign-in failed,
    and what the server answers to that is its last word."""
    return _command(smtp, "*", signin) if reply.code == 334 else reply


def _challenge(reply: Reply, signin: SignIn) -> str:
    """A 334 challenge's words: decoded from base64 as the RFC has it, whole, before anything
    is blanked out or cut; else as sent (said to be so)."""
    try:
        decoded = base64.b64decode(reply.words.strip().encode("ascii"), validate=True)
    except (binascii.Error, ValueError):
        return f"{reply.text} (not base64)"
    return _shown(decoded.decode("utf-8", "replace"), signin)


def _with_token(smtp: smtplib.SMTP, signin: SignIn, where: str,
                reconnect: Callable[[], smtplib.SMTP], renew: bool) -> smtplib.SMTP:
    _offered(smtp, where, "XOAUTH2")
    refused = _offer_token(smtp, signin, where)
    if refused is None:
        return smtp
    smtp.close()
    if not renew:
        raise refused_again(signin, where, refused)
    if not signin.tokens.refresh():
        raise refused_once(signin, where, refused)
    smtp = reconnect()
    again = _offer_token(smtp, signin, where)
    if again is None:
        return smtp
    smtp.close()
    raise refused_again(signin, where, again)


class SignInLost(Exception):
    """A signed-in session refused a command as a server refuses an expired token (535 or
    454): the sign-in is no longer good, and it says nothing of the council's address."""


def lost(signin: SignIn | None, code: int, reply: str) -> SignInLost | None:
    """A signed-in session's refusal (of MAIL, the recipient or the data) that is the
    sign-in's, not the message's."""
    if signin is None or code not in TOKEN_REFUSED:
        return None
    return SignInLost(visible(signin.hide(reply)))


def sign_in_afresh(signin: SignIn, where: str, refusal: str, renewed: bool) -> None:
    """After a signed-in session's refusal: a fresh token, for the session to sign in afresh
    (a password is tried again as it is). Raises TokenRefused when it was signed in afresh
    already with nothing sent since, or when the token cannot be renewed."""
    if renewed:
        raise refused_again(signin, where, refusal)
    logger.info("%s refused the sign-in during the session (%s): signing in afresh", where,
                refusal)
    if signin.with_token and not signin.tokens.refresh():
        raise refused_once(signin, where, refusal)


def refused_once(signin: SignIn, where: str, refused: str) -> TokenRefused:
    """The token was refused, and there is no way to a fresh one (it came from the
    environment): the run stops."""
    return TokenRefused(f"{where} refused the token for {signin.user} from "
                        f"{signin.tokens.describe()} ({refused}): it may have expired. Put a "
                        "fresh one there, or give --token-command CMD so that a fresh token is "
                        "fetched when one is refused. The letters not yet sent stay unsent; run "
                        "send again.")


def refused_again(signin: SignIn, where: str, again: str) -> TokenRefused:
    if not signin.with_token:
        return TokenRefused(f"{where} refused the sign-in for {signin.user} again after signing"
                            f" in afresh ({again}). The run stopped; the letters not yet sent "
                            "stay unsent. Check the account, then run send again.")
    return TokenRefused(f"{where} refused the token for {signin.user} from "
                        f"{signin.tokens.describe()}, and a fresh one from it as well ({again}). "
                        "The run stopped; the letters not yet sent stay unsent. Check that the "
                        "mailbox may send by SMTP with OAuth (in Microsoft 365, SMTP AUTH "
                        "enabled for it) and the token's scope, then run send again.")


def _offer_token(smtp: smtplib.SMTP, signin: SignIn, where: str) -> str | None:
    """AUTH XOAUTH2 with the current token: None once signed in, or the server's refusal of
    the token (535 or 454), with what its challenge said of why. A refusal comes as a
    challenge carrying the reason (JSON), which is answered with an empty line; the server then
    gives its final reply."""
    initial = _b64(xoauth2(signin.user, signin.tokens.token()))
    reply, said = _command(smtp, f"AUTH XOAUTH2 {initial}", signin), ""
    if reply.code == 334:
        said = _challenge(reply, signin)
        reply = _cancelled(smtp, signin, _command(smtp, "", signin))
    if reply.code == 235:
        logger.info("%s: signed in as %s with a bearer token", where, signin.user)
        return None
    refusal = f"{reply}; the server said {said}" if said else str(reply)
    if reply.code in TOKEN_REFUSED:
        logger.info("%s refused the token: %s", where, refusal)
        return refusal
    smtp.close()
    raise SignInError(f"{where} refused the sign-in for {signin.user}: {refusal}")
