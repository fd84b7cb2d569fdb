"""Concurrent writers lose nothing and fail nothing; races end cleanly on both back-ends.

Sized for CI (two cores, seconds): two SQLite writer processes for a couple of seconds, twenty
writers on one database, and the three races the issue found on PostgreSQL (a new annotator's
first span from ten writers, two annotation imports at once, one corpus imported twice at once).
Each writer has its own engine and connections, as separate desks would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from stancedesk.services import corpus, formats_registry
from stancedesk.services import spans as span_service
from stancedesk.services.exchange import AnnotationImportReport
from stancedesk.storage.engine import Database

T = TypeVar("T")
TEXT = "".join(f"Word{i:03d} " for i in range(400)) + "\n"


def _article(db: Database, folder: Path, text: str = TEXT, name: str = "a.txt") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    report = corpus.import_paths(db, [folder / name])
    return (report.added or [d for d in corpus.list_documents(db)])[0].id


def _all_at_once(db: Database, n: int, work: Callable[[Database, int], T]) -> list[T]:
    """Run ``work(own_database, i)`` in ``n`` threads released together; re-raise any error."""
    barrier = threading.Barrier(n)
    results: list[T | None] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        own = Database(db.location)
        try:
            barrier.wait()
            results[i] = work(own, i)
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, f"{len(errors)} writer(s) failed, first: {errors[0]!r}"
    return [r for r in results if r is not None]


WRITER = textwrap.dedent("""
    import json, sys, time
    from stancedesk.services import spans as span_service
    from stancedesk.services.project import open_database

    db = open_database(sys.argv[1], seed_sample=False)
    doc, name, seconds = sys.argv[2], sys.argv[3], float(sys.argv[4])
    errors = 0
    i = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            span = span_service.create_span(db, doc, name, i % 300, i % 300 + 6,
                                           {"stance": "favor"})
            # a read-then-write (the desk's key press): deferred, this hit BUSY_SNAPSHOT
            after = span_service.update_labels(db, span.id, {"credibility": str(i % 6 + 1)},
                                               expected_version=span.version).after
            print(json.dumps([after.id, dict(after.labels)]), flush=True)
        except Exception as exc:  # counted: the test demands none
            errors += 1
            print(json.dumps(["error", repr(exc)]), flush=True)
        i += 1
    db.dispose()
""")


@pytest.mark.sqlite_only
def test_two_sqlite_writer_processes_save_everything(db: Database, tmp_path: Path) -> None:
    doc = _article(db, tmp_path / "corpus")
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, str(script), db.url, doc, name, "2.5"],
                              stdout=subprocess.PIPE, text=True) for name in ("ana", "ben")]
    reported: dict[str, dict[str, str]] = {}
    errors: list[str] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        for line in out.splitlines():
            first, second = json.loads(line)
            if first == "error":
                errors.append(second)
            else:
                reported[first] = second
    assert errors == [], f"{len(errors)} failed saves, e.g. {errors[:3]}"
    stored = {s.id: dict(s.labels) for s in span_service.list_spans(db)}
    assert len(reported) > 20, "the writers should have overlapped for a while"
    assert reported.items() <= stored.items(), "every reported save is stored as reported"
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_twenty_writers_lose_nothing(db: Database, tmp_path: Path) -> None:
    doc = _article(db, tmp_path / "corpus")

    def write(own: Database, i: int) -> list[tuple[str, dict[str, str]]]:
        saved = []
        for k in range(6):
            span = span_service.create_span(own, doc, f"writer{i:02d}", (i * 7 + k) % 300,
                                            (i * 7 + k) % 300 + 5, {"stance": "against"})
            after = span_service.update_labels(own, span.id, {"sourcing": "expert"},
                                               expected_version=span.version).after
            assert after is not None
            saved.append((after.id, dict(after.labels)))
        return saved

    saved = dict(pair for batch in _all_at_once(db, 20, write) for pair in batch)
    assert len(saved) == 120
    stored = {s.id: dict(s.labels) for s in span_service.list_spans(db)}
    assert stored == saved
    assert len(span_service.list_annotator_names(db)) == 20


def test_a_new_annotators_first_span_from_ten_writers(db: Database, tmp_path: Path) -> None:
    doc = _article(db, tmp_path / "corpus")
    spans = _all_at_once(db, 10, lambda own, i: span_service.create_span(
        own, doc, "newcomer", i * 8, i * 8 + 7, {"stance": "neutral"}))
    assert len({s.id for s in spans}) == 10
    assert span_service.list_annotator_names(db) == ["newcomer"]
    assert span_service.spans_per_annotator(db) == {"newcomer": 10}


def _span_csv(path: Path, doc: str, annotator: str, starts: range) -> Path:
    rows = ["document_id,annotator,start,end,text,stance"]
    rows += [f"{doc},{annotator},{s},{s + 7},{TEXT[s:s + 7]},favor" for s in starts]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_two_annotation_imports_at_once(db: Database, tmp_path: Path) -> None:
    doc = _article(db, tmp_path / "corpus")
    files = [_span_csv(tmp_path / "a.csv", doc, "importer", range(0, 800, 8)),
             _span_csv(tmp_path / "b.csv", doc, "importer", range(800, 1600, 8)),
             _span_csv(tmp_path / "c.csv", doc, "twice", range(0, 400, 8))]
    jobs = [files[0], files[1], files[2], files[2]]  # the last file twice, at the same moment
    reports = _all_at_once(db, 4, lambda own, i: formats_registry.import_annotations(
        own, jobs[i]))
    assert sorted(r.added for r in reports) == [0, 50, 100, 100]
    assert sorted(r.unchanged for r in reports) == [0, 0, 0, 50], \
        "the second import of the same file finds the first one's spans"
    assert span_service.spans_per_annotator(db) == {"importer": 200, "twice": 50}


def test_one_corpus_imported_twice_at_once(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(12):
        (folder / f"{i:02d}.txt").write_text(f"Article {i}: " + TEXT[: 200 + i], encoding="utf-8")
    reports = _all_at_once(db, 2, lambda own, i: corpus.import_paths(own, [folder]))
    assert sum(len(r.added) for r in reports) == 12, "each article is stored exactly once"
    assert sum(len(r.added) + len(r.duplicates) for r in reports) == 24
    assert corpus.count_documents(db) == 12


@pytest.mark.sqlite_only
def test_a_write_waits_for_the_lock_then_gives_up_with_advice(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write waits past one busy timeout for another program's lock (SQLite's waiting is
    unfair, so one attempt may lose to others); held for good, it is a StorageError."""
    import sqlite3
    import time

    from stancedesk.storage import engine
    from stancedesk.storage.errors import StorageError

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 150)
    monkeypatch.setattr(engine, "WRITE_WAIT_S", 1.0)
    assert db.location.path is not None
    own = Database(db.location)  # connects with the patched timeout
    holder = sqlite3.connect(db.location.path, isolation_level=None, check_same_thread=False)
    try:
        holder.execute("BEGIN IMMEDIATE")
        releaser = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
        releaser.start()
        started = time.monotonic()
        assert span_service.ensure_annotator(own, "patient") == "patient"
        assert time.monotonic() - started >= 0.3, "it waited for the lock"
        releaser.join()
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match="busy in another program"):
            span_service.ensure_annotator(own, "impatient")
    finally:
        holder.close()
        own.dispose()
    assert span_service.list_annotator_names(db) == ["patient"]


