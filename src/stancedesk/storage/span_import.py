"""Bulk span import: checked in a temporary staging table, stored in chunks hidden until published.

A million rows cannot be checked against each other in Python dictionaries and inserted one ORM
object at a time within a bounded memory: the rows that passed their own checks are staged in
batches (one ``executemany`` each), the checks that need every row at once (repeated ids, ids
already stored) run in SQL, and ``INSERT ... SELECT`` copies the staged rows into ``spans``.

An import is one connection (``staged_import``) used in two steps. Checking reads the stored
spans and documents and writes only the staging table, a TEMPORARY table private to that
connection, so it takes no write lock: on SQLite a desk keeps saving while a long file is read
and checked (a temporary table lives in its own database file), and on PostgreSQL nothing is
locked either. A refusal there stores nothing at all.

Publishing (``ImportUnit.publishing``) on SQLite never holds the write lock for long: one
statement storing a million rows held it for seconds (tens under load), and every desk save
meanwhile waited or failed. The rows go in chunks instead, each chunk one short write
transaction (``SpanStaging.store`` sizes them to take about ``CHUNK_SECONDS``, and pauses
between them so a waiting desk gets the lock), each row marked with the import's id. Every
reader hides rows whose import is still ``pending`` (``storage.visibility``), and one small
last commit (``ImportUnit.publish``: the links, then the flip to ``published``) shows them all,
so the import is still all or nothing. The annotators, entities and documents it creates are
marked and hidden the same way. A failure or a cancel while storing deletes what the chunks
committed (``storage.pending_imports.discard``); a crash leaves them pending and hidden, and
the next import or write-opening of the database deletes them.

On a server the rows go in one transaction (``Publication.chunked`` is False): PostgreSQL's
MVCC keeps readers and writers unblocked by an open transaction. Only the pending import's
record and its ``early`` step (the annotators it creates) are committed first, on their own:
an uncommitted new annotator name would make a desk that starts labelling under the same
name wait for the whole import (the unique name), so it is committed, hidden like the rest,
and a desk that takes it up makes it its own. A crash leaves only those few hidden rows,
deleted by the next import or write-opening. A dry run is one transaction from the start,
rolled back, on a server; on SQLite the annotation import's and the bundle merge's store in
hidden chunks like the real thing and delete them at the end (``dry_run_in_chunks``).

Imports are serialised among themselves for their whole length (a lock file next to a SQLite
database, a session advisory lock on a server): the second import of one file must see the
first one's spans, or both would add them; and the lock tells whether a pending import's
process is still alive. A desk save that lands while an import is being checked is simply
ordered before it: the import adds what it would have added had it run first.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Connection, Dialect, Transaction
from sqlalchemy.orm import Session

from stancedesk.domain import Span
from stancedesk.domain.attribution import LinkEnd, SpanRole
from stancedesk.storage import pending_imports as pending
from stancedesk.storage.engine import BUSY_TIMEOUT_MS, WRITE_OPTION, Database
from stancedesk.storage.errors import StorageError, translate_errors
from stancedesk.storage.pending_imports import CHUNK_PAUSE_S
from stancedesk.storage.repositories import IMPORT_LOCK, create_annotators
from stancedesk.storage.tables import AnnotatorRow, SpanRow
from stancedesk.storage.types import UTCDateTime

_staging = Table(
    "stancedesk_span_staging", MetaData(),
    Column("seq", Integer, primary_key=True),  # arrival order
    Column("line", Integer, nullable=False),  # where the record is in its file, for messages
    Column("id", String(36), nullable=False),
    Column("given_id", Boolean, nullable=False),  # False: a new id was made for it
    Column("document_id", String(36), nullable=False),
    Column("annotator", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("labels", JSON, nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("skip", Boolean, nullable=False),  # already stored: not copied
    Column("role", String(20), nullable=True),
    Column("entity_id", String(36), nullable=True),
    prefixes=["TEMPORARY"],  # private to the import's connection; not in the write lock
)
_spans = SpanRow.__table__
IMPORT_WAIT_S = 300.0  # how long an import waits for another import to finish
PUBLISH_CACHE_KIB = 65_536  # SQLite page cache while an import stores its rows (64 MiB)
# a chunk of spans is one write transaction: sized (by the last chunk's pace) to hold the lock
# about CHUNK_SECONDS, so a desk save waits at most about that long
CHUNK_SECONDS = 0.1
FIRST_CHUNK, MIN_CHUNK, MAX_CHUNK = 5_000, 500, 50_000
MAX_COUNTED = 100_000  # (document, annotator) pairs counted while staging
RESTART_WAIT_MS = 50  # how long a chunk's RESTART checkpoint waits for a desk's save to end
log = logging.getLogger(__name__)


def _same(value: Any) -> Any:
    return value


def _processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """The conversion SQLAlchemy applies to a bound value of ``column`` on ``dialect``."""
    return column.type.dialect_impl(dialect).bind_processor(dialect) or _same


def _sqlite_time(value: datetime) -> str:
    """A time as SQLAlchemy's SQLite DateTime stores it: naive UTC, always with microseconds."""
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # without any "+00:00"


