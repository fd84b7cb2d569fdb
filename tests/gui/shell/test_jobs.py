"""The one job runner: work off the GUI thread, outcomes back on it, errors on the policy."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QProgressDialog, QPushButton

from stancedesk.domain.errors import Cancelled, UserError
from stancedesk.gui.shell.errors import CrashReport, CrashReporter
from stancedesk.gui.shell.jobs import IsCancelled, JobRunner, Outcome, Progress


@pytest.fixture
def crashes() -> list[CrashReport]:
    return []


@pytest.fixture
def runner(crashes: list[CrashReport]) -> Iterator[JobRunner]:
    reporter = CrashReporter(show_crash=lambda report, _parent: crashes.append(report))
    yield JobRunner(reporter)
    # a job has finished once its outcome arrived; its thread returns to the pool a moment
    # later, and the suite's leftover-thread check must not see that moment
    QThreadPool.globalInstance().waitForDone(10_000)
    reporter.deleteLater()


def test_progress_and_result_arrive_on_the_gui_thread(qtbot, runner: JobRunner) -> None:
    gui = threading.get_ident()
    seen: dict[str, object] = {}

    def work(progress: Progress, _cancelled: IsCancelled) -> int:
        seen["worker"] = threading.get_ident()
        progress(1, 2, "half way")
        return 42

    job = runner.start(work, "answering")
    # connecting after start is safe: outcomes are queued to the GUI thread's event loop
    job.progress.connect(lambda *args: seen.update(progress=args,
                                                   progress_thread=threading.get_ident()))
    job.succeeded.connect(lambda result: seen.update(result=result,
                                                     result_thread=threading.get_ident()))
    assert runner.busy
    with qtbot.waitSignal(job.finished):
        pass
    assert seen["worker"] != gui
    assert seen["progress"] == (1, 2, "half way") and seen["progress_thread"] == gui
    assert seen["result"] == 42 and seen["result_thread"] == gui
    assert job.outcome is Outcome.SUCCEEDED and not runner.busy


def test_a_user_error_is_the_jobs_failure_and_a_bug_goes_to_the_reporter(
        qtbot, runner: JobRunner, crashes: list[CrashReport]) -> None:
    def refuse(_progress: Progress, _cancelled: IsCancelled) -> None:
        raise UserError("notes.csv: line 3: unknown label")

    failures: list[BaseException] = []
    job = runner.start(refuse, "importing")
    job.failed.connect(failures.append)
    with qtbot.waitSignal(job.finished):
        pass
    assert [str(e) for e in failures] == ["notes.csv: line 3: unknown label"]
    assert job.outcome is Outcome.FAILED and crashes == []

    def bug(_progress: Progress, _cancelled: IsCancelled) -> None:
        raise IndexError("list index out of range")

    job = runner.start(bug, "exporting")
    job.failed.connect(failures.append)
    with qtbot.waitSignal(runner.reporter.crashed), qtbot.waitSignal(job.finished):
        pass
    assert job.outcome is Outcome.CRASHED and len(failures) == 1  # a bug is no user failure
    assert [c.what for c in crashes] == ["exporting"]
    assert "IndexError: list index out of range" in crashes[0].details
    assert "in bug" in crashes[0].details  # the worker's own frames are in the traceback


def test_cancel_is_cancelled_only(qtbot, runner: JobRunner) -> None:
    started, release = threading.Event(), threading.Event()

    def work(_progress: Progress, cancelled: IsCancelled) -> str:
        started.set()
        release.wait(10)
        if cancelled():
            raise Cancelled("stopped; nothing was stored")
        return "done"

    job = runner.start(work, "waiting")
    outcomes: list[str] = []
    job.succeeded.connect(lambda _r: outcomes.append("succeeded"))
    job.cancelled.connect(lambda: outcomes.append("cancelled"))
    assert started.wait(10)
    job.cancel()
    release.set()
    with qtbot.waitSignal(job.finished):
        pass
    assert outcomes == ["cancelled"] and job.outcome is Outcome.CANCELLED


def test_the_quick_csv_export_can_be_cancelled_and_leaves_no_file(
        qtbot, sample_path: Path, make_window, tmp_path: Path,
        held_export) -> None:  # conftest.HeldExport
    from stancedesk.services import spans as span_service

    window = make_window(sample_path)
    doc = window.desk.document
    for start in range(0, 40, 4):
        span_service.create_span(window.database, doc.id, "alice", start, start + 3)
    held_export.armed.set()
    reached, go_on = held_export.reached, held_export.go_on
    target = tmp_path / "quick.csv"
    job = window.export_csv(target)
    assert reached.wait(10)
    assert target.with_name("quick.csv.part").exists()
    progress = window.findChild(QProgressDialog, "exportProgress")
    with qtbot.waitSignal(job.cancelled):
        qtbot.mouseClick(progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
        go_on.set()
    assert not target.exists() and not target.with_name("quick.csv.part").exists()
    assert window.statusBar().currentMessage() == "Export cancelled; nothing was written."
    qtbot.waitUntil(lambda: not window.jobs.busy)
    # and without cancelling, the file is written
    with qtbot.waitSignal(window.export_csv(target).succeeded) as done:
        pass
    assert done.args == [10] and target.is_file()
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0)


OWNER_TEST = '''
from PySide6.QtWidgets import QLabel, QWidget

from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.gui.shell.jobs import JobRunner


class Owner(QWidget):
    def __init__(self):
        super().__init__()
        self.status = QLabel(self)
        self.jobs = JobRunner(CrashReporter(self), self)


def test_owner(qtbot):
    owner = Owner()
    qtbot.addWidget(owner)
    job = owner.jobs.start(lambda _p, _c: 1, "answering")
    job.succeeded.connect(lambda result: owner.status.setText(f"got {result}"))
    with qtbot.waitSignal(job.finished):
        pass
    assert owner.status.text() == "got 1"
'''


def test_a_window_whose_lambda_holds_it_is_deleted_after_its_job_without_a_crash(
        tmp_path: Path) -> None:
    """A finished job kept the owner's lambda, and deleting the owner then killed the process
    (SIGSEGV in ~QObject); the suite would die with it, so it runs in a child process."""
    (tmp_path / "test_owner.py").write_text(OWNER_TEST, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", str(tmp_path / "test_owner.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