def _gated_import(db: Database, csv: Path, while_checking: Callable[[], None]
                  ) -> AnnotationImportReport:
    """Import ``csv``, running ``while_checking`` once in the middle of its checks (from its
    progress callback, so the import is provably under way and not yet committed)."""
    calls: list[int] = []

    def progress(done: int, _total: int, _message: str) -> None:
        if not calls:
            calls.append(done)
            while_checking()

    return formats_registry.import_annotations(db, csv, progress=progress)


def test_a_desk_saves_while_a_long_import_is_checked(
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's write path does not wait for an import's checks: its save returns while the
    import is still going (the import waits for it), in a small fraction of the import's time,
    and both are whole afterwards. Before the import was checked apart from the write lock,
    the desk waited for the import's commit: here that is a deadlock the timeouts end."""
    import time

    from stancedesk.storage import engine

    monkeypatch.setattr(engine, "WRITE_WAIT_S", 3.0)  # a blocked desk fails fast, not in 15 s
    doc = _article(db, tmp_path / "corpus")
    csv = _span_csv(tmp_path / "big.csv", doc, "importer", range(0, 3000))
    importing, saved = threading.Event(), threading.Event()
    waits: list[float] = []
    errors: list[BaseException] = []

    def desk() -> None:
        own = Database(db.location)
        try:
            assert importing.wait(60), "the import never started"
            started = time.monotonic()
            span_service.create_span(own, doc, "desk", 3, 9, {"stance": "against"},
                                     document_text=TEXT)
            waits.append(time.monotonic() - started)
        except BaseException as exc:  # re-raised below
            errors.append(exc)
        finally:
            saved.set()
            own.dispose()

    def while_checking() -> None:
        importing.set()
        assert saved.wait(60), "the desk never finished its save"

    thread = threading.Thread(target=desk)
    thread.start()
    started = time.monotonic()
    report = _gated_import(db, csv, while_checking)
    took = time.monotonic() - started
    thread.join(60)
    assert not errors, f"the desk's save failed during the import: {errors[0]!r}"
    assert report.added == 3000
    assert waits[0] < 1.0 and waits[0] < took / 2, (waits[0], took)
    assert span_service.spans_per_annotator(db) == {"importer": 3000, "desk": 1}


def test_a_document_deleted_while_an_import_is_checked_stores_nothing(
        db: Database, tmp_path: Path) -> None:
    """What the checks saw can change before the short store: the store then refuses with one
    line, and nothing of the import is kept."""
    from stancedesk.formats.errors import FormatError
    from stancedesk.services import documents as document_service

    doc = _article(db, tmp_path / "corpus")
    other = _article(db, tmp_path / "corpus", TEXT.replace("Word", "Term"), "b.txt")
    rows = [f"{other},importer,0,7,{TEXT.replace('Word', 'Term')[:7]},favor"]  # checked first
    rows += [f"{doc},importer,{s},{s + 7},{TEXT[s:s + 7]},favor" for s in range(0, 2000, 8)]
    csv = tmp_path / "two.csv"
    csv.write_text("document_id,annotator,start,end,text,stance\n" + "\n".join(rows) + "\n",
                   encoding="utf-8")
    own = Database(db.location)
    try:
        with pytest.raises(FormatError, match="changed while this file was being checked"):
            _gated_import(db, csv, lambda: document_service.delete_documents(own, [other]))
    finally:
        own.dispose()
    assert span_service.spans_per_annotator(db) == {}
    assert span_service.list_annotator_names(db) == []
