"""Curation services on a corpus: status, the conflict queue, the auto-curation preview and run.

    python benchmarks/curate_auto.py                 # 200 documents x 3 annotators x 60 spans
    python benchmarks/curate_auto.py --documents 20 --spans 2000   # a few long articles
    python benchmarks/curate_auto.py --tiny          # smoke test (the suite runs this)
    python benchmarks/curate_auto.py --grouping      # passage grouping alone, long articles

``--grouping`` times ``domain.curation.passages`` (no database) on one article of 2,000 to
16,000 places marked by three annotators, without and with two long spans (one over the whole
article, one over its second half): CPU microseconds per span should stay flat as the article
grows, long spans or not.

Each annotator marks every passage of a document; one in four passages gets one annotator's
boundaries shifted and one in six another label, so some passages agree and some conflict.
Figures are wall and CPU seconds (the process's own) of one call through the service, the
database read included; on a shared machine only the CPU figure compares between runs.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import machine, table

from stancedesk.domain import Document, Span, document_id_for_text, new_span_id, sha256_text
from stancedesk.services import curation
from stancedesk.services.project import open_database
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

ANNOTATORS = ("ana", "ben", "cy")
STANCES = ("favor", "against", "neutral")


def build(database: Database, documents: int, spans: int, seed: int) -> None:
    rng = random.Random(seed)
    with database.write() as session:
        for d in range(documents):
            words = [f"w{d}x{i}" for i in range(spans * 6)]
            text = " ".join(words)
            doc = Document(document_id_for_text(text), f"doc {d}", text, sha256_text(text))
            repo.add_document(session, doc)
            offsets = []
            pos = 0
            for word in words:
                offsets.append((pos, pos + len(word)))
                pos += len(word) + 1
            for p in range(spans):
                start, end = offsets[p * 6][0], offsets[p * 6 + 3][1]
                label = rng.choice(STANCES)
                shifted = rng.randrange(len(ANNOTATORS)) if rng.random() < 0.25 else -1
                relabelled = rng.randrange(len(ANNOTATORS)) if rng.random() < 1 / 6 else -1
                for a, who in enumerate(ANNOTATORS):
                    s = offsets[p * 6 + 1][0] if a == shifted else start
                    value = STANCES[(STANCES.index(label) + 1) % 3] if a == relabelled \
                        else label
                    repo.add_span(session, Span(new_span_id(), doc.id, who, s, end,
                                                text[s:end], {"stance": value}))


class Clock:
    """Wall and CPU seconds (this process's own, which other programs on a busy machine do
    not inflate) since the last ``lap``."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.c0 = time.process_time()

    def lap(self) -> tuple[float, float]:
        now, cpu = time.perf_counter(), time.process_time()
        laps = (now - self.t0, cpu - self.c0)
        self.t0, self.c0 = now, cpu
        return laps

    def cells(self, digits: int = 2) -> list[str]:
        wall, cpu = self.lap()
        return [f"{wall:.{digits}f}", f"{cpu:.{digits}f}"]


def grouping(sizes: list[int]) -> list[list[str]]:
    """CPU seconds of grouping one article's spans into passages, by article size."""
    from stancedesk.domain.curation import passages

    rows = []
    for long in (False, True):
        for n in sizes:
            rng = random.Random(n)
            spans = []
            for i in range(n):
                start = i * 150
                end = start + rng.randint(8, 120)
                for who in ANNOTATORS:
                    if rng.random() < 0.1:
                        continue  # missed
                    shifted = end + 3 if who == "ben" and rng.random() < 0.2 else end
                    spans.append(Span(f"{who}{i:06d}", "d", who, start, shifted, "",
                                      {"stance": rng.choice(STANCES)}))
            if long:
                spans.append(Span("long-a", "d", "ana", 0, n * 150, "", {"stance": "favor"}))
                spans.append(Span("long-c", "d", "cy", n * 75, n * 150, "", {"stance": "favor"}))
            t = time.process_time()
            found = passages("d", spans)
            cpu = time.process_time() - t
            rows.append([f"{n} places{', 2 long spans' if long else ''}", str(len(spans)),
                         str(len(found)), f"{cpu:.3f}", f"{cpu / len(spans) * 1e6:.1f}"])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--spans", type=int, default=60, help="passages per document")
    parser.add_argument("--tiny", action="store_true", help="3 documents of 10 passages")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--grouping", action="store_true",
                        help="time passage grouping alone on long articles")
    args = parser.parse_args()
    if args.grouping:
        print(machine())
        print("passage grouping of one article, 3 annotators")
        print(table(["article", "spans", "passages", "CPU s", "CPU µs per span"],
                    grouping([200, 400] if args.tiny else [2000, 4000, 8000, 16000])))
        return 0
    if args.tiny:
        args.documents, args.spans = 3, 10
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(str(Path(folder) / "bench.sqlite"), seed_sample=False)
        try:
            build(database, args.documents, args.spans, args.seed)
            n = args.documents * args.spans
            rows = []
            clock = Clock()
            found = curation.status(database)
            rows.append(["status (every document)", *clock.cells(),
                         f"{sum(x.passages for x in found)} passages"])
            queue = curation.conflict_queue(database)
            rows.append(["conflict queue", *clock.cells(), f"{len(queue)} conflicts"])
            curation.document_curation(database, found[0].document_id)
            rows.append([f"one document ({args.spans} passages)", *clock.cells(3), ""])
            preview = curation.preview_auto(database, 2)
            rows.append(["auto preview, K=2", *clock.cells(),
                         f"{len(preview.taken)} would be taken"])
            report = curation.auto_curate(database, 2, curator="bench")
            rows.append(["auto run, K=2", *clock.cells(), f"{len(report.taken)} taken"])
            again = curation.auto_curate(database, 2, curator="bench")
            rows.append(["auto re-run (keeps all)", *clock.cells(),
                         f"{len(again.taken)} taken"])
            undone = curation.undo_last(database)
            rows.append(["undo the run", *clock.cells(), f"{len(undone.decisions)} undone"])
            print(f"curation of {args.documents} documents x {len(ANNOTATORS)} annotators, "
                  f"{n} passages")
            print(table(["step", "wall s", "CPU s", "result"], rows))
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
