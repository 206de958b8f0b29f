"""Email addresses as SMTP will carry them, and text free of characters no letter should hold.

An address is a plain addr-spec (`name@council.gov.uk`): no display name, no quoted local part,
no comments. Letters and digits beyond ASCII are allowed (SMTPUTF8, which `send` uses only
where the server offers it), but a character that merely looks like an ASCII one, such as the
typographic hyphen U+2010, is refused with a hint, since it is almost always a paste from a
word processor.
"""

from __future__ import annotations

import re
import unicodedata

ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
ADDR_SPEC = re.compile(rf"{ATOM}(?:\.{ATOM})*@{LABEL}(?:\.{LABEL})+")
LOOKS_LIKE = {"Pd": "-", "Zs": " ", "Pi": "'", "Pf": "'"}  # by Unicode category
EXAMPLE = "an email address like name@council.gov.uk"
CONTROL_NAMES = {0x00: "NUL", 0x09: "TAB", 0x0A: "LF", 0x0D: "CR", 0x1B: "ESC", 0x7F: "DEL"}


def _character(char: str) -> str:
    name = unicodedata.name(char, CONTROL_NAMES.get(ord(char), "control character"))
    return f"U+{ord(char):04X} {name}"


def control_problem(text: str) -> str | None:
    """A reason to refuse text holding a control character (ESC, CR, NUL, DEL, ...)."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return f"holds a control character ({_character(char)}); retype it without"
    return None


def _look_alike(char: str) -> str | None:
    """The ASCII character that `char` passes for, if any."""
    folded = unicodedata.normalize("NFKC", char)
    if folded.isascii() and folded != char:
        return folded
    return LOOKS_LIKE.get(unicodedata.category(char))


def _stand_in(char: str) -> str:
    """ASCII for the pattern: a non-ASCII letter or digit stands as `a`; anything else as `"`,
    which no address may hold."""
    if char.isascii():
        return char
    return "a" if unicodedata.category(char)[0] in "LNM" else '"'


def address_problem(address: str) -> str | None:
    """Why `address` cannot be sent to, in words; None when it can."""
    found = f'found "{address}"'
    for char in address:
        if not char.isascii() and (ascii_char := _look_alike(char)):
            return (f'expected {EXAMPLE}, {found}: "{char}" ({_character(char)}) looks like '
                    f'"{ascii_char}" but is another character; retype it')
    if control := control_problem(address):
        return f"expected {EXAMPLE}: it {control}"
    local, _, _ = address.rpartition("@")
    if len(address) > 254 or len(local) > 64:
        return f"expected {EXAMPLE} of at most 254 characters (64 before the @), {found}"
    if not ADDR_SPEC.fullmatch("".join(_stand_in(char) for char in address)):
        return f"expected {EXAMPLE}, {found}"
    return None
