"""The year before (`previous:` in year.yaml): each of this year's authorities matched to its own
records of that year, so that its letter can set each measure against its own last year.

An authority's own records are its record of that year, those of the councils that year says it
took over (their `successor`), and those its `predecessors` name. A predecessor that year does
not have, or says went to another council, is a problem: pooling the wrong councils, or
leaving one out, would be a silent difference.
"""

from __future__ import annotations

from lgsco_letters.data.models import Authority, Before, Year
from lgsco_letters.data.names import name_hint
from lgsco_letters.errors import Problem
from lgsco_letters.words import Hints


def before(year: Year, earlier: Year, problems: list[Problem]) -> Before:
    """`earlier`, with each of `year`'s authorities matched to its records there."""
    by_name = {authority.name: authority for authority in earlier.authorities}
    taken_over: dict[str, list[str]] = {}
    for authority in earlier.authorities:
        if authority.successor:
            taken_over.setdefault(authority.successor, []).append(authority.name)
    records = {}
    hints = Hints()  # a did-you-mean for the first few, not a comparison with every council
    for authority in year.authorities:
        names = [authority.name] if authority.name in by_name else []
        names += taken_over.get(authority.name, [])
        names += _predecessors(authority, earlier, by_name, problems, hints)
        records[authority.slug] = tuple(by_name[name] for name in dict.fromkeys(names))
    return Before(earlier, records)


def _predecessors(authority: Authority, earlier: Year, by_name: dict[str, Authority],
                  problems: list[Problem], hints: Hints) -> list[str]:
    """The predecessors the year before has, each problem with the others reported."""
    found = []
    for name in authority.predecessors:
        predecessor = by_name.get(name)
        if predecessor is None:
            message = (f'"{name}" is not an authority of {earlier.label}, the year before '
                       f"(previous: in year.yaml){hints(name, sorted(by_name), name_hint)}: "
                       "expected the councils of the year before that this one took over")
        elif predecessor.successor not in ("", authority.name):
            message = (f'"{name}" went to {predecessor.successor}, as {earlier.label} says '
                       "(its successor)")
        else:
            found.append(name)
            continue
        problems.append(Problem(authority.source, message, authority.line, authority.name,
                                "predecessors"))
    return found
