"""How `check` reports: one line per problem grouped by file, or JSON for machines."""

from __future__ import annotations

import json
from itertools import groupby

from lgsco_letters.editors.check import CheckReport
from lgsco_letters.errors import Problem, display_path
from lgsco_letters.words import plural

GROUP_ABOVE = 3  # a finding in more letters than this is said once, with the count


def condensed(problems: list[Problem], every: bool) -> list[tuple[Problem, int]]:
    """Each problem with how many letters it stands for. A layout finding (one with a code)
    that many letters share is said once, by its first letter; `every` (-v) lists them all.
    One small function on purpose: check's generic grouping can replace it."""
    if every:
        return [(problem, 1) for problem in problems]
    counts: dict[str, int] = {}
    for problem in problems:
        if problem.code:
            counts[problem.code] = counts.get(problem.code, 0) + 1
    shown, said = [], set()
    for problem in problems:
        many = counts.get(problem.code, 0) > GROUP_ABOVE
        if not many:
            shown.append((problem, 1))
        elif problem.code not in said:
            said.add(problem.code)
            shown.append((problem, counts[problem.code]))
    return shown


def _more(count: int) -> str:
    return f" (and {plural(count - 1, 'more letter')} like it; -v lists them all)" if count > 1 \
        else ""


def _grouped(problems: list[Problem], every: bool) -> list[str]:
    lines = []
    ordered = sorted(problems, key=lambda p: (display_path(p.file), p.line or 0))
    for file, group in groupby(ordered, key=lambda p: display_path(p.file)):
        lines.append(file)
        lines += [f"  {problem.located().removeprefix(', ').removeprefix(': ')}{_more(count)}"
                  for problem, count in condensed(list(group), every)]
    return lines


def as_text(report: CheckReport, every: bool = False) -> str:
    lines = _grouped(report.problems, every)
    if report.warnings:
        lines += ["Warnings (not problems):", *(f"  {warning}{_more(count)}" for warning, count
                                                in condensed(report.warnings, every))]
    files = len({display_path(p.file) for p in report.problems})
    pages = ""
    if report.pages:
        counts = sorted(set(report.pages.values()))
        pages = f"; PDFs rendered: {len(report.pages)} ({', '.join(map(str, counts))} pages)"
    if report.clean:
        summary = f"No problems: {plural(report.authorities, 'letter')} checked{pages}"
    else:
        summary = (f"{plural(len(report.problems), 'problem')} in {plural(files, 'file')}"
                   f"{pages}")
    if report.warnings:
        summary += f"; {plural(len(report.warnings), 'warning')}"
    return "\n".join([*lines, summary + "."])


def as_json(report: CheckReport) -> str:
    return json.dumps({
        "clean": report.clean,
        "authorities": report.authorities,
        "problems": [p.as_dict() for p in report.problems],
        "warnings": [w.as_dict() for w in report.warnings],
        "pages": report.pages,
    }, indent=1, ensure_ascii=False)
