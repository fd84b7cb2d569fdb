"""Export one annotator's bundle and merge it into a database of the same corpus; then again.

    python benchmarks/bundles.py [--spans N] [--documents N] [--tiny] [--keep DIR] [--no-cases]

A database of N realistic spans by five annotators is built (as benchmarks/export.py builds it);
annotator0's bundle (about N/5 spans) is exported, then previewed (a dry run) on a copy holding
the same documents and no spans while a desk process saves a span every 50 ms (its longest and
95th-percentile wait: a dry run on SQLite stores in hidden chunks, so no save waits for the
whole preview), then merged into it (every span added), then merged again (every span
unchanged: the idempotent case a lead meets when a bundle is sent twice), then a dry run of
that. Wall and CPU time of each step, in this process; the bundle's size.

Then the merges whose writes are not new spans without a source (unless ``--no-cases``), each
with the longest write transaction it held (what a desk saving on the same file waits for at
worst) and that transaction's CPU, measured in this process, and the longest wait of a desk
process saving a span every 50 ms meanwhile: (a) the same bundle with most
spans naming one of 500 registry sources new here, into another empty copy (attribution-heavy
gold); (b) the bundle again with every span changed (a new note, the next version: every span
overwritten); (c) a gold bundle, one decision on each span already here.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchkit import machine, start_desk_saver, stop_desk_saver, table
from export import build

SOURCE_SHARE = 0.8  # of the spans in case (a), naming a registry source
NOT_OF_SOURCES = ("stance", "target", "credibility")  # the default scheme's claim layers


class WriteLocks:
    """The write transactions of one engine (SQLite: from BEGIN IMMEDIATE to the end of its
    COMMIT or ROLLBACK), each one's wall and CPU seconds: the longest is the longest a desk's
    save could wait. The end is taken after the dialect's commit, so the WAL write counts."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        from stancedesk.storage.engine import WRITE_OPTION

        self.held: list[tuple[float, float]] = []
        self._began: dict[int, tuple[float, float]] = {}
        self._option, self._engine = WRITE_OPTION, engine
        dialect = engine.dialect
        self._dialect = dialect
        self._ends = {"do_commit": dialect.do_commit, "do_rollback": dialect.do_rollback}
        for name, original in self._ends.items():
            setattr(dialect, name, self._ending(original))
        event.listen(engine, "begin", self._begin)

    def _begin(self, conn: Any) -> None:
        if conn.get_execution_options().get(self._option):
            # the pool's connection object: the one the dialect's commit is given
            self._began[id(conn.connection)] = (time.perf_counter(), time.process_time())

    def _ending(self, original: Any) -> Any:
        def end(connection: Any) -> None:
            try:
                original(connection)
            finally:
                began = self._began.pop(id(connection), None)
                if began is not None:
                    self.held.append((time.perf_counter() - began[0],
                                      time.process_time() - began[1]))
        return end

    def longest(self) -> tuple[float, float]:
        return max(self.held, default=(0.0, 0.0))

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self._engine, "begin", self._begin)
        for name, original in self._ends.items():
            setattr(self._dialect, name, original)


def naming_sources(bundle: Path, out: Path) -> int:
    """Case (a): most spans are sources naming one of 500 registry sources (new here)."""
    data = json.loads(bundle.read_text(encoding="utf-8"))
    data["entities"] = [{"id": f"e-{i}", "name": f"Source {i} «Łódź»", "sourcing": "official",
                         "aliases": [f"S{i}"], "notes": "", "grades": []} for i in range(500)]
    named = 0
    for i, span in enumerate(data["spans"]):
        if (i % 10) < SOURCE_SHARE * 10:
            span.update(role="source", entity_id=f"e-{i % 500}",
                        labels={k: v for k, v in span["labels"].items()
                                if k not in NOT_OF_SOURCES})
            named += 1
    out.write_text(json.dumps(data), encoding="utf-8")
    return named


def all_changed(bundle: Path, out: Path) -> int:
    """Case (b): every span edited on the laptop since the last merge (note, next version)."""
    data = json.loads(bundle.read_text(encoding="utf-8"))
    for span in data["spans"]:
        span.update(note=span["note"] + " (checked)", version=span["version"] + 1)
    out.write_text(json.dumps(data), encoding="utf-8")
    return len(data["spans"])


def with_decisions(bundle: Path, out: Path) -> int:
    """Case (c): a curator's decision on every span, which is already here."""
    data = json.loads(bundle.read_text(encoding="utf-8"))
    data["format_version"] = 2
    data["decisions"] = [
        {"id": f"d-{i}", "document_id": s["document_id"], "span_id": s["id"],
         "start": s["start"], "end": s["end"], "decision": "unanimous", "curated_by": "lea",
         "curated_at": "2026-12-01T10:00:00Z", "curated_from": ["annotator0"],
         "from_span_ids": [s["id"]]} for i, s in enumerate(data["spans"])]
    out.write_text(json.dumps(data), encoding="utf-8")
    return len(data["decisions"])


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
    parser.add_argument("--no-cases", action="store_true",
                        help="without the cases (a)-(c) of the longest write transaction")
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
    cases: list[list[str]] = []
    if not args.no_cases:
        second = folder / "team2.sqlite"
        second.unlink(missing_ok=True)
        without_spans(source, second)
        other = open_database(str(second), seed_sample=False)
        changed = folder / "case-b.stancedesk-bundle.json"
        for step, make, base, into in (
                ("(a) spans naming registry sources, into an empty database", naming_sources,
                 bundle, other),
                ("(b) every span changed (overwrites)", all_changed, bundle, database),
                ("(c) a decision on every span already here", with_decisions, changed,
                 database)):
            variant = folder / f"case-{step[1]}.stancedesk-bundle.json"
            n = make(base, variant)
            locks = WriteLocks(into.engine)
            saver = start_desk_saver(second if into is other else team)
            start, cpu = time.perf_counter(), time.process_time()
            try:
                report = import_bundles(into, [variant])
            finally:
                locks.close()
                waited = stop_desk_saver(*saver)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            held, held_cpu = locks.longest()
            merge = report.merges[0]
            assert not merge.conflicts, report.summary()
            cases.append([step, f"{n:,}", f"{wall:.2f}", f"{cpu:.2f}", f"{len(locks.held)}",
                          f"{held * 1000:.0f}", f"{held_cpu * 1000:.0f}",
                          f"{waited['max_ms']:.0f} ({waited['saves']:.0f}, "
                          f"{waited['failed']:.0f})"])
        other.dispose()
    database.dispose()
    print(f"desk during the dry run: {desk['saves']:.0f} saves ({desk['failed']:.0f} failed), "
          f"longest wait {desk['max_ms']:.0f} ms, p95 {desk['p95_ms']:.0f} ms")
    print(f"bundle: {bundle.stat().st_size / 2**20:.1f} MB for {exported.spans:,} spans on "
          f"{exported.documents:,} documents")
    print(table(["step", "spans", "seconds", "CPU s"], rows))
    if cases:
        print(table(["case", "rows", "seconds", "CPU s", "write transactions",
                     "longest held, ms", "its CPU, ms",
                     "a desk's longest wait, ms (saves, failed)"], cases))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
