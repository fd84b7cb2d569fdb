"""Guards the PySide6 pin (pyproject.toml): PySide6 6.12.0 on CPython 3.11 drops one reference to
None on every call of a method that returns nothing (QPainter.drawLine, QPainterPath.lineTo,
QPen.setCapStyle, ...), so painting the reader kills the interpreter ("none_dealloc") within
seconds. The test paints the reader the way the desk does (fills, stacked and wavy underlines,
boundary ticks, the current span's outline) and checks that None's reference count holds, which
fails cleanly long before a crash. On 3.12+ None is immortal and the count never moves."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QImage, QPaintEvent, QRegion

from stancedesk.domain import Span
from stancedesk.domain.span_store import PendingSpans, SpanStore
from stancedesk.gui.desk.painting import AnnotatorStyle, SpanStyler
from stancedesk.gui.desk.reader import DocumentView
from stancedesk.services.project import default_scheme

SENTENCE = "The minister said, according to two officials, that talks would resume. "


def _reviewer_view(qtbot) -> DocumentView:
    """Two annotators' nested spans, one drawn with a wavy underline, as in reviewer mode."""
    text = (SENTENCE * 5 + "\n") * 8
    spans = []
    for k, start in enumerate(range(0, len(text) - 60, 41)):
        end = start + 20 + (k % 3) * 20
        spans.append(Span(f"s{k}", "doc", ("alice", "bob")[k % 2], start, end, text[start:end],
                          {"stance": ("favor", "against", "neutral")[k % 3]}))
    styler = SpanStyler(default_scheme(), "stance")
    styler.annotators = {"alice": AnnotatorStyle("#aa3300", Qt.PenStyle.DashLine),
                         "bob": AnnotatorStyle("#0033aa", Qt.PenStyle.SolidLine, wavy=True)}
    styler.show_owners = True
    view = DocumentView(styler)
    qtbot.addWidget(view)
    view.resize(640, 420)
    view.show()
    qtbot.waitExposed(view)
    view.set_document(text, SpanStore(spans))
    view.current_span = "s1"
    return view


def test_painting_the_reader_keeps_none_alive(qtbot) -> None:
    view = _reviewer_view(qtbot)
    with qtbot.waitSignal(view.painted):
        view.viewport().repaint()  # first paint: lays out the text and fills caches
    painted: list[bool] = []
    view.painted.connect(lambda: painted.append(True))
    before = sys.getrefcount(None)
    for _ in range(10):
        view.viewport().repaint()
    drift = sys.getrefcount(None) - before
    assert len(painted) == 10
    # a bad binding loses hundreds of references per paint; ordinary noise is a handful
    assert drift > -20, f"None lost {-drift} references in 10 paints: a broken PySide6 build"


class _PaintRegions(QObject):
    """Collects the regions the viewport is asked to repaint."""

    def __init__(self) -> None:
        super().__init__()
        self.regions: list[QRegion] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(event, QPaintEvent):
            self.regions.append(QRegion(event.region()))
        return False


def _pixels(view: DocumentView) -> np.ndarray:
    image = view.viewport().grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return raw.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, :image.width()].copy()


@pytest.mark.parametrize("change", ["insert", "delete", "current"])
def test_a_change_repaints_only_where_it_shows(qtbot, change: str) -> None:
    """A label repaints the lines of its span (and of the spans whose underline lanes it
    moves), not the page; whatever looks different afterwards lies inside that region, so
    the partial repaint leaves the screen exactly as a full repaint would."""
    view = _reviewer_view(qtbot)
    view.current_span = None
    text = view.text
    nested = view.store.at(6)  # the new span encloses its start, so its lane moves down
    new = Span("new", "doc", "alice", nested.start - 3, nested.start + 12,
               text[nested.start - 3:nested.start + 12], {"stance": "against"})
    if change == "delete":
        view.store.insert(new)
    with qtbot.waitSignal(view.painted):
        view.viewport().repaint()
    before = _pixels(view)
    spy = _PaintRegions()
    view.viewport().installEventFilter(spy)
    with qtbot.waitSignal(view.painted):
        if change == "insert":
            view.store.insert(new)
            view.update_spans(None, new)
        elif change == "delete":
            view.store.remove(new.id)
            view.update_spans(new, None)
        else:
            view.set_current_span(nested.id)
    view.viewport().removeEventFilter(spy)
    region = QRegion()
    for part in spy.regions:
        region += part
    after = _pixels(view)  # a full repaint of the new state
    ys, xs = np.nonzero((before != after).any(axis=2))
    assert len(ys), "the change shows"
    outside = [(x, y) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
               if not region.contains(QPoint(x, y))]
    assert not outside, f"{len(outside)} changed pixels were not repainted, e.g. {outside[:5]}"
    area = sum(r.width() * r.height() for r in region)
    assert area < view.viewport().width() * view.viewport().height() / 4


