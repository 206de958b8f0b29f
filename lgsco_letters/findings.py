"""Many findings alike said once: a count and a few examples, not a line for every record.

A finding shared by more than a few records (the same message about the same field) becomes
one, in the same shape as any other: `authorities.csv, authority_type: ... (in 192 rows: line 2
(Adur District Council), ...)`. A finding a check gives a `code` (the layout check's, about
letters) is alike when its code and its words are, but for its numbers and the letter's own
name: `a rule runs through the text "OMBUDSMAN", 13.5 mm below ...` on page 1 of every letter is
one finding, counted in letters; a rule through other words, or any other difference, is a
finding of its own, never hidden under another. `-v` asks for every one; JSON always has every
one, for machines. A finding that differs only in the value it quotes (`found "3.5"`, `found
"4.5"`: the same rule broken with other values) is alike too, said once with each example's value.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

from lgsco_letters.problems import Problem, display_path
from lgsco_letters.words import plural

GROUP_ABOVE = 3  # more findings alike than this are counted, with this many examples
EVERY_HINT = "; -v lists every one"
DESCRIBED = 200  # findings said one by one; the rest counted (a file of thousands of mistakes)


def cut_short(lines: list[str], every: bool = False) -> list[str]:
    """The first `DESCRIBED` of many findings' lines, and how many more; every one with
    `every` (-v)."""
    if every or len(lines) <= DESCRIBED:
        return lines
    return [*lines[:DESCRIBED], f"  and {len(lines) - DESCRIBED:,} more problems (-v lists "
                                "every one)"]


def group_problems(problems: list[Problem], every: bool = False, hint: str = EVERY_HINT
                   ) -> list[Problem]:
    """The problems, with each set of more than GROUP_ABOVE alike made one (in the place of
    the first); `every` leaves them all as they are."""
    if every:
        return list(problems)
    alike: dict[tuple, list[Problem]] = defaultdict(list)
    for problem in problems:
        alike[_kind(problem)].append(problem)
    grouped = []
    for problem in problems:
        same = alike[_kind(problem)]
        if _size(same) <= GROUP_ABOVE:
            grouped.append(problem)
        elif problem is same[0]:
            grouped.append(_one_for_all(same, hint))
    return grouped


NUMBER = re.compile(r"\d+(?:\.\d+)?")
# The value a data finding quotes: in quotes (text), or as written (a number from a workbook).
FOUND = re.compile(r', found ("(?:[^"\\]|\\.)*"|[^\s,;()"]+)')


def _kind(problem: Problem) -> tuple:
    code = getattr(problem, "code", None)  # a check's own name for a kind of finding
    if code:
        return (code, _shape(problem), problem.field, problem.sheet)
    return (FOUND.sub(", found", problem.message, count=1), problem.field, problem.sheet)


def _size(same: list[Problem]) -> int:
    """How many records share a finding: letters for a coded finding (a letter may have it on
    two pages), else rows."""
    if getattr(same[0], "code", None):
        return len({(problem.file, problem.line, problem.authority) for problem in same})
    return len(same)


def _shape(problem: Problem) -> str:
    """A coded finding's words without what differs from letter to letter in the same fault:
    its numbers (a page, a distance, a share) outside quotes, and the letter's own name. What
    is quoted (the text a rule runs through) stays: different words, a different finding."""
    message = problem.message
    if problem.authority:
        message = message.replace(problem.authority, "\0")
    parts = message.split('"')
    return '"'.join(NUMBER.sub("#", part) if index % 2 == 0 else part
                    for index, part in enumerate(parts))


def _one_for_all(same: list[Problem], hint: str) -> Problem:
    files = {problem.file for problem in same}
    one_file = len(files) == 1
    file = same[0].file if one_file else Path(os.path.commonpath([str(f) for f in files]))
    if getattr(same[0], "code", None):  # a letter's finding: counted in letters, each once
        places = list(dict.fromkeys(_place(problem, one_file) for problem in same))
        count = plural(len(places), "letter")
    else:
        places = [_place(problem, one_file) for problem in same]
        count = plural(len(same), "row" if one_file else "file")
    message = same[0].message
    if not getattr(same[0], "code", None) and any(p.message != message for p in same):
        # the same rule, broken with different values: each example with its own
        message = FOUND.sub(", found different values", message, count=1)
        places = [f"{place} {_quoted(problem)}"
                  for place, problem in zip(places, same, strict=True)]
    more = f" and {len(places) - GROUP_ABOVE} more" if len(places) > GROUP_ABOVE else ""
    return Problem(file, f"{message} (in {count}: {', '.join(places[:GROUP_ABOVE])}"
                         f"{more}{hint})", field=same[0].field,
                   sheet=same[0].sheet if one_file else None)


def _quoted(problem: Problem) -> str:
    match = FOUND.search(problem.message)
    return match[1] if match else ""


def _place(problem: Problem, one_file: bool) -> str:
    """Where one of them is, without what: `line 2 (Adur District Council)`."""
    located = problem.located().removesuffix(f": {problem.message}").removeprefix(", ").strip()
    for said in (f", {problem.field}", f" ({problem.field})"):
        if problem.field and located.endswith(said):
            located = located.removesuffix(said)
    located = located.removeprefix(f"sheet {problem.sheet}, ") if problem.sheet else located
    if one_file:
        return located or display_path(problem.file)
    return ", ".join(filter(None, [Path(problem.file).name, located]))
