"""What the desk remembers is written at once (a killed desk still knows who and where), and
only when it changed: every start sets the annotator and the last document again."""

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
