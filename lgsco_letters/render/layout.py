"""The layout check: a rendered letter read as its reader sees it, from WeasyPrint's own page
boxes (where each line, rule, image and filled background was laid out and is painted), not
from pixels.

`read_layout(document)` runs on the laid-out document before it is written as PDF and
returns `Finding`s (see `findings.py`): text, rules, images or filled boxes drawn over text,
content outside the printable area, tables and figures split across pages (a table's caption
apart from its rows among them), headings left last on a page (problems); pages before the last
under half filled, paragraphs ending in one short word, images that may be transparent over
text (warnings). A page count unlike the year's is judged across letters, by `check` and
`build`.

Two walks over each page: the box tree in document order says what the page holds (its
paragraphs' lines, its last line, its tables and captions); `painting.py` says what is painted
where, and in which order, after CSS transforms, and `overlaps.py` what of it is drawn over text.

Units are WeasyPrint's CSS pixels (1/96 in); findings speak in millimetres.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder

from lgsco_letters.render.findings import MM, Finding, quote
from lgsco_letters.render.overlaps import overlaps
from lgsco_letters.render.painting import Ink, Painter

EPSILON = 0.75  # px (about 0.2 mm): overflows smaller than this are rounding
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SPLITTABLE = {"table", "figure"}
SHORT_WORD = 1 / 6  # a last line of one word narrower than this share of its paragraph
LEAST_FILLED = 0.5  # a page before the last filled less than this is a warning


@dataclass
class Line:
    """A line of a paragraph: its page, its words, how wide it is against its column, and
    whether it was ended on purpose (`<br>`)."""

    page: int
    text: str
    width: float
    column: float
    broken: bool = False


@dataclass
class Page:
    number: int
    area: tuple[float, float, float, float]  # the printable area: the page's content box
    inks: list[Ink] = field(default_factory=list)
    last_leaf: str | None = None  # the heading's text, if the page's last line is a heading's


@dataclass
class Context:
    """What a box inherits from the boxes around it while the tree is walked."""

    positioned: bool = False  # out of the page's flow: absolutely or fixed positioned, a footnote
    heading: str | None = None  # the text of the heading this box is in, if any


@dataclass
class Scan:
    pages: list[Page] = field(default_factory=list)
    paragraphs: dict[int, list[Line]] = field(default_factory=lambda: defaultdict(list))
    pieces: dict[int, tuple[str, set[int]]] = field(default_factory=dict)  # tables, figures
    captions: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    out_of_flow: set[int] = field(default_factory=set)  # id() of elements out of the flow


def read_layout(document: Any) -> tuple[Finding, ...]:
    """Every finding of a laid-out WeasyPrint document, page by page."""
    scan = Scan()
    for number, page in enumerate(document.pages, start=1):
        box = page._page_box
        area = (box.content_box_x(), box.content_box_y(),
                box.content_box_x() + box.width, box.content_box_y() + box.height)
        scan.pages.append(Page(number, area))
        for child in box.children:
            _visit(child, scan, Context(isinstance(child, boxes.FootnoteAreaBox)), None)
        scan.pages[-1].inks = Painter(scan.out_of_flow).paint(box)
    findings: list[Finding] = []
    for page in scan.pages:
        findings += overlaps(page.inks, page.area, page.number) + _outside(page)
        if page.last_leaf is not None:
            findings.append(Finding("heading-last", f'the page ends with the heading '
                                                    f'{quote(page.last_leaf)}', page.number))
    findings += _splits(scan) + _underfilled(scan.pages) + _short_last_lines(scan)
    return tuple(findings)


# ---- walking the boxes in document order ------------------------------------------------

def _visit(box: Any, scan: Scan, context: Context, block: Any) -> None:
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    if isinstance(box, boxes.MarginBox):
        return  # the page's margins hold what is meant to be there (running heads)
    page = scan.pages[-1]
    context = _context_of(box, context)
    if context.positioned and box.element is not None:
        scan.out_of_flow.add(id(box.element))
    if box.element is not None and box.element_tag in SPLITTABLE and (
            isinstance(box, boxes.TableBox) or box.element_tag == "figure"):
        scan.pieces.setdefault(id(box.element), (_label(box), set()))[1].add(page.number)
    if isinstance(box, boxes.TableCaptionBox) and box.element is not None:
        scan.captions[id(block.element)].add(page.number)
    if isinstance(box, boxes.ReplacedBox) and not context.positioned:
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


def _line(box: Any, scan: Scan, page: Page, context: Context, block: Any) -> None:
    raw = _line_text(box)
    text = " ".join(raw.split())
    if context.positioned or not text:
        return
    page.last_leaf = context.heading
    if block is not None and block.element is not None and block.element_tag == "p":
        scan.paragraphs[id(block.element)].append(
            Line(page.number, text, box.width, block.width, _ends_forced(box)))


def _ends_forced(box: Any) -> bool:
    """Whether a line box was ended on purpose: by a `<br>`, or in text whose newlines are
    kept (`white-space: pre` and the like)."""
    if box.style["white_space"] in ("pre", "pre-wrap", "pre-line", "break-spaces"):
        return True
    while getattr(box, "children", None):
        box = box.children[-1]
        if box.element_tag == "br":
            return True
    return False


def _line_text(box: Any) -> str:
    if isinstance(box, boxes.TextBox):
        return box.text
    return "".join(_line_text(child) for child in getattr(box, "children", ()))


def _label(box: Any) -> str:
    """How a table or figure is named in a finding: its caption, else its kind."""
    captions = box.element.findall("caption") if box.element_tag == "table" else []
    if captions:
        return f'the table {quote(" ".join("".join(captions[0].itertext()).split()))}'
    return f"a {box.element_tag}"


# ---- judging the pages ------------------------------------------------------------------

def _outside(page: Page) -> list[Finding]:
    left, top, right, bottom = page.area
    beyond = []
    for ink in page.inks:
        if ink.kind == "fill":
            continue  # a background may run to the paper's edge
        x0, y0, x1, y1 = ink.box
        reach = max(left - x0, x1 - right, top - y0, y1 - bottom)
        if reach > EPSILON:
            beyond.append((reach, ink))
    if not beyond:
        return []
    reach, ink = max(beyond, key=lambda pair: pair[0])
    what = quote(ink.text) if ink.kind == "text" else f"a {ink.kind}"
    also = f" (and {len(beyond) - 1} more)" if len(beyond) > 1 else ""
    return [Finding("outside", f"{what} reaches {reach / MM:.1f} mm beyond the printable area"
                               f"{also}", page.number)]


def _splits(scan: Scan) -> list[Finding]:
    findings = []
    for key, (label, pages) in scan.pieces.items():
        if len(pages) > 1:
            findings.append(Finding("split", f"{label} is split across pages {_pages(pages)}",
                                    min(pages)))
        apart = scan.captions.get(key, set()) - pages
        if apart:
            findings.append(Finding("split", f"{label} is split from its caption: the caption "
                                             f"on page {min(apart)}, the table on page "
                                             f"{_pages(pages)}", min(apart)))
    return findings


def _underfilled(pages: list[Page]) -> list[Finding]:
    """Pages before the last whose flow reaches less than half way down. A page with nothing
    in the flow at all is one the stylesheet asked for (a blank left or right page)."""
    findings = []
    for page in pages[:-1]:
        _, top, _, bottom = page.area
        reaches = [ink.box[3] for ink in page.inks
                   if ink.in_flow and ink.kind != "fill"]
        if not reaches:
            continue
        filled = (max(reaches) - top) / (bottom - top)
        if filled < LEAST_FILLED:
            findings.append(Finding("underfilled", f"only {filled:.0%} of the page is filled "
                                                   f"(page {page.number} of {len(pages)})",
                                    page.number))
    return findings


def _short_last_lines(scan: Scan) -> list[Finding]:
    findings = []
    for lines in scan.paragraphs.values():
        last = lines[-1]
        if (len(lines) > 1 and not lines[-2].broken and " " not in last.text
                and last.width < last.column * SHORT_WORD):
            findings.append(Finding("short-last-line", f"a paragraph ends with a line holding "
                                                       f"only {quote(last.text)}", last.page))
    return findings


def _pages(numbers: set[int]) -> str:
    ordered = sorted(numbers)
    if len(ordered) == 1:
        return str(ordered[0])
    return ", ".join(map(str, ordered[:-1])) + f" and {ordered[-1]}"
