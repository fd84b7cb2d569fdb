"""A chunked write (an import) run in a child process that is SIGKILLed midway: the tests of
the annotation and corpus imports check what a killed import leaves, and both need the same
start, wait and kill, so it is written once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def kill_midway(script: str, args: Sequence[str], marker: Path,
                while_alive: Callable[[], None]) -> None:
    """Run ``script`` (``python -c``) with ``args``; once it creates ``marker`` (its chunks
    stored, it then sleeps), call ``while_alive`` and SIGKILL it, so its lock dies with it."""
    proc = subprocess.Popen([sys.executable, "-c", script, *args])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the import ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        while_alive()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
