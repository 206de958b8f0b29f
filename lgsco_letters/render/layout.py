"""The layout check: a rendered letter read as its reader sees it, from WeasyPrint's own page
boxes (where each line, rule and image was laid out), not from pixels.

`read_layout(document)` runs on the laid-out document before it is written as PDF and
returns `Finding`s (see `findings.py`): text or rules drawn over text, content outside the
printable area, tables and figures split across pages, headings left last on a page (problems);
pages before the last under half filled and paragraphs ending in one short word (warnings).
A page count unlike the year's is judged across letters, by `check` and `build`.

Units are WeasyPrint's CSS pixels (1/96 in); findings speak in millimetres.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder

from lgsco_letters.render.findings import Finding

MM = 96 / 25.4  # CSS pixels in a millimetre
EPSILON = 0.75  # px (about 0.2 mm): overlaps and overflows smaller than this are rounding
CAP_HEIGHT, X_HEIGHT, DESCENT = 0.72, 0.52, 0.21  # of the em, as Arial and Liberation Sans
DESCENDERS = set("gjpqyQ(),;[]{}|_@$/\\")
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SPLITTABLE = {"table", "figure"}
SHORT_WORD = 1 / 6  # a last line of one word narrower than this share of its paragraph
LEAST_FILLED = 0.5  # a page before the last filled less than this is a warning


@dataclass(frozen=True)
class Ink:
    """Something drawn on a page: a run of text (its glyphs' box), a rule or an image."""

    kind: str  # "text", "rule" or "image"
    x0: float
    y0: float
    x1: float
    y1: float
    text: str = ""
    positioned: bool = False  # absolutely or fixed positioned: out of the page's flow

    def overlaps(self, other: Ink) -> bool:
        return (min(self.x1, other.x1) - max(self.x0, other.x0) > EPSILON
                and min(self.y1, other.y1) - max(self.y0, other.y0) > EPSILON)


@dataclass
class Line:
    """A line of a paragraph: its page, its words, and how wide it is against its column."""

    page: int
    text: str
    width: float
    column: float


@dataclass
class Page:
    number: int
    area: tuple[float, float, float, float]  # the printable area: the page's content box
    inks: list[Ink] = field(default_factory=list)
    last_leaf: str | None = None  # the heading's text, if the page's last line is a heading's


@dataclass
class Context:
    """What a box inherits from the boxes around it while the tree is walked."""

    positioned: bool = False
    heading: str | None = None  # the text of the heading this box is in, if any


@dataclass
class Scan:
    pages: list[Page] = field(default_factory=list)
    paragraphs: dict[int, list[Line]] = field(default_factory=lambda: defaultdict(list))
    pieces: dict[int, tuple[str, set[int]]] = field(default_factory=dict)  # tables, figures


def read_layout(document: Any) -> tuple[Finding, ...]:
    """Every finding of a laid-out WeasyPrint document, page by page."""
    scan = Scan()
    for number, page in enumerate(document.pages, start=1):
        box = page._page_box
        area = (box.content_box_x(), box.content_box_y(),
                box.content_box_x() + box.width, box.content_box_y() + box.height)
        scan.pages.append(Page(number, area))
        for child in box.children:
            _visit(child, scan, Context(), None)
    findings: list[Finding] = []
    for page in scan.pages:
        findings += _overlaps(page) + _outside(page)
        if page.last_leaf is not None:
            findings.append(Finding("heading-last", f'the page ends with the heading '
                                                    f'{_quote(page.last_leaf)}', page.number))
    findings += _splits(scan) + _underfilled(scan.pages) + _short_last_lines(scan)
    return tuple(findings)


# ---- walking the boxes ------------------------------------------------------------------

def _visit(box: Any, scan: Scan, context: Context, block: Any) -> None:
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    if isinstance(box, boxes.MarginBox):
        return  # the page's margins hold what is meant to be there (running heads)
    page = scan.pages[-1]
    context = _context_of(box, context)
    _borders(box, page, context)
    if box.element is not None and box.element_tag in SPLITTABLE and (
            isinstance(box, boxes.TableBox) or box.element_tag == "figure"):
        scan.pieces.setdefault(id(box.element), (_label(box), set()))[1].add(page.number)
    if isinstance(box, boxes.TextBox):
        _text(box, page, context)
    elif isinstance(box, boxes.ReplacedBox):
        page.inks.append(Ink("image", box.content_box_x(), box.content_box_y(),
                             box.content_box_x() + box.width, box.content_box_y() + box.height,
                             positioned=context.positioned))
        if not context.positioned:
            page.last_leaf = context.heading
    if isinstance(box, boxes.LineBox):
        _line(box, scan, page, context, block)
    if isinstance(box, boxes.ParentBox):
        inner = box if isinstance(box, boxes.BlockContainerBox) else block
        for child in box.children:
            _visit(child, scan, context, inner)


def _context_of(box: Any, outer: Context) -> Context:
    position = box.style["position"]
    positioned = outer.positioned or position in ("absolute", "fixed")
    heading = outer.heading
    if heading is None and box.element is not None and box.element_tag in HEADINGS:
        heading = " ".join("".join(box.element.itertext()).split())
    if positioned == outer.positioned and heading == outer.heading:
        return outer
    return Context(positioned, heading)


def _borders(box: Any, page: Page, context: Context) -> None:
    """Each side of the box's border that is drawn, as a rule."""
    if isinstance(box, boxes.PageBox | boxes.TextBox):
        return
    x, y = box.border_box_x(), box.border_box_y()
    width, height = box.border_width(), box.border_height()
    sides = {"top": (x, y, x + width, y + box.border_top_width),
             "bottom": (x, y + height - box.border_bottom_width, x + width, y + height),
             "left": (x, y, x + box.border_left_width, y + height),
             "right": (x + width - box.border_right_width, y, x + width, y + height)}
    for side, (x0, y0, x1, y1) in sides.items():
        if getattr(box, f"border_{side}_width") > 0 and box.style[f"border_{side}_style"] not in (
                "none", "hidden"):
            page.inks.append(Ink("rule", x0, y0, x1, y1, positioned=context.positioned))


def _text(box: Any, page: Page, context: Context) -> None:
    """The box its glyphs' ink fills: from the cap height (or x-height) above the baseline to
    the descenders below it, if it has any."""
    text = box.text.strip()
    if not text:
        return
    em, baseline = box.style["font_size"], box.position_y + box.baseline
    tall = any(c.isupper() or c.isdigit() or c in "bdfhklt'\"%&!?" for c in text)
    top = baseline - em * (CAP_HEIGHT if tall else X_HEIGHT)
    bottom = baseline + em * (DESCENT if DESCENDERS & set(text) else 0.02)
    page.inks.append(Ink("text", box.position_x, top, box.position_x + box.width, bottom,
                         text, context.positioned))


def _line(box: Any, scan: Scan, page: Page, context: Context, block: Any) -> None:
    text = " ".join(_line_text(box).split())
    if context.positioned or not text:
        return
    page.last_leaf = context.heading
    if block is not None and block.element is not None and block.element_tag == "p":
        scan.paragraphs[id(block.element)].append(
            Line(page.number, text, box.width, block.width))


def _line_text(box: Any) -> str:
    if isinstance(box, boxes.TextBox):
        return box.text
    return "".join(_line_text(child) for child in getattr(box, "children", ()))


def _label(box: Any) -> str:
    """How a table or figure is named in a finding: its caption, else its kind."""
    captions = box.element.findall("caption") if box.element_tag == "table" else []
    if captions:
        return f'the table {_quote(" ".join("".join(captions[0].itertext()).split()))}'
    return f"a {box.element_tag}"


# ---- judging the pages ------------------------------------------------------------------

def _overlaps(page: Page) -> list[Finding]:
    """Rules, images and text drawn over text: a sweep down the page, pairs that meet. Of two
    texts, the one drawn later is the one over the other."""
    inks = sorted(enumerate(page.inks), key=lambda pair: pair[1].y0)
    clashes = []
    for index, (order, ink) in enumerate(inks):
        for later, other in inks[index + 1:]:
            if other.y0 >= ink.y1 - EPSILON:
                break
            if "text" in (ink.kind, other.kind) and ink.overlaps(other):
                clashes.append(_under_and_over((order, ink), (later, other)))
    if not clashes:
        return []
    under, over = clashes[0]
    what = f"the text {_quote(over.text)}" if over.kind == "text" else (
        f"{'an' if over.kind == 'image' else 'a'} {over.kind}")
    also = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
    return [Finding("overlap", f"{what} is drawn over the text {_quote(under.text)}, "
                               f"{(over.y0 - page.area[1]) / MM:.1f} mm below the top margin"
                               f"{also}", page.number)]


def _under_and_over(first: tuple[int, Ink], second: tuple[int, Ink]) -> tuple[Ink, Ink]:
    """(the text underneath, what is drawn over it)."""
    (_, a), (_, b) = sorted((first, second), key=lambda pair: pair[0])
    if a.kind != "text":
        return b, a
    return a, b


def _outside(page: Page) -> list[Finding]:
    left, top, right, bottom = page.area
    beyond = []
    for ink in page.inks:
        reach = max(left - ink.x0, ink.x1 - right, top - ink.y0, ink.y1 - bottom)
        if reach > EPSILON:
            beyond.append((reach, ink))
    if not beyond:
        return []
    reach, ink = max(beyond, key=lambda pair: pair[0])
    what = _quote(ink.text) if ink.kind == "text" else f"a {ink.kind}"
    also = f" (and {len(beyond) - 1} more)" if len(beyond) > 1 else ""
    return [Finding("outside", f"{what} reaches {reach / MM:.1f} mm beyond the printable area"
                               f"{also}", page.number)]


def _splits(scan: Scan) -> list[Finding]:
    return [Finding("split", f"{label} is split across pages {_pages(pages)}", min(pages))
            for label, pages in scan.pieces.values() if len(pages) > 1]


def _underfilled(pages: list[Page]) -> list[Finding]:
    findings = []
    for page in pages[:-1]:
        _, top, _, bottom = page.area
        reach = max((ink.y1 for ink in page.inks if not ink.positioned), default=top)
        filled = (reach - top) / (bottom - top)
        if filled < LEAST_FILLED:
            findings.append(Finding("underfilled", f"only {filled:.0%} of the page is filled "
                                                   f"(page {page.number} of {len(pages)})",
                                    page.number))
    return findings


def _short_last_lines(scan: Scan) -> list[Finding]:
    findings = []
    for lines in scan.paragraphs.values():
        last = lines[-1]
        if len(lines) > 1 and " " not in last.text and last.width < last.column * SHORT_WORD:
            findings.append(Finding("short-last-line", f"a paragraph ends with a line holding "
                                                       f"only {_quote(last.text)}", last.page))
    return findings


def _pages(numbers: set[int]) -> str:
    ordered = sorted(numbers)
    return ", ".join(map(str, ordered[:-1])) + f" and {ordered[-1]}"


def _quote(text: str, limit: int = 40) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return f'"{text if len(text) <= limit else text[:limit - 1] + "…"}"'
