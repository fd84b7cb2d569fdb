"""Two desks on one SQLite file: both save everything, each sees the other's spans, and a
change made from a stale copy is refused (then the desk shows what is stored)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from tests.gui.shell.test_main_window import reader_of, select_by_keys, text_position


def test_two_desks_see_each_other_and_refuse_stale_edits(qtbot, sample_path, make_window,
                                                         stored_spans) -> None:
    first = make_window(sample_path)
    doc = first.desk.document_id
    reader = reader_of(first)
    select_by_keys(qtbot, reader, text_position(first, "cautious first step"), 8)
    qtbot.keyClick(reader, Qt.Key.Key_F)
    [span] = stored_spans(doc)
    second = make_window(sample_path)
    assert second.desk.document_id == doc and second.desk.store.get(span.id) is not None

    # the first desk adds a sourcing label; the second still holds version 1
    first.desk.select_span(span.id)
    first.desk.label("sourcing", "official")
    second.desk.select_span(span.id)
    with qtbot.waitSignal(second.reporter.userError) as refused:
        second.desk.label("stance", "against")
    assert "changed by alice at" in refused.args[0] and "reload?" in refused.args[0]
    assert dict(stored_spans(doc)[0].labels) == {"stance": "favor", "sourcing": "official"}
    # the refusal reloaded the second desk: the same key now applies to the stored version
    assert second.desk.store.get(span.id).labels.get("sourcing") == "official"
    second.desk.select_span(span.id)
    second.desk.label("stance", "against")
    assert dict(stored_spans(doc)[0].labels) == {"stance": "against", "sourcing": "official"}

    # the poll: the first desk notices the second one's save, once; its own saves are no news
    assert first.desk.check_for_changes()
    assert first.desk.store.get(span.id).labels.get("stance") == "against"
    assert first.desk.check_for_changes(), "after a change it looks once more"
    assert not first.desk.check_for_changes()
    first.desk.set_note(span.id, "hedged")
    assert not first.desk.check_for_changes()
    assert second.desk.check_for_changes()
    assert second.desk.store.get(span.id).note == "hedged"

    # undo in the first desk: its note is still as it left it, so that undoes; its sourcing
    # change was followed by the second desk's stance change, so that undo is refused
    stack = first.desk.undo_stack()
    stack.undo()
    assert stored_spans(doc)[0].note == ""
    with qtbot.waitSignal(first.reporter.userError) as refused:
        stack.undo()
    assert "reload?" in refused.args[0]
    assert dict(stored_spans(doc)[0].labels) == {"stance": "against", "sourcing": "official"}

    # live: the window's poll timer brings the other desk's change without being asked
    second.desk.check_for_changes()
    second.desk.set_note(span.id, "live")
    assert stored_spans(doc)[0].note == "live"
    qtbot.waitUntil(lambda: first.desk.store.get(span.id).note == "live", timeout=8000)


def test_undo_of_delete_is_refused_when_the_span_is_back(qtbot, sample_path, make_window,
                                                         stored_spans) -> None:
    window = make_window(sample_path)
    reader = reader_of(window)
    doc = window.desk.document_id
    select_by_keys(qtbot, reader, text_position(window, "cautious first step"), 8)
    qtbot.keyClick(reader, Qt.Key.Key_F)
    [span] = stored_spans(doc)
    window.desk.select_span(span.id)
    window.desk.delete_current()
    assert stored_spans(doc) == []
    database = open_database(str(sample_path))
    try:  # another desk undid the same delete first
        span_service.restore_span(database, span)
    finally:
        database.dispose()
    with qtbot.waitSignal(window.reporter.userError) as refused:
        window.desk.undo_stack().undo()
    assert "is back already" in refused.args[0]
    assert len(stored_spans(doc)) == 1
