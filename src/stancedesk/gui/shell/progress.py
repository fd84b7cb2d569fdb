"""A window-modal progress dialog that follows one job: its bar, its label, Cancel."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from stancedesk.gui.shell.jobs import Job


def follow(job: Job, parent: QWidget, *, title: str, name: str, label: str,
           describe: Callable[[int, int, str], str]) -> QProgressDialog:
    """Show ``job``'s progress (``describe(done, total, text)`` is the label); Cancel asks the
    job to stop; the dialog goes when the job has finished, whatever the outcome."""
    dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(job.cancel)

    def progress(done: int, total: int, text: str) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(done)
        dialog.setLabelText(describe(done, total, text))

    def finished() -> None:
        dialog.canceled.disconnect()
        dialog.close()
        dialog.deleteLater()

    job.progress.connect(progress)
    job.finished.connect(finished)
    return dialog
