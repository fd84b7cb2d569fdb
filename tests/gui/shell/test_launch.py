"""The desk as ``stancedesk`` starts it: ``launch`` runs it until its window closes, and says
when the first window is on screen (the CLI resumes the garbage collector then)."""

from __future__ import annotations

import subprocess
import sys
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


# Imported by no step of the desk's start: each would cost launch time and resident memory
# (numpy: ~0.1 s and ~10 MB, loaded by the annotation import's id check when the database
# was opened; Alembic only migrates, and an up-to-date database needs no migration).
NOT_AT_LAUNCH = ("numpy", "pyarrow", "alembic")

# A desk started as ``stancedesk --db DB --annotator al`` does; at its first paint, which of
# NOT_AT_LAUNCH are loaded. ``launch`` is wrapped only to be told of the paint and to close.
LAUNCH_PROBE = """
import sys
import stancedesk.gui.shell.launch as shell
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from stancedesk.gui.shell.main_window import MainWindow
from stancedesk.cli import main

heavy, seen, launch = sys.argv[2].split(","), [], shell.launch

def probed(db, annotator, argv, started=None):
    def painted():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if not seen and windows and windows[0]._first_painted:
            seen.append(sorted(m for m in heavy if m in sys.modules))
            QTimer.singleShot(0, windows[0].close)
        if started is not None:
            started()
    return launch(db, annotator, argv, painted)

shell.launch = probed
code = main(["--db", sys.argv[1], "--annotator", "al"])
print(seen, code)
"""


def test_the_first_paint_comes_before_any_heavy_module_is_imported(sample_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", LAUNCH_PROBE, str(sample_path), ",".join(NOT_AT_LAUNCH)],
        capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[[]] 0"
