"""What one label key costs the window: the reader repaints the new span's lines once, the span
table inserts one row and selects it (a relabel changes one row and keeps the selection), the
inspector is painted once, and nothing asks the main window to lay out its docks again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QPaintEvent, QRegion, QTextCursor
from PySide6.QtWidgets import QToolButton, QWidget
from sqlalchemy import text

from stancedesk.gui.shell.main_window import MainWindow
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.storage.engine import CHECKPOINT_BACKSTOP_PAGES

PARAGRAPH = ("The minister said on Sunday that talks with the rebels would resume next week, "
             "according to two officials familiar with the matter. ")
TEXT = "\n\n".join(PARAGRAPH * 3 for _ in range(12))


class _Events(QObject):
    """Records the events of some types a widget receives (paint regions for paints)."""

    def __init__(self, *types: QEvent.Type) -> None:
        super().__init__()
        self.types = types
        self.seen: list[QEvent.Type] = []
        self.regions: list[QRegion] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.types:
            self.seen.append(event.type())
            if isinstance(event, QPaintEvent):
                self.regions.append(QRegion(event.region()))
        return False


@pytest.fixture
def desk(qtbot, db_path: Path, make_window: Callable[..., MainWindow],
         add_text_document: Callable[..., str]) -> Iterator[MainWindow]:
    """A desk on one article with a few of alice's spans, the reader settled and focused."""
    doc = add_text_document(TEXT)
    database = open_database(str(db_path), seed_sample=False)
    try:
        for k in range(6):
            start = TEXT.index("talks", k * 400)
            span_service.create_span(database, doc, "alice", start, start + 5, {"stance": "favor"})
    finally:
        database.dispose()
    window = make_window(db_path)
    qtbot.waitUntil(lambda: window.desk.document is not None and len(window.desk.store) == 6)
    window.reader.setFocus()
    yield window


def _select(qtbot, window: MainWindow, word: str, occurrence: int = 0) -> tuple[int, int]:
    """Select a whole word (as the snapping would) and let the window paint the selection."""
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(word, start + 1)
    with qtbot.waitSignal(window.reader.painted):
        window.reader.select_range(start, start + len(word))
    _settle()
    return start, start + len(word)


