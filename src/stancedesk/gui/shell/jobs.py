"""Long work off the GUI thread: the one job runner of the desk.

A job is a function ``work(progress, cancelled)`` that runs in QThreadPool.globalInstance() (so
tests can check nothing is left running). It reports ``progress(done, total, text)`` and asks
``cancelled()`` at its checkpoints; to stop, it raises ``stancedesk.domain.errors.Cancelled``
(services do, and roll back or remove what they started). The outcome comes back on the GUI
thread, always in this order: one of ``succeeded(result)``, ``failed(user_error)``,
``cancelled()`` or a crash (a bug, handed to the application's ``CrashReporter``: crash dialog
and log), then ``finished()``.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from enum import Enum
from typing import Any

from PySide6.QtCore import QEvent, QMetaMethod, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog

from stancedesk.domain.errors import Cancelled, UserError
from stancedesk.gui.shell.errors import CrashReporter

Progress = Callable[[int, int, str], None]
IsCancelled = Callable[[], bool]
Work = Callable[[Progress, IsCancelled], Any]


class Outcome(Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # a UserError: the job's owner shows it where it fits
    CANCELLED = "cancelled"
    CRASHED = "crashed"  # a bug: reported by the CrashReporter


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits through it, so every signal is queued."""

    progress = Signal(int, int, str)
    ended = Signal(object, object, str)  # Outcome, result or exception, formatted traceback


def _detach(exc: BaseException) -> str:
    """The traceback as text, then dropped with the worker's frames (and the sessions and
    connections they hold), so those are freed here, in the worker, not later in whichever
    thread the garbage collector happens to run."""
    details = "".join(traceback.format_exception(exc))
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return details


