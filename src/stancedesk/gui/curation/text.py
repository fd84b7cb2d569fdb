"""The curation reader: the document's text with a lane per annotator beside it, and a gold lane.

The text is the desk's reader (``DocumentView``: plain-text layout, visible lines only), painted
with the passages instead of single spans: an open conflict gets a red tint, an agreed passage a
green underline, a decided one a gold underline, and the current passage an outline. Beside the
text column, a narrow lane per annotator draws a bar over the lines each of their versions covers
(green: everyone agrees; amber: the largest group of a conflict; red: a lone version; grey: the
passage is decided), and the gold lane draws the curated spans. Everything is painted from the
lines on screen (a bisect into an interval index), never by assigning formats to the document,
so long articles stay fast and PySide6's ExtraSelection/FormatRange crash cannot happen.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTextCursor,
    QTextLine,
)
from PySide6.QtWidgets import QPlainTextEdit, QToolTip, QWidget

from stancedesk.domain import Span
from stancedesk.domain.curation import Decision, Passage, Version
from stancedesk.domain.offsets import OffsetMap, display_text
from stancedesk.domain.snapping import snap_to_words
from stancedesk.domain.span_store import SpanStore
from stancedesk.gui.shell.text_view import VisibleLine, set_up_reading_view

AGREE = QColor("#2e9d4a")
MAJORITY = QColor("#e69a17")
LONE = QColor("#d93a3a")
DECIDED = QColor("#9aa3ad")
GOLD = QColor("#c9a227")
CURRENT = QColor("#2f6fdb")

LANE_WIDTH = 26
MAX_TRACKS = 3  # side by side in one lane, where an annotator's spans share lines
HEADER_HEIGHT = 20
GUTTER_PAD = 10
READING_WIDTH_EM = 42  # the desk's measure: about 75 characters a line


def _cursor_x(line: QTextLine, position: int) -> float:
    # PySide returns (x, position) here, but its stub declares only ``object``
    x, _ = cast(tuple[float, int], line.cursorToX(position))
    return x


def range_rects(qs: int, qe: int, lines: Sequence[VisibleLine],
                starts: Sequence[int]) -> list[tuple[QRectF, VisibleLine]]:
    """Rectangles a Qt range covers on the visible lines, one per line it touches."""
    out: list[tuple[QRectF, VisibleLine]] = []
    i = max(0, bisect.bisect_right(starts, qs) - 1)
    while i < len(lines) and lines[i].start < qe:
        vl = lines[i]
        i += 1
        a, b = max(qs, vl.start), min(qe, vl.end)
        if a >= b:
            continue
        block_start = vl.start - vl.line.textStart()
        x1, x2 = _cursor_x(vl.line, a - block_start), _cursor_x(vl.line, b - block_start)
        out.append((QRectF(vl.x + min(x1, x2), vl.y, abs(x2 - x1), vl.line.height()), vl))
    return out


def version_colour(passage: Passage, version: Version) -> QColor:
    """How a version stands in its passage: agreed by all, with the largest group of a
    conflict, alone, or past (the passage is decided)."""
    if passage.decided:
        return DECIDED
    if passage.unanimous:
        return AGREE
    groups = passage.groups()
    biggest = groups[0] if groups else ()
    if len(biggest) > 1 and version in biggest:
        return MAJORITY
    return LONE


@dataclass(frozen=True, slots=True)
class Lane:
    """One column of the gutter: an annotator's versions (or gold), under a short title."""

    key: str  # the annotator's real name, or "gold"
    title: str  # what the header and tooltips say (an alias in blind mode)
    number: str  # the key that picks it: "1".."9", "G" for gold


def _extent(passage: Passage) -> Span:
    """A passage as a span, so the span store's interval index finds the visible ones."""
    return Span(passage.id, passage.document_id, "", passage.start, passage.end, "")


