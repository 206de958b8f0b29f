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

import logging
import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field

from lgsco_letters.errors import ExitCode, LettersError

logger = logging.getLogger(__name__)

METHODS = ("plain", "login", "xoauth2")  # --auth; without it, whatever the server offers
TOKEN_SECONDS = 120  # how long a token command may take (a browser sign-in is not for here)
STDERR_SHOWN = 300  # characters of a failing token command's standard error that are shown
# A bearer token is printable ASCII without spaces (RFC 6750's b64token, and JWTs).
BEARER = re.compile(r"[\x21-\x7e]+")


class SignInError(LettersError):
    """The credentials cannot be had, or the server keeps refusing them: nothing will go."""


class TokenRefused(SignInError):
    """The server refused the token, and a fresh one too: the run stops with letters unsent."""

    exit_code = ExitCode.UNFINISHED


def _cut(text: str, limit: int = STDERR_SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass
class TokenSource:
    """Where bearer tokens come from: `command` (split as a shell would, run without one), or
    else the environment `variable`. The token is fetched when first needed, then kept."""

    command: str | None
    variable: str
    _token: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        return f"--token-command {self.command!r}" if self.command else f"${self.variable}"

    def token(self) -> str:
        if self._token is None:
            self._token = self._from_command() if self.command else self._from_variable()
        return self._token

    def refresh(self) -> bool:
        """Fetch a fresh token; False when there is no way to (a token from the environment)."""
        if not self.command:
            return False
        logger.info("asking %s for a fresh token", self.describe())
        self._token = self._from_command()
        return True

    def hide(self, text: str) -> str:
        """`text` with the token, should a server or a command have echoed it, blanked out."""
        return text.replace(self._token, "[token]") if self._token else text

    def _from_variable(self) -> str:
        token = os.environ.get(self.variable, "")
        if not token.strip():
            raise SignInError(f"--auth xoauth2: set the bearer token in the environment variable "
                              f"{self.variable}, or give --token-command CMD to fetch one (it is "
                              "never taken from the command line)")
        return self._checked(token, f"${self.variable}")

    def _from_command(self) -> str:
        try:
            argv = shlex.split(self.command)
        except ValueError as error:
            raise SignInError(f"--token-command {self.command!r}: cannot be split into words "
                              f"({error})") from None
        if not argv:
            raise SignInError("--token-command: the command is empty")
        try:
            done = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL,
                                  timeout=TOKEN_SECONDS, check=False)
        except FileNotFoundError:
            raise SignInError(f"--token-command {self.command!r}: {argv[0]}: no such command"
                              ) from None
        except PermissionError:
            raise SignInError(f"--token-command {self.command!r}: {argv[0]}: not allowed to run "
                              "it (is it executable?)") from None
        except subprocess.TimeoutExpired:
            raise SignInError(f"--token-command {self.command!r}: gave no token within "
                              f"{TOKEN_SECONDS} s (it may be waiting for a sign-in in a browser: "
                              "sign in first, so that it can answer on its own)") from None
        if done.returncode != 0:
            stderr = _cut(done.stderr.decode("utf-8", "replace")) or "(nothing on standard error)"
            raise SignInError(f"--token-command {self.command!r} failed with exit status "
                              f"{done.returncode}: {stderr}")
        return self._checked(done.stdout.decode("utf-8", "replace"), f"--token-command "
                                                                     f"{self.command!r}")

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
        text = self.tokens.hide(text) if self.tokens else text
        return text.replace(self.password, "[password]") if self.password else text


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
        return SignIn(user, method, tokens=TokenSource(token_command, variable))
    password = next((os.environ[name] for name in password_variables if name in os.environ),
                    None)
    if password is None:
        raise SignInError(f"--user {user}: set the password in the environment variable "
                          f"{' or '.join(password_variables)} (it is never taken from the command "
                          "line); or sign in with a token: --auth xoauth2")
    return SignIn(user, method, password=password)
