"""Every rule an authority's figures must obey. All problems are collected, none raised early."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lgsco_letters.data.addresses import address_problem
from lgsco_letters.data.fields import ADDRESSES, EMAIL, FIELDS, FLAG, NAME, NAMES, TEXT, Field
from lgsco_letters.data.models import Authority, LetterFormat, Recipient
from lgsco_letters.data.pending import Waiting, no_figures
from lgsco_letters.data.rules import RecordRules
from lgsco_letters.data.schema import CountGroup
from lgsco_letters.data.slugs import slugify
from lgsco_letters.data.sources import ALREADY_REPORTED, RawRecord
from lgsco_letters.data.succession import check_successors
from lgsco_letters.data.values import COUNT, Refused, count_of, flag_of, found, text_of
from lgsco_letters.errors import Problem, display_path
from lgsco_letters.findings import GROUP_ABOVE
from lgsco_letters.words import examples

MAX_NAME = 150  # characters in an authority's name, and in its file's name (its slug)
PREDECESSOR_SEPARATOR = ";"  # between names in a cell, as the register of councils writes them


def _blank(value: Any) -> bool:
    return value is None or value is ALREADY_REPORTED or (
        isinstance(value, str) and not value.strip())


def _read(record: RawRecord, field: str, problems: list[Problem], rule: Callable[[Any], Any],
          missing: str = "") -> Any:
    """The field's value by `rule`, or None when blank or refused (the problem reported; a
    blank one only when `missing` says what was expected)."""
    value = record.values.get(field)
    if _blank(value):
        if missing and value is not ALREADY_REPORTED:
            problems.append(record.problem(field, f"is missing: expected {missing}"))
        return None
    try:
        return rule(value)
    except Refused as refused:
        problems.append(record.problem(field, str(refused)))
        return None


def read_count(record: RawRecord, field: str, problems: list[Problem],
               missing: str = COUNT) -> int | None:
    return _read(record, field, problems, count_of, missing)


def text_field(record: RawRecord, field: str, problems: list[Problem], missing: str = "") -> str:
    key = record.schema.yaml_key(field) if record.nested else field
    return _read(record, field, problems, lambda value: text_of(value, key), missing) or ""


def read_name(record: RawRecord, field: str, problems: list[Problem], missing: str) -> str:
    """The authority's official name: it titles the letter and names its file, so stray
    spaces and overlong names are refused rather than tidied."""
    raw = record.values.get(field)
    name = text_field(record, field, problems, missing)
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
    if len(slug := slugify(name)) > MAX_NAME:
        return (f"expected a name whose file name is at most {MAX_NAME} characters, found "
                f"{len(slug)} ({found(slug)}): its letters spelt out in plain ASCII")
    return ""


def read_predecessors(record: RawRecord, field: str, problems: list[Problem],
                      missing: str = "") -> tuple[str, ...]:
    """The councils this one took over: names separated by ";" in a CSV or workbook cell, a
    list of names in YAML."""
    value = record.values.get(field)
    if _blank(value):
        return ()
    if isinstance(value, str):
        value = [part.strip() for part in value.split(PREDECESSOR_SEPARATOR)]
    if not isinstance(value, list):
        problems.append(record.problem(field, f'expected names separated by "; ", found '
                                              f"{found(value)}"))
        return ()
    names: list[str] = []
    for name in value:
        if problem := _predecessor_problem(record, name, names):
            problems.append(record.problem(field, problem))
        else:
            names.append(str(name))
    return tuple(names)


def _predecessor_problem(record: RawRecord, name: Any, names: list[str]) -> str:
    if _blank(name):
        return 'expected names separated by "; ", found an empty one'
    try:
        text = text_of(name, "predecessors")
    except Refused as refused:
        return str(refused)
    if problem := name_problem(name):
        return problem
    if text == record.name:
        return "names the authority itself: expected the councils it took over"
    return f'names "{text}" twice' if text in names else ""


def read_flag(record: RawRecord, field: str, problems: list[Problem], missing: str = "") -> bool:
    return bool(_read(record, field, problems, flag_of))


def _counts(record: RawRecord, group: CountGroup, problems: list[Problem]) -> dict[str, int]:
    counts = {key: read_count(record, f"{group.name}_{key}", problems) for key in group.keys}
    found_counts = {key: count for key, count in counts.items() if count is not None}
    if group.total:
        _check_total(record, group, found_counts, problems)
    return found_counts


def _check_total(record: RawRecord, group: CountGroup, counts: dict[str, int],
                 problems: list[Problem]) -> None:
    total = read_count(record, f"{group.name}_total", problems, missing="")
    if total is not None and len(counts) == len(group.keys) and total != sum(counts.values()):
        problems.append(record.problem(
            f"{group.name}_total", f"expected {sum(counts.values())} (the sum of the "
                                   f"{group.name} figures), found {total}"))


def read_email(record: RawRecord, field: str, problems: list[Problem], missing: str = "") -> str:
    email = text_field(record, field, problems, missing)
    if email and (problem := address_problem(email)):
        problems.append(record.problem(field, problem))
    return email


# The rule for each kind of field (`fields.py`).
READERS = {NAME: read_name, TEXT: text_field, EMAIL: read_email, FLAG: read_flag,
           "count": read_count, NAMES: read_predecessors}


def _shared_fields(record: RawRecord, problems: list[Problem]) -> dict[str, Any]:
    """Every shared field's value, read as its declaration says (`fields.FIELDS`)."""
    return {field.name: _shared_field(record, field, problems) for field in FIELDS}


