"""Many findings alike said once: a count and a few examples, not a line for every record.

A finding shared by more than a few records (the same message about the same field, or the same
`code`, where a check gives its findings one) becomes one, in the same shape as any other:
`authorities.csv, authority_type: ... (in 192 rows: line 2 (Adur District Council), ...)`. `-v`
asks for every one; JSON always has every one, for machines.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from lgsco_letters.problems import Problem, display_path
from lgsco_letters.words import plural

GROUP_ABOVE = 3  # more findings alike than this are counted, with this many examples
EVERY_HINT = "; -v lists every one"


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
        if len(same) <= GROUP_ABOVE:
            grouped.append(problem)
        elif problem is same[0]:
            grouped.append(_one_for_all(same, hint))
    return grouped


def _kind(problem: Problem) -> tuple:
    code = getattr(problem, "code", None)  # a check's own name for a kind of finding
    return (code or problem.message, problem.field, problem.sheet)


def _one_for_all(same: list[Problem], hint: str) -> Problem:
    files = {problem.file for problem in same}
    one_file = len(files) == 1
    file = same[0].file if one_file else Path(os.path.commonpath([str(f) for f in files]))
    places = [_place(problem, one_file) for problem in same[:GROUP_ABOVE]]
    noun = "row" if one_file else "file"
    more = f" and {len(same) - GROUP_ABOVE} more{hint}"
    return Problem(file, f"{same[0].message} (in {plural(len(same), noun)}: "
                         f"{', '.join(places)}{more})", field=same[0].field,
                   sheet=same[0].sheet if one_file else None)


def _place(problem: Problem, one_file: bool) -> str:
    """Where one of them is, without what: `line 2 (Adur District Council)`."""
    located = problem.located().removesuffix(f": {problem.message}").removeprefix(", ")
    for said in (f", {problem.field}", f" ({problem.field})"):
        if problem.field and located.endswith(said):
            located = located.removesuffix(said)
    located = located.removeprefix(f"sheet {problem.sheet}, ") if problem.sheet else located
    if one_file:
        return located or display_path(problem.file)
    return ", ".join(filter(None, [Path(problem.file).name, located]))
