"""Attribution links in the reader: an arc from a claim to its source (and, dashed, from a
source to the intermediary that relays it) when both are on screen, else a margin marker
pointing up or down to where the other end lies.

It works from the geometry the reader has already computed for the visible spans, so it adds
one dictionary look-up per visible span and draws nothing for lines off screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from stancedesk.domain import Span
from stancedesk.gui.shell.text_view import VisibleLine

CLAIM_LINK = "#e07b00"
VIA_LINK = "#7b5ea7"

Geometry = Mapping[str, list[tuple[QRectF, VisibleLine]]]


def paint_links(painter: QPainter, spans: Sequence[Span], geometry: Geometry,
                attributed: Mapping[str, str], via: Mapping[str, str],
                span_of: Callable[[str], Span | None]) -> int:
    """Draw the links that start at a visible span; returns how many were drawn."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    drawn = 0
    for span in spans:
        rects = geometry.get(span.id)
        if not rects:
            continue
        for links, colour, style in ((attributed, CLAIM_LINK, Qt.PenStyle.SolidLine),
                                     (via, VIA_LINK, Qt.PenStyle.DashLine)):
            target = links.get(span.id)
            if target is None:
                continue
            pen = QPen(QColor(colour), 1.6, style)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            there = geometry.get(target)
            if there:
                _arc(painter, rects[0][0], there[-1][0], QColor(colour))
            else:
                other = span_of(target)
                if other is None:
                    continue
                _margin_marker(painter, rects[0], other.start < span.start, QColor(colour))
            drawn += 1
    return drawn


def _arc(painter: QPainter, start: QRectF, end: QRectF, colour: QColor) -> None:
    a = QPointF(start.left() + min(12.0, start.width() / 2), start.top() + 1)
    b = QPointF(end.left() + min(12.0, end.width() / 2), end.top() + 1)
    lift = 14.0 + min(40.0, abs(a.x() - b.x()) / 6 + abs(a.y() - b.y()) / 8)
    top = min(a.y(), b.y()) - lift
    path = QPainterPath(a)
    path.cubicTo(QPointF(a.x(), top), QPointF(b.x(), top), b)
    painter.drawPath(path)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPolygon(QPolygonF([b, QPointF(b.x() - 3.5, b.y() - 6),
                                   QPointF(b.x() + 3.5, b.y() - 6)]))
    painter.drawEllipse(a, 2.2, 2.2)


def _margin_marker(painter: QPainter, where: tuple[QRectF, VisibleLine], up: bool,
                   colour: QColor) -> None:
    """A small arrow left of the line: the other end is above (up) or below."""
    rect, vl = where
    x = vl.x - 9
    mid = rect.center().y()
    tip, base = (mid - 5, mid + 4) if up else (mid + 5, mid - 4)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPolygon(QPolygonF([QPointF(x, tip), QPointF(x - 4, base),
                                   QPointF(x + 4, base)]))