_annotators = AnnotatorRow.__table__


@contextmanager
def _transaction(connection: Connection) -> Iterator[Session]:
    """One transaction on the import's own connection, with a session over it (flushed before
    the commit; committed objects stay readable)."""
    with connection.begin():
        session = Session(bind=connection, expire_on_commit=False)
        try:
            yield session
            session.flush()
        finally:
            session.close()


class Publication:
    """The write side of one import: every row it stores carries ``import_id`` and stays
    hidden until ``publish`` (see the module's note).

    Chunked (SQLite): each ``step`` is its own short write transaction, committed at its end;
    a failure anywhere discards what the steps committed. Not chunked (a server, or a dry run):
    the steps share one transaction, begun by the first, that commits (or rolls back) at the
    end. ``early`` is for what another writer may meet while the import runs."""

    def __init__(self, connection: Connection, chunked: bool,
                 checkpoint: Callable[[], Any] | None = None) -> None:
        self.connection = connection  # the unit's connection, with the write option
        self.chunked = chunked
        self.import_id = str(uuid.uuid4())
        self.committed_at = 0.0  # when the last step committed (time.perf_counter)
        self._session: Session | None = None  # the one transaction's, when not chunked
        self._checkpoint = checkpoint
        self._one: Transaction | None = None

    def _begin_one(self) -> Session:
        self._one = self.connection.begin()
        self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

    def _end_one(self, commit: bool) -> None:
        """Commit (or roll back) the one transaction, if a step began it."""
        session, transaction, self._session, self._one = self._session, self._one, None, None
        if session is None or transaction is None:
            return
        try:
            if commit:
                session.flush()
                transaction.commit()
        finally:
            if transaction.is_active:  # not committed, or the commit failed
                transaction.rollback()
            session.close()

    @contextmanager
    def step(self) -> Iterator[Session]:
        """A write transaction for a bounded piece of the import (a chunk of rows)."""
        if not self.chunked:
            session = self._session or self._begin_one()
            yield session
            session.flush()
            return
        with _transaction(self.connection) as session:
            yield session
        self.committed_at = time.perf_counter()
        if self._checkpoint is not None:  # after the commit: the lock is free meanwhile
            self._checkpoint()
        time.sleep(CHUNK_PAUSE_S)  # a desk waiting for the lock takes it now, not later

    @contextmanager
    def early(self) -> Iterator[Session]:
        """A step committed at once on every back-end (before any other step), for rows that
        another writer may meet while the import runs: the annotators it creates, whose
        unique names a desk may start labelling under. In a server's one transaction they
        would stay uncommitted, and a desk saving a span under the same name would wait for
        the whole import. Committed, they are marked and hidden like every row of the import
        (and a desk that takes one up makes it its own: ``repositories.ensure_annotator``).
        In a dry run (one transaction from the start, rolled back) it is an ordinary step."""
        if self._session is not None:
            with self.step() as session:
                yield session
            return
        with _transaction(self.connection) as session:
            yield session
        if self.chunked:
            time.sleep(CHUNK_PAUSE_S)


