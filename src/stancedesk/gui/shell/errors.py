"""The desk's error policy: a ``UserError`` is a message, anything else is a bug.

A ``UserError`` (a bad file, an unknown label, a cancelled job) is shown in a message box and
logged at info at most. Anything else is a bug in StanceDesk: it is logged with its traceback to
the rotating log file and shown in a crash dialog with the traceback, a "Copy details" button and
the log's path, so a programming error never passes for advice and can be reported afterwards.

One ``CrashReporter`` belongs to the application (the composition root creates it, or the main
window when built alone, as in tests); every action, undo command and background job hands its
exceptions to it. It also stands in for ``sys.excepthook`` while the desk runs, which is where an
exception escaping a Qt slot ends up.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from stancedesk import logs
from stancedesk.domain.errors import UserError

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]

_log = logs.get(__name__)


@dataclass(frozen=True, slots=True)
class CrashReport:
    """What the crash dialog shows and "Copy details" copies."""

    what: str  # the action that failed, e.g. "label"
    summary: str  # "ZeroDivisionError: division by zero"
    details: str  # the formatted traceback
    log_path: str

    def text(self) -> str:
        return (f"StanceDesk crashed while doing: {self.what}\n{self.summary}\n\n{self.details}"
                f"\nLog file: {self.log_path}\n")


class CrashDialog(QDialog):
    """The traceback, a button that copies it, and where the log file is."""

    def __init__(self, report: CrashReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("StanceDesk: an error in the program")
        self.report = report
        heading = QLabel(f"Something went wrong in StanceDesk ({report.what}). This is a bug, "
                         "not something you did wrong; your saved work is safe.\n\n"
                         f"{report.summary}")
        heading.setWordWrap(True)
        self.details = QPlainTextEdit(report.details)
        self.details.setObjectName("crashDetails")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.log_label = QLabel(f"The details are also in the log file: {report.log_path}")
        self.log_label.setObjectName("crashLogPath")
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setObjectName("copyDetails")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.log_label)
        layout.addWidget(buttons)
        self.resize(760, 460)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.report.text())


def _user_message_box(message: str, parent: QWidget | None) -> QDialog:
    box = QMessageBox(QMessageBox.Icon.Warning, "StanceDesk", message, parent=parent)
    box.setObjectName("errorBox")
    box.open()
    return box


def _crash_dialog(report: CrashReport, parent: QWidget | None) -> QDialog:
    dialog = CrashDialog(report, parent)
    dialog.open()
    return dialog


class CrashReporter(QObject):
    """Routes every exception of the desk by kind: message for a ``UserError``, crash dialog
    and log for a bug. Dialogs open window-modal without blocking (``open``, not ``exec``); the
    two factories can be swapped, e.g. by a test or a headless run."""

    userError = Signal(str)  # the message shown
    crashed = Signal(object)  # the CrashReport shown

    def __init__(self, parent: QObject | None = None, *,
                 show_message: Callable[[str, QWidget | None], QDialog | None] =
                 _user_message_box,
                 show_crash: Callable[[CrashReport, QWidget | None], QDialog | None] =
                 _crash_dialog) -> None:
        super().__init__(parent)
        self.window: QWidget | None = None  # parent of the dialogs, set by the main window
        self.show_message = show_message
        self.show_crash = show_crash
        self.last_dialog: QDialog | None = None
        self._previous_hook: ExceptHook | None = None

    def report(self, exc: BaseException, what: str = "an action", details: str = "") -> None:
        """``details``: the traceback already formatted (a background job's, whose frames
        were dropped in its worker); by default the exception's own."""
        if isinstance(exc, UserError):
            _log.info("%s: %s", what, exc)
            self.last_dialog = self.show_message(str(exc), self.window)
            self.userError.emit(str(exc))
            return
        details = details or "".join(traceback.format_exception(exc))
        _log.error("bug in StanceDesk while doing %s\n%s", what, details.rstrip())
        report = CrashReport(what, "".join(traceback.format_exception_only(exc)).strip(),
                             details, str(logs.log_path()))
        self.last_dialog = self.show_crash(report, self.window)
        self.crashed.emit(report)

    @contextmanager
    def guarded(self, what: str, *, first: Callable[[Exception], None] | None = None
                ) -> Iterator[None]:
        """Run a block on the policy: whatever it raises is reported (never re-raised), so an
        exception cannot escape into Qt's C++ (an undo stack, a slot) unseen. ``first`` runs
        before the report (e.g. reloading what a refused edit was about)."""
        try:
            yield
        except Exception as exc:  # sorted into message or crash by report()
            if first is not None:
                first(exc)
            self.report(exc, what)

    # --- sys.excepthook, for exceptions that escape Qt slots --------------------------------

    def install(self) -> None:
        """Become ``sys.excepthook`` until ``uninstall``; PySide6 hands exceptions raised in
        slots and virtual overrides to it."""
        if self._previous_hook is None:
            self._previous_hook = sys.excepthook
            sys.excepthook = self._hook

    def uninstall(self) -> None:
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
            self._previous_hook = None

    def _hook(self, kind: type[BaseException], exc: BaseException,
              tb: TracebackType | None) -> None:
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: not ours to show
            previous = self._previous_hook or sys.__excepthook__
            previous(kind, exc, tb)
            return
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        self.report(exc, "an action")
