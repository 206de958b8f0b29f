"""The way a format's rules (`Format.rules`) read one record's counts and report a broken one.

The data stage runs the rules as it validates each record; the format, a later stage, writes
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lgsco_letters.data.schema import Schema
    from lgsco_letters.data.sources import RawRecord
    from lgsco_letters.problems import Problem

Counts = dict[str, dict[str, int]]  # group -> key -> count


@dataclass
class RecordRules:
    """One record's counts, and the way a format's rules report a broken one."""

    record: RawRecord
    counts: Counts
    problems: list[Problem]
    schema: Schema  # the format's fields: which group owns each

    def count(self, field_name: str) -> int | None:
        """A count by its flat field name, found through the group that owns the field; None
        when the record lacks it (already reported)."""
        located = self.schema.locate(field_name)
        if located is None:
            raise KeyError(f"no count group has the field {field_name}")  # a format's bug
        group, key = located
        return self.counts.get(group, {}).get(key)

    def at_most(self, parts: tuple[str, ...], limit: str | tuple[str, ...],
                limit_words: str) -> None:
        """The sum of `parts` may not exceed the count `limit`, or the sum of the counts
        `limit` names (`limit_words` says what it counts, as the message reads: "the 3
        upheld")."""
        limits = (limit,) if isinstance(limit, str) else limit
        values = [self.count(part) for part in parts]
        ceilings = [self.count(part) for part in limits]
        if None in ceilings or None in values or sum(values) <= sum(ceilings):
            return
        what = " + ".join(parts) if len(parts) > 1 else ""
        found = f"{what} = {sum(values)}" if what else str(sum(values))
        self.problems.append(self.record.problem(
            parts[-1], f"expected no more than the {sum(ceilings)} {limit_words} "
                       f"({' + '.join(limits)}), found {found}"))