class _StepCheckpoints:
    """A chunked publication's WAL checkpoints, run after each step's commit instead of by it.

    SQLite's automatic checkpoint runs inside the COMMIT that fills the WAL past its mark (a
    quarter of a chunk's CPU, more of its wall time: the checkpoint syncs the files), so a
    chunk's measured time held the checkpoint too, though the write lock is free by then:
    chunks were sized for it as well and came out smaller. A chunk rewrites nearly one page
    of the id index per row (the ids are random), so smaller chunks cost more CPU: 1M rows in
    chunks of 1,500 took 30 s of CPU to store, in chunks of 5,000 22 s. The checkpoint is the
    same PASSIVE one, right after the commit; a desk write may take the lock meanwhile.

    A PASSIVE checkpoint alone let the WAL grow without end while a desk saved: SQLite starts
    the WAL over only at a write whose transaction began when every frame was already copied,
    and a desk waiting for the lock takes it right after the import's commit, so its save
    overlaps the import's checkpoint and leaves a few frames uncopied at the import's next
    chunk, every chunk. The WAL then reached 3.2 GB for 1M rows, and each chunk ran at half the
    pace (4,000 rows per 0.1 s instead of 8,000; 57 s of CPU instead of 36 s for the import).
    So after a PASSIVE checkpoint that copied everything, a RESTART one follows: it waits (up
    to ``RESTART_WAIT_MS``) for a desk's save in progress to end, copies its frames too, and
    leaves the WAL to be started over by the next write. It holds the write lock while it
    copies what the desk wrote since (a few pages) and while it waits, up to the same 50 ms,
    for readers still on the WAL to finish: a desk saving then waits that much longer."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.pages = int(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        raw.execute("PRAGMA wal_autocheckpoint = 0")
        self._restored = False

    def run(self) -> None:
        if self._restored:
            return
        busy, frames, copied = self.raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if busy or copied != frames:  # another checkpoint, or a reader of an older snapshot
            return  # (an agreement read, say): not worth holding the write lock to wait for
        self.raw.execute(f"PRAGMA busy_timeout = {RESTART_WAIT_MS}")
        try:
            self.raw.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        finally:
            self.raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def restore(self) -> None:
        if not self._restored:
            self._restored = True
            try:
                self.raw.execute(f"PRAGMA wal_autocheckpoint = {self.pages}")
            except sqlite3.Error:  # a broken connection: the pool drops it with its setting
                log.warning("could not restore wal_autocheckpoint", exc_info=True)


class ImportUnit:
    """One import's connection: ``checking`` transactions (reads, and writes to the staging
    table only), then ``publishing``, which stores everything or nothing."""

    def __init__(self, database: Database, connection: Connection) -> None:
        self.database, self.connection = database, connection

    @contextmanager
    def checking(self) -> Iterator[Session]:
        with _transaction(self.connection) as session:
            yield session

    @contextmanager
    def publishing(self, kind: str, source: str, *,
                   dry_run_in_chunks: bool = False) -> Iterator[Publication]:
        """The write side: the caller stores its rows in ``step``s of the publication it gets
        and ends with ``publish``. On SQLite (when it commits at all) the steps commit one by
        one; on a server they share one transaction. Either way the pending import is
        recorded first in a commit of its own (with whatever the caller's ``early`` step
        adds), and a failure discards what was committed. A dry run is one transaction from
        the start (BEGIN IMMEDIATE on SQLite, waiting for the lock like any write), rolled
        back instead of committed; with ``dry_run_in_chunks`` a dry run on SQLite stores in
        hidden chunks like the real import instead (its last step is rolled back, and what the
        chunks stored is discarded), so a preview of a long import blocks no desk for longer
        than a chunk. Only a caller whose last step is ``publish`` may ask for it."""
        conn = self.connection.execution_options(**{WRITE_OPTION: True})
        raw = conn.connection.dbapi_connection if self.database.is_sqlite else None
        dry = not self.database.commits
        chunked = self.database.is_sqlite and (not dry or dry_run_in_chunks)
        if raw is not None:  # the store touches five b-trees at random: a bigger page cache
            cache = raw.execute("PRAGMA cache_size").fetchone()[0]  # shortens the lock by ~1/4
            raw.execute(f"PRAGMA cache_size = -{PUBLISH_CACHE_KIB}")
        checkpoints = _StepCheckpoints(raw) if raw is not None and chunked else None
        publication = Publication(conn, chunked=chunked,
                                  checkpoint=checkpoints.run if checkpoints else None)
        try:
            if dry and not chunked:
                publication._begin_one()
                try:
                    pending.begin(conn, publication.import_id, kind, source)
                    yield publication
                finally:
                    publication._end_one(commit=False)
                return
            with publication.early():
                pending.begin(conn, publication.import_id, kind, source)
            try:
                yield publication
                if dry:  # the chunks were only for the report: nothing stays
                    self._discard(publication.import_id)
                publication._end_one(commit=True)
            except BaseException:
                publication._end_one(commit=False)
                if checkpoints is not None:  # the discard's commits checkpoint as usual
                    checkpoints.restore()
                self._discard(publication.import_id)
                raise
        finally:
            if not self.connection.invalidated:
                self.connection.execution_options(**{WRITE_OPTION: False})  # (in place)
                if raw is not None:
                    raw.execute(f"PRAGMA cache_size = {int(cache)}")
                if checkpoints is not None:
                    checkpoints.restore()

    def _discard(self, import_id: str) -> None:
        """Delete what a failed chunked import committed; if even that fails (the disk, the
        connection), the import stays pending and hidden, and the next import or write-opening
        of the database deletes it."""
        try:
            pending.discard(self.connection, import_id)
        except Exception:
            log.warning("could not discard the failed import %s now; it stays hidden and is "
                        "discarded by the next import", import_id, exc_info=True)

    @contextmanager
    def last_step(self, publication: Publication) -> Iterator[Session]:
        """The import's last write transaction, the one that publishes it (the caller flips
        the state in it: ``pending.publish``): a ``step``, except in a dry run stored in
        chunks, where it is rolled back (what it would show was only for the report)."""
        if publication.chunked and not self.database.commits:
            with self.connection.begin() as transaction:
                session = Session(bind=self.connection, expire_on_commit=False)
                try:
                    yield session
                    session.flush()
                finally:
                    session.close()
                    transaction.rollback()
            return
        with publication.step() as session:
            yield session

    @contextmanager
    def publish(self, publication: Publication) -> Iterator[Session]:
        """The last step: what the caller writes in it and the flip that shows every row of
        the import, in one small transaction (rolled back in a dry run)."""
        with self.last_step(publication) as session:
            yield session
            session.flush()
            pending.publish(publication.connection, publication.import_id)


def _drop_staging(connection: Connection) -> None:
    with connection.begin():
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_staging.name}")


def _lock_file(database: Database, wait: float) -> sqlite3.Connection | None:
    """The SQLite import lock (a write transaction on a small file next to the database,
    freed by the operating system when its process dies), or None when another process still
    holds it after ``wait`` seconds."""
    path = database.location.path
    assert path is not None
    lock = sqlite3.connect(path.with_name(path.name + "-import-lock"), timeout=wait,
                           isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        lock.close()
        if "locked" in str(exc).lower():
            return None
        raise
    return lock


@contextmanager
def _one_import_at_a_time(database: Database, connection: Connection) -> Iterator[None]:
    """Hold the database's import lock while the block runs. SQLite: a lock file next to the
    database (``_lock_file``); a server: a session advisory lock on the import's connection."""
    wait = f"another import into {database.location.display} is still running after " \
           f"{IMPORT_WAIT_S:.0f} s; try again when it has finished"
    if not database.is_sqlite:
        with connection.begin():
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{IMPORT_WAIT_S:.0f}s'")
            try:
                connection.exec_driver_sql(f"SELECT pg_advisory_lock({IMPORT_LOCK})")
            except Exception as exc:
                if "lock timeout" in str(exc).lower():
                    raise StorageError(wait) from exc
                raise
        try:
            yield
        finally:
            if not connection.invalidated:
                with connection.begin():
                    connection.exec_driver_sql(f"SELECT pg_advisory_unlock({IMPORT_LOCK})")
        return
    if database.location.path is None:  # in memory: no other process can reach it
        yield
        return
    lock = _lock_file(database, IMPORT_WAIT_S)
    if lock is None:
        raise StorageError(wait)
    try:
        yield
    finally:
        lock.close()  # ends the transaction, which frees the lock


