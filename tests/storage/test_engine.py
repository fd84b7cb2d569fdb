"""Killing the program loses nothing that was reported as saved (WAL, a commit per change), and
leaves every import whole or absent."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database

WRITER = textwrap.dedent("""
    import sys
    from stancedesk.services import corpus
    from stancedesk.services import spans as span_service
    from stancedesk.services.project import open_database

    db = open_database(sys.argv[1], seed_sample=False)
    doc = corpus.list_documents(db)[0].id
    i = 0
    while True:  # label until killed, reporting each span once its commit has returned
        span = span_service.create_span(db, doc, "alice", i % 50, i % 50 + 5,
                                       {"stance": "favor"})
        print(span.id, flush=True)
        i += 1
""")


def test_sigkill_mid_session_loses_no_reported_span(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    (tmp_path / "a.txt").write_text("An article long enough to hold a few dozen spans. " * 3,
                                    encoding="utf-8")
    database = open_database(str(path), seed_sample=False)
    corpus.import_paths(database, [tmp_path / "a.txt"])
    database.dispose()
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    with subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE,
                          text=True) as proc:
        assert proc.stdout is not None
        # killed after a random number of saves (the writer keeps writing meanwhile)
        reported = [proc.stdout.readline().strip() for _ in range(random.randrange(50, 250))]
        os.kill(proc.pid, signal.SIGKILL)  # no clean-up, no checkpoint, mid-write
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    database = open_database(str(path), seed_sample=False)
    try:
        stored = {s.id for s in span_service.list_spans(database)}
    finally:
        database.dispose()
    assert all(reported), "the writer stopped reporting before it was killed"
    assert set(reported) <= stored


IMPORTER = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from stancedesk.services import corpus, formats_registry
    from stancedesk.services.project import open_database

    db = open_database(sys.argv[1], seed_sample=False)
    work = Path(sys.argv[2])
    i = 0
    while True:  # import until killed, reporting each import once its commit has returned
        batch = work / f"batch{i}"
        batch.mkdir()
        for k in range(ARTICLES):
            (batch / f"{k}.txt").write_text(f"{work.name} batch {i} article {k}. " * 30,
                                            encoding="utf-8")
        report = corpus.import_paths(db, [batch])
        print(json.dumps(["corpus", i, sorted(d.id for d in report.added)]), flush=True)
        doc = report.added[0]
        rows = ["document_id,annotator,start,end,text,stance"]
        rows += [f"{doc.id},importer,{s},{s + 5},{doc.text[s:s + 5]},favor"
                 for s in range(0, SPANS * 6, 6)]
        (work / f"spans{i}.csv").write_text("\\n".join(rows) + "\\n", encoding="utf-8")
        added = formats_registry.import_annotations(db, work / f"spans{i}.csv").added
        print(json.dumps(["spans", i, doc.id, added]), flush=True)
        i += 1
""").replace("ARTICLES", "5").replace("SPANS", "40")


def test_sigkill_during_imports_leaves_each_import_whole_or_absent(tmp_path: Path) -> None:
    """Killed at a random moment while importing corpora and annotations, over and over: the
    file is intact, every reported import is there, and no import is there in part."""
    path = tmp_path / "p.sqlite"
    open_database(str(path), seed_sample=False).dispose()
    script = tmp_path / "importer.py"
    script.write_text(IMPORTER, encoding="utf-8")
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    reported_docs: set[str] = set()
    reported_spans: dict[str, int] = {}
    for round_ in range(3):
        work = tmp_path / f"round{round_}"
        work.mkdir()
        with subprocess.Popen([sys.executable, str(script), str(path), str(work)],
                              stdout=subprocess.PIPE, text=True) as proc:
            assert proc.stdout is not None
            for _ in range(rng.randrange(1, 6)):  # a random number of imports, then mid-way
                kind, _i, *rest = json.loads(proc.stdout.readline())
                if kind == "corpus":
                    reported_docs.update(rest[0])
                else:
                    reported_spans[rest[0]] = rest[1]
            time.sleep(rng.uniform(0, 0.05))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",), f"seed {seed}"
        texts = dict(conn.execute("SELECT id, text FROM documents").fetchall())
        spans = dict(conn.execute("SELECT document_id, count(*) FROM spans GROUP BY 1"))
    assert reported_docs <= texts.keys(), f"seed {seed}: a reported corpus import is missing"
    batches: dict[str, int] = {}
    for text in texts.values():
        batch = text.split(" article ")[0]
        batches[batch] = batches.get(batch, 0) + 1
    assert set(batches.values()) == {5}, f"seed {seed}: a corpus import is there in part"
    for doc, n in reported_spans.items():
        assert spans.get(doc) == n == 40, f"seed {seed}: a reported annotation import is missing"
    assert set(spans.values()) <= {40}, f"seed {seed}: an annotation import is there in part"
