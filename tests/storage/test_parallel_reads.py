"""Reading on several connections at once: one snapshot, chunks handed out in order, readers
stopped when the consumer stops, errors raised where the chunk's turn comes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

import pytest

from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.storage import parallel_reads
from stancedesk.storage.engine import Database


def _reading_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("stancedesk-read")]


def test_chunks_come_in_order_whichever_reader_is_ahead() -> None:
    """Reader 0 may not start its first chunk before reader 1 has finished its own: chunk 1
    is then complete before chunk 0 begins, and still comes out after it."""
    ahead = threading.Event()

    def produce(reader: int, chunk: int) -> Iterator[tuple[int, int]]:
        if chunk == 0:
            assert ahead.wait(10)
        for part in range(chunk % 3 + 1):
            yield chunk, part
        if chunk == 1:
            ahead.set()

    items = list(parallel_reads.ordered_chunks([0, 1], list(range(7)), produce, depth=4))
    assert items == [(c, p) for c in range(7) for p in range(c % 3 + 1)]
    assert not _reading_threads()


def test_a_readers_error_is_raised_at_its_chunks_turn() -> None:
    def produce(reader: int, chunk: int) -> Iterator[int]:
        if chunk == 3:
            raise sqlite3.OperationalError("disk I/O error")
        yield chunk

    got: list[int] = []
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        for item in parallel_reads.ordered_chunks([0, 1], list(range(6)), produce, depth=1):
            got.append(item)
    assert got == [0, 1, 2]
    assert not _reading_threads()


def test_closing_early_stops_the_readers() -> None:
    """A cancelled export closes the generator: readers blocked on a full queue must end."""
    closed: list[int] = []

    def produce(reader: int, chunk: int) -> Iterator[int]:
        try:
            yield from range(1000)
        finally:
            closed.append(chunk)

    items = parallel_reads.ordered_chunks([0, 1], list(range(10)), produce, depth=2)
    assert next(items) == 0
    items.close()
    assert not _reading_threads()
    assert 0 in closed and 1 in closed  # the reader's own generators were closed too


def test_one_reader_reads_in_this_thread() -> None:
    seen: list[str] = []

    def produce(reader: str, chunk: int) -> Iterator[int]:
        seen.append(threading.current_thread().name)
        yield chunk

    assert list(parallel_reads.ordered_chunks(["only"], [0, 1, 2], produce, 1)) == [0, 1, 2]
    assert set(seen) == {threading.current_thread().name}


@pytest.mark.sqlite_only
def test_readers_share_one_snapshot(db: Database, tmp_path) -> None:
    """Two readers see the same committed state, and a commit made after they opened is seen
    by neither, while the session's own connection is left alone."""
    (tmp_path / "a.txt").write_text("One article, said officials.\n", encoding="utf-8")
    corpus.import_paths(db, [tmp_path / "a.txt"])
    doc = corpus.list_documents(db)[0]
    span_service.create_span(db, doc.id, "ana", 0, 3, {})
    with db.read() as session:
        own = session.connection().connection.driver_connection
        with parallel_reads.snapshot_readers(session, 2) as readers:
            assert len(readers) == 2 and own not in readers and readers[0] is not readers[1]
            span_service.create_span(db, doc.id, "ana", 4, 11, {})
            counts = [r.execute("SELECT count(*) FROM spans").fetchone()[0] for r in readers]
            assert counts == [1, 1]
        with parallel_reads.snapshot_readers(session, 1) as readers:
            assert readers == [own]
    with db.read() as session, parallel_reads.snapshot_readers(session, 2) as readers:
        assert [r.execute("SELECT count(*) FROM spans").fetchone()[0] for r in readers] == [2, 2]


@pytest.mark.sqlite_only
def test_no_shared_snapshot_while_another_program_holds_the_write_lock(db: Database) -> None:
    assert db.location.path is not None
    writer = sqlite3.connect(db.location.path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        with db.read() as session:
            own = session.connection().connection.driver_connection
            with parallel_reads.snapshot_readers(session, 2) as readers:
                assert readers == [own]
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    with db.read() as session, parallel_reads.snapshot_readers(session, 2) as readers:
        assert len(readers) == 2  # the lock is free again, and its busy timeout is restored
        assert readers[0].execute("PRAGMA busy_timeout").fetchone()[0] > 0


@pytest.mark.sqlite_only
def test_document_chunks_cover_the_selection_in_order(db: Database, tmp_path) -> None:
    for i in range(5):
        (tmp_path / f"{i}.txt").write_text(f"Article {i}: officials said things.\n",
                                           encoding="utf-8")
    corpus.import_paths(db, [tmp_path])
    ids = sorted(d.id for d in corpus.list_documents(db))
    for k, doc_id in enumerate(ids):
        for j in range(k + 1):
            span_service.create_span(db, doc_id, "ana", j, j + 3, {})
    with db.read() as session:
        connection = session.connection().connection.driver_connection
        chunks = parallel_reads.document_chunks(connection, None, 3)
        assert chunks[0][0] is None and chunks[-1][1] is None
        assert [c[1] for c in chunks[:-1]] == [c[0] for c in chunks[1:]]
        assert len(chunks) == 4  # 1+2 | 3 | 4 | 5 spans
        some = parallel_reads.document_chunks(connection, ids[3:], 1)
        assert some == [(None, ids[4]), (ids[4], None)]


def test_a_second_reader_only_on_a_spare_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel_reads.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(parallel_reads.os, "getloadavg", lambda: (0.7, 1.0, 1.1))
    assert parallel_reads.useful_readers(2) == 2
    monkeypatch.setattr(parallel_reads.os, "getloadavg", lambda: (6.5, 7.0, 7.2))
    assert parallel_reads.useful_readers(2) == 1

    def none() -> tuple[float, float, float]:
        raise OSError("no load average here")

    monkeypatch.setattr(parallel_reads.os, "getloadavg", none)
    assert parallel_reads.useful_readers(2) == 2