def recover(database: Database) -> list[str]:
    """Discard the pending imports of processes that are gone (the ids), unless an import is
    running now; for the write-opening of a database. Costs one small query when there is
    nothing to discard. A server's killed import leaves only its record and the annotators
    it created, hidden (its other rows were one transaction, rolled back by the server)."""
    if not database.commits:
        return []
    with translate_errors(database.location.display), database.engine.connect() as connection:
        if not pending.pending_ids(connection):
            return []
        if not database.is_sqlite:
            with connection.begin():  # a running import holds the lock for its whole length
                free = connection.exec_driver_sql(
                    f"SELECT pg_try_advisory_lock({IMPORT_LOCK})").scalar()
            if not free:
                return []
            try:
                return pending.discard_abandoned(connection)
            finally:
                with connection.begin():
                    connection.exec_driver_sql(f"SELECT pg_advisory_unlock({IMPORT_LOCK})")
        if database.location.path is None:
            return pending.discard_abandoned(connection)
        lock = _lock_file(database, 0)
        if lock is None:  # an import is running: the pending rows are (or may be) its own
            return []
        try:
            return pending.discard_abandoned(connection)
        finally:
            lock.close()


@contextmanager
def staged_import(database: Database) -> Iterator[ImportUnit]:
    """One annotation import, from its first check to its commit (see the module's note)."""
    with translate_errors(database.location.display), database.engine.connect() as connection, \
            _one_import_at_a_time(database, connection):
        _drop_staging(connection)  # a pooled connection whose last import could not clean up
        # holding the lock: any pending import is an abandoned one. A dry run on SQLite
        # deletes them too: it stores chunks like the real import, whose ids would collide
        # with the abandoned import's hidden rows (a killed merge of the same bundle)
        if database.commits or database.is_sqlite:
            pending.discard_abandoned(connection)
        try:
            yield ImportUnit(database, connection)
        finally:
            if database.is_sqlite and database.location.path is not None:
                # closed, its temporary database goes as one file: dropping a million staged
                # rows instead walked every page of it (2.5 s); the pool opens a new one
                connection.invalidate()
            else:  # a server's connection is worth keeping; in memory, it is the database
                try:
                    _drop_staging(connection)
                except Exception:
                    connection.invalidate()  # the pool drops it, and its temporary table too
                    raise


