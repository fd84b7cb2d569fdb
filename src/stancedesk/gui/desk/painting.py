"""How spans look, and the one place that paints them (visible lines only).

Each span gets a translucent fill in the colour of its value on the "colour by" layer (overlaps
therefore read darker), boundary ticks at its ends, and an underline in its own lane, so nested
and crossing spans each stay visible. With several annotators shown, the underline colour and
pattern say whose span it is. The reader calls ``paint_fills`` before Qt draws the text and
``paint_marks`` after it; both work from the lines on screen, never the whole document.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QTextLine

from stancedesk.domain import LayerKind, Scheme, Span
from stancedesk.domain.span_store import SpanStore
from stancedesk.gui.shell.text_view import VisibleLine

NEUTRAL = "#8d99a6"
ANNOTATOR_COLOURS = ("#1e88e5", "#d81b60", "#43a047", "#fb8c00", "#8e24aa", "#00acc1",
                     "#6d4c41", "#c0ca33")
ANNOTATOR_PATTERNS = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
                      Qt.PenStyle.DashDotLine)
MAX_LANES = 4


@dataclass(frozen=True, slots=True)
class AnnotatorStyle:
    colour: str
    pattern: Qt.PenStyle
    wavy: bool = False

    @property
    def pattern_name(self) -> str:
        if self.wavy:
            return "wavy"
        return {Qt.PenStyle.SolidLine: "solid", Qt.PenStyle.DashLine: "dashed",
                Qt.PenStyle.DotLine: "dotted", Qt.PenStyle.DashDotLine: "dash-dot"}[self.pattern]


def annotator_styles(names: Sequence[str]) -> dict[str, AnnotatorStyle]:
    """Stable per project: styles follow the sorted list of annotator names."""
    out: dict[str, AnnotatorStyle] = {}
    for i, name in enumerate(sorted(names)):
        out[name] = AnnotatorStyle(ANNOTATOR_COLOURS[i % len(ANNOTATOR_COLOURS)],
                                   ANNOTATOR_PATTERNS[(i // 2) % len(ANNOTATOR_PATTERNS)],
                                   wavy=i % 2 == 1)
    return out


class SpanStyler:
    """Colours for spans: by the chosen layer, per annotator when several are shown."""

    def __init__(self, scheme: Scheme, colour_by: str, dark: bool = False) -> None:
        self.scheme = scheme
        self.colour_by = colour_by if scheme.has_layer(colour_by) else scheme.layer_keys[0]
        self.dark = dark
        self.annotators: dict[str, AnnotatorStyle] = {}
        self.show_owners = False
        self._cache: dict[tuple[str, str], QColor] = {}

    def value_colour(self, span: Span) -> QColor:
        value = span.labels.get(self.colour_by)
        key = (self.colour_by, value or "")
        colour = self._cache.get(key)
        if colour is None:
            layer = self.scheme.layer(self.colour_by)
            if not value:
                name = NEUTRAL
            elif layer.kind is LayerKind.FREE:
                name = layer.color
            else:
                label = layer.label(value)
                name = label.color if label else NEUTRAL
            colour = QColor(name)
            if self.dark:
                colour = colour.lighter(135)
            self._cache[key] = colour
        return colour

    def fill(self, span: Span, current: bool) -> QColor:
        colour = QColor(self.value_colour(span))
        colour.setAlpha(120 if current else (70 if self.dark else 52))
        return colour

    def underline(self, span: Span) -> tuple[QColor, Qt.PenStyle, bool]:
        if self.show_owners and span.annotator in self.annotators:
            style = self.annotators[span.annotator]
            return QColor(style.colour), style.pattern, style.wavy
        return self.value_colour(span), Qt.PenStyle.SolidLine, False


def span_rects(span_qt: tuple[int, int], lines: Sequence[VisibleLine],
               line_starts: Sequence[int]) -> list[tuple[QRectF, VisibleLine]]:
    """Rectangles a span covers on the visible lines (one per line it touches)."""
    qs, qe = span_qt
    out: list[tuple[QRectF, VisibleLine]] = []
    i = max(0, bisect.bisect_right(line_starts, qs) - 1)
    while i < len(lines) and lines[i].start < qe:
        vl = lines[i]
        i += 1
        a, b = max(qs, vl.start), min(qe, vl.end)
        if a >= b:
            continue
        line = vl.line
        block_start = vl.start - line.textStart()
        x1, x2 = _cursor_x(line, a - block_start), _cursor_x(line, b - block_start)
        left, right = min(x1, x2), max(x1, x2)
        out.append((QRectF(vl.x + left, vl.top + line.y(), right - left, line.height()), vl))
    return out


class SpanPainter:
    """Paints the spans that touch the visible lines; holds no document state of its own."""

    def __init__(self, styler: SpanStyler) -> None:
        self.styler = styler

    @staticmethod
    def visible_spans(store: SpanStore, py_range: tuple[int, int]) -> list[Span]:
        if not len(store):
            return []
        start, end = py_range
        return store.overlapping(start, max(end, start + 1))

    def paint_fills(self, painter: QPainter, spans: Sequence[Span],
                    geometry: dict[str, list[tuple[QRectF, VisibleLine]]],
                    current: str | None) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        for span in spans:
            brush = self.styler.fill(span, span.id == current)
            for rect, _ in geometry.get(span.id, ()):
                painter.fillRect(rect, brush)

    def paint_marks(self, painter: QPainter, spans: Sequence[Span],
                    geometry: dict[str, list[tuple[QRectF, VisibleLine]]],
                    lanes: dict[str, int], current: str | None, highlight: QColor,
                    qt_ranges: dict[str, tuple[int, int]] | None = None) -> None:
        """``qt_ranges`` (each span's Qt positions) lets a span that begins or ends off the
        painted lines go without a boundary tick there: a tick marks a real start or end."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for span in spans:
            rects = geometry.get(span.id)
            if not rects:
                continue
            colour, pattern, wavy = self.styler.underline(span)
            lane = min(lanes.get(span.id, 0), MAX_LANES - 1)
            pen = QPen(colour, 1.6 if wavy else 2.0, pattern)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            for rect, vl in rects:
                y = vl.top + vl.line.y() + vl.line.ascent() + 2.5 + 3.0 * lane
                y = min(y, rect.bottom() - 0.5)
                if wavy:
                    _wave(painter, rect.left(), rect.right(), y)
                else:
                    painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            # boundary ticks: where spans abut or cross, each start and end stays visible
            tick = QPen(colour, 2.0)
            painter.setPen(tick)
            (first, first_line), (last, last_line) = rects[0], rects[-1]
            qs, qe = qt_ranges[span.id] if qt_ranges and span.id in qt_ranges \
                else (first_line.start, last_line.end)
            if qs >= first_line.start:
                painter.drawLine(QPointF(first.left() + 1, first.top() + 2),
                                 QPointF(first.left() + 1, first.bottom() - 1))
            if qe <= last_line.end:
                painter.drawLine(QPointF(last.right() - 1, last.top() + 2),
                                 QPointF(last.right() - 1, last.bottom() - 1))
            if span.id == current:
                painter.setPen(QPen(highlight, 1.5))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                for rect, _ in rects:
                    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 2, 2)


def _wave(painter: QPainter, x1: float, x2: float, y: float) -> None:
    path = QPainterPath(QPointF(x1, y))
    x, up = x1, True
    while x < x2:
        nx = min(x + 3.0, x2)
        path.lineTo(QPointF(nx, y - 1.5 if up else y + 1.0))
        x, up = nx, not up
    painter.drawPath(path)


def _cursor_x(line: QTextLine, position: int) -> float:
    # PySide returns (x, position) here, but its stub declares only ``object``
    x, _ = cast(tuple[float, int], line.cursorToX(position))
    return x
