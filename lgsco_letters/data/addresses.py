"""Email addresses as SMTP will carry them, and text free of characters no letter should hold.

An address is a plain addr-spec (`name@council.gov.uk`): no display name, no quoted local part,
no comments. Letters and digits beyond ASCII are allowed (SMTPUTF8, which `send` uses only
where the server offers it), but a character that merely looks like an ASCII one, such as the
typographic hyphen U+2010, is refused with a hint, since it is almost always a paste from a
word processor. So is a part of an address that mixes scripts ("chief" with a Cyrillic U+0441
for its "c"): it reaches another mailbox than the one it looks like.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from lgsco_letters.words import visible as visible  # said here too, beside visible_address

ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
ADDR_SPEC = re.compile(rf"{ATOM}(?:\.{ATOM})*@{LABEL}(?:\.{LABEL})+")
LOOKS_LIKE = {"Pd": "-", "Zs": " ", "Pi": "'", "Pf": "'"}  # by Unicode category
EXAMPLE = "an email address like name@council.gov.uk"
CONTROL_NAMES = {0x00: "NUL", 0x09: "TAB", 0x0A: "LF", 0x0D: "CR", 0x1B: "ESC", 0x7F: "DEL"}
# Cyrillic and Greek letters drawn like Latin ones, for the hint (Unicode's confusables, cut
# down to the letters of the alphabet).
LOOK_ALIKES = dict(zip(
    "аеорсухѕіјԁһӏԛԝАВЕКМНОРСТХЅІЈҮԚԜαοινκρυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxsijdhlqwABEKMHOPCTXSIJYQWaoivkpuxABEZHIKMNOPTYX", strict=True))
# Scripts written together in one word (Unicode's "highly restrictive" level); any other mix
# in one part of an address is refused.
TOGETHER = ({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}, {"LATIN", "CJK", "BOPOMOFO"},
            {"LATIN", "CJK", "HANGUL"})


def _character(char: str) -> str:
    unnamed = "half of a character" if unicodedata.category(char) == "Cs" else "control character"
    name = unicodedata.name(char, CONTROL_NAMES.get(ord(char), unnamed))
    return f"U+{ord(char):04X} {name}"


def control_problem(text: str) -> str | None:
    """A reason to refuse text holding a control character (ESC, CR, NUL, DEL, ...) or an
    invisible format character (the bidirectional overrides, zero-width spaces, ...)."""
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            return f"holds a control character ({_character(char)}); retype it without"
        if category == "Cs":  # a lone surrogate: no character at all, and no file can hold it
            return (f"holds {_character(char)} (a lone surrogate), which is no character; "
                    "retype it")
        if category == "Cf":
            return (f"holds an invisible format character ({_character(char)}), which can "
                    "hide or reorder what is shown; retype it without")
    return None


def visible_address(address: str) -> str:
    """An address as a person must see it to approve it or compare it with another: each
    character beyond plain ASCII written as \\uXXXX, and named, so that a Cyrillic "\u0430"
    never passes for a Latin "a"."""
    if address.isascii() and address.isprintable():
        return address
    strange = list(dict.fromkeys(char for char in address
                                 if not char.isascii() or not char.isprintable()))
    spelt = "".join(f"\\u{ord(char):04x}" if char in strange else char for char in address)
    named = ", ".join(f"\\u{ord(char):04x} {unicodedata.name(char, 'unnamed')}"
                      for char in strange[:3])
    return f"{spelt} (not plain ASCII: {named}{', ...' if len(strange) > 3 else ''})"


def _look_alike(char: str) -> str | None:
    """The ASCII character that `char` passes for, if any."""
    folded = unicodedata.normalize("NFKC", char)
    if folded.isascii() and folded != char:
        return folded
    return LOOKS_LIKE.get(unicodedata.category(char))


def _script(char: str) -> str | None:
    """The script of a letter, by the first word of its Unicode name (LATIN, CYRILLIC, CJK...);
    None for anything else (digits, hyphens and accents go with any script)."""
    if not unicodedata.category(char).startswith("L"):
        return None
    return unicodedata.name(char, "UNKNOWN").split()[0]


def _mixed_script(part: str) -> str | None:
    """The first letter of `part` that is of another script than most of its letters, when
    `part` mixes scripts that are not written together."""
    scripts = Counter(script for char in part if (script := _script(char)))
    if len(scripts) < 2 or any(set(scripts) <= together for together in TOGETHER):
        return None
    main = max(scripts, key=lambda script: (scripts[script], script == "LATIN"))
    return next(char for char in part if _script(char) not in (None, main))


def _dressed_as_latin(part: str) -> str | None:
    """The Latin text that `part` passes for, when every letter of it is a Cyrillic or Greek
    one drawn like a Latin letter (Cyrillic \u0430\u0441\u0435 for "ace"): a whole-script
    look-alike, which no mix of scripts gives away. A word of one of those scripts that has
    letters of its own ("почта") is a real address."""
    letters = [char for char in part if char.isalpha()]
    if not letters or not all(char in LOOK_ALIKES for char in letters):
        return None
    return "".join(LOOK_ALIKES.get(char, char) for char in part)


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
    for part in re.split(r"[@.]", address):
        if dressed := _dressed_as_latin(part):
            first = next(char for char in part if char.isalpha())
            return (f'expected {EXAMPLE}, {found}: "{part}" is written wholly in letters that '
                    f'look like Latin ones ("{dressed}") but are not, starting with "{first}" '
                    f"({_character(first)}), so the address looks like one it is not; retype it")
        if stranger := _mixed_script(part):
            return _stranger_problem(stranger, part, found)
    local, _, _ = address.rpartition("@")
    if len(address) > 254 or len(local) > 64:
        return f"expected {EXAMPLE} of at most 254 characters (64 before the @), {found}"
    if not ADDR_SPEC.fullmatch("".join(_stand_in(char) for char in address)):
        return f"expected {EXAMPLE}, {found}"
    return None


def _stranger_problem(char: str, part: str, found: str) -> str:
    what = f'"{char}" ({_character(char)})'
    if ascii_char := LOOK_ALIKES.get(char):
        return (f'expected {EXAMPLE}, {found}: {what} looks like "{ascii_char}" but is another '
                "character; retype it")
    return (f'expected {EXAMPLE}, {found}: {what} is of another script than the other letters '
            f'of "{part}", which no real address mixes; retype it')
