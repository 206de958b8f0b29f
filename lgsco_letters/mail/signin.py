"""Signing in to a mail server, for `send` (SMTP) and `bounces` (IMAP) alike: a password from
the environment, or an OAuth 2.0 bearer token for SASL XOAUTH2, as Microsoft 365 and Google
Workspace require.

A token comes from an environment variable, or from a command the office already uses to get
tokens (the Azure CLI, a script around MSAL), run with no shell, its standard output taken as
the token: the pattern of msmtp's `passwordeval` and git's credential helpers. A server that
refuses a token (it has expired) gets one fresh token from the command, once; a second refusal
is final. A token never appears in anything lgsco-letters writes or says: not the ledger, the
logs, `-v` output or an error message.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import shlex
from dataclasses import dataclass, field

from lgsco_letters.data.addresses import visible
from lgsco_letters.errors import ExitCode
from lgsco_letters.mail.token_command import SECRET_VARIABLES, SignInError, run_token_command

logger = logging.getLogger(__name__)

METHODS = ("plain", "login", "xoauth2")  # --auth; without it, whatever the server offers
STDERR_SHOWN = 300  # characters of a failing token command's standard error that are shown
MIN_SECRET = 4  # a shorter password in the environment is not blanked out of every message
# A bearer token is printable ASCII without spaces (RFC 6750's b64token, and JWTs).
BEARER = re.compile(r"[\x21-\x7e]+")


class TokenRefused(SignInError):
    """The server refused the token, and a fresh one too: the run stops with letters unsent."""

    exit_code = ExitCode.UNFINISHED


def _cut(text: str, limit: int = STDERR_SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass
class TokenSource:
    """Where bearer tokens come from: `command` (split as a shell would, run without one), or
    else the environment `variable`. The token is fetched when first needed, then kept; every
    token the run has known is kept too, to be blanked out wherever it might be shown."""

    command: str | None
    variable: str
    user: str = ""  # who signs in with it: its XOAUTH2 response is blanked out too
    _token: str | None = field(default=None, repr=False)
    _known: list[str] = field(default_factory=list, repr=False)

    def describe(self) -> str:
        return f"--token-command {self.command!r}" if self.command else f"${self.variable}"

    def token(self) -> str:
        if self._token is None:
            self._token = self._from_command() if self.command else self._from_variable()
            self._known.append(self._token)
        return self._token

    def refresh(self) -> bool:
        """Fetch a fresh token; False when there is no way to (a token from the environment)."""
        if not self.command:
            return False
        logger.info("asking %s for a fresh token", self.describe())
        self._token = None
        self.token()
        return True

    def secrets(self) -> dict[str, str]:
        """Every token this run has known, as given and as base64 (alone, and in XOAUTH2's
        client response), and the secrets kept from the command's environment."""
        found = {secret: "[password]" for name in SECRET_VARIABLES
                 if len(secret := os.environ.get(name, "")) >= MIN_SECRET}
        for token in self._known:
            found[token] = found[base64.b64encode(token.encode()).decode()] = "[token]"
            if self.user:
                response = xoauth2(self.user, token).encode()
                found[base64.b64encode(response).decode()] = "[token]"
        return found

    def hide(self, text: str) -> str:
        """`text` with every token the run has known, should a server or a command have echoed
        one (as it is, or in base64), blanked out."""
        return hidden(text, self.secrets())

    def _from_variable(self) -> str:
        token = os.environ.get(self.variable, "")
        if not token.strip():
            raise SignInError(f"--auth xoauth2: set the bearer token in the environment variable "
                              f"{self.variable}, or give --token-command CMD to fetch one (it is "
                              "never taken from the command line)")
        return self._checked(token, f"${self.variable}")

    def _from_command(self) -> str:
        named = f"--token-command {self.command!r}"
        try:
            argv = shlex.split(self.command)
        except ValueError as error:
            raise SignInError(f"{named}: cannot be split into words ({error})") from None
        if not argv:
            raise SignInError("--token-command: the command is empty")
        status, stdout, stderr = run_token_command(argv, named)
        if status != 0:
            said = _cut(self.hide(stderr.decode("utf-8", "replace")))
            raise SignInError(f"{named} failed with exit status {status}: "
                              f"{visible(said) or '(nothing on standard error)'}")
        return self._checked(stdout.decode("utf-8", "replace"), named)

    @staticmethod
    def _checked(token: str, source: str) -> str:
        token = token.strip()
        if not token:
            raise SignInError(f"{source}: gave no token (its output was empty)")
        if BEARER.fullmatch(token) is None:
            hint = (" (it looks like JSON: have the command print the token alone; for the "
                    "Azure CLI add --query accessToken --output tsv)" if token.startswith("{")
                    else "")
            raise SignInError(f"{source}: what it gave is not a bearer token (expected one line "
                              f"of printable ASCII without spaces; got {len(token)} characters, "
                              f"not shown){hint}")
        return token


def hidden(text: str, secrets: dict[str, str]) -> str:
    """`text` with each secret replaced by its label, longest first (one may hold another)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, secrets[secret])
    return text


def xoauth2(user: str, token: str) -> str:
    """SASL XOAUTH2's initial client response, before base64 (as Google and Microsoft define
    it): `user=USER^Aauth=Bearer TOKEN^A^A`."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


@dataclass
class SignIn:
    """Who signs in, and how: `method` is None (a password, by whatever mechanism the server
    offers, as before --auth existed), plain, login (a password by that mechanism) or xoauth2."""

    user: str
    method: str | None = None
    password: str | None = field(default=None, repr=False)
    tokens: TokenSource | None = None

    @property
    def with_token(self) -> bool:
        return self.method == "xoauth2"

    def hide(self, text: str) -> str:
        """`text` with the password and every token the run has known blanked out."""
        secrets = self.tokens.secrets() if self.tokens else {}
        if self.password:
            secrets[self.password] = "[password]"
            plain = f"\0{self.user}\0{self.password}".encode()
            secrets[base64.b64encode(plain).decode()] = "[password]"
            secrets[base64.b64encode(self.password.encode()).decode()] = "[password]"
        return hidden(text, secrets)


def sign_in(user: str | None, method: str | None, token_command: str | None, *,
            password_variables: tuple[str, ...], token_variables: tuple[str, ...]
            ) -> SignIn | None:
    """The sign-in the options ask for; the password or token variables are tried in turn. A
    password is read at once (a missing one stops before anything happens); a token when first
    needed. None: no sign-in."""
    if method and not user:
        raise SignInError(f"--auth {method} needs --user (the mailbox to sign in as)")
    if token_command and method != "xoauth2":
        raise SignInError("--token-command gives a token for --auth xoauth2: add --auth xoauth2")
    if not user:
        return None
    if not user.isascii():
        raise SignInError(f"--user {user}: sign-in needs a user name in plain ASCII")
    if method == "xoauth2":
        variable = next((name for name in token_variables if os.environ.get(name)),
                        token_variables[0])
        return SignIn(user, method, tokens=TokenSource(token_command, variable, user))
    password = next((os.environ[name] for name in password_variables if name in os.environ),
                    None)
    if password is None:
        raise SignInError(f"--user {user}: set the password in the environment variable "
                          f"{' or '.join(password_variables)} (it is never taken from the command "
                          "line); or sign in with a token: --auth xoauth2")
    return SignIn(user, method, password=password)
