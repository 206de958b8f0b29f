"""Every rule an authority's figures must obey. All problems are collected, none raised early."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lgsco_letters.data.addresses import address_problem, control_problem
from lgsco_letters.data.models import Authority, Recipient
from lgsco_letters.data.schema import DEFAULT_TITLE, CountGroup
from lgsco_letters.data.slugs import slugify
from lgsco_letters.data.sources import ALREADY_REPORTED, RawRecord
from lgsco_letters.errors import Problem, display_path
from lgsco_letters.findings import GROUP_ABOVE
from lgsco_letters.formats.base import Format, RecordRules
from lgsco_letters.words import examples

WHOLE_NUMBER = re.compile(r"\d+", re.ASCII)
MAX_COUNT = 1_000_000  # more complaints than any council has had: a slip of the keyboard
MAX_NAME = 150  # characters in an authority's name; its slug must fit a file name
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


def read_name(record: RawRecord, problems: list[Problem]) -> str:
    """The authority's official name: it titles the letter and names its file, so stray
    spaces and overlong names are refused rather than tidied."""
    raw = record.values.get("authority")
    name = text_field(record, "authority", problems, "the authority's official name")
    if not name:
        return ""
    if str(raw) != name or "  " in name:
        problems.append(record.problem("authority", f"{found(raw)} has spaces at its start or "
                                                    "end, or two together: expected single "
                                                    "spaces between words"))
    elif len(name) > MAX_NAME:
        problems.append(record.problem("authority", f"expected a name of at most {MAX_NAME} "
                                                    f"characters, found {len(name)}"))
    return name


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


def _recipient(record: RawRecord, problems: list[Problem]) -> Recipient:
    email = read_email(record, "recipient_email", problems, "the recipient's email address")
    return Recipient(
        name=text_field(record, "recipient_name", problems),
        title=text_field(record, "recipient_title", problems) or DEFAULT_TITLE,
        email=email,
    )


def authority_from(record: RawRecord, letter_format: Format,
                   problems: list[Problem]) -> Authority | None:
    """The typed authority, or None when the record has any problem (all of them reported)."""
    before = len(problems)
    name = read_name(record, problems)
    authority_type = text_field(record, "authority_type", problems,
                               "the kind of authority, e.g. district")
    recipient = _recipient(record, problems)
    specimen = read_flag(record, "specimen", problems)
    link_officer = read_email(record, "link_officer_email", problems)
    counts = {group.name: _counts(record, group, problems) for group in letter_format.counts}
    letter_format.rules(RecordRules(record, counts, problems))
    if len(problems) > before:
        return None
    return Authority(name, slugify(name), authority_type, recipient, specimen, counts,
                     record.file, record.key_lines.get("authority", record.line), link_officer)


def authorities_from(records: list[RawRecord], letter_format: Format,
                     problems: list[Problem]) -> list[Authority]:
    """Typed authorities, with duplicates (by name or by file name) reported."""
    authorities: list[Authority] = []
    by_name: dict[str, Authority] = {}
    by_slug: dict[str, Authority] = {}
    repeated: dict[tuple[Path, Path], list[tuple[RawRecord, Authority, Authority]]] = {}
    for record in records:
        authority = authority_from(record, letter_format, problems)
        if authority is None:
            continue
        first = by_name.get(authority.name) or by_slug.get(authority.slug)
        if first is not None:
            repeated.setdefault((first.source, record.file), []).append(
                (record, authority, first))
            continue
        if not authority.slug:
            problems.append(record.problem("authority", "expected a name with letters in it"))
            continue
        by_name[authority.name] = by_slug[authority.slug] = authority
        authorities.append(authority)
    for (first_file, file), pairs in repeated.items():
        problems += _repeated(first_file, file, pairs, records)
    return authorities


def _repeated(first_file: Path, file: Path, pairs: list, records: list[RawRecord]
              ) -> list[Problem]:
    """Authorities given twice: each said, or, when many of one file are in another (a
    workbook saved beside the CSV it came from), the two files said once."""
    if first_file == file or len(pairs) <= GROUP_ABOVE:
        return [record.problem("authority", _duplicate_message(authority, first))
                for record, authority, first in pairs]
    names = [authority.name for _, authority, _ in pairs]
    in_file = sum(1 for record in records if record.file == file)
    which = ("the same authorities as" if in_file == len(pairs)
             else f"{len(pairs)} of its {in_file} authorities also in")
    return [Problem(file, f"holds {which} {display_path(first_file)} ({len(pairs)}: "
                          f"{examples(names)}): each authority belongs in one file; keep one "
                          "of the two files, or take the repeated ones out of one")]


def _duplicate_message(authority: Authority, first: Authority) -> str:
    where = display_path(first.source) + (f", line {first.line}" if first.line else "")
    if first.name == authority.name:
        return f'"{authority.name}" appears more than once (first at {where})'
    return (f'"{authority.name}" would be written to the same file, {authority.slug}.pdf, '
            f'as "{first.name}" ({where})')
