"""Killing the program loses nothing that was reported as saved (WAL, a commit per change)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
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
        reported = [proc.stdout.readline().strip() for _ in range(200)]
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
