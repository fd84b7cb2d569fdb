"""The document reader: a read-only QPlainTextEdit that paints spans for the visible lines.

QPlainTextEdit lays out 1 MB of text in milliseconds and only ever lays out and paints what is on
screen; spans are drawn in ``paintEvent`` from the span store's interval index, so there are no
ExtraSelections or syntax highlighter passes over the whole document. Selections are handed out
in Python indices (see offsets.py) and snapped to words (see snapping.py) unless the selection was
made with Alt held: Alt+drag with the mouse, or Alt+Shift+Left/Right with the keyboard.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QRegion,
    QResizeEvent,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextLayout,
)
from PySide6.QtWidgets import (
    QApplication,
    QPlainTextDocumentLayout,
    QPlainTextEdit,
    QToolTip,
    QWidget,
)

from stancedesk.domain import Span
from stancedesk.domain.offsets import OffsetMap, display_text, display_utf8
from stancedesk.domain.snapping import keep_clusters, snap_to_words
from stancedesk.domain.span_store import SpanStore
from stancedesk.domain.span_summary import summary_html
from stancedesk.gui.desk.link_painting import paint_links
from stancedesk.gui.desk.painting import SpanPainter, SpanStyler, span_rects
from stancedesk.gui.desk.suggestion_painting import (
    SuggestionMark,
    paint_suggestions,
    visible_marks,
)
from stancedesk.gui.shell.text_view import VisibleLine, set_up_reading_view

if TYPE_CHECKING:
    from stancedesk.gui.desk.attribution import LinkIndex

READING_WIDTH_EM = 42  # a comfortable measure: about 75 characters a line
PARAGRAPH_GAP = 0.7  # of a line: the space under each paragraph of a blank-line-free article
_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")


def needs_paragraph_gap(text: str) -> bool:
    """An article with several paragraphs but no blank line between them (wire copy often
    comes so) reads as one dense block unless the reader spaces its paragraphs."""
    return "\n" in text.strip() and _BLANK_LINE.search(text) is None


def _utf8(text: str) -> QByteArray | None:
    try:
        return QByteArray(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: only Qt's own conversion takes it
        return None


class ParagraphLayout(QPlainTextDocumentLayout):
    """The plain-text layout with optional space under each paragraph. Only the painted
    geometry grows; the text (and so every offset) stays exactly as stored."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.gap = 0.0

    def blockBoundingRect(self, block: QTextBlock) -> QRectF:
        rect = super().blockBoundingRect(block)
        if self.gap and rect.height():
            rect.setHeight(rect.height() + self.gap)
        return rect



def after_next_paint(reader: DocumentView, work: Callable[[], None],
                     context: QObject | None = None) -> None:
    """Run ``work`` once, after the reader's next paint has returned to the event loop (not
    inside the paint): what an open does not need on screen waits until the article shows.
    With ``context``, nothing runs if that object is gone by then."""

    def queue() -> None:
        if context is None:
            QTimer.singleShot(0, work)
        else:
            QTimer.singleShot(0, context, work)

    reader.painted.connect(queue, Qt.ConnectionType.SingleShotConnection)


