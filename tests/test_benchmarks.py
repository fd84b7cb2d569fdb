"""Every benchmark runs on tiny data, so a rename or a changed signature can never again break
one silently (benchmarks/desk.py once called a function that no longer existed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize(("script", "args", "expected"), [
    ("agreement.py", ["--tiny"], ["`agreement --layer stance`, 6 docs", "string labels"]),
    ("export.py", ["--tiny"], ["export 400 realistic spans, csv", "parquet"]),
    ("export.py", ["--tiny", "--attribution"], ["export 400 realistic spans with links, csv"]),
    ("desk.py", ["--tiny"], ["label key → committed → repainted", "idle memory",
                             "open 0.1 MB with emoji"]),
    ("gamma.py", ["--sizes", "6", "--samples", "3"], ["3 annotators × 6 units"]),
    ("bundles.py", ["--tiny"], ["export bundle", "merge again (unchanged)"]),
    ("import.py", ["--tiny"], ["import 40 article files", "the same 40 again (all duplicates)",
                               "import 40 articles from one JSONL file"]),
    ("curate_auto.py", ["--tiny"], ["curation of 3 documents x 3 annotators",
                                    "auto re-run (keeps all)", "undo the run"]),
    ("curate_auto.py", ["--tiny", "--grouping"], ["passage grouping of one article",
                                                  "400 places, 2 long spans"]),
    ("curation.py", ["--tiny"], ["next conflict (N)", "accept (Return)"]),
])
def test_benchmark_runs_on_tiny_data(tmp_path: Path, script: str, args: list[str],
                                     expected: list[str]) -> None:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"))
    if script in ("agreement.py", "export.py"):
        args = [*args, "--keep", str(tmp_path)]
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], env=env,
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stdout, result.stdout
    if script != "gamma.py":
        assert result.stdout.startswith("machine: ") and "| ---" in result.stdout
