"""What the desk remembers is written at once (the open document once it has painted: a killed
desk still knows who and where), and only when it changed: every start sets the annotator and
the last document again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from stancedesk.gui.shell.settings import APPLICATION, ORGANISATION, DeskSettings


def _file() -> Path:
    return Path(QSettings(ORGANISATION, APPLICATION).fileName())


def test_a_change_is_written_at_once_and_an_unchanged_value_is_not_rewritten(qapp) -> None:
    settings = DeskSettings("sqlite:///x.sqlite")
    settings.annotator = "alice"
    settings.last_document = "doc-1"
    assert DeskSettings("sqlite:///x.sqlite").last_document == "doc-1"  # a second process
    _file().write_text(_file().read_text() + "\n; touched by the test\n")
    touched = _file().read_text()

    settings.annotator = "alice"
    settings.last_document = "doc-1"
    assert _file().read_text() == touched, "setting the same values rewrote the file"

    settings.last_document = "doc-2"
    assert "touched by the test" not in _file().read_text()
    assert DeskSettings("sqlite:///x.sqlite").last_document == "doc-2"


def test_the_open_document_is_remembered_after_its_first_paint_and_on_close(
        qtbot, sample_path, make_window) -> None:
    """Writing the settings fsyncs their file: an open waits for the painted article, not for
    the disk; a window closed before that still remembers its document."""
    window = make_window(sample_path)
    desk = window.desk
    remembered = lambda: DeskSettings(window.database.url).last_document  # noqa: E731
    qtbot.waitUntil(lambda: remembered() == desk.document_id)
    other = desk.doc_model.document_id(1)
    with qtbot.waitSignal(window.reader.painted):
        window.documents.select_row(1)
        assert desk.document_id == other
        assert remembered() != other, "the settings were written before the article painted"
    qtbot.waitUntil(lambda: remembered() == other)

    window.reader.hide()  # no paint to wait for: closing the window writes it
    window.documents.select_row(2)
    assert remembered() != desk.doc_model.document_id(2)
    window.close()
    assert remembered() == desk.doc_model.document_id(2)
