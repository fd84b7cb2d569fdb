"""Long work off the GUI thread: a QRunnable with progress, result and cancel signals.

The function runs in QThreadPool.globalInstance() (so tests can check nothing is left running)
and receives ``progress(done, total, text)`` and ``cancelled() -> bool``; results come back to
the GUI thread through queued signals of a QObject that lives there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

Progress = Callable[[int, int, str], None]
Work = Callable[[Progress, Callable[[], bool]], Any]


class TaskSignals(QObject):
    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    cancelled = Signal()
    finished = Signal()  # after any of the three above


class Task(QRunnable):
    def __init__(self, work: Work, cancel_types: tuple[type[BaseException], ...] = ()) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the Python wrapper owns it; Qt must not delete it under us
        self.signals = TaskSignals()
        self._work = work
        self._cancel = threading.Event()
        self._cancel_types = cancel_types
        self.done = threading.Event()

    def cancel(self) -> None:
        """Thread-safe; the work sees it at its next ``cancelled()`` check."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        signals = self.signals
        try:
            result = self._work(lambda d, t, s: signals.progress.emit(d, t, s),
                                self._cancel.is_set)
        except self._cancel_types:
            signals.cancelled.emit()
        except Exception as exc:
            signals.failed.emit(exc)
        else:
            # finished work is reported as such even if Cancel came too late to stop it
            signals.succeeded.emit(result)
        finally:
            self.done.set()
            signals.finished.emit()


def start(task: Task, pool: QThreadPool | None = None) -> Task:
    (pool or QThreadPool.globalInstance()).start(task)
    return task
