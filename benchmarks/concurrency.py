"""Concurrent saves: two desks on one SQLite file, twenty on a PostgreSQL server.

    python benchmarks/concurrency.py [--seconds S] [--pg URL] [--pg-writers N]

Each writer is its own process (its own engine and connections, as a desk would be) and
repeats what a label key press does: create a span, then change one of its layers with the
version it read (a read-then-write: the case that failed with SQLITE_BUSY_SNAPSHOT before write
transactions took the lock up front). A save is one committed service call; its latency is
measured around the call. The writers start together after their imports, run for S seconds,
and every reported save is then checked in the database.

The PostgreSQL row needs a server database that may be emptied: ``--pg`` or
$STANCEDESK_BENCH_PG (falling back to $STANCEDESK_TEST_PG); without one it is left out.
Prints the machine and one table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXT = "".join(f"Word{i:03d} " for i in range(400)) + "\n"


def worker(url: str, doc: str, name: str, start_at: float, seconds: float) -> None:
    """One writer: saves until the time is up; prints latencies, ids and errors as JSON."""
    from stancedesk.services import spans as span_service
    from stancedesk.services.project import open_database

    db = open_database(url, seed_sample=False)
    latencies: list[float] = []
    saved: list[str] = []
    errors: list[str] = []
    time.sleep(max(0.0, start_at - time.time()))
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        try:
            t0 = time.perf_counter()
            span = span_service.create_span(db, doc, name, i % 300, i % 300 + 6,
                                            {"stance": "favor"})
            t1 = time.perf_counter()
            span_service.update_labels(db, span.id, {"credibility": str(i % 6 + 1)},
                                       expected_version=span.version)
            t2 = time.perf_counter()
            latencies += [t1 - t0, t2 - t1]
            saved.append(span.id)
        except Exception as exc:  # counted and reported: the target is none
            errors.append(repr(exc))
        i += 1
    db.dispose()
    print(json.dumps({"latencies": latencies, "saved": saved, "errors": errors}))


def prepare(url: str, server: bool) -> str:
    """An emptied database at this version's schema with one article; returns its id."""
    from stancedesk.services import corpus
    from stancedesk.services.project import open_database

    if server:
        from sqlalchemy import create_engine

        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        admin.dispose()
    db = open_database(url, seed_sample=False, upgrade_server=server)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "article.txt"
            path.write_text(TEXT, encoding="utf-8")
            return corpus.import_paths(db, [path]).added[0].id
    finally:
        db.dispose()


def run(label: str, url: str, writers: int, seconds: float, server: bool) -> dict[str, object]:
    from stancedesk.services import spans as span_service
    from stancedesk.services.project import open_database

    doc = prepare(url, server)
    # the slowest start-up (imports, connecting) must not eat into the measured window
    start_at = time.time() + 1.0 + 0.1 * writers
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", url, doc, f"w{i:02d}",
                               str(start_at), str(seconds)], stdout=subprocess.PIPE, text=True)
             for i in range(writers)]
    latencies: list[float] = []
    saved: list[str] = []
    errors: list[str] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 120)
        if proc.returncode != 0:
            errors.append(f"writer exited with {proc.returncode}")
            continue
        result = json.loads(out.strip().splitlines()[-1])
        latencies += result["latencies"]
        saved += result["saved"]
        errors += result["errors"]
    db = open_database(url, seed_sample=False)
    try:
        stored = {s.id for s in span_service.list_spans(db)}
    finally:
        db.dispose()
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 \
            if latencies else float("nan")

    return {"back-end": label, "writers": writers, "seconds": seconds, "saves": len(latencies),
            "saves/s": len(latencies) / seconds, "p50 ms": pct(0.50), "p95 ms": pct(0.95),
            "max ms": latencies[-1] * 1000 if latencies else float("nan"),
            "errors": len(errors), "lost": len(set(saved) - stored),
            "first error": errors[0] if errors else ""}


def server_version(url: str) -> str:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar())
    finally:
        engine.dispose()


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, doc, name, start_at, seconds = sys.argv[2:7]
        worker(url, doc, name, float(start_at), float(seconds))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per run")
    parser.add_argument("--pg", default=os.environ.get("STANCEDESK_BENCH_PG")
                        or os.environ.get("STANCEDESK_TEST_PG"),
                        help="a PostgreSQL database URL that may be emptied")
    parser.add_argument("--pg-writers", type=int, default=20)
    args = parser.parse_args()

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPU(s), "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
          + (f", PostgreSQL {server_version(args.pg)}" if args.pg else ""))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(run("SQLite file", str(Path(folder) / "bench.sqlite"), 2, args.seconds,
                        server=False))
    if args.pg:
        rows.append(run("PostgreSQL", args.pg, args.pg_writers, args.seconds, server=True))
    else:
        print("PostgreSQL: no server (give --pg URL or set STANCEDESK_BENCH_PG)")
    columns = ["back-end", "writers", "seconds", "saves", "saves/s", "p50 ms", "p95 ms",
               "max ms", "errors", "lost"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join(" --- " for _ in columns) + "|")
    for row in rows:
        cells = [f"{row[c]:.1f}" if isinstance(row[c], float) else str(row[c])
                 for c in columns]
        print("| " + " | ".join(cells) + " |")
    for row in rows:
        if row["first error"]:
            print(f"{row['back-end']}: first error: {row['first error']}")
    return 0 if all(row["errors"] == 0 and row["lost"] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