def test_the_same_suggestion_marks_repaint_nothing(qtbot) -> None:
    """Every label re-checks the suggestions; when they stay the same (none, on most
    articles) the reader is not repainted whole for them."""
    view = _reviewer_view(qtbot)
    with qtbot.waitSignal(view.painted):
        view.viewport().repaint()
    view.set_suggestion_marks([])
    with qtbot.assertNotEmitted(view.painted, wait=300):
        view.set_suggestion_marks([])


def _emoji_article() -> str:
    paragraph = ("Die Ministerin 😀 sagte, laut zwei Beamten 🇺🇦, dass die Gespräche "
                 "weitergehen. Quelle: 𝔘 Agentur\r\n")
    return paragraph * 400


def test_a_text_with_emoji_reaches_qt_unchanged_and_selections_map_back(qtbot) -> None:
    """Texts with characters outside the BMP go to Qt as UTF-8 bytes (reader.set_document):
    the same characters arrive, and Qt positions still map to the same Python indices."""
    text = _emoji_article()
    view = DocumentView(SpanStyler(default_scheme(), "stance"))
    qtbot.addWidget(view)
    view.set_document(text, SpanStore())
    assert not view.offsets.is_identity
    assert view.toPlainText() == text.replace("\r", " ")
    start = text.index("Beamten", 5000)
    view.select_range(start, start + len("Beamten 🇺🇦"))
    assert view.raw_selection() == (start, start + len("Beamten 🇺🇦"))
    assert view.textCursor().selectedText() == "Beamten 🇺🇦"


def test_a_text_given_with_its_utf8_is_not_encoded_again(qtbot, monkeypatch) -> None:
    """The desk passes SQLite's UTF-8 of the text along: the reader hands those bytes to Qt
    (carriage returns shown as spaces, as in the text) instead of encoding the text again."""
    text = _emoji_article()
    view = DocumentView(SpanStyler(default_scheme(), "stance"))
    qtbot.addWidget(view)
    monkeypatch.setattr("stancedesk.gui.desk.reader._utf8", _never)
    view.set_document(text, SpanStore(), text.encode("utf-8"))
    assert view.toPlainText() == text.replace("\r", " ")
    start = text.index("Beamten", 5000)
    view.select_range(start, start + len("Beamten 🇺🇦"))
    assert view.textCursor().selectedText() == "Beamten 🇺🇦"


def _never(_text: str) -> None:
    raise AssertionError("the text was encoded again")


def test_a_span_far_down_is_built_and_painted_after_scrolling(qtbot) -> None:
    """The desk's store holds rows and builds a span when it is first painted or listed: the
    first page builds the spans on it, and scrolling to the end paints (and builds) a span
    there; spans in between are never built."""
    text = _emoji_article()
    starts = [m for m in range(0, len(text) - 40, 97)]
    spans = {f"s{k}": Span(f"s{k}", "doc", "alice", s, s + 12, text[s:s + 12],
                           {"stance": "favor"}) for k, s in enumerate(starts)}
    built: list[str] = []

    def build(row: tuple[object, ...]) -> Span:
        built.append(str(row[0]))
        return spans[str(row[0])]

    rows = [(s.id, s.start, s.end) for s in spans.values()]
    view = DocumentView(SpanStyler(default_scheme(), "stance"))
    qtbot.addWidget(view)
    view.resize(640, 420)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitSignal(view.painted):
        view.set_document(text, SpanStore(PendingSpans(rows, build)))
    assert "s0" in built and f"s{len(rows) - 1}" not in built
    assert len(built) < len(rows) // 10
    plain = _pixels(view)
    last = spans[f"s{len(rows) - 1}"]
    with qtbot.waitSignal(view.painted):
        view.show_span(last)
    assert last.id in built
    assert len(built) < len(rows) // 5, "only the two pages were built"
    shown = _pixels(view)
    # the same page without its spans: the span's underline is what differs
    empty = DocumentView(SpanStyler(default_scheme(), "stance"))
    qtbot.addWidget(empty)
    empty.resize(640, 420)
    empty.show()
    qtbot.waitExposed(empty)
    empty.set_document(text, SpanStore())
    with qtbot.waitSignal(empty.painted):
        empty.show_span(last)
    assert (shown != _pixels(empty)).any(), "the far span is painted"
    assert (shown != plain).any()
