"""Cells of the CSV files lgsco-letters writes (the manifest, `summary --format csv`, the
published data): what a spreadsheet program shows as text, never runs as a formula."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> str:
    """The value as text that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
