"""One long SQLite read (an export of a million spans) on several connections at once, in order.

A CSV or Parquet export spends most of its time inside SQLite stepping through the spans in
export order; Python's ``sqlite3`` releases the GIL while SQLite steps, so two connections
reading different ranges of that order from two threads use two cores. Three things make the
result the one a single connection gives:

* **one snapshot**: every reader opens its read transaction while a short-lived connection holds
  the write lock (``BEGIN IMMEDIATE``), so no commit can fall between them and all of them see
  the same committed state; when the lock is not free at once (an import is writing) or cannot
  be taken (a read-only file, a database in memory) the read runs on one connection instead;
* **order**: the selection is cut into chunks by document (``document_chunks``), the readers
  take the chunks in turn, and ``ordered_chunks`` hands out chunk 0, 1, 2, ... whole and in
  that order, whoever read them;
* **bounded memory**: each reader may run at most ``depth`` items ahead of the consumer, so a
  fast reader waits rather than piling up a file's worth of lines.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from typing import Any, TypeVar, cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from stancedesk.storage.engine import BUSY_TIMEOUT_MS

# more readers than cores only add switching; two is what the workplace machines have
READERS = max(1, min(2, os.cpu_count() or 1))
# spans per chunk: enough that a chunk's query start costs nothing, few enough that the
# readers finish together and a reader's lead (one chunk of lines) stays a few megabytes
CHUNK_ROWS = 25_000
LOCK_WAIT_MS = 50  # how long the readers wait for the write lock before reading on one connection
_POLL_S = 0.05  # how often a waiting reader looks whether the consumer has gone

_T = TypeVar("_T")
_C = TypeVar("_C")
DocumentRange = tuple[str | None, str | None]  # [first, last) document id; None: open end


def useful_readers(most: int = READERS) -> int:
    """``most`` readers when the machine has a core to spare (1-minute load average below the
    number of cores), else 1. A second reader only helps on a free core: on two cores under a
    load of 6-7, two readers took 8-32 % longer than one (wall and CPU, three pairs back to
    back; most likely a reader preempted while it holds the GIL or SQLite's memory mutex stalls
    the other); at load 3 they took 19 % less. Without a load average (Windows): ``most``.
    """
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return most
    return most if load < (os.cpu_count() or 1) else 1


def _in_memory(engine: Engine) -> bool:
    name = engine.url.database or ""
    return name in ("", ":memory:") or "mode=memory" in name or \
        str(engine.url.query.get("mode", "")) == "memory"


@contextmanager
def snapshot_readers(session: Session, wanted: int) -> Iterator[list[Any]]:
    """DB-API connections, each in a read transaction on the same snapshot of the database:
    ``wanted`` new ones from the engine's pool, or, when ``wanted`` is 1 or the snapshot
    cannot be shared (see the module), the session's own connection alone. Temporary tables a
    caller creates on a pooled reader must be dropped by the caller."""
    own = session.connection().connection.driver_connection
    bind = session.get_bind()
    if wanted <= 1 or not isinstance(bind, Engine) or bind.dialect.name != "sqlite" or \
            _in_memory(bind):
        yield [own]
        return
    readers: list[Any] = []
    try:
        if not _open_on_one_snapshot(bind, wanted, readers):
            for reader in readers:
                reader.close()
            readers.clear()
            yield [own]
            return
        yield [reader.driver_connection for reader in readers]
    finally:
        for reader in readers:
            with suppress(sqlite3.Error):  # no transaction left: the pool resets it anyway
                reader.driver_connection.execute("ROLLBACK")
            reader.close()


def _open_on_one_snapshot(engine: Engine, wanted: int, readers: list[Any]) -> bool:
    """Open ``wanted`` readers (appended to ``readers``) while holding the write lock; False
    when the lock was not free within LOCK_WAIT_MS or cannot be had at all."""
    lock = engine.raw_connection()
    raw = lock.driver_connection
    assert raw is not None, "a pooled SQLite connection has its DB-API connection"
    try:
        raw.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # busy, read-only file or folder
            return False
        try:
            for _ in range(wanted):
                reader = engine.raw_connection()
                readers.append(reader)
                connection: Any = reader.driver_connection
                # a deferred BEGIN takes its snapshot at the first read: read now
                connection.execute("BEGIN")
                connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            raw.execute("ROLLBACK")
        return True
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        lock.close()


def document_chunks(connection: Any, documents: Sequence[str] | None,
                    rows: int) -> list[DocumentRange]:
    """The selection's documents cut into consecutive ranges of about ``rows`` spans each (a
    document is never cut: its spans stay in one chunk). Counted on the index by document
    alone, before the selection's other conditions: the chunks need to be even, not exact."""
    sql = "SELECT document_id, count(*) FROM spans"
    params: list[object] = []
    if documents is not None:
        sql += f" WHERE document_id IN ({','.join('?' * len(documents))})"
        params = list(documents)
    counts = connection.execute(sql + " GROUP BY document_id ORDER BY document_id",
                                params).fetchall()
    firsts: list[str | None] = [None]
    held = 0
    for document_id, n in counts:
        if held >= rows:
            firsts.append(document_id)
            held = 0
        held += n
    return list(zip(firsts, [*firsts[1:], None], strict=True))