class DocumentView(QPlainTextEdit):
    """Shows one document and its spans; reports clicks on spans and keeps selections exact."""

    spanClicked = Signal(str)
    suggestionClicked = Signal(int)  # a click on no span: the Python index, for suggestions
    painted = Signal()

    def __init__(self, styler: SpanStyler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_up_reading_view(self, "documentView")
        self.setCenterOnScroll(False)
        self.paragraphs = ParagraphLayout(self.document())
        self.document().setDocumentLayout(self.paragraphs)
        self.text = ""
        self.offsets = OffsetMap("")
        self.store = SpanStore()
        self.painter = SpanPainter(styler)
        self.current_span: str | None = None
        self.exact_selection = False
        self._press_pos: QPoint | None = None
        self._keep_exact = False
        self._last_click: tuple[int, str] | None = None
        # set by the desk: the open document's attribution links, and the hover text of a span
        self.links: LinkIndex | None = None
        self.link_text: Callable[[Span], str] | None = None
        self.links_drawn = 0
        # set by the desk: the suggested attributions' outlines, and their hover text
        self.suggestion_marks: list[SuggestionMark] = []
        self._mark_starts: list[int] = []
        self.suggestion_tip: Callable[[int], str] | None = None
        self.suggestions_drawn = 0
        self.selectionChanged.connect(self._selection_changed)

    # --- content ---------------------------------------------------------------------------

    def set_document(self, text: str, store: SpanStore, utf8: bytes | None = None) -> None:
        """``utf8``: the text's UTF-8 when the caller has it (as SQLite stores it), so a text
        with emoji is not encoded again for Qt."""
        self.text = text
        self.offsets = OffsetMap(text)
        self.store = store
        self.current_span = None
        self.paragraphs.gap = round(self.fontMetrics().lineSpacing() * PARAGRAPH_GAP) \
            if needs_paragraph_gap(text) else 0.0
        shown = display_text(text)
        encoded = None
        if not self.offsets.is_identity:
            encoded = QByteArray(display_utf8(utf8)) if utf8 is not None else _utf8(shown)
        if encoded is None:
            self.setPlainText(shown)
        else:
            # PySide converts a str holding characters outside the BMP (4 bytes each) to Qt's
            # UTF-16 slowly: for 5 MB with emoji that took as long as Qt's own work. As UTF-8
            # bytes, the property's QByteArray -> QString conversion decodes it in C++; the
            # same text arrives (tests/gui/desk/test_reader.py).
            self.setProperty("plainText", encoded)
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def set_store(self, store: SpanStore) -> None:
        self.store = store
        self.viewport().update()

    def set_suggestion_marks(self, marks: list[SuggestionMark]) -> None:
        ordered = sorted(marks, key=lambda m: (m.start, m.end))
        if ordered == self.suggestion_marks:
            return  # a label re-checks the suggestions: the same ones repaint nothing
        self.suggestion_marks = ordered
        self._mark_starts = [m.start for m in self.suggestion_marks]
        self.viewport().update()

    def set_reading_font(self, font: QFont) -> None:
        self.setFont(font)
        self._centre_column()

    # --- selection in Python indices -------------------------------------------------------

    def raw_selection(self) -> tuple[int, int] | None:
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        return self.offsets.range_to_py(cursor.selectionStart(), cursor.selectionEnd())

    def label_range(self) -> tuple[int, int] | None:
        """The selection as it will be labelled: snapped unless made exact with Alt."""
        raw = self.raw_selection()
        if raw is None:
            return None
        start, end = keep_clusters(self.text, *raw) if self.exact_selection \
            else snap_to_words(self.text, *raw)
        return (start, end) if end > start else None

    def select_range(self, start: int, end: int, *, exact: bool = False) -> None:
        qs, qe = self.offsets.range_to_qt(start, end)
        current = self.textCursor()
        if current.anchor() == qs and current.position() == qe:
            # already selected (a label key re-selects the labelled text): no new cursor,
            # no selection signals, no repaint of the selection
            self.exact_selection = exact
            self.ensureCursorVisible()
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(qs)
        cursor.setPosition(qe, QTextCursor.MoveMode.KeepAnchor)
        self._keep_exact = True
        self.setTextCursor(cursor)
        self._keep_exact = False
        self.exact_selection = exact

    def clear_selection(self) -> None:
        cursor = self.textCursor()
        if cursor.hasSelection():
            cursor.clearSelection()
            self.setTextCursor(cursor)

    def show_span(self, span: Span) -> None:
        """Make a span visible without selecting its text (the span outline shows it)."""
        self.show_range(span.start, span.end)

    def show_range(self, start: int, end: int) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.offsets.to_qt(end))
        self.setTextCursor(cursor)
        cursor.setPosition(self.offsets.to_qt(start))
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def set_current_span(self, span_id: str | None, *changed: Span | None) -> None:
        """Make a span current. ``changed`` are spans a write just added, changed or removed:
        they are repainted in the same pass as the current span's outline, so a label key
        computes one region instead of one per listener."""
        if span_id != self.current_span:
            before = self.store.get(self.current_span or "")
            self.current_span = span_id
            self.update_spans(before, self.store.get(span_id or ""), *changed)
        elif changed:
            self.update_spans(*changed)

    def update_spans(self, *spans: Span | None) -> None:
        """Schedule a repaint of only where these spans lie, and where the spans they overlap
        lie (adding or removing one moves the underline lanes of spans nested in it). A label
        then repaints a line or two instead of the whole page; Qt merges the region with any
        other pending update. A span named twice (the new span that also becomes current) is
        measured once. With links shown, arcs reach beyond their spans: all of it."""
        if self._links_shown():
            self.viewport().update()
            return
        region = QRegion()
        done: set[tuple[str, int, int]] = set()
        for span in spans:
            if span is None or (span.id, span.start, span.end) in done:
                continue
            affected = [s for s in (span, *self.store.overlapping(span.start, span.end))
                        if (s.id, s.start, s.end) not in done]
            done.update((s.id, s.start, s.end) for s in affected)
            qt_ranges = [self.offsets.range_to_qt(s.start, s.end) for s in affected]
            lines = self.lines_between(min(r[0] for r in qt_ranges),
                                       max(r[1] for r in qt_ranges))
            if not lines:  # off screen: nothing to repaint
                continue
            starts = [vl.start for vl in lines]
            for qt in qt_ranges:
                for rect, _ in span_rects(qt, lines, starts):
                    # the wavy underline and the outline's pen reach a little past the line
                    region += rect.toAlignedRect().adjusted(-3, -3, 3, 3)
        if not region.isEmpty():
            self.viewport().update(region)

    def _links_shown(self) -> bool:
        return self.links is not None and bool(self.links.attributed or self.links.via)

    def _selection_changed(self) -> None:
        if not self._keep_exact:
            self.exact_selection = False

    # --- mouse and keys --------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press_pos = event.position().toPoint()
        if event.button() == Qt.MouseButton.LeftButton and \
                not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            # a press always starts a new selection (never a drag of the selected text)
            self.clear_selection()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position().toPoint()
        moved = self._press_pos is not None and \
            (pos - self._press_pos).manhattanLength() >= QApplication.startDragDistance()
        raw = self.raw_selection()
        if raw is not None and moved:
            if event.modifiers() & Qt.KeyboardModifier.AltModifier:
                self.select_range(*keep_clusters(self.text, *raw), exact=True)
            else:
                start, end = snap_to_words(self.text, *raw)
                if end > start:
                    self.select_range(start, end)
        elif raw is None and not moved:
            span = self._span_at(pos)
            if span is not None:
                self.spanClicked.emit(span.id)
            elif self.suggestion_marks and self.text:
                self.suggestionClicked.emit(self._index_at(pos))

    def _index_at(self, pos: QPoint) -> int:
        cursor = self.cursorForPosition(pos)
        qpos = cursor.position()
        if self.cursorRect(cursor).center().x() > pos.x() and qpos > 0:
            qpos -= 1
        return self.offsets.to_py(qpos)

    def span_under(self, pos: QPoint) -> Span | None:
        """The innermost span under a viewport point (what a hover describes)."""
        if not len(self.store) or not self.text:
            return None
        spans = self.store.containing(self._index_at(pos))
        return spans[0] if spans else None

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            span = self.span_under(event.pos())
            tip = self.span_tooltip(span) if span is not None else ""
            if not tip and self.suggestion_tip is not None and self.text:
                tip = self.suggestion_tip(self._index_at(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def span_tooltip(self, span: Span) -> str:
        summary = summary_html(span, self.painter.styler.scheme)
        chain = self.link_text(span) if self.link_text is not None else ""
        return f"{summary}<p>{escape(chain)}</p>" if chain else summary

    def _span_at(self, pos: QPoint) -> Span | None:
        """The innermost span under the mouse; clicking the same place again cycles outward."""
        index = self._index_at(pos)
        spans = self.store.containing(index)
        if not spans:
            self._last_click = None
            return None
        chosen = spans[0]
        if self._last_click is not None and self._last_click[0] == index:
            ids = [s.id for s in spans]
            if self._last_click[1] in ids:
                chosen = spans[(ids.index(self._last_click[1]) + 1) % len(spans)]
        self._last_click = (index, chosen.id)
        return chosen

    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers()
        alt_shift = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier
        if (mods & alt_shift) == alt_shift and event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            cursor = self.textCursor()
            op = QTextCursor.MoveOperation.Left if event.key() == Qt.Key.Key_Left \
                else QTextCursor.MoveOperation.Right
            cursor.movePosition(op, QTextCursor.MoveMode.KeepAnchor)
            self._keep_exact = True
            self.setTextCursor(cursor)
            self._keep_exact = False
            self.exact_selection = True
            return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        # Tab moves focus to the span table rather than being swallowed by the read-only editor.
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and \
                event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            return QWidget.event(self, event)
        return super().event(event)

    # --- layout and painting ---------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._centre_column()

    def _centre_column(self) -> None:
        measure = int(self.fontMetrics().averageCharWidth() * READING_WIDTH_EM * 2)
        spare = max(0, self.width() - measure - self.verticalScrollBar().sizeHint().width())
        side = spare // 2
        margins = self.viewportMargins()
        if margins.left() != side:
            self.setViewportMargins(side, 0, side, 0)

    def visible_lines(self, clip: QRect | None = None) -> list[VisibleLine]:
        """The laid-out lines inside the viewport (or only those that meet ``clip``, a part of
        it to repaint), found by walking visible blocks only and bisecting the lines of long
        paragraphs."""
        out: list[VisibleLine] = []
        top, height = 0, self.viewport().height()
        if clip is not None:
            top, height = max(0, clip.top()), min(height, clip.bottom() + 1)
        offset = self.contentOffset()
        block = self.firstVisibleBlock()
        if top > 0:  # start near the clip (Qt's hit test), one block early for a paragraph gap
            near = self.cursorForPosition(QPoint(0, top)).block()
            block = near.previous() if near.previous().isValid() else near
        while block.isValid():
            geom = self.blockBoundingGeometry(block).translated(offset)
            if geom.top() > height:
                break
            if geom.bottom() < top:
                block = block.next()
                continue
            layout = block.layout()
            if block.isVisible() and layout is not None and layout.lineCount():
                count = layout.lineCount()
                ys = _LineTops(layout, count)
                first = max(0, bisect.bisect_right(ys, top - geom.top()) - 1) \
                    if geom.top() < top else 0
                for i in range(first, count):
                    line = layout.lineAt(i)
                    if geom.top() + line.y() > height:
                        break
                    start = block.position() + line.textStart()
                    out.append(VisibleLine(start, start + line.textLength(), geom.top(),
                                           geom.left(), line))
            block = block.next()
        return out

    def lines_between(self, qs: int, qe: int) -> list[VisibleLine]:
        """The on-screen lines holding Qt positions ``qs``..``qe``: from the block of ``qs``
        on, so a change costs the lines it touches rather than a walk over the page."""
        out: list[VisibleLine] = []
        height = self.viewport().height()
        offset = self.contentOffset()
        block = self.document().findBlock(qs)
        while block.isValid() and block.position() <= qe:
            geom = self.blockBoundingGeometry(block).translated(offset)
            if geom.top() > height:
                break
            layout = block.layout()
            if geom.bottom() >= 0 and block.isVisible() and layout is not None \
                    and layout.lineCount():
                position = block.position()
                first = layout.lineForTextPosition(max(0, qs - position)).lineNumber() \
                    if qs > position else 0
                for i in range(max(0, first), layout.lineCount()):
                    line = layout.lineAt(i)
                    start = position + line.textStart()
                    if start > qe:
                        break
                    out.append(VisibleLine(start, start + line.textLength(), geom.top(),
                                           geom.left(), line))
            block = block.next()
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        spans: list[Span] = []
        geometry = {}
        marks: list[SuggestionMark] = []
        lines: list[VisibleLine] = []
        starts: list[int] = []
        qt_ranges: dict[str, tuple[int, int]] = {}
        if len(self.store) or self.suggestion_marks:
            # only the lines in the part being repainted (see update_spans); links and
            # suggestion arcs join two places, so with them every visible line
            whole = self._links_shown() or bool(self.suggestion_marks)
            lines = self.visible_lines(None if whole else event.rect())
            if lines:
                py_range = self.offsets.range_to_py(lines[0].start, lines[-1].end)
                spans = self.painter.visible_spans(self.store, py_range)
                marks = visible_marks(self.suggestion_marks, self._mark_starts, py_range)
                starts = [vl.start for vl in lines]
                for span in spans:
                    qt = self.offsets.range_to_qt(span.start, span.end)
                    rects = span_rects(qt, lines, starts)
                    if rects:
                        geometry[span.id] = rects
                        qt_ranges[span.id] = qt
        if geometry:
            painter = QPainter(self.viewport())
            self.painter.paint_fills(painter, spans, geometry, self.current_span)
            painter.end()
        super().paintEvent(event)
        if geometry:
            lanes = {s.id: self.store.depth(s) for s in spans if s.id in geometry}
            painter = QPainter(self.viewport())
            highlight = QColor(self.palette().color(self.palette().ColorRole.Highlight))
            self.painter.paint_marks(painter, spans, geometry, lanes, self.current_span,
                                     highlight, qt_ranges)
            if self.links is not None and (self.links.attributed or self.links.via):
                self.links_drawn = paint_links(painter, spans, geometry, self.links.attributed,
                                               self.links.via, self.store.get)
            painter.end()
        self.suggestions_drawn = 0
        if marks:
            painter = QPainter(self.viewport())
            self.suggestions_drawn = paint_suggestions(
                painter, marks, lines, starts, self.offsets, self.painter.styler.dark)
            painter.end()
        self.painted.emit()


class _LineTops:
    """Sequence view of each line's y, so bisect finds the first line under the top edge."""

    def __init__(self, layout: QTextLayout, count: int) -> None:
        self._layout = layout
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: int) -> float:
        return self._layout.lineAt(i).y()
