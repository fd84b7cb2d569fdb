"""Pieces shared by the export and import dialogs: the preview pane and its background runner,
the status/progress/button row, the two-pane layout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QFontDatabase
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

from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.gui.shell.jobs import DialogGuard, Job, JobRunner, Outcome, Work
from stancedesk.services.preview import (
    Preview,
)


class PreviewRunner(QObject):
    """One preview job at a time, started a moment after the last change.

    A change while a preview runs asks for one more run after it, and only the newest run's
    result is reported, so the preview never shows stale choices. A preview that fails with a
    ``UserError`` reports it (``failed``); a bug goes to the crash reporter like any job's.
    """

    ready = Signal(object)
    failed = Signal(object)

    def __init__(self, build: Callable[[], Callable[[], Any] | None], reporter: CrashReporter,
                 parent: QObject, delay_ms: int = 200) -> None:
        super().__init__(parent)
        self._build = build
        self._jobs = JobRunner(reporter, self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.run_now)
        self._again = False
        self.job: Job | None = None

    def schedule(self) -> None:
        self._timer.start()

    @property
    def idle(self) -> bool:
        """No preview running and none about to start."""
        return self.job is None and not self._timer.isActive()

    def run_now(self) -> Job | None:
        self._timer.stop()
        if self.job is not None:
            self._again = True
            return self.job
        build = self._build()
        if build is None:
            return None
        job = self._jobs.start(lambda _progress, _cancelled: build(), "making a preview")
        # bound methods, not lambdas: Qt drops the connection when this runner is deleted, so
        # a preview finishing after its dialog closed is not delivered to a deleted object
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        job.finished.connect(self._finished)
        self.job = job
        return job

    def _succeeded(self, result: object) -> None:
        if not self._again:
            self.ready.emit(result)

    def _failed(self, error: object) -> None:
        if not self._again:
            self.failed.emit(error)

    def _finished(self) -> None:
        self.job = None
        if self._again:
            self._again = False
            self.run_now()

    def shutdown(self) -> None:
        """Stop asking for previews and wait for the one running (a preview is short)."""
        self._timer.stop()
        self._again = False
        self._jobs.shutdown(cancel=True, timeout_s=10)


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


class JobControls(QObject):
    """A dialog's one long job (an export or an import) in its status line and progress bar.

    Busy bar until the first report; Esc and the window's close button cancel the job instead
    of closing the dialog; when the dialog goes, the job is cancelled (or, with
    ``cancel_on_close=False``, allowed to finish) and waited for. ``on_idle`` runs after each
    job, when the dialog can change its buttons back.
    """

    def __init__(self, dialog: QDialog, reporter: CrashReporter, status: QLabel,
                 progress: QProgressBar, *, on_idle: Callable[[], None],
                 cancel_on_close: bool = True, timeout_s: float = 10) -> None:
        super().__init__(dialog)
        self._dialog, self._status, self._progress = dialog, status, progress
        self._on_idle = on_idle
        self.runner = JobRunner(reporter, self)
        self.guard = DialogGuard(dialog, self.runner, on_cancel=self.cancel,
                                 cancel_on_close=cancel_on_close, timeout_s=timeout_s)
        self.job: Job | None = None

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(self, work: Work, what: str, busy_text: str, *,
              progress: Callable[[int, int, str], None], succeeded: Callable[[Any], None],
              failed: Callable[[BaseException], None], cancelled: Callable[[], None]) -> Job:
        """Run ``work``; the dialog's handlers get its progress and its outcome."""
        job = self.runner.start(work, what)
        job.progress.connect(progress)
        job.succeeded.connect(succeeded)
        job.failed.connect(failed)
        job.cancelled.connect(cancelled)
        job.finished.connect(self._finished)
        self.job = job
        self._progress.setRange(0, 0)  # busy until the first progress report
        self._progress.setVisible(True)
        self._status.setText(busy_text)
        self._on_idle()
        return job

    def cancel(self) -> None:
        """Thread-safe request; the job stops at its next check and leaves nothing behind."""
        if self.job is not None:
            self.job.cancel()
            self._status.setText("Cancelling…")

    def cancel_or_close(self) -> None:
        if self.job is not None:
            self.cancel()
        else:
            self._dialog.reject()

    def _finished(self) -> None:
        job, self.job = self.job, None
        self._progress.setVisible(False)
        self._progress.resetFormat()
        if job is not None and job.outcome is Outcome.CRASHED:
            self._status.setText("Stopped by an error in StanceDesk (see the crash report); "
                                 "nothing was changed.")
        self._on_idle()

    def shutdown(self) -> None:
        self.guard.shutdown()
