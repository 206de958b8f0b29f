"""Every rule an authority's figures must obey. All problems are collected, none raised early."""

from __future__ import annotations

import re
from typing import Any

from lgsco_letters.data.addresses import address_problem, control_problem
from lgsco_letters.data.models import Authority, Recipient
from lgsco_letters.data.pending import Waiting, no_figures
from lgsco_letters.data.schema import COPY_ROLES, DEFAULT_TITLE, CountGroup
from lgsco_letters.data.slugs import slugify
from lgsco_letters.data.sources import ALREADY_REPORTED, RawRecord
from lgsco_letters.errors import Problem, display_path
from lgsco_letters.formats.base import Format, RecordRules

WHOLE_NUMBER = re.compile(r"\d+", re.ASCII)
MAX_COUNT = 1_000_000  # more complaints than any council has had: a slip of the keyboard
MAX_NAME = 150  # characters in an authority's name; its slug must fit a file name
PREDECESSOR_SEPARATOR = ";"  # between names in a cell, as the register of councils writes them
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0", ""}
COUNT_EXPECTED = "expected a whole number of 0 or more"
TOO_MANY = f"expected at most {MAX_COUNT:,} (more than any council receives)"


def found(value: Any) -> str:
    """A value as a message quotes it: strings in quotes, long ones cut short."""
    text = str(value)
    text = text if len(text) <= 60 else f"{text[:40]}... ({len(text):,} characters)"
    return f'"{text}"' if isinstance(value, str) else text


def _blank(value: Any) -> bool:
    return value is None or value is ALREADY_REPORTED or (
        isinstance(value, str) and not value.strip())


def read_count(record: RawRecord, field: str, problems: list[Problem],
               required: bool = True) -> int | None:
    value = record.values.get(field)
    if _blank(value):
        if required and value is not ALREADY_REPORTED:
            problems.append(record.problem(field, f"is missing: {COUNT_EXPECTED}"))
        return None
    number = _whole_number(value)
    if number is None:
        problems.append(record.problem(field, f"{COUNT_EXPECTED}, found {found(value)}"))
    elif number > MAX_COUNT:
        problems.append(record.problem(field, f"{TOO_MANY}, found {found(value)}"))
    else:
        return number
    return None


