"""Counting words for messages: one plural rule for every command."""

from __future__ import annotations


def plural(count: int, word: str, words: str = "") -> str:
    """`1 letter`, `2 letters`; `words` for irregular plurals (`authorities`)."""
    return f"{count} {word if count == 1 else words or word + 's'}"
