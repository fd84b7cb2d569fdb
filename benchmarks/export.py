"""Export 1,000,000 spans to CSV and Parquet; print time and peak memory against the targets.

    python benchmarks/export.py [--spans N] [--documents N] [--keep DIR]

The database is built in a temporary folder with SQLAlchemy core bulk inserts in one
transaction; each export then runs in its own subprocess so that its peak resident memory
(``ru_maxrss``) is its own, not the builder's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stancedesk.services import formats_registry

TARGET_SECONDS = 10.0
TARGET_MB = 300.0
BATCH = 50_000
WORDS = ["talks", "minister", "said", "sources", "officials", "border", "trade", "envoy",
         "deal", "reopening", "crisis", "agreement", "statement", "reported", "analysts",
         "expect", "cautious", "breakthrough", "betrayal"]


def build(path: Path, n_spans: int, n_docs: int) -> None:
    from sqlalchemy import insert

    from stancedesk.domain import Document
    from stancedesk.services.project import open_database
    from stancedesk.storage.tables import AnnotatorRow, DocumentRow, SpanRow

    rng = random.Random(5)
    database = open_database(str(path), seed_sample=False)
    now = datetime(2024, 5, 1, tzinfo=UTC)
    annotators = [{"id": str(uuid.uuid4()), "name": f"annotator{i}", "is_reviewer": False,
                   "created_at": now} for i in range(5)]
    per_doc = n_spans // n_docs
    stance, sourcing = ("favor", "against", "neutral"), ("anonymous", "official", "expert")
    with database.engine.begin() as conn:
        conn.execute(insert(AnnotatorRow), annotators)
        spans: list[dict] = []

        def flush() -> None:
            if spans:
                conn.execute(insert(SpanRow), spans)
                spans.clear()

        for d in range(n_docs):
            text = " ".join(rng.choice(WORDS) for _ in range(600)) + f" ({d})\n"
            doc = Document.from_text(text, title=f"Article {d}", source_file=f"a{d}.txt")
            conn.execute(insert(DocumentRow), [{
                "id": doc.id, "title": doc.title, "text": text, "sha256": doc.sha256,
                "source_file": doc.source_file, "outlet": "", "published": "", "url": "",
                "meta": {}, "imported_at": now}])
            for _ in range(per_doc):
                start = rng.randrange(0, len(text) - 60)
                end = start + rng.randrange(5, 60)
                sid = str(uuid.uuid4())
                t = now + timedelta(seconds=rng.randrange(10**6))
                spans.append({"id": sid, "document_id": doc.id,
                              "annotator_id": rng.choice(annotators)["id"], "start": start,
                              "end": end, "text": text[start:end], "note": "",
                              "labels": {"stance": rng.choice(stance),
                                         "sourcing": rng.choice(sourcing)},
                              "created_at": t, "updated_at": t})
            if len(spans) >= BATCH:
                flush()
        flush()
    database.dispose()


def run_export(db: str, fmt: str, out: str) -> None:
    from stancedesk.services.project import open_database

    database = open_database(db, seed_sample=False)
    start = time.perf_counter()
    n = formats_registry.export_annotations(database, fmt, Path(out))
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    database.dispose()
    print(json.dumps({"spans": n, "seconds": seconds, "peak_mb": peak_kb / 1024,
                      "bytes": Path(out).stat().st_size}))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--keep", metavar="DIR", help="build (or reuse) the database here")
    parser.add_argument("--run", nargs=3, metavar=("DB", "FORMAT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_export(*args.run)
        return 0
    folder = Path(args.keep or tempfile.mkdtemp(prefix="stancedesk-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.sqlite"
    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}")
    if not db.exists():
        t0 = time.perf_counter()
        build(db, args.spans, args.documents)
        print(f"built {args.spans:,} spans in {args.documents:,} documents in "
              f"{time.perf_counter() - t0:.1f} s")
    ok = True
    for fmt, name in (("csv", "spans.csv"), ("parquet", "spans.parquet")):
        out = folder / name
        proc = subprocess.run([sys.executable, __file__, "--run", str(db), fmt, str(out)],
                              capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        passed = r["seconds"] < TARGET_SECONDS and r["peak_mb"] < TARGET_MB
        ok &= passed
        print(f"{fmt:<8} {r['spans']:>9,} spans  {r['seconds']:6.2f} s  peak {r['peak_mb']:6.1f} MB"
              f"  {r['bytes'] / 1e6:7.1f} MB file  {'PASS' if passed else 'FAIL'} "
              f"(targets < {TARGET_SECONDS:.0f} s, < {TARGET_MB:.0f} MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
