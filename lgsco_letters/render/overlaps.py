"""Where text is drawn over: pairs of inks that meet as a reader sees them, one of them text.

Of two things that meet, the one painted later is over the other (`painting.py` gives the
order). A rule meets text when it runs across the glyphs, however thin it is; a background
colour only when it is painted over the text; an image that may be transparent is a warning.
"""

from __future__ import annotations

from lgsco_letters.render.findings import MM, Finding, quote
from lgsco_letters.render.geometry import meeting, narrowest, thickness, widest
from lgsco_letters.render.painting import Ink

EPSILON = 0.75  # px (about 0.2 mm): overlaps smaller than this are rounding


def overlaps(inks: list[Ink], area: tuple[float, float, float, float], page: int
             ) -> list[Finding]:
    """Rules, images, filled boxes and text drawn over text: a sweep down the page, pairs that
    meet. Of two, the one painted later is the one over the other."""
    ordered = sorted(((ink.box, ink) for ink in inks), key=lambda pair: pair[0][1])
    clashes, glimpses = [], []
    for index, (box, ink) in enumerate(ordered):
        for other_box, other in ordered[index + 1:]:
            if other_box[1] >= box[3]:
                break
            if "text" not in (ink.kind, other.kind) or not _near(box, other_box):
                continue
            under, over = sorted((ink, other), key=lambda each: each.order)
            judged = _meets(under, over)
            if judged == "problem":
                clashes.append((under, over))
            elif judged == "warning":
                glimpses.append((under, over))
    return (_said("overlap", clashes, area, page)
            + _said("image-over-text", glimpses, area, page))


def _near(a: tuple, b: tuple) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _meets(under: Ink, over: Ink) -> str | None:
    """Whether two inks, one of them text, meet as a reader would see it: a problem, a warning
    (an image that may be transparent where it meets the text), or nothing."""
    text, other = (under, over) if under.kind == "text" else (over, under)
    if other.kind == "fill" and over is not other:
        return None  # a background under text is what backgrounds are for
    common = meeting(text.shape, other.shape)
    if other.kind == "rule":  # a rule of any thickness across the glyphs
        across = min(EPSILON, thickness(other.shape) / 2)
        meets = narrowest(common) > across and widest(common) > EPSILON
    else:
        meets = narrowest(common) > EPSILON
    if not meets:
        return None
    return "warning" if other.kind == "image" and not other.opaque else "problem"


def _said(code: str, clashes: list[tuple[Ink, Ink]], area: tuple, page: int) -> list[Finding]:
    """The first clash on the page, in words, and how many more. A rule runs through text
    whichever is painted first; of anything else, the later is drawn over the earlier."""
    if not clashes:
        return []
    under, over = clashes[0]
    text, other = (under, over) if under.kind == "text" else (over, under)
    drawn = other if other.kind == "rule" else over
    where = f"{(drawn.box[1] - area[1]) / MM:.1f} mm below the top margin"
    also = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
    if code == "image-over-text":
        detail = (f"an image that may be transparent meets the text {quote(text.text)}, "
                  f"{where}: look at the page")
    elif other.kind == "rule":
        detail = f"a rule runs through the text {quote(text.text)}, {where}"
    else:
        detail = f"{_what(over)} is drawn over {_what(under)}, {where}"
    return [Finding(code, detail + also, page)]


def _what(ink: Ink) -> str:
    if ink.kind == "text":
        return f"the text {quote(ink.text)}"
    return {"rule": "a rule", "image": "an image", "fill": "a filled box"}[ink.kind]
