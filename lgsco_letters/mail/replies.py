"""What an SMTP server's replies mean: a failure worth trying again, one that is not, and,
once the message's data has gone, an outcome nobody can know; the end of the data and the strict
reading of the reply to it."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable


class TemporaryFailure(Exception):
    """Worth trying again later: a 4xx reply, a refused or dropped connection, a timeout."""


class PermanentFailure(Exception):
    """Not worth trying again: a 5xx reply."""


class UnknownOutcome(Exception):
    """The whole message went, end of data and all, but no reply came: the server may have it.
    Sending it again could deliver it twice, so only a person may decide to."""


LINE_START_DOT = re.compile(rb"(?m)^\.")


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if code < 0:  # smtplib's stand-in for a reply without a code
        return f"a reply without a code ({' '.join(text.split())})"
    return f"{code} {' '.join(text.split())}"


def _failure(code: int, text: bytes | str, quoted: bool = False) -> Exception:
    """A refusal before the message was handed over: 5xx for good, anything else for now."""
    kind = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return kind(str(text) if quoted else _reply(code, text))


def _data(smtp: smtplib.SMTP, payload: bytes,
          lost: Callable[[int, bytes], Exception | None] = lambda code, text: None,
          ) -> tuple[int, bytes]:
    """DATA, the message, then the reply. Once the message's end has gone, anything but a
    well-formed 2xx, 4xx or 5xx reply (no reply, a reply without a code, an error of any kind)
    means the server may have it: an unknown, never a failure to retry (smtplib's `data` cannot
    tell the two apart). `lost` says whether a refusal is the sign-in's rather than the
    message's."""
    code, text = smtp.docmd("data")
    if code != 354:
        raise lost(code, text) or _failure(code, text)
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
    raise lost(code, text) or _failure(code, text)


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