def _shared_field(record: RawRecord, field: Field, problems: list[Problem]) -> Any:
    value = READERS[field.kind](record, field.name, problems, field.missing)
    if field.check is not None and (problem := field.check(value, record.name)):
        problems.append(record.problem(field.name, problem))
    return value or field.default


def _each_address_once(record: RawRecord, shared: dict[str, Any],
                       problems: list[Problem]) -> None:
    """A letter goes to each address once (`fields.ADDRESSES`): a copy to the recipient's own
    address, or to one address for two roles, would be the same letter twice in one mailbox."""
    seen: dict[str, str] = {}
    for field in ADDRESSES:
        address = shared.get(field)
        if address and seen.setdefault(address.casefold(), field) != field:
            problems.append(record.problem(field, (
                f"is {found(address)}, as {seen[address.casefold()]} is: a letter is sent to "
                "each address once; give each its own address, or leave this one empty")))


def authority_from(record: RawRecord, letter_format: LetterFormat, problems: list[Problem],
                   waiting: Waiting) -> Authority | None:
    """The typed authority, or None when the record has any problem (all of them reported,
    those its file's reader found among them). What it lacks but is not wrong (figures, a
    recipient) goes to `waiting`, said once for all the records that lack it."""
    before = len(problems)
    shared = _shared_fields(record, problems)
    _each_address_once(record, shared, problems)
    email = record.values.get("recipient_email")
    if _blank(email) and email is not ALREADY_REPORTED:  # (a bad cell is said as such)
        waiting.lacks_recipient(record)
    counts = _all_counts(record, letter_format, problems, waiting)
    if len(problems) > before or any(v is ALREADY_REPORTED for v in record.values.values()):
        return None
    recipient = Recipient(shared["recipient_name"], shared["recipient_title"],
                          shared["recipient_email"])
    name = shared["authority"]
    return Authority(name, slugify(name), shared["authority_type"], recipient,
                     shared["specimen"], counts, record.file,
                     record.key_lines.get("authority", record.line),
                     shared["link_officer_email"], shared["monitoring_officer_email"],
                     shared["successor"], shared["predecessors"])


def _all_counts(record: RawRecord, letter_format: LetterFormat, problems: list[Problem],
                waiting: Waiting) -> dict[str, dict[str, int]]:
    if no_figures(record, letter_format.counts):
        waiting.lacks_figures(record)  # not filled in yet: one finding for them all
        return {}
    counts = {group.name: _counts(record, group, problems) for group in letter_format.counts}
    letter_format.check_record(RecordRules(record, counts, problems, letter_format.schema))
    return counts


def authorities_from(records: list[RawRecord], letter_format: LetterFormat,
                     problems: list[Problem]) -> list[Authority]:
    """Typed authorities, with duplicates (by name or by file name) reported, and what the
    unfinished ones lack said once. (That predecessors are councils of the year before is
    checked against it, `before.py`.)"""
    authorities: list[Authority] = []
    by_name: dict[str, tuple[Authority, RawRecord]] = {}
    by_slug: dict[str, Authority] = {}
    waiting = Waiting(letter_format.counts)
    repeated: dict[tuple[Path, Path], list[tuple[RawRecord, Authority, Authority]]] = {}
    for record in records:
        authority = authority_from(record, letter_format, problems, waiting)
        if authority is None:
            continue
        first = by_name.get(authority.name, (None,))[0] or by_slug.get(authority.slug)
        if first is not None:
            repeated.setdefault((first.source, record.file), []).append(
                (record, authority, first))
            waiting.forget(record)
            continue
        if not authority.slug:
            problems.append(record.problem("authority", "expected a name with letters in it"))
            waiting.forget(record)
            continue
        by_name[authority.name], by_slug[authority.slug] = (authority, record), authority
        if not waiting.holds(record):
            authorities.append(authority)
    for (first_file, file), pairs in repeated.items():
        problems += _repeated(first_file, file, pairs, records)
    problems += waiting.findings(len(records))
    _check_predecessors(by_name, problems)
    check_successors(by_name, problems)
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
    row = "row" if first.source.suffix.lower() in (".xlsx", ".ods") else "line"
    where = display_path(first.source) + (f", {row} {first.line}" if first.line else "")
    if first.name == authority.name:
        return f'"{authority.name}" appears more than once (first at {where})'
    return (f'"{authority.name}" would be written to the same file, {authority.slug}.pdf, '
            f'as "{first.name}" ({where})')
