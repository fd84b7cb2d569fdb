"""The desk paints on its own thread: Qt's raster engine hands no fill to its thread pool,
where the GUI thread would sleep until a pool thread has run (at every label key, for the
span table's scroll bar). Qt decides once per process, so a fresh interpreter shows it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stancedesk.gui.shell.paint_thread import QT_SWITCH

DESK = """
import os, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from PySide6.QtTest import QTest
app = QApplication([])
from stancedesk.gui.shell.main_window import build_main_window
from stancedesk.services.project import open_database
open_database(sys.argv[1], seed_sample=True).dispose()
window = build_main_window(sys.argv[1], "alice")
window.resize(1200, 800)
window.show()
window.desk.open_document(window.desk.doc_model.document_id(0))
QTest.qWait(100)
window.grab()  # every widget painted, the scroll bars' gradients with them
for task in sorted(os.listdir("/proc/self/task")):
    print(Path(f"/proc/self/task/{task}/comm").read_text().strip())
window.close()
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="threads listed by /proc")
def test_a_painted_desk_starts_no_paint_threads(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != QT_SWITCH}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    out = subprocess.run([sys.executable, "-c", DESK, str(tmp_path / "desk.sqlite")], env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    threads = out.stdout.split("\n")
    assert "Thread (pooled)" not in threads, threads
