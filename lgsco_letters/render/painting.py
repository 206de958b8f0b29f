"""What a laid-out page paints, in the order WeasyPrint paints it: every run of text (its glyphs'
box), every rule (a side of a box's border), every image and every filled background, each where
it is drawn, after the CSS transforms of the box and its ancestors, and clipped as the page clips
it (`overflow`).

The walk follows WeasyPrint's own drawing (`weasyprint.draw.draw_stacking_context`, the
stacking contexts of CSS 2.1 Appendix E), so an ink's `order` is its place in the painting: of
two inks that meet, the later is drawn over the earlier, whatever their order in the HTML (a
fixed box is painted after the flow around it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from weasyprint.formatting_structure import boxes
from weasyprint.images import RasterImage
from weasyprint.stacking import StackingContext

from lgsco_letters.render.geometry import Shape, bounds, meeting, rectangle

CAP_HEIGHT, X_HEIGHT, DESCENT = 0.72, 0.52, 0.21  # of the em, as Arial and Liberation Sans
DESCENDERS = set("gjpqyQ(),;[]{}|_@$/\\")
COVERING = 0.5  # a background colour at least this opaque hides the text under it
DECORATED = (boxes.BlockBox, boxes.MarginBox, boxes.InlineBlockBox, boxes.TableCellBox,
             boxes.FlexContainerBox, boxes.GridContainerBox, boxes.ReplacedBox)
OPAQUE_MODES = {"RGB", "L", "CMYK", "1", "P", "I"}  # raster images without an alpha channel


@dataclass(frozen=True)
class Ink:
    """Something painted: a run of text, a rule, an image or a filled background."""

    kind: str  # "text", "rule", "image" or "fill"
    shape: Shape
    order: int  # its place in the painting: a later ink is drawn over an earlier one
    text: str = ""
    in_flow: bool = True  # False when absolutely or fixed positioned, or a footnote
    opaque: bool = True  # an image: False when it may have transparent parts (SVG, alpha)
    box: tuple[float, float, float, float] = (0, 0, 0, 0)  # its bounds: x0, y0, x1, y1


class Painter:
    """Walks one page's stacking contexts as WeasyPrint draws them, collecting inks."""

    def __init__(self, out_of_flow: set[int]):
        self.inks: list[Ink] = []
        self.out_of_flow = out_of_flow  # id() of the elements positioned out of the flow

    def paint(self, page_box: Any) -> list[Ink]:
        self._context(StackingContext.from_page(page_box), None, None)
        return self.inks

    def _add(self, kind: str, box: Any, corners: tuple[float, float, float, float],
             state: tuple, text: str = "", opaque: bool = True) -> None:
        matrix, clip = state
        shape = rectangle(*corners, matrix)
        if clip is not None and not _within(bounds(shape), clip):
            shape = meeting(shape, clip)
            if len(shape) < 3:
                return
        in_flow = box.element is None or id(box.element) not in self.out_of_flow
        self.inks.append(Ink(kind, shape, len(self.inks), text, in_flow, opaque, bounds(shape)))

    # ---- the stacking contexts, as draw_stacking_context paints them ----------------------

    def _context(self, context: Any, matrix: Any, clip: Any) -> None:
        box = context.box
        if isinstance(box, boxes.MarginBox):
            return  # the page's margins hold what is meant to be there (running heads)
        if box.transformation_matrix:
            if not box.transformation_matrix.determinant:
                return  # drawn flat: nothing shows
            matrix = box.transformation_matrix @ matrix if matrix else box.transformation_matrix
        state = (matrix, clip)
        if isinstance(box, DECORATED):
            self._decoration(box, state)
        if box.style["overflow"] != "visible" and not isinstance(box, boxes.PageBox):
            padding = (box.padding_box_x(), box.padding_box_y(),
                       box.padding_box_x() + box.padding_width(),
                       box.padding_box_y() + box.padding_height())
            inner = rectangle(*padding, matrix)
            clip = meeting(inner, clip) if clip is not None else inner
            state = (matrix, clip)
        for child in context.negative_z_contexts:
            self._context(child, matrix, clip)
        for block in context.block_level_boxes:
            if isinstance(block, boxes.TableBox):
                self._table(block, state)
            else:
                self._decoration(block, state)
        for child in context.float_contexts:
            self._context(child, matrix, clip)
        if isinstance(box, boxes.InlineBox):
            self._inline(box, state)
        self._blocks({box: context.blocks_and_cells}, state)
        for child in (*context.zero_z_contexts, *context.positive_z_contexts):
            self._context(child, matrix, clip)

    def _table(self, table: Any, state: tuple) -> None:
        """A table's backgrounds, then its borders (each cell's, collapsed or not)."""
        self._fill(table, state)
        cells = [cell for group in table.children for row in group.children
                 for cell in row.children]
        for group in table.children:
            self._fill(group, state)
            for row in group.children:
                self._fill(row, state)
        for cell in cells:
            self._fill(cell, state)
        self._rules(table, state)
        for cell in cells:
            self._rules(cell, state)

    def _blocks(self, blocks_and_cells: dict, state: tuple) -> None:
        for block, inside in blocks_and_cells.items():
            if isinstance(block, boxes.ReplacedBox):
                self._image(block, state)
            elif block.children and isinstance(block.children[-1], boxes.LineBox):
                for line in block.children:
                    self._inline(line, state)
            self._blocks(inside, state)

    def _inline(self, box: Any, state: tuple) -> None:
        if isinstance(box, StackingContext):
            self._context(box, *state)
            return
        self._decoration(box, state)
        if isinstance(box, boxes.InlineBox | boxes.LineBox):
            for child in box.children:
                if isinstance(child, boxes.TextBox):
                    self._text(child, state)
                else:
                    self._inline(child, state)
        elif isinstance(box, boxes.InlineReplacedBox):
            self._image(box, state)
        elif isinstance(box, boxes.TextBox):
            self._text(box, state)

    # ---- what each box paints -------------------------------------------------------------

    def _decoration(self, box: Any, state: tuple) -> None:
        self._fill(box, state)
        self._rules(box, state)

    def _fill(self, box: Any, state: tuple) -> None:
        """A background colour that would hide what is under it (an image in a background is
        decoration, such as the specimen mark, and is not read)."""
        background = getattr(box, "background", None)
        if background is None or not background.layers:
            return
        if background.color.alpha >= COVERING:
            x, y, width, height = background.layers[-1].painting_area
            if width > 0 and height > 0:
                self._add("fill", box, (x, y, x + width, y + height), state)

    def _rules(self, box: Any, state: tuple) -> None:
        """Each side of the box's border that is drawn, as a rule."""
        if isinstance(box, boxes.PageBox | boxes.TextBox) or box.style["visibility"] != "visible":
            return
        if not (box.border_top_width or box.border_right_width or box.border_bottom_width
                or box.border_left_width):
            return
        x, y = box.border_box_x(), box.border_box_y()
        width, height = box.border_width(), box.border_height()
        sides = {"top": (x, y, x + width, y + box.border_top_width),
                 "bottom": (x, y + height - box.border_bottom_width, x + width, y + height),
                 "left": (x, y, x + box.border_left_width, y + height),
                 "right": (x + width - box.border_right_width, y, x + width, y + height)}
        for side, corners in sides.items():
            if getattr(box, f"border_{side}_width") > 0 and box.style[
                    f"border_{side}_style"] not in ("none", "hidden"):
                self._add("rule", box, corners, state)

    def _text(self, box: Any, state: tuple) -> None:
        """The box its glyphs' ink fills: from the cap height (or x-height) above the baseline
        to the descenders below it, if it has any."""
        text = box.text.strip()
        if not text or box.style["visibility"] != "visible":
            return
        em, baseline = box.style["font_size"], box.position_y + box.baseline
        tall = any(c.isupper() or c.isdigit() or c in "bdfhklt'\"%&!?" for c in text)
        top = baseline - em * (CAP_HEIGHT if tall else X_HEIGHT)
        bottom = baseline + em * (DESCENT if DESCENDERS & set(text) else 0.02)
        self._add("text", box, (box.position_x, top, box.position_x + box.width, bottom), state,
                  text)

    def _image(self, box: Any, state: tuple) -> None:
        if box.style["visibility"] != "visible" or not box.width or not box.height:
            return
        image = box.replacement
        opaque = isinstance(image, RasterImage) and image.mode in OPAQUE_MODES
        x, y = box.content_box_x(), box.content_box_y()
        self._add("image", box, (x, y, x + box.width, y + box.height), state, opaque=opaque)


def _within(box: tuple[float, float, float, float], clip: Shape) -> bool:
    """Whether bounds lie inside a clip that is an upright rectangle (no clipping to do)."""
    x0, y0, x1, y1 = bounds(clip)
    upright = len(clip) == 4 and all(x in (x0, x1) and y in (y0, y1) for x, y in clip)
    return upright and x0 <= box[0] and y0 <= box[1] and box[2] <= x1 and box[3] <= y1