def _whole_number(value: Any) -> int | None:
    """The count a cell or YAML value holds; a huge one only as "too many", without the cost
    of converting thousands of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(text := value.strip()):
        return int(text) if len(text) <= 9 else MAX_COUNT + 1
    return None


def text_field(record: RawRecord, field: str, problems: list[Problem], what: str = "") -> str:
    value = record.values.get(field)
    if _blank(value):
        if what and value is not ALREADY_REPORTED:
            problems.append(record.problem(field, f"is missing: expected {what}"))
        return ""
    if isinstance(value, dict | list | bytes):
        problems.append(record.problem(field, f"expected text, found {found(value)}"))
        return ""
    if control := control_problem(str(value)):
        problems.append(record.problem(field, control))
        return ""
    return str(value).strip()


def read_name(record: RawRecord, problems: list[Problem], field: str = "authority",
              what: str = "the authority's official name") -> str:
    """An authority's official name: it titles the letter and names its file, so stray
    spaces and overlong names are refused rather than tidied."""
    raw = record.values.get(field)
    name = text_field(record, field, problems, what)
    if name and (problem := name_problem(raw)):
        problems.append(record.problem(field, problem))
    return name


def name_problem(raw: Any) -> str:
    """What is wrong with a name as written (text, control characters already checked)."""
    name = str(raw).strip()
    if str(raw) != name or "  " in name:
        return (f"{found(raw)} has spaces at its start or end, or two together: expected "
                "single spaces between words")
    if len(name) > MAX_NAME:
        return f"expected a name of at most {MAX_NAME} characters, found {len(name)}"
    return ""


def read_flag(record: RawRecord, field: str, problems: list[Problem]) -> bool:
    value = record.values.get(field)
    if value is ALREADY_REPORTED:
        return False
    if isinstance(value, bool):
        return value
    word = "" if value is None else str(value).strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    problems.append(record.problem(field, f"expected true or false, found {found(value)}"))
    return False


def _counts(record: RawRecord, group: CountGroup, problems: list[Problem]) -> dict[str, int]:
    counts = {key: read_count(record, f"{group.name}_{key}", problems) for key in group.keys}
    found_counts = {key: count for key, count in counts.items() if count is not None}
    if group.total:
        _check_total(record, group, found_counts, problems)
    return found_counts


def _check_total(record: RawRecord, group: CountGroup, counts: dict[str, int],
                 problems: list[Problem]) -> None:
    total = read_count(record, f"{group.name}_total", problems, required=False)
    if total is not None and len(counts) == len(group.keys) and total != sum(counts.values()):
        problems.append(record.problem(
            f"{group.name}_total", f"expected {sum(counts.values())} (the sum of the "
                                   f"{group.name} figures), found {total}"))


def read_email(record: RawRecord, field: str, problems: list[Problem], what: str = "") -> str:
    email = text_field(record, field, problems, what)
    if email and (problem := address_problem(email)):
        problems.append(record.problem(field, problem))
    return email


def _recipient(record: RawRecord, problems: list[Problem], waiting: Waiting) -> Recipient:
    if _empty(record.values.get("recipient_email")):
        waiting.lacks_recipient(record)  # said once for all the records without one
        email = ""
    else:
        email = read_email(record, "recipient_email", problems, "the recipient's email address")
    return Recipient(
        name=text_field(record, "recipient_name", problems),
        title=text_field(record, "recipient_title", problems) or DEFAULT_TITLE,
        email=email,
    )


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_successor(record: RawRecord, problems: list[Problem]) -> str:
    successor = read_name(record, problems, "successor", "")
    if successor and successor == record.name:
        problems.append(record.problem("successor", "names the authority itself: expected the "
                                                    "council that took it over"))
    return successor


def read_predecessors(record: RawRecord, problems: list[Problem]) -> tuple[str, ...]:
    """The councils this one took over: names separated by ";" in a CSV or workbook cell, a
    list of names in YAML."""
    value = record.values.get("predecessors")
    if _blank(value):
        return ()
    if isinstance(value, str):
        value = [part.strip() for part in value.split(PREDECESSOR_SEPARATOR)]
    if not isinstance(value, list):
        problems.append(record.problem("predecessors", f"expected names separated by "
                                                       f'"; ", found {found(value)}'))
        return ()
    names: list[str] = []
    for name in value:
        if problem := _predecessor_problem(record, name, names):
            problems.append(record.problem("predecessors", problem))
        else:
            names.append(name)
    return tuple(names)


def _predecessor_problem(record: RawRecord, name: Any, names: list[str]) -> str:
    if not isinstance(name, str):
        return f'expected names separated by "; ", found {found(name)}'
    if not name.strip():
        return 'expected names separated by "; ", found an empty one'

    if problem := control_problem(name) or name_problem(name):
        return problem
    if name == record.name:
        return "names the authority itself: expected the councils it took over"
    return f'names "{name}" twice' if name in names else ""


def authority_from(record: RawRecord, letter_format: Format, problems: list[Problem],
                   waiting: Waiting) -> Authority | None:
    """The typed authority, or None when the record has any problem (all of them reported).
    What it lacks but is not wrong (figures, a recipient) goes to `waiting`."""
    before = len(problems)
    name = read_name(record, problems)
    authority_type = text_field(record, "authority_type", problems,
                               "the kind of authority, e.g. district")
    recipient = _recipient(record, problems, waiting)
    specimen = read_flag(record, "specimen", problems)
    officers = {field: read_email(record, field, problems) for field in COPY_ROLES.values()}
    successor = read_successor(record, problems)
    predecessors = read_predecessors(record, problems)
    counts = _all_counts(record, letter_format, problems, waiting)
    if len(problems) > before:
        return None
    return Authority(name, slugify(name), authority_type, recipient, specimen, counts,
                     record.file, record.key_lines.get("authority", record.line), **officers,
                     successor=successor, predecessors=predecessors)


def _all_counts(record: RawRecord, letter_format: Format, problems: list[Problem],
                waiting: Waiting) -> dict[str, dict[str, int]]:
    if no_figures(record, letter_format.counts):
        waiting.lacks_figures(record)  # not filled in yet: one finding for them all
        return {}
    counts = {group.name: _counts(record, group, problems) for group in letter_format.counts}
    letter_format.rules(RecordRules(record, counts, problems))
    return counts


def authorities_from(records: list[RawRecord], letter_format: Format,
                     problems: list[Problem]) -> list[Authority]:
    """Typed authorities, with duplicates (by name or by file name) reported, and what the
    unfinished ones lack said once."""
    authorities: list[Authority] = []
    by_name: dict[str, tuple[Authority, RawRecord]] = {}
    by_slug: dict[str, Authority] = {}
    waiting = Waiting(letter_format.counts)
    for record in records:
        authority = authority_from(record, letter_format, problems, waiting)
        if authority is None:
            continue
        first = by_name.get(authority.name, (None,))[0] or by_slug.get(authority.slug)
        if first is not None:
            problems.append(record.problem("authority", _duplicate_message(authority, first)))
            waiting.forget(record)
            continue
        if not authority.slug:
            problems.append(record.problem("authority", "expected a name with letters in it"))
            waiting.forget(record)
            continue
        by_name[authority.name], by_slug[authority.slug] = (authority, record), authority
        if not waiting.holds(record):
            authorities.append(authority)
    problems += waiting.findings(len(records))
    _check_predecessors(by_name, problems)
    return authorities


def _check_predecessors(by_name: dict[str, tuple[Authority, RawRecord]],
                        problems: list[Problem]) -> None:
    """A council a year's council took over cannot be one of the year's councils too."""
    for authority, record in by_name.values():
        for name in authority.predecessors:
            if name in by_name:
                problems.append(record.problem(
                    "predecessors", f'"{name}" is one of this year\'s authorities too: '
                                    "expected the councils of the year before that this one "
                                    "took over"))


def _duplicate_message(authority: Authority, first: Authority) -> str:
    where = display_path(first.source) + (f", line {first.line}" if first.line else "")
    if first.name == authority.name:
        return f'"{authority.name}" appears more than once (first at {where})'
    return (f'"{authority.name}" would be written to the same file, {authority.slug}.pdf, '
            f'as "{first.name}" ({where})')
