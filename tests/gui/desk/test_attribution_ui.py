"""Drive the attribution keys on the real desk: mark roles, link a claim to its source, cycle
through the paragraph's sources, relay a source via another, clear, undo and redo each, and
delete a source with claims under both policies. What reached the database is read back through
a separate connection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QToolTip

from stancedesk.domain.attribution import Link
from stancedesk.gui.desk.attribution_ui import claims_policy_box
from stancedesk.gui.shell.main_window import MainWindow
from stancedesk.services import attribution as attr_service
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database

TEXT = ("Officials said the talks failed. Reuters, citing a diplomat, reported the talks "
        "would resume.\nIn another paragraph, nobody said anything.")
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def desk_window(qtbot, db_path: Path, make_window, add_text_document) -> Iterator[MainWindow]:
    add_text_document(TEXT)
    window = make_window(db_path)
    qtbot.waitUntil(lambda: window.desk.document is not None)
    yield window


def stored(db_path: Path) -> tuple[dict[str, str], list[Link]]:
    """(span text -> role, links) as stored for alice."""
    database = open_database(str(db_path), seed_sample=False)
    try:
        spans = span_service.list_spans(database)
        doc = spans[0].document_id if spans else ""
        return ({s.text: s.role or "" for s in spans if s.annotator == "alice"},
                attr_service.links_of(database, doc, "alice") if doc else [])
    finally:
        database.dispose()


def link_texts(window: MainWindow, links: list[Link]) -> set[tuple[str, str, str]]:
    database = window.database
    return {(span_service.get_span(database, x.from_span).text, str(x.kind),
             span_service.get_span(database, x.to_span).text) for x in links}


def press(qtbot, window: MainWindow, key: Qt.Key) -> None:
    with qtbot.waitSignal(window.desk.saved, timeout=3000):
        qtbot.keyClick(window.reader, key, ALT)


def select_text(window: MainWindow, needle: str) -> None:
    start = TEXT.index(needle)
    window.reader.select_range(start, start + len(needle), exact=True)
    window.reader.setFocus()


def current(window: MainWindow, needle: str) -> None:
    window.reader.clear_selection()
    span = next(s for s in window.desk.store.spans() if s.text == needle)
    window.desk.select_span(span.id)
    window.reader.setFocus()


def mark(qtbot, window: MainWindow, needle: str, key: Qt.Key) -> None:
    select_text(window, needle)
    press(qtbot, window, key)


def undo(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.desk.saved, timeout=3000):
        window.desk.undo_stack().undo()


def redo(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.desk.saved, timeout=3000):
        window.desk.undo_stack().redo()


def test_mark_link_cycle_via_clear_with_undo(qtbot, desk_window, db_path) -> None:
    w = desk_window
    mark(qtbot, w, "Officials", Qt.Key.Key_S)
    mark(qtbot, w, "the talks failed", Qt.Key.Key_C)
    mark(qtbot, w, "said", Qt.Key.Key_Q)
    roles, _ = stored(db_path)
    assert roles == {"Officials": "source", "the talks failed": "claim", "said": "cue"}

    # the same key again clears the role; undo puts it back
    current(w, "said")
    press(qtbot, w, Qt.Key.Key_Q)
    assert stored(db_path)[0]["said"] == ""
    undo(qtbot, w)
    assert stored(db_path)[0]["said"] == "cue"
    redo(qtbot, w)
    assert stored(db_path)[0]["said"] == ""

    mark(qtbot, w, "Reuters", Qt.Key.Key_S)
    mark(qtbot, w, "a diplomat", Qt.Key.Key_S)
    mark(qtbot, w, "the talks would resume", Qt.Key.Key_C)

    # link: the nearest preceding source is the default
    current(w, "the talks would resume")
    press(qtbot, w, Qt.Key.Key_K)
    assert link_texts(w, stored(db_path)[1]) == {
        ("the talks would resume", "attributed_to", "a diplomat")}
    # again: the paragraph's other sources in turn, then back to the first
    press(qtbot, w, Qt.Key.Key_K)
    assert link_texts(w, stored(db_path)[1]) == {
        ("the talks would resume", "attributed_to", "Officials")}
    press(qtbot, w, Qt.Key.Key_K)
    assert link_texts(w, stored(db_path)[1]) == {
        ("the talks would resume", "attributed_to", "Reuters")}
    undo(qtbot, w)
    assert link_texts(w, stored(db_path)[1]) == {
        ("the talks would resume", "attributed_to", "Officials")}
    redo(qtbot, w)
    press(qtbot, w, Qt.Key.Key_K)
    assert link_texts(w, stored(db_path)[1]) == {
        ("the talks would resume", "attributed_to", "a diplomat")}

    # via: the diplomat reaches the article through Reuters
    current(w, "a diplomat")
    press(qtbot, w, Qt.Key.Key_R)
    links = link_texts(w, stored(db_path)[1])
    assert ("a diplomat", "via", "Reuters") in links
    # the claim's source column and the hover text show the whole chain
    model = w.desk.span_model
    row = w.desk.store.row_of(next(s.id for s in w.desk.store.spans()
                                   if s.text == "the talks would resume"))
    assert model.data(model.index(row, model.source_column)) == "a diplomat ← Reuters"
    claim = w.desk.store.at(row)
    assert w.desk.attribution.chain_text(claim) == \
        "claim: the talks would resume ← a diplomat ← Reuters"
    # the reader paints both links (both ends are on screen)
    w.reader.viewport().repaint()
    assert w.reader.links_drawn == 2

    # clear the via link; undo and redo
    press(qtbot, w, Qt.Key.Key_X)
    assert ("a diplomat", "via", "Reuters") not in link_texts(w, stored(db_path)[1])
    undo(qtbot, w)
    assert ("a diplomat", "via", "Reuters") in link_texts(w, stored(db_path)[1])
    redo(qtbot, w)
    assert ("a diplomat", "via", "Reuters") not in link_texts(w, stored(db_path)[1])
    undo(qtbot, w)

    # undo all the way back: nothing is left, redo all the way forward restores it
    stack = w.desk.undo_stack()
    steps = stack.index()
    while stack.canUndo():
        undo(qtbot, w)
    assert stored(db_path) == ({}, [])
    while stack.index() < steps:
        redo(qtbot, w)
    assert ("a diplomat", "via", "Reuters") in link_texts(w, stored(db_path)[1])


def test_hover_shows_the_chain(qtbot, desk_window, db_path) -> None:
    w = desk_window
    mark(qtbot, w, "Officials", Qt.Key.Key_S)
    mark(qtbot, w, "the talks failed", Qt.Key.Key_C)
    press(qtbot, w, Qt.Key.Key_K)
    start = w.reader.offsets.to_qt(TEXT.index("talks failed"))
    cursor = w.reader.textCursor()
    cursor.setPosition(start + 2)
    rect = w.reader.cursorRect(cursor)
    pos = QPoint(rect.left() + 1, rect.center().y())
    event = QHelpEvent(QHelpEvent.Type.ToolTip, pos, w.reader.viewport().mapToGlobal(pos))
    QApplication.sendEvent(w.reader.viewport(), event)
    qtbot.waitUntil(lambda: QToolTip.isVisible())
    assert "claim: the talks failed ← Officials" in QToolTip.text()


@pytest.mark.parametrize("policy", ["keep", "delete"])
def test_deleting_a_source_asks_about_its_claims(qtbot, desk_window, db_path, policy) -> None:
    w = desk_window
    mark(qtbot, w, "Officials", Qt.Key.Key_S)
    mark(qtbot, w, "the talks failed", Qt.Key.Key_C)
    press(qtbot, w, Qt.Key.Key_K)
    asked: list[int] = []
    w.desk.attribution.ask_claims_policy = lambda span, n: asked.append(n) or policy
    current(w, "Officials")
    with qtbot.waitSignal(w.desk.saved, timeout=3000):
        qtbot.keyClick(w.reader, Qt.Key.Key_Delete)
    assert asked == [1]
    roles, links = stored(db_path)
    assert links == []
    assert roles == ({"the talks failed": "claim"} if policy == "keep" else {})
    assert "Officials" not in {s.text for s in w.desk.store.spans()}
    undo(qtbot, w)
    assert stored(db_path)[0] == {"Officials": "source", "the talks failed": "claim"}
    assert link_texts(w, stored(db_path)[1]) == {
        ("the talks failed", "attributed_to", "Officials")}
    assert w.desk.attribution.links.attributed  # the reader shows the link again
    redo(qtbot, w)
    assert stored(db_path)[1] == []


def test_claims_policy_dialog_buttons(qtbot, desk_window) -> None:
    w = desk_window
    mark(qtbot, w, "Officials", Qt.Key.Key_S)
    span = w.desk.current_span()
    box = claims_policy_box(w, span, 2)
    qtbot.addWidget(box)
    box.open()
    button = box.findChild(QPushButton, "deleteClaims")
    with qtbot.waitSignal(box.buttonClicked):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert box.clickedButton() is button
    assert "2 claims" in box.text()
    assert isinstance(box, QMessageBox)


def test_attribution_keys_do_not_clash_with_the_scheme(desk_window) -> None:
    taken = set(desk_window.scheme.shortcut_map())
    for action in desk_window.attribution_actions.values():
        assert action.shortcut().toString() not in taken
        assert not action.shortcut().isEmpty()


def test_palette_and_inspector_show_the_layers_of_the_role(qtbot, desk_window) -> None:
    w = desk_window
    scheme = w.scheme
    mark(qtbot, w, "Officials", Qt.Key.Key_S)
    source_layers = [layer.key for layer in scheme.layers if layer.applies_to("source")]
    assert source_layers != list(scheme.layer_keys)  # the default scheme declares roles
    assert w.palette_widget.visible_layers() == source_layers
    # the inspector follows after the frame that shows the key (see inspector_dock)
    qtbot.waitUntil(lambda: [k for k, c in w.inspector.fields.items() if not c.isHidden()]
                    == source_layers)
    mark(qtbot, w, "the talks failed", Qt.Key.Key_C)
    claim_layers = [layer.key for layer in scheme.layers if layer.applies_to("claim")]
    assert w.palette_widget.visible_layers() == claim_layers
    w.desk.select_span(None)
    assert w.palette_widget.visible_layers() == list(scheme.layer_keys)
