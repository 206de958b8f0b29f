"""Real PDFs read as pages, with pdfplumber: each word's glyph box, each rule as it is drawn, and
how far the text reaches down each page. Independent of WeasyPrint's boxes (which the layout
check reads), so these tests check the letters against the PDF itself.

Coordinates are PDF points from the top of the page, as pdfplumber gives them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

MM = 72 / 25.4
PAGE_TOP, PAGE_BOTTOM = 16 * MM, (297 - 18) * MM  # letter.css: @page margins 16 mm and 18 mm
SPECIMEN_RED = (0.784314, 0.062745, 0.180392)  # #c8102e: the specimen mark and banner


@dataclass(frozen=True)
class Box:
    x0: float
    top: float
    x1: float
    bottom: float
    text: str = ""

    def meets(self, other: Box) -> bool:
        return (min(self.x1, other.x1) > max(self.x0, other.x0)
                and min(self.bottom, other.bottom) > max(self.top, other.top))


def is_letter_text(char: dict) -> bool:
    """A glyph of the letter itself: not the specimen's mark or banner."""
    colour = tuple(round(part, 6) for part in char.get("non_stroking_color") or ())
    return char.get("tag") != "Artifact" and colour != SPECIMEN_RED


def words(page) -> list[Box]:
    """The page's words, each with the box its glyphs fill (pdfplumber: font ascent to descent)."""
    chars = page.filter(lambda obj: obj["object_type"] != "char" or is_letter_text(obj))
    return [Box(w["x0"], w["top"], w["x1"], w["bottom"], w["text"])
            for w in chars.extract_words()]


def rules(page, thinnest: float = 3.0) -> list[Box]:
    """Every thin band of ink: lines, thin rectangles, and the sides of a border, which
    WeasyPrint fills as the ring between a box's outer and inner rectangles."""
    bands = [Box(line["x0"], line["top"], line["x1"], line["bottom"]) for line in page.lines]
    rects = page.rects
    bands += [Box(r["x0"], r["top"], r["x1"], r["bottom"]) for r in rects
              if min(r["width"], r["height"]) <= thinnest]
    for outer, inner in itertools.pairwise(rects):
        if outer["non_stroking_color"] == inner["non_stroking_color"]:
            bands += _ring(outer, inner)
    return bands


def _ring(a: dict, b: dict) -> list[Box]:
    """The sides between two nested rectangles of one fill, whichever is the outer."""
    outer, inner = (a, b) if a["width"] * a["height"] >= b["width"] * b["height"] else (b, a)
    sides = [Box(outer["x0"], outer["top"], outer["x1"], inner["top"]),
             Box(outer["x0"], inner["bottom"], outer["x1"], outer["bottom"]),
             Box(outer["x0"], outer["top"], inner["x0"], outer["bottom"]),
             Box(inner["x1"], outer["top"], outer["x1"], outer["bottom"])]
    inside = (outer["x0"] <= inner["x0"] and inner["x1"] <= outer["x1"]
              and outer["top"] <= inner["top"] and inner["bottom"] <= outer["bottom"])
    return [side for side in sides if inside and side.x1 > side.x0 and side.bottom > side.top]


def reach(page) -> float:
    """How far down the printable area the letter's text reaches, from 0 to 1."""
    bottoms = [word.bottom for word in words(page)]
    return (max(bottoms, default=PAGE_TOP) - PAGE_TOP) / (PAGE_BOTTOM - PAGE_TOP)


def open_pdf(path: Path):
    return pdfplumber.open(path)
