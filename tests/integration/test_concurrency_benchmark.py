"""benchmarks/concurrency.py runs tiny and reports no errors and nothing lost (on PostgreSQL
too when the suite has a server; the benchmark empties that database, the fixtures redo it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_runs_tiny_and_loses_nothing() -> None:
    env = {k: v for k, v in os.environ.items() if k != "STANCEDESK_BENCH_PG"}
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "concurrency.py"),
                             "--seconds", "0.5", "--pg-writers", "3"],
                            capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("machine: ")
    rows = re.findall(r"^\| (SQLite file|PostgreSQL) \| (\d+) \| [\d.]+ \| (\d+) \| [\d.]+ \| "
                      r"[\d.]+ \| [\d.]+ \| [\d.]+ \| (\d+) \| (\d+) \|$", result.stdout, re.M)
    expected = ["SQLite file", "PostgreSQL"] if os.environ.get("STANCEDESK_TEST_PG") else \
        ["SQLite file"]
    assert [r[0] for r in rows] == expected
    for _name, writers, saves, errors, lost in rows:
        assert int(writers) >= 2 and int(saves) > 0 and (errors, lost) == ("0", "0")
