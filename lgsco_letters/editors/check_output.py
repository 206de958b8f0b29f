"""How `check` reports: one line per problem grouped by file, or JSON for machines."""

from __future__ import annotations

import json
from itertools import groupby

from lgsco_letters.data.addresses import visible
from lgsco_letters.editors.check import CheckReport
from lgsco_letters.errors import Problem, display_path
from lgsco_letters.findings import DESCRIBED, group_problems
from lgsco_letters.words import plural


def _grouped(problems: list[Problem], every: bool) -> list[str]:
    """By file; the first `DESCRIBED` said, and how many more, unless `every`."""
    lines = []
    ordered = sorted(group_problems(problems, every),
                     key=lambda p: (display_path(p.file), p.line or 0))
    shown = ordered if every else ordered[:DESCRIBED]
    for file, group in groupby(shown, key=lambda p: display_path(p.file)):
        lines.append(file)
        lines += [f"  {problem.located().removeprefix(', ').removeprefix(': ')}"
                  for problem in group]
    if len(shown) < len(ordered):
        lines.append(f"and {len(ordered) - len(shown):,} more problems (-v lists every one)")
    return lines


def as_text(report: CheckReport, every: bool = False) -> str:
    """Many findings alike are counted, with examples, unless `every` (`-v`)."""
    lines = _grouped(report.problems, every)
    if report.warnings:
        lines += ["Warnings (not problems):",
                  *(f"  {w}" for w in group_problems(report.warnings, every))]
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
    # what the data holds is shown, never obeyed: a terminal's escapes made visible
    return "\n".join(visible(line) for line in [*lines, summary + "."])


def as_json(report: CheckReport) -> str:
    return json.dumps({
        "clean": report.clean,
        "authorities": report.authorities,
        "problems": [p.as_dict() for p in report.problems],
        "warnings": [w.as_dict() for w in report.warnings],
        "pages": report.pages,
    }, indent=1, ensure_ascii=False)
