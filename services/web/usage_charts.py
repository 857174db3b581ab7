"""The usage page's charts as plain geometry for inline SVG (no script, no inline style:
the template draws ``rect`` elements with classes, services/web/static/usage.css colours
them). A withheld figure (``None``: fewer than 5 people) is a gap, marked so the reader
sees it is not a zero."""

from __future__ import annotations

from dataclasses import dataclass

# A chart's own units: about the width of a card, so that its text reads at the page's size.
WIDTH = 280
COLUMN_HEIGHT = 100
BAR_HEIGHT = 16
BAR_GAP = 6
LABEL_WIDTH = 104  # horizontal bars: the cell's name on the left
VALUE_ROOM = 48  # and its value after the bar


@dataclass(frozen=True)
class Mark:
    label: str
    value: int | None  # None: withheld
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    kind: str  # "columns" (days) or "bars" (cells)
    width: int
    height: int
    marks: list[Mark]
    top: int  # the largest value shown

    @property
    def withheld(self) -> int:
        return sum(1 for m in self.marks if m.value is None)


def columns(points: list[tuple[str, int | None]]) -> Chart:
    """One column per day, scaled to the largest value; a withheld day a low gap marker."""
    top = max([v for _, v in points if v is not None] + [0])
    scale = max(top, 1)
    step = WIDTH / max(len(points), 1)
    marks = []
    for i, (label, value) in enumerate(points):
        height = COLUMN_HEIGHT * (value / scale) if value is not None else COLUMN_HEIGHT
        marks.append(Mark(label, value, round(i * step + step * 0.1, 2), round(COLUMN_HEIGHT - height, 2),
                          round(step * 0.8, 2), round(height, 2)))
    return Chart("columns", WIDTH, COLUMN_HEIGHT, marks, top)


def bars(points: list[tuple[str, int | None]]) -> Chart:
    """One horizontal bar per cell (an entity, a community, a node), longest first."""
    top = max([v for _, v in points if v is not None] + [0])
    span = WIDTH - LABEL_WIDTH - VALUE_ROOM
    ordered = sorted(points, key=lambda p: (p[1] is None, -(p[1] or 0), p[0]))
    marks = [Mark(label, value, LABEL_WIDTH, i * (BAR_HEIGHT + BAR_GAP),
                  round(span * (value / max(top, 1)), 2) if value is not None else span, BAR_HEIGHT)
             for i, (label, value) in enumerate(ordered)]
    return Chart("bars", WIDTH, max(len(marks), 1) * (BAR_HEIGHT + BAR_GAP), marks, top)
