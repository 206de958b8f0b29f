"""Words for messages: one plural rule, and one way of guessing what a person meant."""

from __future__ import annotations

import difflib


def plural(count: int, word: str, words: str = "") -> str:
    """`1 letter`, `2 letters`; `words` for irregular plurals (`authorities`)."""
    return f"{count} {word if count == 1 else words or word + 's'}"


def examples(names: list[str], shown: int = 3) -> str:
    """A few of many, and how many more: `Adur, Allerdale, Amber Valley and 189 more`."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def likeness(typed: str, meant: str) -> float:
    """How alike two words are, from 0 to 1, in any case."""
    return difflib.SequenceMatcher(None, typed.casefold(), meant.casefold()).ratio()


def closest(typed: str, choices: list[str] | tuple[str, ...], cutoff: float = 0.6,
            score=likeness) -> list[str]:
    """The best few choices: the closest, and any nearly as close (many share words). A word
    far longer than any choice is like none (and is not compared, which would take long)."""
    if len(typed) > 2 * max((len(choice) for choice in choices), default=0) + 20:
        return []
    ranked = sorted(((score(typed, choice), choice) for choice in choices),
                    key=lambda pair: -pair[0])[:3]
    best = ranked[0][0] if ranked else 0.0
    return [choice for value, choice in ranked if value >= cutoff and value >= best - 0.05]


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A ' (did you mean ...?)' hint for a misspelt key or column, or nothing."""
    close = closest(word, choices)
    return f' (did you mean "{close[0]}"?)' if close else ""


HINTED = 20  # misspellings in one file given a "did you mean", each a comparison with every choice


class Hints:
    """Hints for the first `HINTED` misspellings of one file, none after: each is still said,
    but a file of thousands of unknown keys is read in time in proportion to its size."""

    def __init__(self, limit: int = HINTED):
        self.left = limit

    def __call__(self, word: str, choices: list[str] | tuple[str, ...], hint=suggest) -> str:
        """`hint(word, choices)` (`suggest`, or another of its kind), while any are left."""
        if self.left <= 0:
            return ""
        self.left -= 1
        return hint(word, choices)


def visible(text: str) -> str:
    """Text as a message may show it: control and format characters written as \\uXXXX, so
    that quoting a bad value never moves a terminal's cursor or reverses its line."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else f"\\u{ord(char):04x}"
                   for char in text)