def _settle() -> None:
    """Deliver whatever is posted (layout requests, paints): not a sleep, a flush."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()


def _press(qtbot, window: MainWindow, key: Qt.Key) -> None:
    with qtbot.waitSignal(window.reader.painted):
        qtbot.keyClick(window.reader, key)
    _settle()


def _rect_of(window: MainWindow, index: int) -> QRect:
    cursor = QTextCursor(window.reader.document())
    cursor.setPosition(window.reader.offsets.to_qt(index))
    return window.reader.cursorRect(cursor)


def test_a_label_key_repaints_the_new_span_once_and_only_its_lines(qtbot, desk) -> None:
    w = desk
    start, end = _select(qtbot, w, "rebels", 4)
    viewport = w.reader.viewport()
    spy = _Events(QEvent.Type.Paint)
    viewport.installEventFilter(spy)
    measured: list[int] = []
    real = w.reader.lines_between
    w.reader.lines_between = lambda qs, qe: measured.append(qs) or real(qs, qe)  # type: ignore[method-assign]
    try:
        _press(qtbot, w, Qt.Key.Key_F)
    finally:
        viewport.removeEventFilter(spy)
        del w.reader.lines_between
    new = w.desk.current_span()
    assert new is not None and (new.start, new.end) == (start, end)
    assert len(spy.regions) == 1, "one paint of the reader per key"
    region = spy.regions[0]
    for index in (start, end - 1):
        assert region.contains(_rect_of(w, index).center()), "the new span is repainted"
    area = sum(r.width() * r.height() for r in region)
    assert area < viewport.width() * viewport.height() / 8, "its lines, not the page"
    # the new span was measured once, though it is both the change and the new current span
    assert measured.count(w.reader.offsets.to_qt(start)) == 1, measured


def test_a_label_key_inserts_one_table_row_and_selects_it(qtbot, desk) -> None:
    w = desk
    model, table = w.desk.span_model, w.span_table
    first = w.desk.store.at(2)
    w.desk.select_span(first.id, show=True)
    _select(qtbot, w, "minister", 1)  # before ``first``: its row moves down
    inserted: list[tuple[int, int]] = []
    resets: list[bool] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.modelReset.connect(lambda: resets.append(True))
    _press(qtbot, w, Qt.Key.Key_A)
    new = w.desk.current_span()
    assert new is not None and new.labels == {"stance": "against"}
    row = w.desk.store.row_of(new.id)
    assert inserted == [(row, row)] and not resets
    assert [i.row() for i in table.selectionModel().selectedRows()] == [row]
    assert table.currentIndex().row() == row
    assert model.data(model.index(row, 0)) == "minister"

    # a relabel changes that row in place: nothing inserted, the selection stays on it
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _r=(): changed.append((a.row(), b.row())))
    _press(qtbot, w, Qt.Key.Key_N)
    assert inserted == [(row, row)] and not resets
    assert changed == [(row, row)]
    assert [i.row() for i in table.selectionModel().selectedRows()] == [row]
    assert model.data(model.index(row, 1)) == "Neutral"
    assert model.data(QModelIndex()) is None


def test_a_label_key_lays_out_no_dock_and_paints_the_inspector_once(qtbot, desk) -> None:
    """The count, "Saved" and the undo button's step change at every key; the main window
    is not laid out again for them, and the inspector's new texts are painted once."""
    w = desk
    _select(qtbot, w, "officials", 1)
    _press(qtbot, w, Qt.Key.Key_F)  # the first step enables Undo: that may lay out, once
    w.chrome.saved_timer.timeout.emit()  # "All changes saved" again, as after a pause
    _settle()
    _select(qtbot, w, "officials", 2)
    window_events = _Events(QEvent.Type.LayoutRequest)
    quote_paints = _Events(QEvent.Type.Paint)
    w.installEventFilter(window_events)
    w.inspector.quote.installEventFilter(quote_paints)
    try:
        _press(qtbot, w, Qt.Key.Key_F)
        assert w.chrome.count_label.text() == "8 spans (alice)"
        _select(qtbot, w, "matter", 3)
        quote_paints.seen.clear()
        _press(qtbot, w, Qt.Key.Key_A)
    finally:
        w.removeEventFilter(window_events)
        w.inspector.quote.removeEventFilter(quote_paints)
    assert w.chrome.count_label.text() == "9 spans (alice)"
    assert w.chrome.saved_label.text() == "✓ Saved"
    assert window_events.seen == [], "a key laid out the main window again"
    assert len(quote_paints.seen) == 1
    assert w.inspector.quote.text() == "“matter”"


def test_the_toolbar_undo_button_names_the_step_and_undoes_it(qtbot, desk) -> None:
    w = desk
    buttons = [b for b in w.chrome.toolbar.findChildren(QToolButton)
               if b.defaultAction() is not None and b.defaultAction().data() == "undo"]
    assert len(buttons) == 1
    button = buttons[0]
    assert not button.isEnabled()  # nothing to undo yet
    _select(qtbot, w, "resume", 1)
    _press(qtbot, w, Qt.Key.Key_F)
    assert button.isEnabled() and button.text() == "Undo"
    shown: list[str] = []
    from stancedesk.gui.shell import steady

    real_show = steady.QToolTip.showText
    steady.QToolTip.showText = lambda _pos, text, *_a: shown.append(text)  # type: ignore[method-assign]
    try:
        QCoreApplication.sendEvent(button, _tooltip_event(button))
    finally:
        steady.QToolTip.showText = real_show  # type: ignore[method-assign]
    assert shown == [w.chrome.undo_action.toolTip()]
    assert "Create span" in shown[0]
    with qtbot.waitSignal(w.desk.saved):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert len(w.desk.store) == 6
    qtbot.waitUntil(lambda: not button.isEnabled())