class CurationText(QPlainTextEdit):
    """The document with its passages painted, and the lanes gutter on its left. Read-only;
    a selection (snapped to words, as in the desk) is what M merges."""

    passageClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_up_reading_view(self, "curationText")
        self.text = ""
        self.offsets = OffsetMap("")
        self.passages: dict[str, Passage] = {}
        self.extents = SpanStore()
        self.current: str | None = None
        self.lanes: list[Lane] = []
        self.lane_spans: dict[str, SpanStore] = {}
        self.state: dict[str, tuple[Passage, Version]] = {}  # span id -> its passage, version
        # worked out once per load, not per paint: a bar's and a passage's colour
        self.bar_colour: dict[str, QColor] = {}  # span id ->
        self.passage_colour: dict[str, tuple[QColor, bool]] = {}  # id -> (underline, open)
        self.alias: dict[str, str] = {}  # real name -> what blind mode shows
        self.gutter = LaneGutter(self)

    # --- content ---------------------------------------------------------------------------

    def set_document(self, text: str) -> None:
        self.text = text
        self.offsets = OffsetMap(text)
        self.setPlainText(display_text(text))
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def label_range(self) -> tuple[int, int] | None:
        """The selection in Python indices, snapped to whole words; None without one."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start, end = snap_to_words(self.text, *self.offsets.range_to_py(
            cursor.selectionStart(), cursor.selectionEnd()))
        return (start, end) if end > start else None

    def select_range(self, start: int, end: int) -> None:
        qs, qe = self.offsets.range_to_qt(start, end)
        cursor = QTextCursor(self.document())
        cursor.setPosition(qs)
        cursor.setPosition(qe, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def _index_at(self, pos: QPoint) -> int:
        cursor = self.cursorForPosition(pos)
        qpos = cursor.position()
        if self.cursorRect(cursor).center().x() > pos.x() and qpos > 0:
            qpos -= 1
        return self.offsets.to_py(qpos)

    def show_passages(self, passages: Sequence[Passage], lanes: Sequence[Lane]) -> None:
        """The document's passages (the text is set before with ``set_document``) and the
        lanes in the order to draw them."""
        self.passages = {p.id: p for p in passages}
        self.extents = SpanStore(_extent(p) for p in passages)
        self.lanes = list(lanes)
        per_lane: dict[str, list[Span]] = {lane.key: [] for lane in lanes}
        self.state, self.bar_colour, self.passage_colour = {}, {}, {}
        for p in passages:
            for key, v in self._colour(p):
                if key in per_lane:
                    per_lane[key].append(v.span)
        self.lane_spans = {key: SpanStore(spans) for key, spans in per_lane.items()}
        self._centre_column()
        self.viewport().update()
        self.gutter.update()

    def _colour(self, p: Passage) -> list[tuple[str, Version]]:
        """Note a passage's colours and its versions' (lane key, version) for the lanes."""
        out = [(v.annotator, v) for v in p.versions] + ([("gold", p.gold)] if p.gold else [])
        for key, v in out:
            self.state[v.span.id] = (p, v)
            self.bar_colour[v.span.id] = GOLD if key == "gold" else version_colour(p, v)
        self.passage_colour[p.id] = (
            GOLD if p.decided else AGREE if p.unanimous else LONE, p.is_conflict)
        return out

    def replace_passages(self, dropped: Sequence[str], added: Sequence[Passage]) -> None:
        """Some passages changed (a decision, its undo): drop those with the ids ``dropped``
        and show ``added``, leaving the rest of the article's passages, lanes and colours as
        they are (rebuilding them all took most of a decision's time on a long article)."""
        for passage_id in dropped:
            p = self.passages.pop(passage_id, None)
            if p is None:
                continue
            self.extents.remove(p.id)
            self.passage_colour.pop(p.id, None)
            for v in [*p.versions, *([p.gold] if p.gold else [])]:
                key = "gold" if v is p.gold else v.annotator
                if key in self.lane_spans:
                    self.lane_spans[key].remove(v.span.id)
                self.state.pop(v.span.id, None)
                self.bar_colour.pop(v.span.id, None)
        for p in added:
            self.passages[p.id] = p
            self.extents.insert(_extent(p))
            for key, v in self._colour(p):
                if key in self.lane_spans:
                    self.lane_spans[key].insert(v.span)
        self.viewport().update()
        self.gutter.update()

    def set_current(self, passage_id: str | None) -> None:
        self.current = passage_id
        passage = self.passages.get(passage_id or "")
        if passage is not None:
            self.show_range(passage.start, passage.end)
        self.viewport().update()
        self.gutter.update()

    def show_range(self, start: int, end: int) -> None:
        """Scroll so that the range is on screen, without selecting it."""
        cursor = self.textCursor()
        cursor.clearSelection()
        cursor.setPosition(self.offsets.to_qt(end))
        self.setTextCursor(cursor)
        self.ensureCursorVisible()
        cursor.setPosition(self.offsets.to_qt(start))
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    # --- layout ----------------------------------------------------------------------------

    def gutter_width(self) -> int:
        return GUTTER_PAD + LANE_WIDTH * max(1, len(self.lanes))

    def _centre_column(self) -> None:
        """The reading column centred as in the desk, the lanes hugging its left edge."""
        measure = int(self.fontMetrics().averageCharWidth() * READING_WIDTH_EM * 2)
        spare = max(0, self.width() - measure - self.verticalScrollBar().sizeHint().width())
        left = max(self.gutter_width(), spare // 2)
        right = max(0, spare - left)
        margins = self.viewportMargins()
        if (margins.left(), margins.right()) != (left, right):
            self.setViewportMargins(left, 0, right, 0)
        rect = self.contentsRect()
        self.gutter.setGeometry(QRect(rect.left() + left - self.gutter_width(), rect.top(),
                                      self.gutter_width(), rect.height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._centre_column()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.gutter.update()

    # --- painting --------------------------------------------------------------------------

    def visible_lines(self) -> list[VisibleLine]:
        """The laid-out lines inside the viewport, walking the visible blocks only."""
        out: list[VisibleLine] = []
        height = self.viewport().height()
        offset = self.contentOffset()
        block = self.firstVisibleBlock()
        while block.isValid():
            geom = self.blockBoundingGeometry(block).translated(offset)
            if geom.top() > height:
                break
            layout = block.layout()
            if block.isVisible() and layout is not None:
                for i in range(layout.lineCount()):
                    line = layout.lineAt(i)
                    if geom.top() + line.y() + line.height() < 0:
                        continue
                    if geom.top() + line.y() > height:
                        break
                    start = block.position() + line.textStart()
                    out.append(VisibleLine(start, start + line.textLength(), geom.top(),
                                           geom.left(), line))
            block = block.next()
        return out

    def visible_geometry(self) -> tuple[list[VisibleLine], list[Span]]:
        lines = self.visible_lines()
        if not lines or not len(self.extents):
            return lines, []
        lo, hi = self.offsets.range_to_py(lines[0].start, lines[-1].end)
        return lines, self.extents.overlapping(lo, max(hi, lo + 1))

    def paintEvent(self, event: QPaintEvent) -> None:
        lines, visible = self.visible_geometry()
        starts = [vl.start for vl in lines]
        geometry = {}
        for extent in visible:
            rects = range_rects(*self.offsets.range_to_qt(extent.start, extent.end), lines,
                                starts)
            if rects:
                geometry[extent.id] = rects
        if geometry:
            painter = QPainter(self.viewport())
            painter.setPen(Qt.PenStyle.NoPen)
            for pid, rects in geometry.items():
                if self.passage_colour[pid][1] or pid == self.current:
                    fill = QColor(CURRENT if pid == self.current else LONE)
                    fill.setAlpha(60 if pid == self.current else 34)
                    for rect, _ in rects:
                        painter.fillRect(rect, fill)
            painter.end()
        super().paintEvent(event)  # the text, over the fills
        if geometry:
            painter = QPainter(self.viewport())
            for pid, rects in geometry.items():
                painter.setPen(QPen(self.passage_colour[pid][0], 2.0))
                for rect, vl in rects:
                    y = min(vl.y + vl.line.ascent() + 3, rect.bottom() - 0.5)
                    painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
                if pid == self.current:
                    painter.setPen(QPen(CURRENT, 1.5))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    for rect, _ in rects:
                        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 2, 2)
            painter.end()

    def passage_at(self, pos: QPoint) -> Passage | None:
        """The innermost passage under a viewport point."""
        if not len(self.extents) or not self.text:
            return None
        found = self.extents.containing(self._index_at(pos))
        return self.passages.get(found[0].id) if found else None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and \
                not self.textCursor().hasSelection():
            passage = self.passage_at(event.position().toPoint())
            if passage is not None:
                self.passageClicked.emit(passage.id)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            passage = self.passage_at(event.pos())
            if passage is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), passage_tooltip(passage, self.alias),
                                  self.viewport())
            return True
        return super().viewportEvent(event)


def passage_tooltip(passage: Passage, alias: dict[str, str]) -> str:
    if passage.decided:
        return "Decided: " + provenance_text(passage.decision, alias)
    if passage.unanimous:
        return f"All {len(passage.annotators)} annotators agree"
    return f"Conflict: {passage.agreement} of {len(passage.annotators)} agree"


def provenance_text(decision: Decision | None, alias: dict[str, str]) -> str:
    """'majority · from ana, ben · by lead, 2026-12-02 02:31 UTC' (names aliased when blind)."""
    if decision is None:
        return "no recorded decision"
    when = getattr(decision.curated_at, "strftime", None)
    stamp = when("%Y-%m-%d %H:%M UTC") if when else str(decision.curated_at)
    source = ", ".join(alias.get(n, n) for n in decision.curated_from) or "the curator"
    return f"{decision.decision} · from {source} · by {decision.curated_by}, {stamp}"



def _tracks(bars: list[tuple[float, float, Span]]) -> list[tuple[int, int]]:
    """(track, tracks in its cluster) per bar (sorted in place by top, longest first): the
    first track free at its top, so an annotator's spans that share lines stand side by side,
    and a cluster of such bars shares the lane's width (a lone bar keeps all of it)."""
    bars.sort(key=lambda b: (b[0], -b[1]))
    out: list[tuple[int, int]] = []
    cluster: list[int] = []  # tracks of the current cluster's bars
    ends: list[float] = []
    reach = float("-inf")  # the lowest bottom of the current cluster

    def close() -> None:
        width = max(cluster, default=0) + 1
        out.extend((t, width) for t in cluster)

    for top, bottom, _span in bars:
        if top >= reach:  # a new cluster
            close()
            cluster, ends, reach = [], [], top
        track = next((t for t, end in enumerate(ends) if end <= top), None)
        if track is None and len(ends) < MAX_TRACKS:
            ends.append(top)
            track = len(ends) - 1
        elif track is None:  # more than fit: share the track that frees first
            track = min(range(len(ends)), key=ends.__getitem__)
        ends[track] = max(ends[track], bottom)
        reach = max(reach, bottom)
        cluster.append(track)
    close()
    return out


class LaneGutter(QWidget):
    """The lanes beside the text column; it scrolls with the text (same viewport y)."""

    def __init__(self, text: CurationText) -> None:
        super().__init__(text)
        self.setObjectName("laneGutter")
        self.text = text
        self.setMouseTracking(True)
        self.bars_drawn = 0  # bars painted last time (tests check the lanes show)
        self.bars: list[tuple[QRectF, str, str]] = []  # painted: rect, lane title, span id

    def lane_at(self, x: float) -> Lane | None:
        i = int((x - GUTTER_PAD / 2) // LANE_WIDTH)
        return self.text.lanes[i] if 0 <= i < len(self.text.lanes) else None

    def describe(self, pos: QPoint) -> str:
        """What the bar under ``pos`` is: whose version, its text and values; on the gold
        lane, the decision's provenance."""
        for rect, title, span_id in self.bars:
            if rect.adjusted(-2, -1, 2, 1).contains(QPointF(pos)):
                passage, version = self.text.state[span_id]
                span = version.span
                values = ", ".join(f"{k}: {v}" for k, v in sorted(span.labels.items()) if v)
                role = f" ({span.role})" if span.role else ""
                line = f"{title}{role}: “{span.text}”" + (f" · {values}" if values else "")
                if version is passage.gold:
                    line += "\n" + provenance_text(passage.decision, self.text.alias)
                return line
        return ""

    def bar_extent(self, span: Span, lines: Sequence[VisibleLine],
                   starts: Sequence[int]) -> tuple[float, float] | None:
        """The y range (viewport coordinates) of the visible lines a span covers."""
        qs, qe = self.text.offsets.range_to_qt(span.start, span.end)
        first = max(0, bisect.bisect_right(starts, qs) - 1)
        if first < len(lines) and lines[first].end <= qs < lines[-1].end and \
                lines[first].start < qs:
            first += 1  # it starts past this line's text (at the paragraph break)
        last = bisect.bisect_left(starts, max(qe, qs + 1)) - 1
        if last < first or first >= len(lines):
            return None
        top_line, bottom_line = lines[first], lines[last]
        top = top_line.y
        bottom = bottom_line.y + bottom_line.line.height()
        return top, bottom

    def paintEvent(self, event: QPaintEvent) -> None:
        text = self.text
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(self.backgroundRole()))
        lines = text.visible_lines()
        starts = [vl.start for vl in lines]
        drawn = 0
        self.bars = []
        if lines:
            lo, hi = text.offsets.range_to_py(lines[0].start, lines[-1].end)
            offset = text.viewport().y() - self.y()
            for i, lane in enumerate(text.lanes):
                store = text.lane_spans.get(lane.key)
                if store is None or not len(store):
                    continue
                bars = []
                for span in store.overlapping(lo, max(hi, lo + 1)):
                    extent = self.bar_extent(span, lines, starts)
                    if extent is not None:
                        bars.append((extent[0] + offset, extent[1] + offset, span))
                for (top, bottom, span), (track, count) in zip(bars, _tracks(bars),
                                                               strict=True):
                    width = (LANE_WIDTH - 8) / count
                    passage, _version = text.state[span.id]
                    colour = text.bar_colour[span.id]
                    rect = QRectF(GUTTER_PAD / 2 + i * LANE_WIDTH + 4 + track * width,
                                  top + 1, max(2.0, width - 1), max(4.0, bottom - top - 2))
                    painter.fillRect(rect, colour)
                    self.bars.append((rect, lane.title, span.id))
                    if passage.id == text.current:
                        painter.setPen(QPen(CURRENT, 2.0))
                        painter.drawRect(rect.adjusted(-2, -1, 2, 1))
                    drawn += 1
        header = QRectF(0, 0, self.width(), HEADER_HEIGHT)
        painter.fillRect(header, self.palette().color(self.palette().ColorRole.Window))
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        for i, lane in enumerate(text.lanes):
            painter.setPen(GOLD if lane.key == "gold" else self.palette().color(
                self.palette().ColorRole.WindowText))
            painter.drawText(QRectF(GUTTER_PAD / 2 + i * LANE_WIDTH, 0, LANE_WIDTH,
                                    HEADER_HEIGHT), Qt.AlignmentFlag.AlignCenter, lane.number)
        painter.end()
        self.bars_drawn = drawn

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            lane = self.lane_at(event.pos().x())
            if lane is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.describe(event.pos()) or
                                  f"{lane.number}: {lane.title}", self)
            return True
        return super().event(event)
