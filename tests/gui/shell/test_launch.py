"""The desk as ``stancedesk`` starts it: ``launch`` runs it until its window closes, and says
when the first window is on screen (the CLI resumes the garbage collector then)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from stancedesk.gui.shell.launch import launch
from stancedesk.gui.shell.main_window import MainWindow


def test_started_is_said_once_the_first_window_has_painted(qapp, sample_path: Path) -> None:
    seen: list[tuple[bool, int]] = []

    def started() -> None:  # may be called again (at the latest): only the first call counts
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if seen or len(windows) != 1:
            return
        seen.append((windows[0]._first_painted, windows[0].desk.doc_model.rowCount()))
        QTimer.singleShot(0, windows[0].close)

    assert launch(str(sample_path), "alice", ["stancedesk"], started) == 0
    assert seen == [(True, 10)]  # called after the paint, with the sample corpus listed
