"""Drive the real desk: documents, selecting with keys and mouse, label keys, undo, annotators,
autosave. What reached the database is always read back through the services."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QTableView,
)

from stancedesk.gui.shell.main_window import MainWindow, build_main_window

# an import on a worker thread, on a machine shared with other test runs: a generous bound on
# waits that end as soon as their condition holds
LOADED_MS = 30_000


def reader_of(window: MainWindow) -> QPlainTextEdit:
    reader = window.findChild(QPlainTextEdit, "documentView")
    assert reader is not None
    return reader


def put_cursor(reader: QPlainTextEdit, qt_position: int) -> None:
    cursor = reader.textCursor()
    cursor.setPosition(qt_position)
    reader.setTextCursor(cursor)


def select_by_keys(qtbot, reader: QPlainTextEdit, start: int, units: int) -> None:
    """Place the caret, then press Shift+Right like a keyboard user until the selection covers
    ``units`` UTF-16 positions (one press moves over a whole emoji or accented letter)."""
    put_cursor(reader, start)
    reader.setFocus()
    for _ in range(units):
        if reader.textCursor().position() >= start + units:
            break
        qtbot.keyClick(reader, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)


def point_at(reader: QPlainTextEdit, qt_position: int) -> QPoint:
    cursor = QTextCursor(reader.document())
    cursor.setPosition(qt_position)
    rect = reader.cursorRect(cursor)
    return QPoint(rect.left() + 1, rect.center().y())


def drag(qtbot, reader: QPlainTextEdit, start: int, end: int,
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    viewport = reader.viewport()
    a, b = point_at(reader, start), point_at(reader, end)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, a)
    qtbot.mouseMove(viewport, QPoint((a.x() + b.x()) // 2, b.y()))
    qtbot.mouseMove(viewport, b)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, b)


def open_row(qtbot, window: MainWindow, row: int) -> None:
    view = window.findChild(QTableView, "documentList")
    index = view.model().index(row, 0)
    view.scrollTo(index)
    with qtbot.waitSignal(window.desk.documentOpened):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.visualRect(index).center())


def text_position(window: MainWindow, needle: str) -> int:
    index = window.desk.document.text.index(needle)
    return window.reader.offsets.to_qt(index)


def test_object_names_and_opening_from_the_list(qtbot, sample_path, make_window) -> None:
    window = make_window(sample_path)
    for name in ("documentList", "documentView", "spanTable", "labelPalette"):
        assert window.findChild(object, name) is not None, name
    open_row(qtbot, window, 3)
    view = window.findChild(QTableView, "documentList")
    source_row = window.documents.proxy.mapToSource(view.model().index(3, 0)).row()
    expected = window.desk.doc_model.document_id(source_row)
    assert window.desk.document_id == expected
    assert reader_of(window).toPlainText() == window.desk.document.text.replace("\r", " ")


def test_two_layer_keys_on_one_keyboard_selection_make_one_span(qtbot, sample_path,
                                                                make_window,
                                                                stored_spans) -> None:
    window = make_window(sample_path)
    reader = reader_of(window)
    text = window.desk.document.text
    start = text_position(window, "Ostrelia will host")
    # select "Ostrelia wi" - snapping completes the word "will"
    select_by_keys(qtbot, reader, start, len("Ostrelia wi"))
    qtbot.keyClick(reader, Qt.Key.Key_F)
    qtbot.keyClick(reader, Qt.Key.Key_U)
    qtbot.keyClick(reader, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(reader, Qt.Key.Key_2)
    spans = stored_spans(window.desk.document_id, "alice")
    assert len(spans) == 1
    span = spans[0]
    assert span.text == "Ostrelia will" == text[span.start:span.end]
    assert dict(span.labels) == {"stance": "favor", "sourcing": "anonymous",
                                 "reliability": "A", "credibility": "2"}
    assert window.desk.span_model.rowCount() == 1
    # the same key again clears that layer (toggle)
    qtbot.keyClick(reader, Qt.Key.Key_2)
    assert "credibility" not in stored_spans(window.desk.document_id)[0].labels


def test_mouse_drag_snaps_and_alt_keeps_exact(qtbot, sample_path, make_window,
                                              stored_spans) -> None:
    window = make_window(sample_path)
    reader = reader_of(window)
    text = window.desk.document.text
    start = text_position(window, "senior officials")
    drag(qtbot, reader, start + 2, start + 10)  # "nior off"
    assert window.reader.label_range() is not None
    qtbot.keyClick(reader, Qt.Key.Key_O)
    first = stored_spans(window.desk.document_id)[0]
    assert first.text == "senior officials"
    drag(qtbot, reader, start + 2, start + 5, Qt.KeyboardModifier.AltModifier)
    assert window.reader.exact_selection
    qtbot.keyClick(reader, Qt.Key.Key_N)
    texts = sorted(s.text for s in stored_spans(window.desk.document_id))
    assert texts == ["nio", "senior officials"]
    assert all(s.text == text[s.start:s.end] for s in stored_spans(window.desk.document_id))


def test_undo_and_redo_every_kind_of_change(qtbot, sample_path, make_window,
                                            stored_spans) -> None:
    window = make_window(sample_path)
    reader = reader_of(window)
    doc = window.desk.document_id
    select_by_keys(qtbot, reader, text_position(window, "cautious first step"), 8)
    qtbot.keyClick(reader, Qt.Key.Key_F)  # create
    qtbot.keyClick(reader, Qt.Key.Key_A)  # relabel
    assert stored_spans(doc)[0].labels == {"stance": "against"}
    window.desk.set_note(stored_spans(doc)[0].id, "hedged")  # note
    assert stored_spans(doc)[0].note == "hedged"

    def undo() -> None:
        qtbot.keyClick(reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    def redo() -> None:
        qtbot.keyClick(reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                       | Qt.KeyboardModifier.ShiftModifier)

    undo()
    assert stored_spans(doc)[0].note == ""
    undo()
    assert stored_spans(doc)[0].labels == {"stance": "favor"}
    undo()
    assert stored_spans(doc) == []
    assert window.desk.span_model.rowCount() == 0
    redo()
    redo()
    redo()
    span = stored_spans(doc)[0]
    assert (span.labels, span.note) == ({"stance": "against"}, "hedged")
    # delete with the Delete key on the current span, then undo it
    window.desk.select_span(span.id)
    reader.clear_selection()
    qtbot.keyClick(reader, Qt.Key.Key_Delete)
    assert stored_spans(doc) == []
    qtbot.keyClick(reader, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)  # nothing to redo
    undo()
    restored = stored_spans(doc)
    assert [s.id for s in restored] == [span.id] and restored[0].note == "hedged"
    # resize to a new selection, undo restores the old extent
    window.desk.select_span(span.id)
    select_by_keys(qtbot, reader, text_position(window, "first step"), 10)
    window.chrome.fit_action.trigger()
    assert stored_spans(doc)[0].text == "first step"
    undo()
    assert stored_spans(doc)[0].text == span.text


def test_note_editor_and_target_editor(qtbot, sample_path, make_window, stored_spans) -> None:
    window = make_window(sample_path)
    reader = reader_of(window)
    select_by_keys(qtbot, reader, text_position(window, "first direct contacts"), 12)
    qtbot.keyClick(reader, Qt.Key.Key_T)
    editor = window.value_editor
    assert editor.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    editor.edit.setText("the mediation")  # a project target's name is stored as its key
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    span = stored_spans(window.desk.document_id)[0]
    assert span.labels == {"target": "mediation"}
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(reader, Qt.Key.Key_Return)
    note = window.note_editor
    qtbot.waitUntil(lambda: QApplication.activeWindow() is note)
    qtbot.keyClicks(note.edit, "first contact")
    qtbot.keyClick(note.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert stored_spans(window.desk.document_id)[0].note == "first contact"


def test_palette_click_and_table_reader_sync(qtbot, sample_path, make_window,
                                             stored_spans) -> None:
    window = make_window(sample_path)
    reader = reader_of(window)
    select_by_keys(qtbot, reader, text_position(window, "Lindholm"), 8)
    row = window.palette_widget.buttons[("sourcing", "diplomat")]
    qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    select_by_keys(qtbot, reader, text_position(window, "diplomats described"), 9)
    qtbot.keyClick(reader, Qt.Key.Key_E)
    spans = sorted(stored_spans(window.desk.document_id), key=lambda s: s.start)
    assert {s.text: s.labels["sourcing"] for s in spans} == {"Lindholm": "diplomat",
                                                             "diplomats": "expert"}
    # clicking a span in the reader selects its row
    reader.clear_selection()
    first = spans[0]
    pos = point_at(reader, window.reader.offsets.to_qt(first.start + 2))
    with qtbot.waitSignal(window.desk.currentSpanChanged):
        qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    table = window.findChild(QTableView, "spanTable")
    assert table.currentIndex().row() == window.desk.store.row_of(first.id) == 0
    # choosing a row in the table makes that span current in the reader
    table.setCurrentIndex(table.model().index(1, 0))
    assert window.reader.current_span == spans[1].id
    # ] and [ move between spans
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_BracketLeft)
    assert window.reader.current_span == first.id
    qtbot.keyClick(reader, Qt.Key.Key_BracketRight)
    assert window.reader.current_span == spans[1].id


def test_blind_mode_and_reviewer_mode(qtbot, sample_path, make_window, stored_spans) -> None:
    window = make_window(sample_path, "alice")
    reader = reader_of(window)
    select_by_keys(qtbot, reader, text_position(window, "Varnesia"), 8)
    qtbot.keyClick(reader, Qt.Key.Key_F)
    window.set_annotator("bob")
    assert window.desk.annotator == "bob"
    assert window.desk.span_model.rowCount() == 0  # blind: alice's span is hidden
    assert not window.chrome.reviewer_action.isChecked()
    select_by_keys(qtbot, reader, text_position(window, "Halmora"), 7)
    qtbot.keyClick(reader, Qt.Key.Key_A)
    assert [s.annotator for s in stored_spans(window.desk.document_id, "bob")] == ["bob"]
    window.chrome.reviewer_action.trigger()
    assert window.desk.reviewer
    owners = sorted(window.desk.span_model.span_at(r).annotator
                    for r in range(window.desk.span_model.rowCount()))
    assert owners == ["alice", "bob"]
    styles = window.styler.annotators
    assert styles["alice"] != styles["bob"]
    # a reviewer's label key on another annotator's span never edits it: by default it does
    # nothing and says so; with View > Label keys copy others' spans it makes your own copy
    alice_span = next(s for s in window.desk.store.spans() if s.annotator == "alice")
    reader.clear_selection()
    window.desk.select_span(alice_span.id)
    qtbot.waitUntil(lambda: "label keys do nothing here" in window.inspector.hint.text())
    qtbot.keyClick(reader, Qt.Key.Key_N)
    assert len(stored_spans(window.desk.document_id, "bob")) == 1
    assert "alice's span: label keys do nothing" in window.statusBar().currentMessage()
    window.study_actions.copy_action.trigger()
    qtbot.waitUntil(lambda: "copies it as your own" in window.inspector.hint.text())
    qtbot.keyClick(reader, Qt.Key.Key_N)
    assert stored_spans(window.desk.document_id, "alice")[0].labels == {"stance": "favor"}
    assert len(stored_spans(window.desk.document_id, "bob")) == 2
    assert "Copied alice's span as your own" in window.statusBar().currentMessage()
    window.chrome.reviewer_action.trigger()
    assert {s.annotator for s in window.desk.store.spans()} == {"bob"}
    # switching through the toolbar combo works too
    combo = window.annotators.combo
    combo.setCurrentIndex(combo.findText("alice"))
    combo.activated.emit(combo.currentIndex())
    assert window.desk.annotator == "alice"
    assert window.desk.span_model.rowCount() == 1


def test_reopening_the_database_mid_session_finds_every_span(qtbot, sample_path, make_window,
                                                             stored_spans) -> None:
    window = make_window(sample_path)
    reader = reader_of(window)
    words = ["Ostrelia", "Varnesia", "Halmora", "Lindholm"]
    for key, word in zip((Qt.Key.Key_F, Qt.Key.Key_A, Qt.Key.Key_N, Qt.Key.Key_O), words,
                         strict=True):
        select_by_keys(qtbot, reader, text_position(window, word), len(word))
        qtbot.keyClick(reader, key)
    shown = sorted((s.start, s.end, dict(s.labels)) for s in window.desk.store.spans())
    # a second desk on the same file while the first is still open, as after a crash
    second = make_window(sample_path, "alice")
    assert second.desk.document_id == window.desk.document_id
    again = sorted((s.start, s.end, dict(s.labels)) for s in second.desk.store.spans())
    assert again == shown
    assert sorted((s.start, s.end, dict(s.labels))
                  for s in stored_spans(window.desk.document_id)) == shown


def test_unicode_document_round_trips_exactly(qtbot, db_path, make_window, add_text_document,
                                              stored_spans) -> None:
    text = ("Title line\n\nThe envoy 👩‍👩‍👧 said «نعم، نحن مستعدون» then "
            "cafe\u0301 owners 😀😀 cheered; שָׁלוֹם עֲלֵיכֶם wrote a 🇺🇦 user.\n")
    doc_id = add_text_document(text)
    window = make_window(db_path)
    assert window.desk.document_id == doc_id
    reader = reader_of(window)
    m = window.reader.offsets
    cases = [("نحن", Qt.Key.Key_F), ("cafe\u0301", Qt.Key.Key_A), ("😀😀", Qt.Key.Key_N),
             ("עֲלֵיכֶם", Qt.Key.Key_O), ("👩‍👩‍👧", Qt.Key.Key_U)]
    for needle, key in cases:
        start = text.index(needle)
        qs, qe = m.range_to_qt(start, start + len(needle))
        select_by_keys(qtbot, reader, qs, qe - qs)
        qtbot.keyClick(reader, key)
    spans = stored_spans(doc_id)
    document = window.desk.document
    assert sorted(s.text for s in spans) == sorted(n for n, _ in cases)
    for span in spans:
        assert span.text == document.text[span.start:span.end]
    # a mouse drag across the emoji and the Arabic stays exact as well
    start = text.index("said")
    drag(qtbot, reader, m.to_qt(start), m.to_qt(start + len("said «نعم")))
    qtbot.keyClick(reader, Qt.Key.Key_D)
    span = next(s for s in stored_spans(doc_id) if s.labels.get("sourcing") == "diplomat")
    assert span.text == document.text[span.start:span.end]
    assert span.text.startswith("said")


def test_state_survives_a_restart(qtbot, sample_path, make_window) -> None:
    window = make_window(sample_path, "carol")
    open_row(qtbot, window, 5)
    chosen = window.desk.document_id
    window.set_colour_by("sourcing")
    window.close()
    again = make_window(sample_path, annotator=None)
    assert again.desk.annotator == "carol"
    assert again.desk.document_id == chosen
    assert again.styler.colour_by == "sourcing"


def test_filter_and_document_status(qtbot, sample_path, make_window) -> None:
    window = make_window(sample_path)
    qtbot.keyClicks(window.documents.filter_edit, "bankers urge")  # one title says so
    view = window.findChild(QTableView, "documentList")
    qtbot.waitUntil(lambda: view.model().rowCount() == 1)  # the filter waits for a pause
    window.documents.filter_edit.clear()
    qtbot.waitUntil(lambda: view.model().rowCount() == 10)
    # the texts are searched too (the list itself holds no text)
    qtbot.keyClicks(window.documents.filter_edit, "guesthouse outside Lindholm")
    qtbot.waitUntil(lambda: view.model().rowCount() == 1)
    index = view.model().index(0, 0)
    assert "guesthouse" not in str(view.model().data(index)).lower()
    window.documents.filter_edit.clear()
    qtbot.waitUntil(lambda: view.model().rowCount() == 10)
    window.chrome.done_action.trigger()
    doc = window.desk.document_id
    assert window.desk.doc_model.status(doc) == "done"
    from stancedesk.services.spans import document_statuses

    assert document_statuses(window.database, "alice") == {doc: "done"}


def test_find_selects_the_match(qtbot, sample_path, make_window) -> None:
    window = make_window(sample_path)
    reader = reader_of(window)
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_bar.isVisible()
    qtbot.keyClicks(window.find_bar.edit, "guesthouse")
    qtbot.keyClick(window.find_bar.edit, Qt.Key.Key_Return)
    assert reader.textCursor().selectedText() == "guesthouse"
    qtbot.keyClick(window.find_bar.edit, Qt.Key.Key_Escape)
    assert not window.find_bar.isVisible()


def test_import_runs_off_thread_and_cancel_stores_nothing(qtbot, db_path, make_window,
                                                          tmp_path, monkeypatch) -> None:
    import threading

    from stancedesk.gui.shell import main_window
    from stancedesk.services.corpus import list_documents

    window = make_window(db_path)
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(5):
        (folder / f"a{i}.txt").write_text(f"Article {i}\n\nBody {i}.", encoding="utf-8")
    gui_thread = threading.get_ident()
    seen_threads: list[int] = []
    started, release = threading.Event(), threading.Event()
    real_import = main_window.import_paths

    def held_import(database, paths, progress, cancelled):  # type: ignore[no-untyped-def]
        def hold(*args: object) -> None:  # in the worker: wait until the GUI has cancelled
            seen_threads.append(threading.get_ident())
            if not started.is_set():
                started.set()
                release.wait(LOADED_MS / 1000)
            progress(*args)

        return real_import(database, paths, hold, cancelled)

    monkeypatch.setattr(main_window, "import_paths", held_import)
    job = window.start_import([folder])
    qtbot.waitUntil(started.is_set, timeout=LOADED_MS)
    progress = window.findChild(QProgressDialog, "importProgress")
    assert progress is not None
    cancel_button = progress.findChild(QPushButton)
    with qtbot.waitSignal(job.cancelled, timeout=LOADED_MS):
        qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)
        release.set()
    assert job.wait(LOADED_MS / 1000)  # the worker sets done just after it reports
    assert gui_thread not in seen_threads
    assert list_documents(window.database) == []
    assert "cancelled" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=LOADED_MS)
    # and without cancelling, the documents arrive and the list shows them
    window.start_import([folder])
    qtbot.waitUntil(lambda: window.desk.doc_model.rowCount() == 5, timeout=LOADED_MS)
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=LOADED_MS)
    assert window.desk.document is not None


def test_build_main_window_accepts_a_url_and_no_annotator(qtbot, sample_path) -> None:
    window = build_main_window(f"sqlite:///{sample_path}")
    qtbot.addWidget(window)
    assert window.desk.annotator  # the login name when nothing is remembered
    assert window.desk.doc_model.rowCount() == 10


def test_opening_a_document_collects_no_garbage_before_it_is_painted(
        qtbot, sample_path, make_window, monkeypatch) -> None:
    """The cyclic collector would walk an open's thousands of fresh rows before the article
    shows: from reading the document to the reader's paint it does not run, then it does."""
    import gc

    from stancedesk.gui.desk import controller

    window = make_window(sample_path)
    qtbot.waitUntil(gc.isenabled)  # launch's pause is over
    collected: list[int] = []
    reading = [False]
    read_document = controller.corpus.read_document

    def read(*args):
        reading[0] = True
        return read_document(*args)

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and reading[0]:
            collected.append(info["generation"])

    monkeypatch.setattr(controller.corpus, "read_document", read)
    # the paint, not the at-the-latest fallback, ends the pause (a loaded machine can take
    # longer than the fallback's second to paint)
    monkeypatch.setattr(controller._CollectorPause, "LATEST_MS", 60_000)
    threshold = gc.get_threshold()
    gc.callbacks.append(note)
    gc.set_threshold(1)  # any allocation would collect
    try:
        with qtbot.waitSignal(window.reader.painted):
            window.documents.select_row(2)
            assert window.desk.document_id == window.desk.doc_model.document_id(2)
        assert collected == [], "the collector ran before the article was painted"
        qtbot.waitUntil(lambda: gc.isenabled() and bool(collected))
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(note)


def test_an_opened_article_reads_its_other_span_rows_after_its_first_paint(
        qtbot, sample_path, make_window) -> None:
    """The open reads the first page's span rows; the others, in the same read transaction
    (spans.open_document_store), once the article is painted; that ends the transaction."""
    window = make_window(sample_path)
    pool = window.database.engine.pool
    qtbot.waitUntil(lambda: pool.checkedout() == 0)
    with qtbot.waitSignal(window.reader.painted):
        window.documents.select_row(3)
        assert pool.checkedout() == 1, "the rest of the rows were read before the paint"
    qtbot.waitUntil(lambda: pool.checkedout() == 0)
    window.documents.select_row(2)
    window.close()  # closing before the paint ends the transaction too
    assert pool.checkedout() == 0
