"""Who took over whom, within one year: an abolished authority's `successor` is the council its
letter goes to, so it must be a council that goes on.

A successor that is one of the year's authorities is a council that took over a neighbour and
goes on itself; one that names a successor in turn is abolished too, and a letter addressed to
it would reach nobody: a chain (A to B, B to C) is refused with the council it ends at, and a
cycle (A to B, B to A) is refused naming every council in it.
"""

from __future__ import annotations

from typing import Any

from lgsco_letters.data.models import Authority
from lgsco_letters.errors import Problem


def check_successors(by_name: dict[str, tuple[Authority, Any]], problems: list[Problem]) -> None:
    """Each chain or cycle of successors said on the authority whose successor is at fault;
    `by_name`: the year's authorities by name, each with its raw record."""
    cycles: set[str] = set()
    for authority, record in by_name.values():
        successor = authority.successor
        took_over = by_name.get(successor, (None,))[0]
        if took_over is None or not took_over.successor or authority.name in cycles:
            continue  # no successor, or one that is not of this year, or one that goes on
        path = _followed(authority.name, by_name)
        circle = path[path.index(path[-1]):] if path[-1] in path[:-1] else []
        if authority.name in circle:
            cycles.update(circle)
            problems.append(record.problem("successor", _cycle(circle)))
            continue
        end = "" if circle else f'; name the council that took over in the end ("{path[-1]}")'
        problems.append(record.problem("successor", (
            f'names "{successor}", which is taken over in turn (its successor is '
            f'"{took_over.successor}"): a letter goes to a council that goes on'
            f"{end}")))


def _followed(name: str, by_name: dict[str, tuple[Authority, Any]]) -> list[str]:
    """The names from `name` through each successor, to one that names none (or is not of
    this year), or to the first met again."""
    path = [name]
    while path[-1] in by_name and (successor := by_name[path[-1]][0].successor):
        path.append(successor)
        if successor in path[:-1]:
            break
    return path


def _cycle(cycle: list[str]) -> str:
    names = " to ".join(f'"{name}"' for name in cycle)
    return (f"the successors go round in a circle ({names}): each names a council that in "
            "turn is taken over, and no letter would reach a council that goes on; name the "
            "council that took over in the end, or take the successor away from the one that "
            "goes on")
