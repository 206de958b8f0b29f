"""What the layout check can find in a rendered letter, in words, with a stable code for each.

Kept apart from `layout.py` (which reads WeasyPrint's boxes) so that `check`, `build` and
`status` can speak of findings without importing WeasyPrint.

A *problem* makes the letter wrong (`check --pdf` exits 2, `build` marks the letter failed); a
*warning* is worth a look and changes no exit code.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterable
from dataclasses import dataclass

MM = 96 / 25.4  # CSS pixels in a millimetre: the check measures in pixels, speaks in mm

# code -> what it means, as the README and `--help` say it
PROBLEMS = {
    "overlap": "text, a rule, an opaque image or a filled box drawn over other text",
    "outside": "content outside the page's printable area",
    "split": "a table or figure split across pages, or a table apart from its caption",
    "heading-last": "a heading left last on a page",
}
PAGE_COUNT = "page-count"
WARNINGS = {
    "underfilled": "a page other than the last filled less than half",
    "short-last-line": "a paragraph whose last line is a single short word",
    "page-count": "a page count unlike most of the year's",
    "image-over-text": "an image that may be transparent (SVG, or with an alpha channel) "
                       "meeting text",
}
CODES = {**PROBLEMS, **WARNINGS}
LAYOUT_FAILED = "layout: "  # a build's error for a letter the layout check failed, then what
LAYOUT_ADVICE = ("fix the template (lgsco-letters check --pdf says what and where), then "
                 "lgsco-letters build")


def failed_build(error: str) -> str:
    """Why a letter has no build to send, and what to do, as status, approve and send say it:
    the layout check's problems with their advice, or the build's error."""
    if error.startswith(LAYOUT_FAILED):
        return (f"it failed the layout check: {error.removeprefix(LAYOUT_FAILED)}; "
                f"{LAYOUT_ADVICE}")
    return f"the build failed: {error}; mend it, then lgsco-letters build"


@dataclass(frozen=True)
class Finding:
    """One thing the layout check saw: its code, the page (1-based; None for the whole letter)
    and what, in words."""

    code: str
    detail: str
    page: int | None = None

    @property
    def is_problem(self) -> bool:
        return self.code in PROBLEMS

    @property
    def message(self) -> str:
        where = f"page {self.page}: " if self.page is not None else ""
        return f"{where}{self.detail} ({self.code})"


def codes_of(findings: Iterable[Finding | str]) -> str:
    """The manifest's `layout` cell: each code once, in a fixed order, space-separated."""
    found = {item if isinstance(item, str) else item.code for item in findings}
    return " ".join(code for code in CODES if code in found)


def problem_codes(codes: str) -> list[str]:
    """The codes of a `layout` cell that make a letter wrong."""
    return [code for code in codes.split() if code in PROBLEMS]


def with_page_count(findings: tuple[Finding, ...], pages: int,
                    usual: int | None) -> tuple[Finding, ...]:
    """A letter's findings, and a warning if its page count is not the year's usual one."""
    if usual is None or pages == usual:
        return findings
    return (*findings, Finding(PAGE_COUNT, f"the letter has {pages} pages where the year's "
                                             f"letters usually have {usual}"))


def usual_pages(counts: list[int]) -> int | None:
    """The page count most of the year's letters have (the smaller, in a tie)."""
    if not counts:
        return None
    tally = collections.Counter(counts)
    return min(tally, key=lambda pages: (-tally[pages], pages))


def quote(text: str, limit: int = 40) -> str:
    """Text as a finding quotes it: on one line, and cut short with an ellipsis if long."""
    text = re.sub(r"\s+", " ", text).strip()
    return f'"{text if len(text) <= limit else text[:limit - 1] + "…"}"'
