"""What a value written in a data file means, by the kind of field it is written in.

One rule per kind, the same for a CSV cell, a workbook cell and a YAML value, so that a figure
reads the same whichever file staff keep it in:

- a **count** is plain decimal digits (`12`), with no leading zero (`010` is refused, as YAML
  1.1 readers take it for 8 and others for 10), no sign, separator or base (`1_0`, `0x10`);
- **text** is taken as written; an unquoted YAML value that a YAML reader would take for
  something else (`yes`, `off`, `null`, `~`, a number, a date) must be put in quotes;
- a **flag** (`specimen`) is true or false;
- a **date** is written YYYY-MM-DD;
- a **figure** (year.yaml's `prose:`) is a count or text, by the same rules.

Each reader returns the value or raises `Refused` with the words of the problem.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from lgsco_letters.data.addresses import control_problem, visible
from lgsco_letters.data.yamlfiles import Plain

MAX_COUNT = 1_000_000  # more complaints than any council has had: a slip of the keyboard
MAX_TEXT = 1_000  # characters of a text value: a title or a label is a line, not a page
COUNT = "a whole number of 0 or more"
COUNT_EXPECTED = f"expected {COUNT}"
TOO_MANY = f"expected at most {MAX_COUNT:,} (more than any council receives)"
DIGITS = re.compile(r"[0-9]+")
SIGNED = re.compile(r"[-+]?[0-9]+")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0", ""}
YAML_READS = {"bool": "true or false", "null": "no value", "int": "a number",
              "float": "a number", "timestamp": "a date"}


class Refused(ValueError):
    """A value that does not mean what its field needs; the message says what was expected."""


def found(value: Any) -> str:
    """A value as a message quotes it: text in quotes, long text cut short; numbers, and YAML
    values that YAML reads as something other than text, as written."""
    text = str(value).upper() if isinstance(value, bool) else str(value)  # a TRUE cell
    text = visible(text if len(text) <= 60 else f"{text[:40]}... ({len(text):,} characters)")
    return f'"{text}"' if isinstance(value, str) and _meaning(value) == "str" else text


def _meaning(value: str) -> str:
    return value.meaning if isinstance(value, Plain) else "str"


def count_of(value: Any) -> int:
    """A count from a cell or a YAML value (never blank: the caller says what is missing)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise Refused(f"{COUNT_EXPECTED}, found {found(value)}")
        text = str(value) if value <= MAX_COUNT else "9" * 10
    else:
        text = value.strip() if isinstance(value, str) else None
        if text is None or not DIGITS.fullmatch(text):
            raise Refused(_not_a_count(value, text))
        if text != value:
            raise Refused(f"{COUNT_EXPECTED} written as digits alone, found {found(value)}, "
                          f"with a space around it: write {text}")
    if len(text) > 1 and text.startswith("0"):
        raise Refused(_leading_zero(value, text))
    # a huge number only as "too many", without converting thousands of digits
    if len(text) > 9 or int(text) > MAX_COUNT:
        raise Refused(f"{TOO_MANY}, found {found(value)}")
    return int(text)


def _leading_zero(value: Any, text: str) -> str:
    meant = text.lstrip("0") or "0"
    hint = f": write {meant} (some programs read {text} as another number)"
    return (f"{COUNT_EXPECTED} without leading zeros, found {found(value)}"
            f"{hint if len(text) <= 20 else ''}")


def _not_a_count(value: Any, text: str | None) -> str:
    if text is not None and _meaning(value) == "int" and not SIGNED.fullmatch(text):
        return f"{COUNT_EXPECTED} in plain digits (0 to 9 only), found {found(value)}"
    return f"{COUNT_EXPECTED}, found {found(value)}"


def text_of(value: Any, key: str) -> str:
    """Text as written, without spaces at its ends; `key` (the YAML key) for the hint."""
    if isinstance(value, dict | list | bytes | bool):
        raise Refused(f"expected text, found {found(value)}")
    if isinstance(value, str) and (meaning := _meaning(value)) != "str":
        raise Refused(_quote_it(value, meaning, key))
    text = str(value)
    if control := control_problem(text):
        raise Refused(control)
    if len(text.strip()) > MAX_TEXT:
        raise Refused(f"expected text of at most {MAX_TEXT:,} characters, found "
                      f"{len(text.strip()):,}: a name, a title or a label is one line")
    return text.strip()


def _quote_it(value: str, meaning: str, key: str) -> str:
    leave_out = " (or leave it empty for no value)" if meaning == "null" else ""
    name = key.rpartition(".")[2]
    return (f"expected text, found {value}, which YAML reads as {YAML_READS[meaning]}: put it "
            f'in quotes, {name}: "{value}"{leave_out}')


def flag_of(value: Any) -> bool:
    """True or false: TRUE/FALSE cells, `true`/`false` (also yes/no, y/n, 1/0), or blank."""
    if isinstance(value, bool):
        return value
    word = "" if value is None else str(value).strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise Refused(f"expected true or false, found {found(value)}")


def date_of(value: Any) -> date:
    """A date written YYYY-MM-DD, quoted or not."""
    text = value.strip() if isinstance(value, str) else ""
    if ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError as error:
            raise Refused(f'"{text}" is not a real date ({error})') from None
    shown = "nothing" if value is None else found(str(value) if isinstance(value, str) else value)
    raise Refused(f"expected a date written as YYYY-MM-DD, e.g. 2018-07-18, found {shown}")


def figure_of(value: Any, key: str) -> int | str:
    """A figure the prose quotes: a count when written as one, else text."""
    if isinstance(value, dict | list | bytes) or value is None:
        raise Refused(f"expected a single value, found {found(value)}")
    if _meaning(value) == "int" and SIGNED.fullmatch(value):
        return count_of(value)
    return text_of(value, key)
