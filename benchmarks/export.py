"""Export 1,000,000 realistic spans to CSV and Parquet; time and peak memory against targets.

    python benchmarks/export.py [--spans N] [--documents N] [--keep DIR] [--attribution]

Realistic rows: spans of 20-300 characters of news text with non-ASCII names and punctuation,
a value in each of the five layers (stance, target, sourcing, reliability, credibility) and a
note on a third of them (with commas, quotes and line breaks that CSV must quote). The database
is built in a temporary folder with SQLAlchemy core bulk inserts in one transaction; each
export then runs as ``stancedesk export annotations`` in its own process, whose wall time and
own peak resident memory (``os.wait4``) are reported. Targets: < 10 s and < 300 MB each.

``--attribution`` gives the spans roles and links as annotated news has them, so the export
fills its ``role``, ``attributed_to``, ``via``, ``cue`` and ``entity`` columns: per annotator
and document, 40 % sources, 45 % claims and 15 % cues; each claim attributed to a source of
its document (and to a cue when there is one), one source in five relayed via an earlier one,
and half the sources naming one of 500 registry entities.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchkit import conclude, cpu_model, machine, run_with_peak, table, verdict  # noqa: F401 (cpu_model: import_annotations.py takes it from here)

TARGET_SECONDS = 10.0
TARGET_MB = 300.0
BATCH = 50_000
WORDS = ["talks", "minister", "said", "sources", "officials", "border", "trade", "envoy",
         "deal", "reopening", "crisis", "agreement", "statement", "reported", "analysts",
         "expect", "cautious", "breakthrough", "betrayal", "Zürich", "Łódź", "São", "Paulo",
         "«quoted»", "—", "naïve", "Ελλάδα", "Київ", "東京", "l'Élysée", "“unnamed”", "said,"]
NOTES = ["check the quote against the original", 'source says "off the record", confirm',
         "second-hand;\nsee the wire copy", "Ministerin — zitiert nach dpa", "unclear who speaks"]
TARGETS = ["border-reopening", "trade-deal", "ceasefire", "sanctions", "the-envoy"]


def attribute(rng: random.Random, spans: list[dict], entities: list[dict]) -> list[dict]:
    """Roles, entities and links for one document's spans (set on the span rows in place);
    the link rows. Links stay within one annotator, as the rules require."""
    links: list[dict] = []
    by_annotator: dict[str, list[dict]] = {}
    for span in spans:
        by_annotator.setdefault(span["annotator_id"], []).append(span)
    for mine in by_annotator.values():
        sources: list[str] = []
        cues: list[str] = []
        for span in mine:
            roll = rng.random()
            span["role"] = "source" if roll < 0.40 else "cue" if roll < 0.55 else "claim"
            span["entity_id"] = None  # one shape for every row of the bulk insert
            if span["role"] == "source":
                if rng.random() < 0.5:
                    span["entity_id"] = rng.choice(entities)["id"]
                if sources and rng.random() < 0.2:  # via an earlier source: never a cycle
                    links.append({"from_span_id": span["id"], "kind": "via",
                                  "to_span_id": rng.choice(sources)})
                sources.append(span["id"])
            elif span["role"] == "cue":
                cues.append(span["id"])
        for span in mine:
            if span["role"] == "claim" and sources:
                links.append({"from_span_id": span["id"], "kind": "attributed_to",
                              "to_span_id": rng.choice(sources)})
                if cues:
                    links.append({"from_span_id": span["id"], "kind": "cue",
                                  "to_span_id": rng.choice(cues)})
    return links


def build(path: Path, n_spans: int, n_docs: int, attribution: bool = False) -> None:
    from sqlalchemy import insert

    from stancedesk.domain import Document
    from stancedesk.services.project import open_database
    from stancedesk.storage.tables import AnnotatorRow, DocumentRow, EntityRow, LinkRow, SpanRow

    rng = random.Random(5)
    database = open_database(str(path), seed_sample=False)
    now = datetime(2024, 5, 1, tzinfo=UTC)
    annotators = [{"id": str(uuid.uuid4()), "name": f"annotator{i}", "is_reviewer": False,
                   "created_at": now} for i in range(5)]
    per_doc = n_spans // n_docs
    stance, sourcing = ("favor", "against", "neutral"), ("anonymous", "official", "expert",
                                                         "media", "document")
    entities = [{"id": str(uuid.uuid4()), "name": f"Source {i} «Łódź»", "name_key": f"source {i}",
                 "sourcing": rng.choice(sourcing), "aliases": [f"S{i}"], "notes": "",
                 "created_at": now, "updated_at": now} for i in range(500)]
    with database.engine.begin() as conn:
        conn.execute(insert(AnnotatorRow), annotators)
        if attribution:
            conn.execute(insert(EntityRow), entities)
        spans: list[dict] = []
        links: list[dict] = []

        def flush() -> None:
            if spans:
                conn.execute(insert(SpanRow), spans)
                spans.clear()
            if links:
                conn.execute(insert(LinkRow), links)
                links.clear()

        for d in range(n_docs):
            text = " ".join(rng.choice(WORDS) for _ in range(900)) + f" ({d})\n"
            doc = Document.from_text(text, title=f"Article {d} — «Łódź»",
                                     source_file=f"a{d}.txt")
            conn.execute(insert(DocumentRow), [{
                "id": doc.id, "title": doc.title, "text": text, "sha256": doc.sha256,
                "source_file": doc.source_file, "outlet": "", "published": "", "url": "",
                "meta": {}, "imported_at": now}])
            first = len(spans)
            for _ in range(per_doc):
                start = rng.randrange(0, len(text) - 300)
                end = start + rng.randrange(20, 300)
                sid = str(uuid.uuid4())
                t = now + timedelta(seconds=rng.randrange(10**6), microseconds=rng.randrange(10**6))
                spans.append({"id": sid, "document_id": doc.id,
                              "annotator_id": rng.choice(annotators)["id"], "start": start,
                              "end": end, "text": text[start:end],
                              "note": rng.choice(NOTES) if rng.random() < 0.33 else "",
                              "labels": {"stance": rng.choice(stance),
                                         "target": rng.choice(TARGETS),
                                         "sourcing": rng.choice(sourcing),
                                         "reliability": rng.choice("ABCDEF"),
                                         "credibility": rng.choice("123456")},
                              "created_at": t, "updated_at": t})
            if attribution:
                links += attribute(rng, spans[first:], entities)
            if len(spans) >= BATCH:
                flush()
        flush()
    database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--keep", metavar="DIR", help="build (or reuse) the database here")
    parser.add_argument("--attribution", action="store_true",
                        help="spans with roles, links and registry entities")
    parser.add_argument("--tiny", action="store_true",
                        help="400 spans, targets not checked (the suite's smoke test)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.spans, args.documents = 400, 4
    folder = Path(args.keep or tempfile.mkdtemp(prefix="stancedesk-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"export-{args.spans}{'-attribution' * args.attribution}.sqlite"
    print(machine())
    if not db.exists():
        t0 = time.perf_counter()
        build(db, args.spans, args.documents, args.attribution)
        print(f"built {args.spans:,} spans{' with links' * args.attribution} in "
              f"{args.documents:,} documents in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
    ok = True
    rows = []
    for fmt, name in (("csv", "spans.csv"), ("parquet", "spans.parquet")):
        out = folder / name
        seconds, cpu, peak, _ = run_with_peak(
            [sys.executable, "-m", "stancedesk", "--db", str(db), "export", "annotations",
             "--format", fmt, "-o", str(out)])
        passed = seconds < TARGET_SECONDS and peak < TARGET_MB
        ok &= passed
        rows.append([f"export {args.spans:,} realistic spans"
                     f"{' with links' * args.attribution}, {fmt}", f"{seconds:.2f} s",
                     f"{cpu:.2f} s", f"{peak:.0f} MB", f"{out.stat().st_size / 1e6:.0f} MB",
                     f"< {TARGET_SECONDS:.0f} s, < {TARGET_MB:.0f} MB", verdict(passed)])
    print(table(["workload", "wall time", "CPU time", "peak memory", "file", "target",
                 "verdict"], rows))
    return conclude(ok, args.tiny)


if __name__ == "__main__":
    sys.exit(main())
