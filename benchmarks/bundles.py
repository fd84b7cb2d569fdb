"""Export one annotator's bundle and merge it into a database of the same corpus; then again.

    python benchmarks/bundles.py [--spans N] [--documents N] [--tiny] [--keep DIR]

A database of N realistic spans by five annotators is built (as benchmarks/export.py builds it);
annotator0's bundle (about N/5 spans) is exported, then previewed (a dry run) on a copy holding
the same documents and no spans while a desk process saves a span every 50 ms (its longest and
95th-percentile wait: a dry run on SQLite stores in hidden chunks, so no save waits for the
whole preview), then merged into it (every span added), then merged again (every span
unchanged: the idempotent case a lead meets when a bundle is sent twice), then a dry run of
that. Wall and CPU time of each step, in this process; the bundle's size.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from benchkit import machine, start_desk_saver, stop_desk_saver, table
from export import build


def without_spans(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as conn:
        conn.execute("DELETE FROM spans")
        conn.execute("DELETE FROM document_status")
        conn.execute("DELETE FROM annotators")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--tiny", action="store_true", help="a few hundred spans (a smoke test)")
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep the files")
    args = parser.parse_args()
    if args.tiny:
        args.spans, args.documents = 400, 8
    from stancedesk.services.bundle_export import export_bundle
    from stancedesk.services.bundle_merge import import_bundles
    from stancedesk.services.project import open_database

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="stancedesk-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    source, team = folder / "laptop.sqlite", folder / "team.sqlite"
    for path in (source, team):
        path.unlink(missing_ok=True)
    print(machine())
    build(source, args.spans, args.documents)
    without_spans(source, team)
    bundle = folder / "annotator0.stancedesk-bundle.json"
    rows = []
    laptop = open_database(str(source), seed_sample=False)
    start = time.perf_counter()
    exported = export_bundle(laptop, "annotator0", bundle)
    rows.append(["export bundle", f"{exported.spans:,}", f"{time.perf_counter() - start:.2f}"])
    laptop.dispose()
    rows[-1].append("")
    database = open_database(str(team), seed_sample=False)
    desk: dict[str, float] = {}
    for step, dry in (("dry run into an empty database, a desk saving", True),
                      ("merge into an empty database", False), ("merge again (unchanged)", False),
                      ("dry run of the same", True)):
        saver = start_desk_saver(team) if not desk and dry else None
        start, cpu = time.perf_counter(), time.process_time()
        report = import_bundles(database, [bundle], dry_run=dry)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        if saver is not None:
            desk = stop_desk_saver(*saver)
        merge = report.merges[0]
        assert len(merge.added) + len(merge.unchanged) == exported.spans, report.summary()
        rows.append([step, f"{exported.spans:,}", f"{wall:.2f}", f"{cpu:.2f}"])
    database.dispose()
    print(f"desk during the dry run: {desk['saves']:.0f} saves ({desk['failed']:.0f} failed), "
          f"longest wait {desk['max_ms']:.0f} ms, p95 {desk['p95_ms']:.0f} ms")
    print(f"bundle: {bundle.stat().st_size / 2**20:.1f} MB for {exported.spans:,} spans on "
          f"{exported.documents:,} documents")
    print(table(["step", "spans", "seconds", "CPU s"], rows))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
