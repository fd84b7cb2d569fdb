"""What the desk shows of a span and of the corpus: the inspector dock, the hover tooltip, the
span table's columns, ghost spans, undo focus, done documents, document details and deletes."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QMessageBox, QToolTip

from stancedesk.gui.shell.main_window import MainWindow
from stancedesk.services import corpus, documents
from stancedesk.services import spans as span_service


def _select(window: MainWindow, needle: str) -> tuple[int, int]:
    start = window.desk.document.text.index(needle)
    window.reader.select_range(start, start + len(needle))
    return start, start + len(needle)


def _label(qtbot, window: MainWindow, needle: str, key: Qt.Key) -> None:
    _select(window, needle)
    window.reader.setFocus()
    qtbot.keyClick(window.reader, key)


def test_inspector_follows_and_edits_the_current_span(qtbot, sample_path, make_window,
                                                      stored_spans) -> None:
    window = make_window(sample_path)
    inspector = window.inspector
    assert window.inspector_dock.isVisible()
    _label(qtbot, window, "Ostrelia will host", Qt.Key.Key_F)
    (span,) = window.desk.store.spans()
    assert window.desk.current_span() == span
    qtbot.waitUntil(lambda: inspector.span == span)  # after the frame showing the key
    assert inspector.fields["stance"].isEnabled()
    assert inspector.author.text() == "alice" and inspector.created.text()
    assert window.palette_widget.current_rows() == [("stance", "favor")]
    # every layer is editable there, through the undo stack
    combo = inspector.fields["reliability"]
    combo.setCurrentIndex(combo.findData("B"))
    combo.activated.emit(combo.currentIndex())
    assert stored_spans(span.document_id)[0].labels == {"stance": "favor", "reliability": "B"}
    assert inspector.value_shown("reliability") == "B"
    target = inspector.fields["target"]
    target.setEditText("the talks")
    qtbot.keyClick(target.lineEdit(), Qt.Key.Key_Return)
    assert stored_spans(span.document_id)[0].labels["target"] == "the talks"
    inspector.note.setPlainText("from the briefing")
    qtbot.mouseClick(inspector.save_note, Qt.MouseButton.LeftButton)
    assert stored_spans(span.document_id)[0].note == "from the briefing"
    window.desk.undo_stack().undo()
    qtbot.waitUntil(lambda: inspector.note.toPlainText() == "")
    assert stored_spans(span.document_id)[0].note == ""
    # the span table: the layers the issue missed are there, Start/End hidden by default
    keys = window.desk.span_model.column_keys
    for key in ("sourcing", "reliability", "credibility"):
        assert not window.span_table.isColumnHidden(keys.index(key))
    assert window.span_table.isColumnHidden(keys.index("start"))


def test_hover_tooltip_in_the_reader(qtbot, sample_path, make_window) -> None:
    window = make_window(sample_path)
    _label(qtbot, window, "Ostrelia will host", Qt.Key.Key_F)
    window.reader.clear_selection()
    (span,) = window.desk.store.spans()
    cursor = QTextCursor(window.reader.document())
    cursor.setPosition(window.reader.offsets.to_qt(span.start + 2))
    pos = window.reader.cursorRect(cursor).center()
    viewport = window.reader.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, viewport.mapToGlobal(pos))
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(QToolTip.isVisible)
    assert "Favor" in QToolTip.text() and "alice" in QToolTip.text()
    far = QPoint(2, viewport.height() - 2)
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, far,
                                                viewport.mapToGlobal(far)))
    qtbot.waitUntil(lambda: not QToolTip.isVisible())


def test_span_table_columns_are_remembered(qtbot, sample_path, make_window) -> None:
    window = make_window(sample_path)
    keys = window.desk.span_model.column_keys
    menu = window.span_columns.build_menu()
    actions = {a.data(): a for a in menu.actions()}
    actions["note"].setChecked(False)
    actions["end"].setChecked(True)
    assert window.span_table.isColumnHidden(keys.index("note"))
    window.close()
    again = make_window(sample_path)
    assert again.span_table.isColumnHidden(keys.index("note"))
    assert not again.span_table.isColumnHidden(keys.index("end"))
    assert again.span_table.isColumnHidden(keys.index("start"))


def test_clearing_the_last_label_deletes_and_undo_restores_focus(qtbot, sample_path,
                                                                 make_window,
                                                                 stored_spans) -> None:
    window = make_window(sample_path)
    reader = window.reader
    for needle in ("Ostrelia will host", "first direct contacts", "senior officials"):
        _label(qtbot, window, needle, Qt.Key.Key_F)
    doc = window.desk.document_id
    middle = next(s for s in window.desk.store.spans() if s.text == "first direct contacts")
    reader.clear_selection()
    window.desk.select_span(middle.id)
    qtbot.keyClick(reader, Qt.Key.Key_F)  # the same key again clears its only label
    assert middle.id not in {s.id for s in stored_spans(doc)}, "no ghost span"
    assert "span was removed" in window.statusBar().currentMessage()
    window.desk.undo_stack().undo()
    assert middle.id in {s.id for s in stored_spans(doc)}
    assert window.desk.current_span().id == middle.id, "focus returns to the restored span"
    # the Delete key, then undo: the same
    qtbot.keyClick(reader, Qt.Key.Key_Delete)
    assert middle.id not in {s.id for s in stored_spans(doc)}
    window.desk.undo_stack().undo()
    assert window.desk.current_span().id == middle.id
    row = window.span_table.currentIndex().row()
    assert window.desk.span_model.span_at(row).id == middle.id


def test_a_done_document_refuses_edits_until_reopened(qtbot, sample_path, make_window,
                                                      stored_spans) -> None:
    window = make_window(sample_path)
    _label(qtbot, window, "Ostrelia will host", Qt.Key.Key_F)
    window.chrome.done_action.trigger()
    doc = window.desk.document_id
    _label(qtbot, window, "first direct contacts", Qt.Key.Key_A)
    assert len(stored_spans(doc)) == 1
    assert "marked done: reopen it" in window.statusBar().currentMessage()
    window.reader.clear_selection()
    window.desk.select_span(window.desk.store.spans()[0].id)
    qtbot.waitUntil(lambda: "marked done" in window.inspector.hint.text())
    assert not window.inspector.fields["stance"].isEnabled()
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    assert len(stored_spans(doc)) == 1
    window.chrome.done_action.trigger()  # reopened
    _label(qtbot, window, "first direct contacts", Qt.Key.Key_A)
    assert len(stored_spans(doc)) == 2


def test_document_details_delete_and_sample_removal(qtbot, sample_path, make_window,
                                                    stored_spans, tmp_path) -> None:
    window = make_window(sample_path)
    actions = window.corpus_actions
    _label(qtbot, window, "Ostrelia will host", Qt.Key.Key_F)
    doc = window.desk.document_id
    editor = actions.edit_details()
    editor.title.setText("Ostrelia hosts talks")
    editor.date.setText("2026-01-15")
    editor.accept()
    stored = corpus.get_document(window.database, doc)
    assert (stored.title, stored.published) == ("Ostrelia hosts talks", "2026-01-15")
    assert window.desk.doc_model.summary(doc).title == "Ostrelia hosts talks"
    assert window.windowTitle().startswith("Ostrelia hosts talks")
    editor = actions.edit_details()
    editor.date.setText("soon")
    with qtbot.waitSignal(window.reporter.userError) as blocker:
        editor.accept()
    assert "'soon' is not a date" in blocker.args[0]
    window.reporter.last_dialog.close()
    assert corpus.get_document(window.database, doc).published == "2026-01-15"

    box = actions.confirm_delete()
    assert "1 span(s) of 1 annotator(s) (alice)" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert doc in {d.id for d in corpus.list_documents(window.database)}
    box = actions.confirm_delete()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert doc not in {d.id for d in corpus.list_documents(window.database)}
    assert stored_spans(doc) == []
    assert window.desk.doc_model.rowCount() == 9 and window.desk.document_id not in (None, doc)

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "own.txt").write_text("04 Dec 2022; MEMO: My own article\nBody.\n",
                                               encoding="utf-8")
    corpus.import_paths(window.database, [tmp_path / "mine"])
    window.desk.reload_documents()
    box = actions.confirm_remove_samples()
    assert "Remove the 9 fictional sample articles" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert documents.sample_document_ids(window.database) == []
    assert [window.desk.doc_model.summary(window.desk.doc_model.document_id(0)).title] == [
        "My own article"]
    assert span_service.list_spans(window.database) == []


def test_blank_line_free_articles_get_paragraph_space(qtbot, db_path, make_window,
                                                      add_text_document) -> None:
    text = "Headline\nFirst paragraph of wire copy.\nSecond paragraph.\n"
    doc = add_text_document(text)
    window = make_window(db_path)
    window.open_document(doc)
    reader = window.reader
    assert reader.toPlainText() == text == corpus.get_document(window.database, doc).text
    first = reader.document().firstBlock()
    step = reader.blockBoundingGeometry(first.next()).top() - \
        reader.blockBoundingGeometry(first).top()
    assert step > reader.fontMetrics().lineSpacing() * 1.5


def test_the_inspectors_target_suggestions_come_after_the_first_paint(qtbot,
                                                                      sample_path) -> None:
    """Reading them scans every span's value in the project, so the first window is
    painted without them; they follow as soon as it is, and then track commits."""
    from stancedesk.gui.shell.main_window import build_main_window
    from stancedesk.services.project import open_database

    database = open_database(str(sample_path))
    doc = corpus.list_documents(database)[0].id
    span_service.create_span(database, doc, "bob", 0, 4, {"target": "the harbour deal"})
    database.dispose()
    window = build_main_window(str(sample_path), "alice")
    qtbot.addWidget(window)
    combo = window.inspector.fields["target"]

    def offered() -> list[str]:
        return [combo.itemText(i) for i in range(combo.count())]

    assert "the harbour deal" not in offered(), "not read before the window is painted"
    window.desk.open_document(corpus.list_documents(window.database)[1].id)
    assert "the harbour deal" not in offered(), "nor when a document opens before that"
    with qtbot.waitSignal(window.reader.painted):
        window.show()
    qtbot.waitUntil(lambda: "the harbour deal" in offered())
    assert offered() == [name for _, name in window.desk.target_suggestions("target")]


def test_the_document_lists_lengths_are_read_for_the_tooltip(qtbot, sample_path,
                                                              make_window) -> None:
    """Counting characters reads every text, so the desk's list comes without them; the
    tooltip asks for the one document it describes."""
    window = make_window(sample_path)
    model = window.desk.doc_model
    summary = model.summary(model.document_id(1))
    assert summary is not None and summary.length is None
    tip = model.data(model.index(1, 0), Qt.ItemDataRole.ToolTipRole)
    text = corpus.get_document(window.database, summary.id).text
    assert tip.endswith(f" · {len(text):,} characters")
    assert corpus.list_documents(window.database)[1].length == len(text), "the CLI's list"