def range_terms(column: str, chunk: DocumentRange) -> tuple[list[str], list[object]]:
    """The WHERE terms (and parameters) that keep ``column`` within ``chunk``."""
    first, last = chunk
    terms: list[str] = []
    params: list[object] = []
    if first is not None:
        terms.append(f"{column} >= ?")
        params.append(first)
    if last is not None:
        terms.append(f"{column} < ?")
        params.append(last)
    return terms, params


def each_reader(readers: Sequence[Any], work: Callable[[int, Any], _T]) -> list[_T]:
    """``work(i, reader)`` on every reader at once (on this thread when there is one); the
    results in reader order. The first error is raised after all have finished."""
    if len(readers) == 1:
        return [work(0, readers[0])]
    with ThreadPoolExecutor(len(readers), thread_name_prefix="stancedesk-read") as pool:
        return list(pool.map(work, range(len(readers)), readers))


_END = object()  # a reader's chunk is complete


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def ordered_chunks(readers: Sequence[Any], chunks: Sequence[_C],
                   produce: Callable[[Any, _C], Generator[_T, None, None]],
                   depth: int) -> Iterator[_T]:
    """Every item of ``produce(reader, chunk)`` for the chunks in order, reader ``i`` producing
    chunks i, i + n, i + 2n, ... in its own thread, at most ``depth`` items ahead of this
    generator. Closing the generator early stops the readers; an error in a reader is raised
    here when its chunk's turn comes."""
    if len(readers) == 1 or len(chunks) == 1:
        for chunk in chunks:
            yield from produce(readers[0], chunk)
        return
    stop = threading.Event()
    queues: list[queue.Queue[object]] = [queue.Queue(depth) for _ in readers]

    def put(box: queue.Queue[object], item: object) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def read(i: int) -> None:
        box = queues[i]
        try:
            for chunk in chunks[i::len(readers)]:
                with closing(produce(readers[i], chunk)) as items:
                    for item in items:
                        if not put(box, item):
                            return
                if not put(box, _END):
                    return
        except BaseException as exc:  # handed to the consumer, raised in its thread
            put(box, _Failed(exc))

    threads = [threading.Thread(target=read, args=(i,), name=f"stancedesk-read-{i}",
                                daemon=True) for i in range(len(readers))]
    for thread in threads:
        thread.start()
    try:
        for k in range(len(chunks)):
            box = queues[k % len(readers)]
            while (item := box.get()) is not _END:
                if isinstance(item, _Failed):
                    raise item.error
                yield cast(_T, item)
    finally:
        stop.set()
        for thread in threads:
            while thread.is_alive():  # a reader blocked on a full queue wakes up and stops
                for box in queues:
                    while not box.empty():
                        box.get_nowait()
                thread.join(_POLL_S)
