"""Long lists said short: many lines of one kind become one line with a count and a hint."""

from __future__ import annotations

import collections
from collections.abc import Callable

import click

from lgsco_letters.findings import GROUP_ABOVE  # more of one kind are counted, not listed


def grouped(items: list[tuple[str, str]], summaries: dict[str, Callable[[int], str]],
            every: bool) -> list[str]:
    """`items` are (kind, line); a kind with many lines and a summary becomes that summary."""
    by_kind: dict[str, list[str]] = collections.defaultdict(list)
    for kind, line in items:
        by_kind[kind].append(line)
    lines = []
    for kind, kind_lines in by_kind.items():
        if every or len(kind_lines) <= GROUP_ABOVE or kind not in summaries:
            lines += kind_lines
        else:
            lines.append(summaries[kind](len(kind_lines)))
    return lines


def verbose() -> bool:
    """Whether the command line asked for everything (`-v`)."""
    return bool(click.get_current_context().find_root().params.get("verbose"))
