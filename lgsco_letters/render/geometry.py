"""Shapes on a page for the layout check: a box as it is drawn (its four corners, after any CSS
transform) and how much of two shapes lie over each other.

A box without a transform is a rectangle; a rotated or skewed one is a parallelogram. Both are
convex, so where two meet is found by clipping one by the other (Sutherland-Hodgman), and how
thick that meeting is, by its narrowest width (for a convex shape, measured across one of its
own edges).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]
Shape = tuple[Point, ...]  # corners in order round the edge


def rectangle(x0: float, y0: float, x1: float, y1: float, matrix=None) -> Shape:
    """A box's corners on the page; `matrix` is WeasyPrint's, composed along the ancestors."""
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    if matrix is None:
        return corners
    return tuple(tuple(matrix.transform_point(x, y)) for x, y in corners)


def bounds(shape: Shape) -> tuple[float, float, float, float]:
    xs, ys = [x for x, _ in shape], [y for _, y in shape]
    return min(xs), min(ys), max(xs), max(ys)


def meeting(a: Shape, b: Shape) -> Shape:
    """The part of convex shape `a` inside convex shape `b` (empty when they do not meet)."""
    result = list(a)
    orientation = _area(b)
    for start, end in zip(b, b[1:] + b[:1], strict=True):
        if not result:
            break
        result = _clip(result, start, end, orientation)
    return tuple(result)


def narrowest(shape: Shape) -> float:
    """The least width of a convex shape: 0 for a point, a line or nothing."""
    if len(shape) < 3 or abs(_area(shape)) < 1e-9:
        return 0.0
    widths = []
    for (x0, y0), (x1, y1) in zip(shape, shape[1:] + shape[:1], strict=True):
        length = math.hypot(x1 - x0, y1 - y0)
        if length < 1e-9:
            continue
        nx, ny = (y0 - y1) / length, (x1 - x0) / length
        projections = [x * nx + y * ny for x, y in shape]
        widths.append(max(projections) - min(projections))
    return min(widths, default=0.0)


def widest(shape: Shape) -> float:
    """The greatest distance between two corners: how long a shape is."""
    return max((math.dist(p, q) for p in shape for q in shape), default=0.0)


def thickness(shape: Shape) -> float:
    """How thick a rule is: the narrower of its sides."""
    return narrowest(shape)


def _area(shape: Sequence[Point]) -> float:
    """Twice the signed area: its sign says which way round the corners go."""
    return sum(x0 * y1 - x1 * y0
               for (x0, y0), (x1, y1) in zip(shape, [*shape[1:], shape[0]], strict=True))


def _clip(points: list[Point], start: Point, end: Point, orientation: float) -> list[Point]:
    def inside(point: Point) -> bool:
        cross = ((end[0] - start[0]) * (point[1] - start[1])
                 - (end[1] - start[1]) * (point[0] - start[0]))
        return cross * orientation >= 0

    def crossing(p: Point, q: Point) -> Point:
        dx, dy = end[0] - start[0], end[1] - start[1]
        denominator = dx * (q[1] - p[1]) - dy * (q[0] - p[0])
        t = (dy * (p[0] - start[0]) - dx * (p[1] - start[1])) / denominator
        return p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])

    kept: list[Point] = []
    for index, point in enumerate(points):
        previous = points[index - 1]
        if inside(point):
            if not inside(previous):
                kept.append(crossing(previous, point))
            kept.append(point)
        elif inside(previous):
            kept.append(crossing(previous, point))
    return kept
