"""Import 1,000,000 annotation rows from CSV, side by side with the CSV export of the same rows.

    python benchmarks/import_annotations.py [--spans N] [--documents N] [--keep DIR]

A database of N spans is built (as benchmarks/export.py builds it), exported to CSV, and the
CSV is imported into a copy of the database that holds the same documents and no spans. Each
export and import runs in its own subprocess, so its peak resident memory (``ru_maxrss``) is
its own. Targets for the import: under 60 s and under 500 MB at 1,000,000 rows.

While the import runs, a desk (another process) saves a span every 50 ms through the desk's
write path (``services.spans.create_span``) and reports its longest and 95th-percentile save:
how long a person labelling would wait while a colleague imports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import start_desk_saver, stop_desk_saver
from export import build, cpu_model

TARGETS = {"export csv": (10.0, 300.0), "import csv": (60.0, 500.0)}  # seconds, MB at 1M rows
DESK_PACE = 0.05  # seconds between two desk saves
DESK_TARGET_MS = 500.0  # "a fraction of a second": the longest a desk save may wait


def run_phase(phase: str, db: str, csv: str) -> None:
    from stancedesk.services import formats_registry
    from stancedesk.services.project import open_database

    database = open_database(db, seed_sample=False)
    start, cpu_start = time.perf_counter(), time.process_time()
    if phase == "export":
        rows = formats_registry.export_annotations(database, "csv", Path(csv))
    else:
        rows = formats_registry.import_annotations(database, Path(csv), fmt="csv").added
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    database.dispose()
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu": cpu, "peak_mb": peak_mb()}))


def run_desk(db: str, stop_file: str) -> None:
    """Save a span every ``DESK_PACE`` s until ``stop_file`` exists; print the save times."""
    from stancedesk.services import corpus
    from stancedesk.services import spans as span_service
    from stancedesk.services.project import open_database

    database = open_database(db, seed_sample=False)
    doc = corpus.get_document(database, corpus.list_documents(database)[0].id)
    scheme = span_service.get_scheme(database)
    from stancedesk.domain.errors import UserError

    saves: list[float] = []
    failed = 0
    start = 0
    Path(stop_file + ".ready").touch()
    while not Path(stop_file).exists():
        t0 = time.perf_counter()
        try:
            span_service.create_span(database, doc.id, "desk", start, start + 1,
                                     {"stance": "favor"}, scheme=scheme, document_text=doc.text)
        except UserError:  # "busy": the label a person pressed is not saved
            failed += 1
        saves.append(time.perf_counter() - t0)
        start = (start + 1) % max(len(doc.text) - 1, 1)
        time.sleep(DESK_PACE)  # a person's pace between two labels, not a synchronisation
    database.dispose()
    print(json.dumps({"saves": len(saves), "failed": failed, "max_ms": max(saves, default=0) * 1000,
                      "p95_ms": percentile(saves, 0.95) * 1000 if saves else 0.0}))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def peak_mb() -> float:
    """This process's peak resident memory. Linux keeps ``ru_maxrss`` across exec, so a child
    would report its parent's peak (the builder's); VmHWM starts afresh with the program."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(phase: str, db: Path, csv: Path, desk: bool = False) -> dict[str, float]:
    """Run one phase in its own process; with ``desk``, a desk process saves meanwhile and its
    save times join the figures (``desk_max_ms``, ``desk_p95_ms``, ``desk_saves``)."""
    desk_proc = start_desk_saver(db) if desk else None
    proc = subprocess.run([sys.executable, __file__, "--run", phase, str(db), str(csv)],
                          capture_output=True, text=True)
    if desk_proc is not None:
        desk_figures = {f"desk_{k}": v for k, v in stop_desk_saver(*desk_proc).items()}
    else:
        desk_figures = {}
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"the {phase} failed")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result | desk_figures


def without_spans(source: Path, target: Path) -> None:
    """The same database (documents, scheme) with no spans and no annotators."""
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as conn:
        conn.execute("DELETE FROM spans")
        conn.execute("DELETE FROM document_status")
        conn.execute("DELETE FROM annotators")
    with sqlite3.connect(target) as conn:
        conn.execute("VACUUM")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--keep", metavar="DIR", help="build (or reuse) the databases here")
    parser.add_argument("--run", nargs=3, metavar=("PHASE", "DB", "CSV"), help=argparse.SUPPRESS)
    parser.add_argument("--desk", nargs=2, metavar=("DB", "STOP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_phase(*args.run)
        return 0
    if args.desk:
        run_desk(*args.desk)
        return 0
    folder = Path(args.keep or tempfile.mkdtemp(prefix="stancedesk-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    source, target, csv = folder / "source.sqlite", folder / "target.sqlite", folder / "spans.csv"
    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}")
    if not source.exists():
        t0 = time.perf_counter()
        build(source, args.spans, args.documents)
        print(f"built {args.spans:,} spans in {args.documents:,} documents in "
              f"{time.perf_counter() - t0:.1f} s")
    results = {"export csv": measure("export", source, csv)}
    without_spans(source, target)
    results["import csv"] = measure("import", target, csv, desk=True)
    scale = max(args.spans, 1) / 1_000_000
    print(f"{'phase':<11} {'rows':>10} {'seconds':>8} {'CPU s':>7} {'rows/s':>10} "
          f"{'peak MB':>8}  target at this size")
    ok = True
    for phase, r in results.items():
        seconds, mb = TARGETS[phase]
        passed = r["seconds"] < max(seconds * scale, 1.0) and r["peak_mb"] < mb
        ok &= passed
        print(f"{phase:<11} {int(r['rows']):>10,} {r['seconds']:>8.2f} {r['cpu']:>7.2f} "
              f"{r['rows'] / max(r['seconds'], 1e-9):>10,.0f} {r['peak_mb']:>8.1f}  "
              f"< {max(seconds * scale, 1.0):.1f} s, < {mb:.0f} MB  {'PASS' if passed else 'FAIL'}")
    desk = results["import csv"]
    passed = desk["desk_max_ms"] < DESK_TARGET_MS and not desk["desk_failed"]
    ok &= passed
    print(f"desk saves during the import: {int(desk['desk_saves'])} ({int(desk['desk_failed'])} "
          f"failed), longest {desk['desk_max_ms']:.0f} ms, p95 {desk['desk_p95_ms']:.0f} ms  "
          f"< {DESK_TARGET_MS:.0f} ms  {'PASS' if passed else 'FAIL'}")
    print(f"CSV file: {csv.stat().st_size / 1e6:.1f} MB; load average "
          f"{os.getloadavg()[0]:.1f} (wall times stretch on a busy machine; CPU times less so)")
    if results["import csv"]["rows"] != results["export csv"]["rows"]:
        print("FAIL: the import did not store every exported row")
        ok = False
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
