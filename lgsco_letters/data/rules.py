"""The way a format's rules (`Format.rules`) read one record's counts and report a broken one.

The data stage runs the rules as it validates each record; the format, a later stage, writes
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lgsco_letters.data.sources import RawRecord
    from lgsco_letters.problems import Problem

Counts = dict[str, dict[str, int]]  # group -> key -> count


@dataclass
class RecordRules:
    """One record's counts, and the way a format's rules report a broken one."""

    record: RawRecord
    counts: Counts
    problems: list[Problem]

    def count(self, field_name: str) -> int | None:
        group, _, key = field_name.partition("_")
        return self.counts.get(group, {}).get(key)

    def at_most(self, parts: tuple[str, ...], limit: str, limit_words: str) -> None:
        """The sum of `parts` may not exceed the count `limit` (`limit_words` says what it
        counts, as the message reads: "the 3 upheld")."""
        values = [self.count(part) for part in parts]
        ceiling = self.count(limit)
        if ceiling is None or None in values or sum(values) <= ceiling:
            return
        what = " + ".join(parts) if len(parts) > 1 else ""
        found = f"{what} = {sum(values)}" if what else str(sum(values))
        self.problems.append(self.record.problem(
            parts[-1], f"expected no more than the {ceiling} {limit_words} ({limit}), found "
                       f"{found}"))
