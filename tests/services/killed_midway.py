"""A chunked write (an import) run in a child process that is SIGKILLed midway: the tests of
the annotation import, corpus import and bundle merge check what a killed one leaves, and all
need the same script, start, wait and kill, so they are written once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

_SCRIPT = """
import sys, time
from pathlib import Path
from stancedesk.services.project import open_database
{setup}
db, source, marker = sys.argv[1:]
database = open_database(db, seed_sample=False)
calls = 0
def wait_to_be_killed():
    global calls
    calls += 1
    if calls == {kill_at}:
        Path(marker).touch()
        time.sleep(60)
    return False
{run}
"""


def killed_script(setup: str, kill_at: str, run: str) -> str:
    """A script for ``kill_midway`` (arguments: the database, the file to import, the
    marker): ``setup`` (imports, small chunks), then ``run``, which imports ``source`` into
    ``database`` with ``cancelled=wait_to_be_killed``; the ``kill_at``-th call of that
    (an expression) creates the marker and sleeps until the kill."""
    return _SCRIPT.format(setup=setup, kill_at=kill_at, run=run)


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
