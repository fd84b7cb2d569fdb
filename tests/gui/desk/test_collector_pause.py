"""The collector's pause during an open: each open waits for its own paint, at the latest a
full ``LATEST_MS`` after it began."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, Signal

from stancedesk.gui.desk.controller import _CollectorPause


class _Reader(QObject):
    painted = Signal()


def test_a_second_open_before_the_first_painted_gets_its_own_second(qtbot) -> None:
    """A second open before the first painted kept the first's timer: the collector came back
    a moment into the second open, before its paint, walking its fresh rows."""
    pause = _CollectorPause()
    reader = _Reader()
    try:
        pause.pause_until_painted(reader)
        assert not gc.isenabled() and pause.paused
        pause.LATEST_MS = 60_000  # the second open's "at the latest", told apart by its length
        pause.pause_until_painted(reader)
        assert pause._latest is not None and pause._latest.remainingTime() > 1_000
        with qtbot.waitSignal(reader.painted):
            reader.painted.emit()
        qtbot.waitUntil(gc.isenabled)
        assert not pause.paused
    finally:
        pause.resume()
        gc.enable()


def test_a_pause_someone_else_holds_is_left_to_them(qtbot) -> None:
    pause = _CollectorPause()
    gc.disable()  # the launch's pause
    try:
        pause.pause_until_painted(_Reader())
        assert not pause.paused and pause._latest is None
    finally:
        gc.enable()
