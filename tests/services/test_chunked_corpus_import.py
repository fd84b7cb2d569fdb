"""A corpus import stores its documents in chunks hidden until one small commit publishes them:
readers see none of them before and all after, a desk saving meanwhile never waits long, a
cancel or a kill leaves no document visible and the next opening cleans up, and the same corpus
imported twice at once is stored once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from stancedesk.domain.errors import Cancelled
from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.storage import document_import
from stancedesk.storage.engine import Database
from tests.services.killed_midway import kill_midway, killed_script
from tests.services.saving_desk import SavingDesk

TEXT = "Officials said the talks went well, sources said.\n"
BODY = "The envoy said the border would reopen next week, officials added. " * 40


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of about two articles: a corpus of a few hundred takes a hundred commits."""
    monkeypatch.setattr(document_import, "FIRST_CHARS", 6_000)
    monkeypatch.setattr(document_import, "MIN_CHARS", 6_000)
    monkeypatch.setattr(document_import, "MAX_CHARS", 6_000)


def _articles(path: Path, n: int, first: int = 0) -> Path:
    """``n`` articles of about 2.7 KB as one JSONL file."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(first, first + n):
            out.write(json.dumps({"title": f"Report {i}", "text": f"Report {i}. {BODY}\n",
                                  "source_file": f"r{i:05d}"}) + "\n")
    return path


def _doc(db: Database, tmp_path: Path) -> str:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    return corpus.import_paths(db, [tmp_path / "a.txt"]).added[0].id


def _all_documents(db: Database) -> int:
    """Documents in the table, hidden ones included (what no reader may show)."""
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM documents")).scalar_one())


def _corpus_imports(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return [str(state) for (state,) in conn.execute(text(
            "SELECT state FROM imports WHERE kind = 'corpus' ORDER BY started_at"))]


def test_readers_see_no_document_until_the_publish_then_all(
        db: Database, db_url: str, tmp_path: Path, small_chunks: None) -> None:
    doc = _doc(db, tmp_path)
    path = _articles(tmp_path / "news.jsonl", 200)
    reader = open_database(db_url, seed_sample=False)  # another connection, as a desk's
    seen: list[tuple[Any, ...]] = []

    def look() -> bool:  # asked once while reading, then between the chunks stored
        seen.append(([d.id for d in corpus.list_documents(reader)],
                     corpus.count_documents(reader), corpus.documents_matching(reader, "Report"),
                     sorted(corpus.get_texts(reader)), _all_documents(reader)))
        return False

    try:
        report = corpus.import_paths(db, [path], cancelled=look)
        assert len(report.added) == 200 and report.duplicates == []
        assert {(tuple(ids), n, frozenset(hits), tuple(texts))
                for ids, n, hits, texts, _ in seen} == {((doc,), 1, frozenset(), (doc,))}, \
            "nothing of the import shows before it is published"
        stored = [rows for *_, rows in seen]
        if db.is_sqlite:  # the chunks were committed (hidden) while the import went on
            assert len(seen) > 50 and stored == sorted(stored) and max(stored) > 150
        assert corpus.count_documents(reader) == 201
        assert len(corpus.documents_matching(reader, "Report")) == 200
        assert _corpus_imports(reader) == ["published", "published"]
    finally:
        reader.dispose()


def test_duplicates_are_reported_as_before(db: Database, tmp_path: Path,
                                           small_chunks: None) -> None:
    """Texts stored already and texts repeated within the import are duplicates, in the
    order of the files; only the new ones are stored."""
    first = corpus.import_paths(db, [_articles(tmp_path / "a.jsonl", 30)])
    assert len(first.added) == 30
    path = tmp_path / "b.jsonl"
    _articles(path, 40, first=20)
    with path.open("a", encoding="utf-8") as out:  # one article twice in the same file
        out.write(json.dumps({"title": "again", "text": f"Report 45. {BODY}\n"}) + "\n")
    report = corpus.import_paths(db, [path])
    assert [d.title for d in report.added] == [f"Report {i}" for i in range(30, 60)]
    assert [origin for origin, _ in report.duplicates] == \
        [f"{path}, line {i}" for i in (*range(1, 11), 41)]
    assert corpus.count_documents(db) == 60
    again = corpus.import_paths(db, [path])
    assert again.added == [] and len(again.duplicates) == 41
    assert _corpus_imports(db) == ["published", "published"], "nothing new: no import"


def test_a_cancel_while_storing_leaves_no_document(
        db: Database, tmp_path: Path, small_chunks: None) -> None:
    doc = _doc(db, tmp_path)
    path = _articles(tmp_path / "news.jsonl", 100)
    asked = 0

    def cancel_late() -> bool:
        """Asked once while reading; then after each chunk (SQLite: the third), or once
        before the commit (the server's one transaction)."""
        nonlocal asked
        asked += 1
        return asked > (3 if db.is_sqlite else 1)

    with pytest.raises(Cancelled, match="import cancelled; nothing was stored"):
        corpus.import_paths(db, [path], cancelled=cancel_late)
    assert [d.id for d in corpus.list_documents(db)] == [doc]
    assert _all_documents(db) == 1 and _corpus_imports(db) == ["published"]


@pytest.mark.sqlite_only
def test_a_desk_saving_meanwhile_never_waits_long_nor_fails(
        db: Database, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A desk (its own connection) saves a span every few milliseconds while a corpus import
    of 3,000 articles stores them: every save succeeds, saves land between the import's
    chunks, and none waits more than a fraction of a second."""
    monkeypatch.setattr(document_import, "FIRST_CHARS", 200_000)
    monkeypatch.setattr(document_import, "MAX_CHARS", 400_000)  # 20 chunks at least
    doc = _doc(db, tmp_path)
    path = _articles(tmp_path / "news.jsonl", 3000)
    desk = open_database(str(db_path), seed_sample=False)
    saved_between_chunks: list[int] = []
    saving = SavingDesk(desk, doc, [(i, i + 1) for i in range(40)])

    def between_chunks() -> bool:
        saved_between_chunks.append(len(saving.waits))
        return False

    with saving:
        report = corpus.import_paths(db, [path], cancelled=between_chunks)
    waits = saving.waits
    assert len(report.added) == 3000 and saving.failures == []
    assert len(saved_between_chunks) > 20
    assert saved_between_chunks[-1] > saved_between_chunks[1], \
        "the desk saved while the import was storing"
    assert max(waits) < 1.0, f"a desk save waited {max(waits):.2f} s"
    assert len(span_service.list_spans(db)) == len(waits)


_KILLED_IMPORT = killed_script(
    "from stancedesk.services import corpus\n"
    "from stancedesk.storage import document_import\n"
    "document_import.FIRST_CHARS = document_import.MIN_CHARS = "
    "document_import.MAX_CHARS = 6_000",
    # SQLite: once while reading, then after each chunk; a server: once more, before commit
    "(20 if database.is_sqlite else 2)",
    "corpus.import_paths(database, [Path(source)], cancelled=wait_to_be_killed)")


def _killed_import(db_url: str, jsonl: Path, tmp_path: Path) -> None:
    """Run a corpus import in a process and SIGKILL it in the middle of storing."""
    marker = tmp_path / "chunks-stored"

    def while_alive() -> None:  # a write-opening leaves its pending rows alone
        alive = open_database(db_url, seed_sample=False)
        assert _corpus_imports(alive) == ["published", "pending"]
        assert corpus.count_documents(alive) == 1
        alive.dispose()

    kill_midway(_KILLED_IMPORT, [db_url, str(jsonl), str(marker)], marker, while_alive)


@pytest.mark.parametrize("cleaner", ["next write-opening", "next import"])
def test_a_killed_import_shows_no_document_and_is_cleaned_up(
        db: Database, db_url: str, tmp_path: Path, cleaner: str) -> None:
    doc = _doc(db, tmp_path)
    path = _articles(tmp_path / "news.jsonl", 300)
    _killed_import(db_url, path, tmp_path)
    if db.is_sqlite:
        assert _all_documents(db) > 20, "chunks were committed before the kill"
    assert [d.id for d in corpus.list_documents(db)] == [doc]
    assert corpus.documents_matching(db, "Report") == set()
    assert _corpus_imports(db) == ["published", "pending"]
    if cleaner == "next import":
        report = corpus.import_paths(db, [path])
        assert len(report.added) == 300 and report.duplicates == []
        assert _all_documents(db) == 301
        assert _corpus_imports(db) == ["published", "published"]
    else:
        open_database(db_url, seed_sample=False).dispose()
        assert _all_documents(db) == 1 and _corpus_imports(db) == ["published"]


_RACER = """
import json, sys, time
from pathlib import Path
from stancedesk.services import corpus
from stancedesk.services.project import open_database
from stancedesk.storage import document_import
document_import.FIRST_CHARS = document_import.MIN_CHARS = document_import.MAX_CHARS = 6_000
db, jsonl, ready, start = sys.argv[1:]
database = open_database(db, seed_sample=False)
Path(ready).touch()
while not Path(start).exists():
    time.sleep(0.001)
report = corpus.import_paths(database, [Path(jsonl)])
print(json.dumps([len(report.added), len(report.duplicates)]))
"""


def test_one_corpus_imported_twice_at_once_by_two_processes(
        db: Database, db_url: str, tmp_path: Path) -> None:
    """Two processes import the same articles at the same moment, in chunks: each article is
    stored once, the other import reports it as a duplicate, and neither fails."""
    _doc(db, tmp_path)
    path = _articles(tmp_path / "news.jsonl", 150)
    start = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(2)]
    procs = [subprocess.Popen([sys.executable, "-c", _RACER, db_url, str(path), str(flag),
                               str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for flag in ready]
    deadline = time.monotonic() + 60
    while not all(flag.exists() for flag in ready):  # both opened, waiting for the start
        assert all(proc.poll() is None for proc in procs) and time.monotonic() < deadline
        time.sleep(0.01)
    start.touch()
    outcomes = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], [err for _, err in outcomes]
    assert sorted(json.loads(out) for out, _ in outcomes) == [[0, 150], [150, 0]]
    assert corpus.count_documents(db) == 151 and _all_documents(db) == 151
