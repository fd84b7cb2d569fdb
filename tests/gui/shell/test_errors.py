"""The desk's error policy: a UserError is a message (logged at info at most); anything else is a
bug, shown in the crash dialog with its traceback and written to the log file."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMessageBox

from stancedesk import logs
from stancedesk.cli import main
from stancedesk.domain.errors import UserError
from stancedesk.gui.desk import commands
from stancedesk.gui.shell.errors import CrashDialog, CrashReporter
from tests.gui.shell.test_main_window import reader_of, select_by_keys, text_position


def _label_with(qtbot, window, monkeypatch: pytest.MonkeyPatch, exc: Exception) -> None:
    """Press F on a selection while creating the span raises ``exc``."""
    def create_span(*_args: object, **_kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(commands.span_service, "create_span", create_span)
    reader = reader_of(window)
    select_by_keys(qtbot, reader, text_position(window, "Ostrelia will host"), 8)
    qtbot.keyClick(reader, Qt.Key.Key_F)


def test_a_bug_in_a_desk_action_shows_the_crash_dialog_and_is_logged(
        qtbot, sample_path, make_window, monkeypatch: pytest.MonkeyPatch) -> None:
    logs.configure("warning")
    window = make_window(sample_path)
    with qtbot.waitSignal(window.reporter.crashed) as crashed:
        _label_with(qtbot, window, monkeypatch, ZeroDivisionError("a bug while labelling"))
    report = crashed.args[0]
    dialog = window.reporter.last_dialog
    assert isinstance(dialog, CrashDialog) and dialog.isVisible()
    details = dialog.details.toPlainText()
    assert details.startswith("Traceback (most recent call last)")
    assert "ZeroDivisionError: a bug while labelling" in details
    assert str(logs.log_path()) in dialog.log_label.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert report.details in copied and str(logs.log_path()) in copied
    logged = logs.log_path().read_text(encoding="utf-8")
    assert "ERROR stancedesk.gui.shell.errors: bug in StanceDesk while doing labelling" in logged
    assert "ZeroDivisionError: a bug while labelling" in logged
    assert "Traceback (most recent call last)" in logged
    assert window.desk.span_model.rowCount() == 0  # nothing half-done is shown
    dialog.close()


def test_a_user_error_is_a_message_and_logs_nothing_alarming(
        qtbot, sample_path, make_window, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    window = make_window(sample_path)
    crashes: list[object] = []
    window.reporter.crashed.connect(crashes.append)
    caplog.set_level(logging.DEBUG, logger="stancedesk")
    with qtbot.waitSignal(window.reporter.userError) as shown:
        _label_with(qtbot, window, monkeypatch,
                    UserError("project.sqlite: the database is busy; try again"))
    assert shown.args == ["project.sqlite: the database is busy; try again"]
    box = window.reporter.last_dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text() == "project.sqlite: the database is busy; try again"
    assert crashes == []
    assert [r.levelno for r in caplog.records if r.name.startswith("stancedesk")] \
        == [logging.INFO]
    box.close()


def test_an_exception_escaping_a_qt_slot_reaches_the_reporter(qtbot) -> None:
    shown: list[str] = []
    reporter = CrashReporter(show_crash=lambda report, _parent: shown.append(report.summary))
    action = QAction("Boom")

    def boom() -> None:
        raise KeyError("not a user error")

    action.triggered.connect(boom)
    previous = sys.excepthook
    reporter.install()
    try:
        assert sys.excepthook is not previous
        with qtbot.waitSignal(reporter.crashed):
            action.trigger()
    finally:
        reporter.uninstall()
    assert sys.excepthook is previous
    assert shown == ["KeyError: 'not a user error'"]


def test_the_desk_logs_at_the_cli_log_level(monkeypatch: pytest.MonkeyPatch) -> None:
    import stancedesk.app

    levels: list[int] = []

    def run_gui(db: str | None = None, annotator: str | None = None,
                started: object = None) -> int:
        levels.append(logging.getLogger("stancedesk").level)
        return 0

    monkeypatch.setattr(stancedesk.app, "run_gui", run_gui)
    try:
        assert main(["--log-level", "debug"]) == 0
    finally:
        logs.configure("warning")
    assert levels == [logging.DEBUG]
