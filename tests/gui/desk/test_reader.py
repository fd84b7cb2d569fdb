"""Guards the PySide6 pin (pyproject.toml): PySide6 6.12.0 on CPython 3.11 drops one reference to
None on every call of a method that returns nothing (QPainter.drawLine, QPainterPath.lineTo,
QPen.setCapStyle, ...), so painting the reader kills the interpreter ("none_dealloc") within
seconds. The test paints the reader the way the desk does (fills, stacked and wavy underlines,
boundary ticks, the current span's outline) and checks that None's reference count holds, which
fails cleanly long before a crash. On 3.12+ None is immortal and the count never moves."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt

from stancedesk.domain import Span
from stancedesk.domain.span_store import SpanStore
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
