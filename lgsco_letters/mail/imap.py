"""A mailbox on an IMAP server, read and never changed, with the standard library's `imaplib`.

The folder is opened with EXAMINE (read-only: the server itself refuses any change, and sets no
flag), and messages are fetched with BODY.PEEK (which, unlike BODY, never marks them seen); no
STORE, EXPUNGE, COPY or MOVE is ever sent. Headers come in batches; only a message whose headers
say it is a report is fetched further, and then only its first `MAX_BYTES`. TLS is as `send`
has it (STARTTLS or TLS from the start, `--cafile` for a private authority), and sign-in is by
password or by OAuth 2.0 bearer token (XOAUTH2), sharing `send`'s token source.
"""

from __future__ import annotations

import binascii
import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from lgsco_letters.data.addresses import visible
from lgsco_letters.errors import LettersError
from lgsco_letters.mail.dsn import MAX_BYTES
from lgsco_letters.mail.mailboxes import HEAD_BYTES, Stored, needs_body
from lgsco_letters.mail.signin import SignIn, SignInError, TokenRefused, xoauth2

logger = logging.getLogger(__name__)

BATCH = 200  # messages whose headers are fetched in one command
FETCHED = re.compile(rb"(?:^|[ (])UID (\d+)")
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    security: str  # plain, starttls or ssl
    signin: SignIn
    folder: str = "INBOX"
    timeout: float = 30.0
    cafile: str | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def modified_utf7(name: str) -> str:
    """A folder name as IMAP spells it (RFC 3501's modified UTF-7)."""
    import base64

    out, pending = [], ""

    def flush() -> None:
        if pending:
            encoded = base64.b64encode(pending.encode("utf-16-be")).rstrip(b"=")
            out.append("&" + encoded.decode("ascii").replace("/", ",") + "-")

    for char in name:
        if " " <= char <= "~":
            flush()
            pending = ""
            out.append("&-" if char == "&" else char)
        else:
            pending += char
    flush()
    return "".join(out)


def quoted(name: str) -> str:
    return '"' + modified_utf7(name).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _said(data: list) -> str:
    words = b" ".join(item if isinstance(item, bytes) else b"" for item in data or [])
    return visible(" ".join(words.decode("utf-8", "replace").split())[:300])


def _words(error: Exception, signin: SignIn | None = None) -> str:
    """What an imaplib error says: the server's words (imaplib gives them as bytes), as they
    were, secrets blanked out (before it is cut short), on one line, control characters made
    visible."""
    said = error.args[0] if len(error.args) == 1 else error
    if isinstance(said, bytes):
        said = said.decode("utf-8", "replace")
    said = str(said) if signin is None else signin.hide(str(said))
    return visible(" ".join(said.split())[:300]) or type(error).__name__


