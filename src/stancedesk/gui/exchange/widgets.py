"""Pieces shared by the export and import dialogs: check lists, the preview pane and its
background runner, the status/progress/button row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stancedesk.gui.shell import jobs as tasks
from stancedesk.services.preview import (
    Preview,
)


class PreviewRunner(QObject):
    """One preview task at a time, started a moment after the last change.

    A change while a preview runs asks for one more run after it, and only the newest run's
    result is reported, so the preview never shows stale choices.
    """

    ready = Signal(object)
    failed = Signal(object)

    def __init__(self, build: Callable[[], Callable[[], Any] | None], parent: QObject,
                 delay_ms: int = 200) -> None:
        super().__init__(parent)
        self._build = build
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.run_now)
        self._again = False
        self.task: tasks.Task | None = None

    def schedule(self) -> None:
        self._timer.start()

    def run_now(self) -> tasks.Task | None:
        self._timer.stop()
        if self.task is not None:
            self._again = True
            return self.task
        job = self._build()
        if job is None:
            return None
        task = tasks.Task(lambda _progress, _cancelled: job())
        # bound methods, not lambdas: Qt drops the connection when this runner is deleted, so
        # a preview finishing after its dialog closed is not delivered to a deleted object
        task.signals.succeeded.connect(self._succeeded)
        task.signals.failed.connect(self._failed)
        task.signals.finished.connect(self._finished)
        self.task = tasks.start(task)
        return task

    def _succeeded(self, result: object) -> None:
        if not self._again:
            self.ready.emit(result)

    def _failed(self, error: object) -> None:
        if not self._again:
            self.failed.emit(error)

    def _finished(self) -> None:
        self.task = None
        if self._again:
            self._again = False
            self.run_now()

    def shutdown(self) -> None:
        """Stop asking for previews and wait for the one running (a preview is short)."""
        self._timer.stop()
        self._again = False
        if self.task is not None:
            self.task.done.wait(10)


def monospace(widget: QWidget) -> None:
    widget.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))


def button_row(status: QLabel, progress: QProgressBar, *buttons: QPushButton) -> QHBoxLayout:
    """Status text on the left, then progress while busy, then the buttons at their size."""
    row = QHBoxLayout()
    row.addWidget(status, 1)
    progress.setFixedWidth(260)
    row.addWidget(progress)
    for button in buttons:
        button.setMinimumWidth(96)
        row.addWidget(button)
    return row


def dialog_layout(dialog: QWidget, choices: QWidget, preview: QWidget, choices_width: int,
                  buttons: QHBoxLayout) -> None:
    """Choices on the left, the preview on the right, status and buttons below."""
    split = QSplitter()
    split.addWidget(choices)
    split.addWidget(preview)
    split.setStretchFactor(1, 1)
    split.setSizes([choices_width, 1080 - choices_width])
    split.setChildrenCollapsible(False)
    layout = QVBoxLayout(dialog)
    layout.addWidget(split, 1)
    layout.addLayout(buttons)
    dialog.resize(1120, 700)


def elide(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class PreviewPane(QGroupBox):
    """A summary line, then text (monospace) or a table, then a caption."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.summary = QLabel()
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.text = QPlainTextEdit()
        self.text.setObjectName("previewText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        monospace(self.text)
        self.table = QTableWidget()
        self.table.setObjectName("previewTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.text)
        self.stack.addWidget(self.table)
        self.caption = QLabel()
        self.caption.setObjectName("previewCaption")
        self.caption.setWordWrap(True)
        self.body = QVBoxLayout(self)
        self.body.addWidget(self.summary)
        self.body.addWidget(self.stack, 1)
        self.body.addWidget(self.caption)

    def show_text(self, text: str, summary: str = "", caption: str = "", *,
                  wrap: bool = False) -> None:
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth if wrap
                                  else QPlainTextEdit.LineWrapMode.NoWrap)
        self.summary.setText(summary)
        self.text.setPlainText(text)
        self.caption.setText(caption)
        self.stack.setCurrentWidget(self.text)

    def show_preview(self, preview: Preview) -> None:
        if not preview.headers:
            self.show_text(preview.text, preview.summary, preview.caption)
            return
        self.summary.setText(preview.summary)
        self.caption.setText(preview.caption)
        self.table.clear()
        self.table.setColumnCount(len(preview.headers))
        self.table.setRowCount(len(preview.rows))
        self.table.setHorizontalHeaderLabels(preview.headers)
        for r, row in enumerate(preview.rows):
            for c, value in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        for c in range(self.table.columnCount()):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), 260))
        self.stack.setCurrentWidget(self.table)


# --- export ---------------------------------------------------------------------------------


class JobDialog(QDialog):
    """A dialog that runs one long job (an export or an import) in the thread pool.

    Subclasses create ``status``, ``progress`` and a preview ``runner``, implement
    ``_update_buttons`` and ``_progress``, and connect their own result signals; this class owns
    the job's life: busy bar, Cancel that turns into Close, Esc and the window's close button
    cancelling the job instead of the dialog, and waiting for the job before the dialog goes.
    """

    status: QLabel
    progress: QProgressBar
    runner: PreviewRunner
    CANCEL_ON_SHUTDOWN = True  # False: let the job finish (an import is one transaction)
    SHUTDOWN_WAIT_S = 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task: tasks.Task | None = None

    def _update_buttons(self) -> None:
        raise NotImplementedError

    def _progress(self, done: int, total: int, text: str) -> None:
        raise NotImplementedError

    def start_job(self, task: tasks.Task, busy_text: str) -> tasks.Task:
        task.signals.progress.connect(self._progress)
        task.signals.finished.connect(self._job_finished)
        self.task = task
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.progress.setVisible(True)
        self.status.setText(busy_text)
        self._update_buttons()
        return tasks.start(task)

    def cancel_job(self) -> None:
        """Thread-safe request; the job stops at its next check and leaves nothing behind."""
        if self.task is not None:
            self.task.cancel()
            self.status.setText("Cancelling…")

    def _cancel_or_close(self) -> None:
        if self.task is not None:
            self.cancel_job()
        else:
            self.reject()

    def _job_finished(self) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.progress.resetFormat()
        self._after_job()

    def _after_job(self) -> None:
        self._update_buttons()

    def shutdown(self) -> None:
        """Stop work in flight, so nothing outlives the dialog's database."""
        self.runner.shutdown()
        if self.task is not None:
            if self.CANCEL_ON_SHUTDOWN:
                self.task.cancel()
            self.task.done.wait(self.SHUTDOWN_WAIT_S)

    def done(self, result: int) -> None:
        if self.task is not None:  # Esc while a job runs cancels the job, not the dialog
            self.cancel_job()
            return
        self.shutdown()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.task is not None:
            self.cancel_job()
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)
