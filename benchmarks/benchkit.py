"""What every benchmark prints: the machine, then one table of figures against targets.

Also the measurement of a child process (wall time and its own peak resident memory), so that a
benchmark can time a command exactly as a person runs it, imports and database reading included.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    """One line: cores, CPU, memory, Python and the versions that matter for speed."""
    import numpy
    import sqlalchemy

    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        memory = ""
    import sqlite3

    return (f"machine: {os.cpu_count()} CPUs ({cpu_model()}){memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, numpy "
            f"{numpy.__version__}, SQLAlchemy {sqlalchemy.__version__}, SQLite "
            f"{sqlite3.sqlite_version}")


def command_env() -> dict[str, str]:
    """This environment, except that Python may write bytecode. An installed StanceDesk has
    its ``.pyc`` files (pip compiles them); with PYTHONDONTWRITEBYTECODE set, as in some
    sandboxes, every timed command would compile StanceDesk's modules again (a few tenths of a
    second), which no user pays. The first run writes them; benchmarks report the best run."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_with_peak(argv: Sequence[str], env: dict[str, str] | None = None
                  ) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak resident MB, stdout) of one command, reaped with
    ``os.wait4`` so the peak is that process's own (ru_maxrss is KiB on Linux). Output goes
    through files: a pipe could fill up and stall the child while nobody reads it. ``env``
    defaults to ``command_env()``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err,
                                env=command_env() if env is None else env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                               f"{err.read().decode(errors='replace')}")
        return (seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                out.read().decode())


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, so the output can go straight into docs/performance.md."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "| " + " | ".join("-" * w for w in widths) + " |"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def conclude(ok: bool, tiny: bool) -> int:
    """The benchmark's last line and exit status: a tiny run (the suite's smoke test) checks
    no target, so it always exits 0."""
    if tiny:
        print("tiny run: targets not checked")
        return 0
    print("ALL TARGETS MET" if ok else "SOME TARGETS NOT MET")
    return 0 if ok else 1


DESK_SAVER = Path(__file__).with_name("import_annotations.py")  # its --desk mode saves spans


def start_desk_saver(db: Path) -> tuple[subprocess.Popen[str], Path]:
    """A desk process saving a span every 50 ms on ``db`` until the returned stop file appears;
    returns once it has saved its first span, so the write it measures meets a working desk."""
    stop = db.with_name(db.name + ".stop")
    ready = Path(str(stop) + ".ready")
    stop.unlink(missing_ok=True)
    ready.unlink(missing_ok=True)
    desk = subprocess.Popen([sys.executable, str(DESK_SAVER), "--desk", str(db), str(stop)],
                            stdout=subprocess.PIPE, text=True)
    while not ready.exists():
        if desk.poll() is not None:
            raise SystemExit("the desk process failed to start")
        time.sleep(0.05)
    return desk, stop


def stop_desk_saver(desk: subprocess.Popen[str], stop: Path) -> dict[str, float]:
    """The desk's figures (saves, failed, max_ms, p95_ms); it failing to save is fatal."""
    stop.touch()
    out, _ = desk.communicate()
    stop.unlink(missing_ok=True)
    Path(str(stop) + ".ready").unlink(missing_ok=True)
    if desk.returncode != 0:
        raise SystemExit("the desk failed to save during the import")
    return {k: float(v) for k, v in json.loads(out.strip().splitlines()[-1]).items()}