def _tooltip_event(widget: QWidget) -> QEvent:
    from PySide6.QtGui import QHelpEvent

    centre = widget.rect().center()
    return QHelpEvent(QEvent.Type.ToolTip, centre, widget.mapToGlobal(QPoint(centre)))


def test_a_label_key_repaints_the_table_rows_not_what_lies_under_them(qtbot, desk) -> None:
    """The tables' viewports and scroll bars fill their own background, so a new row (and the
    document list's count) repaints the cells, not the docks beneath them with their title
    bars; and the span table's header, which highlights nothing, is not repainted when the
    selected row changes. Also after a restyle (a theme switch polishes every widget again)."""
    w = desk
    table = w.span_table
    assert table.viewport().autoFillBackground()
    assert w.documents.view.viewport().autoFillBackground()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setStyleSheet(app.styleSheet())  # repolished: the style sheet turns the fill off
    _settle()
    assert table.viewport().autoFillBackground()
    assert w.documents.view.viewport().autoFillBackground()
    _select(qtbot, w, "officials", 1)
    watched = {"spans dock": w.spans_dock, "documents dock": w.documents_dock,
               "span table header": table.horizontalHeader().viewport(),
               "span table rows": table.viewport(),
               "document list rows": w.documents.view.viewport()}
    spies = {name: _Events(QEvent.Type.Paint) for name in watched}
    for name, widget in watched.items():
        widget.installEventFilter(spies[name])
    try:
        _press(qtbot, w, Qt.Key.Key_F)
    finally:
        for name, widget in watched.items():
            widget.removeEventFilter(spies[name])
    painted = {name for name, spy in spies.items() if spy.seen}
    assert painted == {"span table rows", "document list rows"}, painted


def test_the_span_panel_follows_a_key_once_after_the_frame_that_shows_it(qtbot, desk) -> None:
    """A label key asks the inspector and the palette to follow three times (current span,
    change, saved); they are filled once, after the reader has painted the new span."""
    w = desk
    _select(qtbot, w, "rebels", 2)
    order: list[str] = []
    real = w.inspector.show_span
    w.inspector.show_span = lambda *a, **k: order.append("inspector") or real(*a, **k)  # type: ignore[method-assign]
    w.reader.painted.connect(lambda: order.append("reader"))
    try:
        _press(qtbot, w, Qt.Key.Key_F)
        qtbot.waitUntil(lambda: "inspector" in order)
    finally:
        del w.inspector.show_span
    assert order[0] == "reader" and order.count("inspector") == 1, order
    assert w.inspector.span == w.desk.current_span()
    assert w.palette_widget.current_rows() == [("stance", "favor")]


def test_a_label_key_leaves_the_wal_checkpoint_to_the_pause_after_it(qtbot, desk) -> None:
    """SQLite copied the WAL back into the database inside the commit of about one key in 175
    (the file synced too); the desk's commits leave that to a thread once the person pauses."""
    w = desk
    path = w.database.location.path
    assert path is not None
    with w.database.write() as session:
        assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() \
            == CHECKPOINT_BACKSTOP_PAGES
    _select(qtbot, w, "rebels", 3)
    w.desk.idle_checkpoint.timeout.emit()  # what the earlier keys left is copied back first
    w.database.wait_for_checkpoint(10)
    stamp = path.stat().st_mtime_ns
    _press(qtbot, w, Qt.Key.Key_F)
    assert path.stat().st_mtime_ns == stamp, "the key's commit wrote the database file"
    assert w.desk.idle_checkpoint.isActive()
    with qtbot.waitSignal(w.desk.idle_checkpoint.timeout, timeout=5000):
        pass
    w.database.wait_for_checkpoint(10)
    assert path.stat().st_mtime_ns != stamp, "the pause did not checkpoint"
    new = w.desk.current_span()
    assert new is not None
    assert span_service.get_span(w.database, new.id).labels == {"stance": "favor"}