class ImapMailbox:
    def __init__(self, server: ImapServer):
        self.server = server
        self.count = 0  # messages in the folder, once opened

    def _connect(self) -> imaplib.IMAP4:
        server = self.server
        context = ssl.create_default_context(cafile=server.cafile)
        try:
            if server.security == "ssl":
                imap = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=context,
                                         timeout=server.timeout)
            else:
                imap = imaplib.IMAP4(server.host, server.port, timeout=server.timeout)
                if server.security == "starttls":
                    self._starttls(imap, context)
        except ssl.SSLCertVerificationError as error:
            raise LettersError(f"{server.where}: its certificate could not be verified "
                               f"({error.verify_message}); if it comes from a private "
                               "authority, name that authority's certificate with --cafile"
                               ) from None
        except (OSError, imaplib.IMAP4.error) as error:
            raise LettersError(f"{server.where}: cannot read mail there: {_words(error)}"
                               ) from None
        return imap

    def _starttls(self, imap: imaplib.IMAP4, context: ssl.SSLContext) -> None:
        if "STARTTLS" not in imap.capabilities:
            imap.shutdown()
            raise LettersError(f"{self.server.where} does not offer STARTTLS")
        imap.starttls(ssl_context=context)

    def _sign_in(self, imap: imaplib.IMAP4) -> imaplib.IMAP4:
        signin = self.server.signin
        if signin.with_token:
            return self._with_token(imap, signin)
        try:
            if signin.method == "plain":
                imap.authenticate("PLAIN", lambda _: f"\0{signin.user}\0{signin.password}"
                                  .encode())
            else:
                imap.login(signin.user, signin.password or "")
        except imaplib.IMAP4.error as error:
            imap.shutdown()
            raise SignInError(f"{self.server.where} refused the login for {signin.user}: "
                              f"{_words(error, signin)}") from None
        return imap

    def _with_token(self, imap: imaplib.IMAP4, signin: SignIn) -> imaplib.IMAP4:
        if "AUTH=XOAUTH2" not in imap.capabilities:
            imap.shutdown()
            raise SignInError(f"{self.server.where} does not offer sign-in by XOAUTH2")
        refused = self._offer_token(imap, signin)
        if refused is None:
            return imap
        tokens = signin.tokens
        if not tokens.refresh():
            raise TokenRefused(f"{self.server.where} refused the token for {signin.user} from "
                               f"{tokens.describe()} ({refused}): it may have expired. Put a "
                               "fresh one there, or give --token-command CMD. Nothing was read.")
        imap = self._connect()
        again = self._offer_token(imap, signin)
        if again is None:
            return imap
        raise TokenRefused(f"{self.server.where} refused the token for {signin.user} from "
                           f"{tokens.describe()}, and a fresh one from it as well ({again}). "
                           "Nothing was read. Check that the mailbox may be read by IMAP with "
                           "OAuth, and the token's scope.")

    def _offer_token(self, imap: imaplib.IMAP4, signin: SignIn) -> str | None:
        response = xoauth2(signin.user, signin.tokens.token()).encode()  # before AUTHENTICATE

        def respond(challenge: bytes) -> bytes:
            # The first answer is the token; a refusal's challenge (JSON) gets an empty one.
            return b"" if challenge else response

        try:
            imap.authenticate("XOAUTH2", respond)
            return None
        except (binascii.Error, ValueError):  # imaplib decodes the challenge, and fails
            imap.shutdown()
            raise SignInError(f"{self.server.where} refused the sign-in for {signin.user}: it "
                              "answered the token with a challenge that is not base64") from None
        except imaplib.IMAP4.error as error:
            imap.shutdown()
            said = _words(error, signin)
            logger.info("%s refused the token: %s", self.server.where, said)
            return said

    def _open(self) -> imaplib.IMAP4:
        imap = self._sign_in(self._connect())
        kind, data = imap.select(quoted(self.server.folder), readonly=True)  # EXAMINE
        if kind != "OK":
            imap.logout()
            raise LettersError(f"{self.server.where}: cannot open the folder "
                               f"{self.server.folder!r}: {_said(data)} (names are as the server "
                               "spells them; notifications usually arrive in INBOX)")
        self.count = int(data[0]) if data and data[0] and data[0].isdigit() else 0
        return imap

    def messages(self) -> Iterator[Stored]:
        try:
            imap = self._open()
        except (OSError, imaplib.IMAP4.abort) as error:
            raise LettersError(f"{self.server.where}: the connection failed: {_words(error)}"
                               ) from None
        try:
            yield from self._read(imap)
        except (OSError, imaplib.IMAP4.error) as error:
            raise LettersError(f"{self.server.where}: reading {self.server.folder!r} failed: "
                               f"{_words(error)}; nothing was changed there, "
                               "and what was read before is recorded: run this again") from None
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                imap.logout()

    def _read(self, imap: imaplib.IMAP4) -> Iterator[Stored]:
        for first in range(1, self.count + 1, BATCH):
            last = min(first + BATCH - 1, self.count)
            kind, data = imap.fetch(f"{first}:{last}",
                                    f"(UID RFC822.SIZE BODY.PEEK[HEADER]<0.{HEAD_BYTES}>)")
            if kind != "OK":
                raise imaplib.IMAP4.error(_said(data))
            for uid, size, head in _fetched(data):
                yield self._message(imap, uid, size, head)

    def _message(self, imap: imaplib.IMAP4, uid: str, size: int, head: bytes) -> Stored:
        if not needs_body(head):
            return Stored(f"UID {uid}", head, size > len(head))
        kind, data = imap.uid("FETCH", uid, f"(BODY.PEEK[]<0.{MAX_BYTES}>)")
        body = next((item[1] for item in data or [] if isinstance(item, tuple)), b"")
        return Stored(f"UID {uid}", body if kind == "OK" else head, size > len(body))


def _fetched(data: list) -> Iterator[tuple[str, int, bytes]]:
    """(UID, size, headers) of each message in a FETCH response: each a (preamble, literal)
    pair, its UID and size in the preamble or in the text that closes it."""
    items = list(data or [])
    for index, item in enumerate(items):
        if not isinstance(item, tuple):
            continue
        after = items[index + 1] if index + 1 < len(items) else b""
        meta = item[0] + b" " + (after if isinstance(after, bytes) else b"")
        uid, size = FETCHED.search(meta), SIZE.search(meta)
        if uid is not None:
            yield uid.group(1).decode(), int(size.group(1)) if size else 0, item[1] or b""