class _Runnable(QRunnable):
    def __init__(self, work: Work, relay: _Relay, cancel: threading.Event,
                 done: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the Job owns it; Qt must not delete it under us
        self._work, self._relay, self._cancel, self._done = work, relay, cancel, done

    def run(self) -> None:
        relay = self._relay
        try:
            result = self._work(lambda d, t, s: relay.progress.emit(d, t, s),
                                self._cancel.is_set)
        except Cancelled as exc:
            _detach(exc)
            relay.ended.emit(Outcome.CANCELLED, None, "")
        except Exception as exc:  # sorted into user error or bug on the GUI thread
            relay.ended.emit(Outcome.FAILED, exc, _detach(exc))
        else:
            # finished work is reported as such even if Cancel came too late to stop it
            relay.ended.emit(Outcome.SUCCEEDED, result, "")
        finally:
            self._done.set()


class Job(QObject):
    """One running piece of work; its signals arrive on the GUI thread."""

    progress = Signal(int, int, str)
    succeeded = Signal(object)  # the work's result
    failed = Signal(object)  # the UserError
    cancelled = Signal()
    finished = Signal()  # after any outcome

    def __init__(self, work: Work, what: str, reporter: CrashReporter,
                 parent: QObject | None = None, *,
                 on_finished: Callable[[Job], None] | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self._on_finished = on_finished
        self.outcome = Outcome.RUNNING
        self.error: BaseException | None = None
        self._reporter = reporter
        self._cancel = threading.Event()
        self.done = threading.Event()  # set in the worker once the work has returned
        self._relay = _Relay(self)
        self._relay.progress.connect(self.progress)
        self._relay.ended.connect(self._ended)
        self.runnable = _Runnable(work, self._relay, self._cancel, self.done)

    def cancel(self) -> None:
        """Thread-safe; the work sees it at its next ``cancelled()`` check."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self.outcome is Outcome.RUNNING

    def wait(self, timeout_s: float) -> bool:
        """Block until the work has returned (for shutdown, never for a result)."""
        return self.done.wait(timeout_s)

    def _ended(self, outcome: Outcome, payload: object, details: str) -> None:
        if outcome is Outcome.FAILED and not isinstance(payload, UserError):
            outcome = Outcome.CRASHED
        self.outcome = outcome
        if outcome is Outcome.SUCCEEDED:
            self.succeeded.emit(payload)
        elif outcome is Outcome.CANCELLED:
            self.cancelled.emit()
        else:
            assert isinstance(payload, BaseException)
            self.error = payload
            if outcome is Outcome.FAILED:
                self.failed.emit(payload)
            else:
                self._reporter.report(payload, self.what, details)
        if self._on_finished is not None:  # before finished: its receivers see the runner idle
            self._on_finished(self)
        self.finished.emit()
        self._release_receivers()

    def _release_receivers(self) -> None:
        """Drop every connection once the outcome is delivered. A receiver is often a lambda
        holding its owner window, and a finished job lives on until its runner goes; that
        closure then made the window's wrapper die inside the window's own destructor, which
        crashed the process (a test waiting on ``finished`` with pytest-qt's nested loop)."""
        for signal in (self.progress, self.succeeded, self.failed, self.cancelled,
                       self.finished):
            if self.isSignalConnected(QMetaMethod.fromSignal(signal)):
                signal.disconnect()


class JobRunner(QObject):
    """Starts jobs and keeps them until they finish; ``shutdown`` before the data they use
    goes away (a window's database, a dialog's choices)."""

    started = Signal(object)  # the Job, just before it runs: connect to watch every job

    def __init__(self, reporter: CrashReporter, parent: QObject | None = None,
                 pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.reporter = reporter
        self._pool = pool
        self.jobs: list[Job] = []
        # Finished jobs are deleted only once their worker has returned: Qt must never delete
        # an object while another thread is still emitting from it (the worker's last emit
        # can return after the GUI thread has already handled it).
        self._retired: list[Job] = []

    @property
    def busy(self) -> bool:
        return bool(self.jobs)

    def start(self, work: Work, what: str) -> Job:
        job = Job(work, what, self.reporter, self, on_finished=self._forget)
        self.jobs.append(job)
        self._sweep()
        self.started.emit(job)
        (self._pool or QThreadPool.globalInstance()).start(job.runnable)
        return job

    def _forget(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
            self._retired.append(job)
        self._sweep()

    def _sweep(self) -> None:
        returned = [job for job in self._retired if job.done.is_set()]
        self._retired = [job for job in self._retired if not job.done.is_set()]
        for job in returned:
            job.deleteLater()

    def cancel(self) -> None:
        for job in self.jobs:
            job.cancel()

    def shutdown(self, *, cancel: bool = True, timeout_s: float = 10) -> None:
        """Cancel (unless told to let the jobs finish) and wait for the work to return."""
        for job in list(self.jobs):
            if cancel:
                job.cancel()
            job.wait(timeout_s)


class DialogGuard(QObject):
    """While a dialog's runner is busy, Esc and the window's close button cancel the job instead
    of closing the dialog; once the dialog is done, its jobs are shut down, so nothing outlives
    the dialog's database. ``cancel_on_close=False`` lets a job finish instead (an import is
    one transaction)."""

    def __init__(self, dialog: QDialog, runner: JobRunner, *, on_cancel: Callable[[], None],
                 cancel_on_close: bool = True, timeout_s: float = 10) -> None:
        super().__init__(dialog)
        self._runner = runner
        self._on_cancel = on_cancel
        self._cancel_on_close = cancel_on_close
        self._timeout_s = timeout_s
        dialog.installEventFilter(self)
        dialog.finished.connect(lambda _r: self.shutdown())

    def shutdown(self) -> None:
        self._runner.shutdown(cancel=self._cancel_on_close, timeout_s=self._timeout_s)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._runner.busy:
            return False
        escape = (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                  and event.key() == Qt.Key.Key_Escape)
        if escape or event.type() == QEvent.Type.Close:
            self._on_cancel()
            event.ignore()
            return True
        return False