class SpanStaging:
    """One import's staged spans, in the unit's temporary table: created and filled while
    checking; ``store`` copies what is not skipped into ``spans`` while publishing."""

    def __init__(self, unit: ImportUnit, batch: int = 5000) -> None:
        self.connection = unit.connection
        self.batch = batch
        self._pending: list[tuple[Any, ...]] = []
        self._seq = 0
        _staging.create(self.connection)  # while checking: dropped by staged_import
        # the driver's executemany with values converted once here: SQLAlchemy's per-row
        # parameter processing would cost more than the inserts themselves
        dialect = self.connection.dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        names = [c.name for c in _staging.columns]
        self._insert = (f"INSERT INTO {_staging.name} "
                        f"({', '.join(dialect.identifier_preparer.quote(n) for n in names)}) "
                        f"VALUES ({', '.join([mark] * len(names))})")
        self._labels_json = _processor(_staging.c.labels, dialect)
        self._time = _processor(_staging.c.created_at, dialect)
        if dialect.name == "sqlite":  # what SQLAlchemy stores, in one C call instead of four
            self._time = _sqlite_time
        self._json: dict[tuple[tuple[str, str], ...], Any] = {}
        # what the checks across rows can be spared: the hashes of the ids the file gives (all
        # distinct: no id repeats), whether any span got a new id, whether any given id is
        # stored already, and the spans per (document, annotator) in staging order (while
        # nothing is skipped, that is what ``store`` adds; None when too many to keep)
        self._given_hashes = array("q")
        self._new_ids = 0
        self._none_stored = False
        self._distinct: bool | None = None
        self._skipped = 0
        self._counts: dict[tuple[str, str], int] | None = {}

    def add(self, line: int, span_id: str, given_id: bool, document_id: str, annotator: str,
            start: int, end: int, text: str, labels: dict[str, str], note: str,
            created_at: datetime, updated_at: datetime, role: str | None = None,
            entity_id: str | None = None) -> None:
        """Stage one span (given_id False: the id was made for it); written in batches."""
        self._seq += 1
        if given_id:
            self._given_hashes.append(hash(span_id))
        else:
            self._new_ids += 1
        counts = self._counts
        if counts is not None:
            key = (document_id, annotator)
            counts[key] = counts.get(key, 0) + 1
            if len(counts) > MAX_COUNTED:  # one document per span, or nearly: ask SQL
                self._counts = None
        created = self._time(created_at)
        updated = created if updated_at is created_at else self._time(updated_at)
        self._pending.append((self._seq, line, span_id, given_id, document_id, annotator, start,
                              end, text, self._labels(labels), note, created, updated, False,
                              role, entity_id))
        if len(self._pending) >= self.batch:
            self.flush()

    def _labels(self, labels: dict[str, str]) -> Any:
        """Labels as stored; a file repeats a few combinations, so each is encoded once."""
        key = tuple(labels.items())
        stored = self._json.get(key)
        if stored is None:
            if len(self._json) > 10_000:  # free-text layers: keep the memory bounded
                self._json.clear()
            stored = self._json[key] = self._labels_json(labels)
        return stored

    def flush(self) -> None:
        if self._pending:
            self.connection.exec_driver_sql(self._insert, self._pending)
            self._pending = []
            self._distinct, self._none_stored = None, False  # to be found again

    def repeated_ids(self) -> Iterator[tuple[Any, ...]]:
        """(line, id, line of its first occurrence) for every later occurrence of an id the
        file gives more than once."""
        self.flush()
        if self._ids_distinct():
            return
        first = (select(_staging.c.id, func.min(_staging.c.seq).label("seq"))
                 .where(_staging.c.given_id).group_by(_staging.c.id)
                 .having(func.count() > 1).subquery())
        first_row = _staging.alias("first_row")
        stmt = (select(_staging.c.line, _staging.c.id, first_row.c.line)
                .join(first, first.c.id == _staging.c.id)
                .join(first_row, first_row.c.seq == first.c.seq)
                .where(_staging.c.seq > first.c.seq).order_by(_staging.c.seq))
        yield from (tuple(row) for row in self.connection.execute(stmt))

    def already_stored(self) -> Iterator[tuple[int, Span, Span]]:
        """(line, staged, stored) for every id given in the file that is already in the
        database (the first occurrence of each id only), streamed."""
        self.flush()
        s, p = _staging.c, _spans.c
        stmt = (select(s.line, s.id, s.document_id, s.annotator, s.start, s.end, s.text,
                       s.labels, s.note, p.document_id, _annotators.c.name, p.start, p.end,
                       p.text, p.labels, p.note, s.role, s.entity_id, p.role, p.entity_id)
                .select_from(_staging))
        if self._ids_distinct():  # every given id is its own first occurrence
            stmt = stmt.join(_spans, _spans.c.id == s.id).where(s.given_id)
        else:
            first = (select(func.min(_staging.c.seq).label("seq")).where(_staging.c.given_id)
                     .group_by(_staging.c.id).subquery())
            stmt = stmt.join(first, first.c.seq == s.seq).join(_spans, _spans.c.id == s.id)
        stmt = (stmt.join(_annotators, _annotators.c.id == p.annotator_id).order_by(s.seq)
                .execution_options(yield_per=self.batch))
        found = 0
        for row in self.connection.execute(stmt):
            found += 1
            line, sid, *staged, stored_doc, stored_ann, p_start, p_end, p_text, p_labels, \
                p_note, role, entity, stored_role, stored_entity = row
            doc, ann, start, end, text, labels, note = staged
            yield (line, Span(sid, doc, ann, start, end, text, labels, note, role=role,
                              entity_id=entity),
                   Span(sid, stored_doc, stored_ann, p_start, p_end, p_text, p_labels, p_note,
                        role=stored_role, entity_id=stored_entity))
        self._none_stored = not found

    def _ids_distinct(self) -> bool:
        """Whether no id is given twice: certain when the ids' hashes are all distinct (one
        sort of an array); otherwise (a repeat, or two ids of equal hash) SQL must say."""
        if self._distinct is None:
            import numpy as np  # an import's own need: the desk opens through this module

            hashes = np.sort(np.frombuffer(self._given_hashes, dtype=np.int64))
            self._distinct = not bool((hashes[1:] == hashes[:-1]).any())
        return self._distinct

    def skip_stored_ids(self) -> int:
        """Skip staged spans whose given id is already stored; how many were skipped."""
        self.flush()
        if self._none_stored:  # ``already_stored`` just found none
            return 0
        result = self.connection.execute(
            update(_staging).where(_staging.c.given_id,
                                   _staging.c.id.in_(select(_spans.c.id)))
            .values(skip=True))
        self._skipped += result.rowcount
        return result.rowcount

    def new_ids_by_document(self) -> Iterator[tuple[int, Span]]:
        """(seq, span) for the spans that got a new id, grouped by document, in file order
        within a document, streamed."""
        self.flush()
        if not self._new_ids:
            return
        s = _staging.c
        stmt = (select(s.seq, s.id, s.document_id, s.annotator, s.start, s.end, s.text,
                       s.labels, s.note)
                .where(~s.given_id).order_by(s.document_id, s.seq))
        for row in self.connection.execute(stmt.execution_options(yield_per=self.batch)):
            yield row[0], Span(*row[1:])

    def skip(self, seqs: Iterable[int]) -> None:
        self.flush()
        stmt = (update(_staging).where(_staging.c.seq == bindparam("s"))
                .values(skip=True))
        chunk: list[dict[str, int]] = []
        for seq in seqs:
            self._skipped += 1
            chunk.append({"s": seq})
            if len(chunk) >= self.batch:
                self.connection.execute(stmt, chunk)
                chunk = []
        if chunk:
            self.connection.execute(stmt, chunk)

    def annotators(self) -> list[str]:
        """The annotators of the spans ``store`` will add, in order of their first span."""
        return list(dict.fromkeys(annotator for _, annotator in self._to_store()))

    def per_annotator(self) -> dict[str, int]:
        """Annotator -> spans ``store`` will add."""
        out: dict[str, int] = {}
        for (_, annotator), n in self._to_store().items():
            out[annotator] = out.get(annotator, 0) + n
        return dict(sorted(out.items()))

    def stored_per_document(self) -> dict[str, dict[str, int]]:
        """Document id -> annotator -> spans ``store`` added (what views must refresh)."""
        out: dict[str, dict[str, int]] = {}
        for (doc_id, annotator), n in sorted(self._to_store().items()):
            out.setdefault(doc_id, {})[annotator] = n
        return out

    def _to_store(self) -> dict[tuple[str, str], int]:
        """(document, annotator) -> spans ``store`` adds, in the order of their first span:
        counted while staging when nothing was skipped, else by one query."""
        self.flush()
        if self._counts is not None and not self._skipped:
            return self._counts
        s = _staging.c
        counts = (select(s.document_id, s.annotator, func.count()).where(~s.skip)
                  .group_by(s.document_id, s.annotator).order_by(func.min(s.seq)))
        return {(doc_id, name): n for doc_id, name, n in self.connection.execute(counts)}

    def use_entity(self, provisional: str, entity_id: str) -> None:
        """Point the spans staged with ``provisional`` at ``entity_id`` (an entity of the same
        name that someone else added while the file was being checked)."""
        self.flush()
        self.connection.execute(update(_staging).where(_staging.c.entity_id == provisional)
                                .values(entity_id=entity_id))

    def create_annotators(self, session: Session, names: Iterable[str],
                          import_id: str) -> list[str]:
        """``repositories.create_annotators``: the new ones, marked, hidden until published."""
        return create_annotators(session, names, import_id)

    def store(self, publication: Publication,
              between_chunks: Callable[[], None] | None = None) -> None:
        """Copy every staged span not skipped into ``spans``, marked with the publication's
        import id, in chunks of ``INSERT ... SELECT`` of one write transaction each, sized
        to take about ``CHUNK_SECONDS`` (one chunk for all when the publication is one
        transaction). ``between_chunks`` runs after each chunk (a cancel check)."""
        self.flush()
        s = _staging.c
        columns = ["id", "document_id", "annotator_id", "start", "end", "text", "note",
                   "created_at", "updated_at", "labels", "role", "entity_id", "import_id"]
        mark = literal(publication.import_id, String(36))
        size = FIRST_CHUNK if publication.chunked else self._seq
        done = 0
        while done < self._seq:
            upto = done + size
            rows = (select(s.id, s.document_id, _annotators.c.id, s.start, s.end, s.text,
                           s.note, s.created_at, s.updated_at, s.labels, s.role, s.entity_id,
                           mark)
                    .join(_annotators, _annotators.c.name == s.annotator)
                    .where(~s.skip, s.seq > done, s.seq <= upto))
            with publication.step():
                began = time.perf_counter()
                self.connection.execute(insert(SpanRow).from_select(columns, rows))
            took = publication.committed_at - began  # the lock held, commit included
            done = upto
            if publication.chunked:  # next chunk sized from this one's pace, within bounds;
                # at most twice as long: one quick chunk must not make the next overshoot
                size = int(min(MAX_CHUNK, 2 * size,
                               max(MIN_CHUNK, size * CHUNK_SECONDS / max(took, 1e-3))))
            if between_chunks is not None and done < self._seq:
                between_chunks()

    def ends(self, span_ids: Iterable[str]) -> dict[str, LinkEnd]:
        """Document, annotator and role of the staged spans among ``span_ids`` (what the link
        checks need; links are few, so this is asked for a few ids only)."""
        self.flush()
        wanted = list(set(span_ids))
        s = _staging.c
        out: dict[str, LinkEnd] = {}
        for i in range(0, len(wanted), 500):
            for sid, doc, annotator, role in self.connection.execute(
                    select(s.id, s.document_id, s.annotator, s.role)
                    .where(s.id.in_(wanted[i:i + 500]))):
                out[sid] = LinkEnd(doc, annotator, SpanRole(role) if role else None)
        return out

