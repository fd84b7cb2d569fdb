"""Suggested attributions in the reader: dashed outlines with no fill, so they never read as
spans (blue source, green cue, orange claim, purple intermediary); the current suggestion gets a
firmer outline, a faint tint, a bar in the margin and the dashed arc of the link accepting it
would make.

Painted with QPainter from the lines on screen, like spans (see painting.py): no
ExtraSelections or format ranges, which PySide6 cannot take by the thousand.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from stancedesk.domain.offsets import OffsetMap
from stancedesk.gui.desk.link_painting import _arc as arc
from stancedesk.gui.desk.painting import span_rects
from stancedesk.gui.shell.text_view import VisibleLine

ROLE_COLOURS = {"source": "#1e6fd9", "cue": "#2e9d48", "claim": "#d97000", "via": "#7b5ea7"}


@dataclass(frozen=True, slots=True)
class SuggestionMark:
    """One part of one suggestion, in Python str offsets."""

    start: int
    end: int
    role: str  # source, cue, claim or via
    current: bool


def visible_marks(marks: Sequence[SuggestionMark], starts: Sequence[int],
                  py_range: tuple[int, int]) -> list[SuggestionMark]:
    """The marks that touch ``py_range``; ``marks`` are sorted by start, ``starts`` their starts
    (parts are short: a claim is a sentence, so looking back a few thousand characters before
    the range finds every mark that reaches into it)."""
    first, last = py_range
    i = max(0, bisect.bisect_left(starts, first - 4000))
    out: list[SuggestionMark] = []
    while i < len(marks) and marks[i].start < max(last, first + 1):
        if marks[i].end > first:
            out.append(marks[i])
        i += 1
    return out


def paint_suggestions(painter: QPainter, marks: Sequence[SuggestionMark],
                      lines: Sequence[VisibleLine], line_starts: Sequence[int],
                      offsets: OffsetMap, dark: bool) -> int:
    """Draw the visible marks; returns how many parts were drawn."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    drawn = 0
    bars: list[tuple[QRectF, VisibleLine, QColor]] = []
    ends: dict[str, list[QRectF]] = {}  # the current suggestion's claim and source
    for mark in marks:
        rects = span_rects(offsets.range_to_qt(mark.start, mark.end), lines, line_starts)
        if not rects:
            continue
        colour = QColor(ROLE_COLOURS.get(mark.role, "#888888"))
        if dark:
            colour = colour.lighter(150)
        if not mark.current:  # the others stay quieter, so the current one stands out
            colour.setAlpha(150)
        pen = QPen(colour, 2.0 if mark.current else 1.1, Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        if mark.current:
            tint = QColor(colour)
            tint.setAlpha(44 if dark else 32)
            painter.setBrush(tint)
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
        for rect, _vl in rects:
            painter.drawRoundedRect(rect.adjusted(-1.0, 0.5, 1.0, -0.5), 3, 3)
        if mark.current:
            bars += [(rect, vl, colour) for rect, vl in rects]
            ends[mark.role] = [rect for rect, _ in rects]
        drawn += 1
    if bars:
        _paint_gutter(painter, bars)
    if "claim" in ends and "source" in ends:
        # the link accepting it would make: claim to source, dashed until it is real
        colour = QColor(ROLE_COLOURS["claim"])
        if dark:
            colour = colour.lighter(150)
        painter.setPen(QPen(colour, 1.4, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        arc(painter, ends["claim"][0], ends["source"][-1], colour)
    return drawn


def _paint_gutter(painter: QPainter, bars: Sequence[tuple[QRectF, VisibleLine, QColor]]
                  ) -> None:
    """A bar in the document margin beside each line the current suggestion covers, in the
    colour of the part there: the eye finds the current suggestion at once."""
    painter.setPen(Qt.PenStyle.NoPen)
    for rect, vl, colour in bars:
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(vl.x + 5, rect.top() + 2, 4, rect.height() - 4), 2, 2)
    painter.setBrush(Qt.BrushStyle.NoBrush)
