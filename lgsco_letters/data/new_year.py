"""The next year's councils, from last year's and, when one is given, a register of councils.

A council in both years keeps its type, recipient, officers and `specimen`; a council new in the
register starts with its type from there and no recipient; a council the new year no longer
has is dropped. Who took over whom (last year's `successor`, the register's `replaces`) becomes
the new council's `predecessors`, so that its figures can be set against theirs. Every figure
is left empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lgsco_letters.data.models import Authority, Formats, Recipient, Year
from lgsco_letters.data.names import name_hint
from lgsco_letters.data.register import Council, alike, read_register
from lgsco_letters.data.slugs import slugify
from lgsco_letters.data.yamlfiles import read_yaml
from lgsco_letters.data.year import AUTHORITIES_CSV, YEAR_FILE, read_year
from lgsco_letters.data.year_settings import is_reporting_year
from lgsco_letters.data.year_writer import (
    authorities_csv,
    authorities_xlsx,
    checked_yaml,
    intended,
    refuse_existing,
    write_folder,
    year_yaml,
)
from lgsco_letters.errors import DataError, LettersError, Problem, display_path
from lgsco_letters.words import Hints, plural


@dataclass(frozen=True)
class Row:
    """One authority of the new year, as its files hold it: its fields by CSV column."""

    name: str
    values: dict[str, str]
    new: bool = False


@dataclass
class Councils:
    """The new year's authorities, and what became of last year's."""

    rows: list[Row]
    dropped: list[str] = field(default_factory=list)  # gone, with no council taking over
    taken_over: dict[str, str] = field(default_factory=dict)  # last year's name -> successor
    kept_types: list[str] = field(default_factory=list)  # notes: the register's type not used


def carried(authority: Authority, predecessors: list[str]) -> Row:
    recipient = authority.recipient
    return Row(authority.name, {
        "authority": authority.name, "authority_type": authority.authority_type,
        "recipient_name": recipient.name, "recipient_title": recipient.title,
        "recipient_email": recipient.email, "link_officer_email": authority.link_officer_email,
        "monitoring_officer_email": authority.monitoring_officer_email,
        "specimen": _flag(authority.specimen), "predecessors": "; ".join(predecessors)})


def started(council: Council, predecessors: list[Authority], old: Year) -> Row:
    """A council new this year: its type from the register, no recipient yet; its figures
    specimen when those of the councils it replaced were (or, replacing none, last year's)."""
    specimen = any(a.specimen for a in predecessors) if predecessors else all(
        a.specimen for a in old.authorities)
    return Row(council.name, {
        "authority": council.name, "authority_type": council.authority_type,
        "specimen": _flag(specimen), "predecessors": "; ".join(a.name for a in predecessors)},
        new=True)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def without_register(old: Year) -> Councils:
    """Last year's councils, less those that name a successor; each successor must be one of
    those left, or a register is needed to say what it is."""
    staying = {a.name: a for a in old.authorities if not a.successor}
    taken_over = {a.name: a.successor for a in old.authorities if a.successor}
    unplaced = sorted({successor for successor in taken_over.values()
                       if successor not in staying})
    if unplaced:
        names = "; ".join(f"{successor} (for {', '.join(_predecessors(taken_over, successor))})"
                          for successor in unplaced)
        raise LettersError(
            f"{old.label} names successors that are not among its councils, and without a "
            f"register of the new year's councils they cannot be placed: {names}. Give "
            "--register FILE, a CSV with official_name, authority_type and replaces (such as "
            "examples/councils-2019.csv).")
    rows = [carried(a, _predecessors(taken_over, a.name)) for a in staying.values()]
    return Councils(rows, taken_over=taken_over)


def _predecessors(taken_over: dict[str, str], successor: str) -> list[str]:
    return sorted(name for name, taken_by in taken_over.items() if taken_by == successor)


def from_register(old: Year, register: list[Council], problems: list[Problem]) -> Councils:
    """The register's councils, last year's carried where they continue; every disagreement
    between the register and last year's `successor` fields is a problem, all reported with
    those found in the register itself (`problems`)."""
    _check_types(old, register, problems)
    before = {a.name: a for a in old.authorities}
    _refuse_look_alikes(old, register, problems)
    taken_over = _taken_over(old, register, problems)
    if problems:
        raise DataError(problems)
    rows, kept = [], []
    took: dict[str, list[str]] = {}  # each council's predecessors, found at once
    for name, successor in sorted(taken_over.items()):
        took.setdefault(successor, []).append(name)
    for council in register:
        predecessors = [before[name] for name in took.get(council.name, [])]
        if council.name not in before:
            rows.append(started(council, predecessors, old))
            continue
        authority = before[council.name]
        rows.append(carried(authority, [a.name for a in predecessors]))
        if authority.authority_type != council.authority_type:
            kept.append(f'{council.name}: "{authority.authority_type}" as in {old.label} (the '
                        f'register says "{council.authority_type}")')
    listed = {council.name for council in register}
    dropped = [name for name in before if name not in listed and name not in taken_over]
    return Councils(rows, dropped, taken_over, kept)


def _check_types(old: Year, register: list[Council], problems: list[Problem]) -> None:
    """Every type the register uses must fit the year's format (a comparison group)."""
    stand_ins = [Authority(c.name, slugify(c.name), c.authority_type, Recipient("", "", ""),
                           False, {}, c.file, c.line) for c in register]
    old.format.check_year(old.settings, stand_ins, problems)


def _refuse_look_alikes(old: Year, register: list[Council], problems: list[Problem]) -> None:
    """A council of the register written otherwise than last year (`Adur district council`)
    would drop last year's and start a new one: refused, naming both."""
    written = {alike(a.name): a for a in old.authorities}
    listed = {council.name for council in register}
    for council in register:
        last = written.get(alike(council.name))
        if last is not None and last.name != council.name and last.name not in listed:
            where = display_path(last.source) + (f", line {last.line}" if last.line else "")
            problems.append(council.problem(
                f'is written "{council.name}", but {old.label} has "{last.name}" ({where}), '
                "which differs only in case, spaces or punctuation: write it as "
                f"{old.label} does, so that its recipient and figures carry on", "official_name"))


def _taken_over(old: Year, register: list[Council], problems: list[Problem]) -> dict[str, str]:
    """Last year's councils that the new year's took over: name -> the new council's name,
    from the register's `replaces` and last year's `successor`, which must agree."""
    before = {a.name: a for a in old.authorities}
    listed = {council.name for council in register}
    taken_over: dict[str, str] = {}
    hints = Hints()  # "did you mean" for the first few names not found, not for thousands
    for council in register:
        for name in council.replaces:
            if problem := _replaces_problem(council, name, before, listed, old.label, hints):
                problems.append(council.problem(problem, "replaces"))
            elif name in before:
                taken_over.setdefault(name, council.name)  # (a second: the register's fault)
    for authority in old.authorities:
        if problem := _successor_problem(authority, taken_over.get(authority.name), listed,
                                         hints):
            problems.append(Problem(authority.source, problem, authority.line, authority.name,
                                    "successor"))
        elif authority.successor:
            taken_over[authority.name] = authority.successor
    return taken_over


def _replaces_problem(council: Council, name: str, before: dict[str, Authority],
                      listed: set[str], label: str, hints: Hints) -> str:
    if name in listed:
        return f'replaces "{name}", which the register lists as a council too'
    if name not in before and council.name not in before:
        # a council new this year replaces councils of last year; one that goes on may list
        # councils it replaced long ago
        return f'replaces "{name}", which is not an authority of {label}' + hints(
            name, before, name_hint)
    return ""


def _successor_problem(authority: Authority, claimed: str | None, listed: set[str],
                       hints: Hints) -> str:
    successor = authority.successor
    if not successor:
        return ""
    if authority.name in listed:
        return f'names the successor "{successor}", but the register still lists it'
    if claimed and claimed != successor:
        return (f'names the successor "{successor}", but the register has "{claimed}" '
                "replacing it")
    if successor not in listed:
        return (f'names the successor "{successor}", which the register does not list'
                f"{hints(successor, sorted(listed), name_hint)}")
    return ""


def describe(councils: Councils, old: Year) -> list[str]:
    """What became of last year's councils, in lines for the command to print."""
    new = [row for row in councils.rows if row.new]
    lines = [f"{plural(len(councils.rows), 'authority', 'authorities')}: "
             f"{len(councils.rows) - len(new)} carried from {old.label}, {len(new)} new"]
    for row in new:
        replaced = row.values["predecessors"]
        lines.append(f"  new: {row.name}" + (f" (took over {replaced})" if replaced else ""))
    if councils.taken_over:
        lines.append(f"  {len(councils.taken_over)} of {old.label}'s taken over by another "
                     f"council: {'; '.join(sorted(councils.taken_over))}")
    if councils.dropped:
        lines.append(f"  dropped, as the register no longer lists them: "
                     f"{'; '.join(councils.dropped)}")
    lines += [f"  type kept: {note}" for note in councils.kept_types]
    return lines


def start_year(label: str, old_dir: Path, register_path: Path | None, target: Path | None,
               workbook: bool, formats: Formats) -> list[str]:
    """Write the year `label` from the year in `old_dir` (in its format among `formats`);
    return what to tell the user."""
    old = read_year(old_dir, formats, with_before=False)  # its own year before is not needed
    years = _years_after(old.label, label)
    target = target or old.folder.parent / label
    refuse_existing(target)
    _refuse_inside(target, old, label)
    if register_path is None:
        councils = without_register(old)
    else:
        problems: list[Problem] = []
        councils = from_register(old, read_register(register_path, problems), problems)
    raw, _ = read_yaml(old.folder / YEAR_FILE, []) or ({}, {})
    text = checked_yaml(year_yaml(raw, old.label, label, years),
                        intended(raw, old.label, label, years), target)
    rows, schema = [row.values for row in councils.rows], old.format.schema
    if workbook:
        write_folder(target, {YEAR_FILE: text,
                              "authorities.xlsx": authorities_xlsx(rows, schema)})
    else:
        write_folder(target, {YEAR_FILE: text, AUTHORITIES_CSV: authorities_csv(rows, schema)})
    return _told(old, councils, target, register_path, workbook)


def _refuse_inside(target: Path, old: Year, label: str) -> None:
    """A new year inside the old one's folder would be a stray folder of that year (and the
    old one the new one's data): refused, with where to put it."""
    folder = old.folder.resolve()
    if target.resolve().is_relative_to(folder):
        raise LettersError(f"--to {display_path(target)} is inside {display_path(old.folder)}, "
                           f"the year it starts from: a year's folder holds that year's files "
                           f"alone; give a folder beside it, such as "
                           f"{display_path(old.folder.parent / label)}")


def _years_after(old_label: str, label: str) -> int:
    if not is_reporting_year(label):
        raise LettersError(f"LABEL: expected a reporting year such as 2019-20, found "
                           f'"{label}"')
    years = int(label[:4]) - int(old_label[:4])
    if years < 1:
        raise LettersError(f"LABEL: expected a year after {old_label}, the year it starts "
                           f"from, found {label}")
    return years


def _told(old: Year, councils: Councils, target: Path, register: Path | None,
          workbook: bool) -> list[str]:
    source = f" and {display_path(register)}" if register else ""
    data = "authorities.xlsx" if workbook else AUTHORITIES_CSV
    lines = [f"Wrote {display_path(target)} ({YEAR_FILE} and {data}) from "
             f"{display_path(old.folder)}{source}.", *describe(councils, old)]
    if (target.parent / old.label).resolve() != old.folder.resolve():
        lines.append(f"Note: previous: {old.label} names the folder beside this one, "
                     f"{display_path(target.parent / old.label)}, which is not "
                     f"{display_path(old.folder)}: put the year there, or check will ask.")
    waiting = [row.name for row in councils.rows if not row.values.get("recipient_email")]
    recipients = (f" and the recipients of the {len(waiting)} new "
                  f"{'authority' if len(waiting) == 1 else 'authorities'}" if waiting else "")
    lines.append(f"Next: check the values in {YEAR_FILE}, fill in the figures{recipients}; "
                 f"lgsco-letters check --data {display_path(target)} says what is left.")
    return lines
