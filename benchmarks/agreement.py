"""Agreement as a person waits for it: ``stancedesk agreement --layer stance`` end to end.

    python benchmarks/agreement.py [--sizes 100,1000,10000] [--repeats 3] [--keep DIR]

1. For each size, a database of that many documents (~3,000 characters each) × 3 annotators ×
   50 spans is built once (bulk inserts; ``--keep`` reuses it), then the CLI command runs in a
   fresh process: interpreter start, imports, reading spans and texts, every measure and the
   default 1,000 bootstrap resamples. Wall time (best of ``--repeats``) and that process's peak
   resident memory are printed with the scaling factor from one size to the next (time ratio ÷
   size ratio: 1.0 is linear). Targets: < 2 s at 1,000 documents; linear, < 20 s and < 1 GB at
   10,000.
2. Krippendorff's α on the same data with the ``krippendorff`` package in the same run (median
   of ``--repeats``): 5 coders × 200,000 units, 6 categories, 20 % missing, once as string
   labels (a NumPy unicode array, missing as "nan", which is how the package takes labels) and
   once as numbers. Target: StanceDesk's time ÷ the package's ≤ 0.5, with the same value.

Exits 1 when a target is not met.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from benchkit import conclude, machine, run_with_peak, table, verdict

LABELS = ("favor", "against", "neutral")
WORDS = ("minister", "said", "the", "report", "was", "wrong", "according", "to", "sources",
         "officials", "denied", "it", "on", "Tuesday", "a", "spokesperson", "claimed", "that",
         "policy", "will", "fail", "experts", "warn", "protesters", "gathered", "outside",
         "Zürich", "São", "Paulo", "naïve", "café", "—", "«", "»")
ANNOTATORS = 3
SPANS = 50
TARGET_1000_S = 2.0
TARGET_10000_S = 20.0
TARGET_10000_MB = 1024.0
TARGET_RATIO = 0.5


def build(path: Path, n_docs: int, seed: int = 0) -> int:
    """Documents of ~3,000 characters; annotators start from shared 'gold' spans and drop,
    shift, relabel or add some, so agreement is high but imperfect. Returns the span count."""
    from sqlalchemy import insert

    from stancedesk.domain import Document
    from stancedesk.services.project import open_database
    from stancedesk.storage.tables import AnnotatorRow, DocumentRow, SpanRow

    rng = np.random.default_rng(seed)
    database = open_database(str(path), seed_sample=False)
    now = datetime(2024, 5, 1, tzinfo=UTC)
    names = [f"coder{a + 1}" for a in range(ANNOTATORS)]
    ann_ids = [str(uuid.uuid4()) for _ in names]
    n_spans = 0
    with database.engine.begin() as conn:
        conn.execute(insert(AnnotatorRow), [
            {"id": i, "name": n, "is_reviewer": False, "created_at": now}
            for i, n in zip(ann_ids, names, strict=True)])
        for d in range(n_docs):
            words = [WORDS[i] for i in rng.integers(0, len(WORDS), size=480)]
            text = (" ".join(words)[:3000] + f" ({d})")
            doc = Document.from_text(text, title=f"Article {d}", source_file=f"a{d}.txt")
            conn.execute(insert(DocumentRow), [{
                "id": doc.id, "title": doc.title, "text": text, "sha256": doc.sha256,
                "source_file": doc.source_file, "outlet": "", "published": "", "url": "",
                "meta": {}, "imported_at": now}])
            n = len(text)
            starts = np.sort(rng.integers(0, n - 60, size=SPANS))
            lengths = rng.integers(5, 60, size=SPANS)
            gold = rng.integers(0, len(LABELS), size=SPANS)
            rows: list[dict[str, Any]] = []
            for a in range(ANNOTATORS):
                keep = rng.random(SPANS) < 0.9
                shift = np.where(rng.random(SPANS) < 0.2, rng.integers(-3, 4, size=SPANS), 0)
                relabel = rng.random(SPANS) < 0.1
                labels = np.where(relabel, rng.integers(0, len(LABELS), size=SPANS), gold)
                spans = [(int(max(0, starts[i] + shift[i])), int(lengths[i]), int(labels[i]))
                         for i in np.flatnonzero(keep)]
                for _ in range(SPANS - len(spans)):  # replacements: 50 spans each
                    spans.append((int(rng.integers(0, n - 40)), int(rng.integers(5, 40)),
                                  int(rng.integers(0, len(LABELS)))))
                for s, length, label in spans:
                    e = min(n, s + length)
                    t = now + timedelta(seconds=int(rng.integers(10**6)))
                    rows.append({"id": str(uuid.uuid4()), "document_id": doc.id,
                                 "annotator_id": ann_ids[a], "start": s, "end": e,
                                 "text": text[s:e], "note": "",
                                 "labels": {"stance": LABELS[label]},
                                 "created_at": t, "updated_at": t})
            conn.execute(insert(SpanRow), rows)
            n_spans += len(rows)
    database.dispose()
    return n_spans


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), value


def reliability_data(units: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 6, size=units)
    data = np.where(rng.random((5, truth.size)) < 0.7, truth,
                    rng.integers(0, 6, size=(5, truth.size))).astype(np.float64)
    data[rng.random(data.shape) < 0.2] = np.nan
    return data


def alpha_rows(units: int, repeats: int) -> tuple[list[list[object]], bool]:
    import krippendorff

    from stancedesk.agreement import krippendorff_alpha

    numbers = reliability_data(units)
    names = np.array(["favor", "against", "neutral", "unclear", "mixed", "other"])
    strings = np.where(np.isnan(numbers), "nan",
                       names[np.nan_to_num(numbers).astype(int)]).astype(str)
    rows, ok = [], True
    for what, data in (("string labels", strings), ("numeric codes", numbers)):
        ours_t, ours = median_time(lambda d=data: krippendorff_alpha(d, "nominal"), repeats)
        ref_t, ref = median_time(
            lambda d=data: krippendorff.alpha(d, level_of_measurement="nominal"), repeats)
        ratio = ours_t / ref_t
        passed = abs(ours - float(ref)) < 1e-9 and (what != "string labels" or
                                                     ratio <= TARGET_RATIO)
        ok &= passed
        rows.append([f"α nominal, 5 × {units:,}, {what}", f"{ours_t * 1000:.0f} ms",
                     f"{ref_t * 1000:.0f} ms", f"{ratio:.2f}",
                     f"≤ {TARGET_RATIO}" if what == "string labels" else "—",
                     verdict(passed) if what == "string labels" else
                     ("same α" if passed else "DIFFERENT α")])
    return rows, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="document counts, comma-separated (default: 100,1000,10000)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--units", type=int, default=200_000,
                        help="units of the α comparison (default: 200,000)")
    parser.add_argument("--keep", metavar="DIR", help="build (or reuse) the databases here")
    parser.add_argument("--tiny", action="store_true",
                        help="3 and 6 documents, 300 units, targets not checked (the suite's "
                             "smoke test)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.sizes, args.repeats, args.units = "3,6", 1, 300
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = Path(args.keep or tempfile.mkdtemp(prefix="stancedesk-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(machine())
    ok = True
    rows: list[list[object]] = []
    previous: tuple[int, float] | None = None
    for n_docs in sizes:
        db = folder / f"agreement-{n_docs}.sqlite"
        if not db.exists():
            t0 = time.perf_counter()
            n = build(db, n_docs)
            print(f"built {n_docs:,} documents, {n:,} spans in {time.perf_counter() - t0:.1f} s",
                  flush=True)
        runs = [run_with_peak([sys.executable, "-m", "stancedesk", "--db", str(db), "agreement",
                               "--layer", "stance"]) for _ in range(args.repeats)]
        seconds = min(r[0] for r in runs)
        cpu = min(r[1] for r in runs)
        peak = max(r[2] for r in runs)
        assert "character alpha" in runs[0][3], runs[0][3]
        scaling = "—" if previous is None else \
            f"{(seconds / previous[1]) / (n_docs / previous[0]):.2f}"
        previous = (n_docs, seconds)
        target, passed = "—", True
        if n_docs == 1000:
            target, passed = f"< {TARGET_1000_S:.0f} s", seconds < TARGET_1000_S
        elif n_docs == 10000:
            target = f"< {TARGET_10000_S:.0f} s, < 1 GB, linear"
            passed = seconds < TARGET_10000_S and peak < TARGET_10000_MB and \
                float(scaling if scaling != "—" else 1) < 1.5
        ok &= passed
        rows.append([f"`agreement --layer stance`, {n_docs:,} docs × {ANNOTATORS} × {SPANS}",
                     f"{seconds:.2f} s (of {', '.join(f'{r[0]:.2f}' for r in runs)})",
                     f"{cpu:.2f} s", f"{peak:.0f} MB", scaling, target,
                     verdict(passed) if target != "—" else "—"])
    print(table(["workload", "wall time (best)", "CPU time", "peak memory", "scaling",
                 "target", "verdict"],
                rows))
    alpha, alpha_ok = alpha_rows(args.units, args.repeats)
    ok &= alpha_ok
    print(table(["workload", "StanceDesk", "krippendorff", "ratio", "target", "verdict"], alpha))
    return conclude(ok, args.tiny)


if __name__ == "__main__":
    sys.exit(main())
