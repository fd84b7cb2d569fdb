"""The desk paints on its own thread: Qt's raster engine is told not to hand fills to its pool.

Qt gives every image or gradient fill of 96 scan lines or more to a pool of threads of its own
and waits until they are done (``QT_THREAD_PARALLEL_FILLS`` in its draw helpers). In the desk
those are the Fusion style's scroll-bar gradients, and the span table's vertical bar moves at
every label key: ten hand-offs per key, each a sleep of the GUI thread until a pool thread has
run. On a busy machine each wake-up waits for the scheduler, and that was the label key's
wall-time tail (p95 about twice the median while the CPU per key hardly varied). The fills
themselves take a few hundred microseconds; in place they cost less than the hand-off, and
the GUI thread no longer sleeps in the middle of a frame.

Qt reads the switch once, the first time it wants the pool, so it is set before anything is
painted: when the application is made, and again when a window is built (tests and the
benchmark make their own application)."""

from __future__ import annotations

import os

QT_SWITCH = "QT_NO_GUI_THREADPOOL"  # Qt only asks whether it is set


def paint_on_this_thread() -> None:
    os.environ.setdefault(QT_SWITCH, "1")
