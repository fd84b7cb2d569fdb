"""Bulk span import through a temporary staging table, checked apart from the write lock.

A million rows cannot be checked against each other in Python dictionaries and inserted one ORM
object at a time within a bounded memory: the rows that passed their own checks are staged in
batches (one ``executemany`` each), the checks that need every row at once (repeated ids, ids
already stored) run in SQL, and one ``INSERT ... SELECT`` copies the staged rows into ``spans``.

An import is one connection (``staged_import``) used in two steps. Checking reads the stored
spans and documents and writes only the staging table, a TEMPORARY table private to that
connection, so it takes no write lock: on SQLite a desk keeps saving while a long file is read
and checked (a temporary table lives in its own database file), and on PostgreSQL nothing is
locked either. Publishing is one short write transaction: the rows go into ``spans`` with one
``INSERT ... SELECT`` and the import's annotators, documents, entities and links with them, so
the import is still all or nothing, and a desk waits only for that statement. A crash or a
refusal at any point leaves nothing: the temporary table dies with its connection.

Imports are serialised among themselves for their whole length (a lock file next to a SQLite
database, a session advisory lock on a server): the second import of one file must see the
first one's spans, or both would add them. A desk save that lands while an import is being
checked is simply ordered before it: the import adds what it would have added had it run first.
"""

from __future__ import annotations

import sqlite3
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
    select,
    update,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session

from stancedesk.domain import Span
from stancedesk.domain.attribution import LinkEnd, SpanRole
from stancedesk.storage.engine import WRITE_OPTION, Database
from stancedesk.storage.errors import StorageError, translate_errors
from stancedesk.storage.repositories import IMPORT_LOCK, ensure_annotator, find_annotator
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


class ImportUnit:
    """One import's connection: ``checking`` transactions (reads, and writes to the staging
    table only) and one ``publishing`` write transaction, which commits or stores nothing."""

    def __init__(self, database: Database, connection: Connection) -> None:
        self.database, self.connection = database, connection

    @contextmanager
    def checking(self) -> Iterator[Session]:
        with self.connection.begin():
            session = Session(bind=self.connection, expire_on_commit=False)
            try:
                yield session
                session.flush()
            finally:
                session.close()

    @contextmanager
    def publishing(self) -> Iterator[Session]:
        """The write transaction (BEGIN IMMEDIATE on SQLite, waiting for the lock like any
        write); rolled back instead of committed on a dry-run database."""
        conn = self.connection.execution_options(**{WRITE_OPTION: True})
        raw = conn.connection.dbapi_connection if self.database.is_sqlite else None
        if raw is not None:  # the store touches five b-trees at random: a bigger page cache
            cache = raw.execute("PRAGMA cache_size").fetchone()[0]  # shortens the lock by ~1/4
            raw.execute(f"PRAGMA cache_size = -{PUBLISH_CACHE_KIB}")
        try:
            with conn.begin() as transaction:
                session = Session(bind=conn, expire_on_commit=False)
                try:
                    yield session
                    session.flush()
                    if not self.database.commits:
                        transaction.rollback()
                finally:
                    session.close()
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA cache_size = {int(cache)}")


def _drop_staging(connection: Connection) -> None:
    with connection.begin():
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_staging.name}")


@contextmanager
def _one_import_at_a_time(database: Database, connection: Connection) -> Iterator[None]:
    """Hold the database's import lock while the block runs. SQLite: a write transaction on a
    small lock file next to the database (the operating system releases it if the process
    dies); a server: a session advisory lock on the import's connection."""
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
    path = database.location.path
    if path is None:  # in memory: no other process can reach it
        yield
        return
    lock = sqlite3.connect(path.with_name(path.name + "-import-lock"), timeout=IMPORT_WAIT_S,
                           isolation_level=None)
    try:
        try:
            lock.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc).lower():
                raise StorageError(wait) from exc
            raise
        yield
    finally:
        lock.close()  # ends the transaction, which frees the lock


@contextmanager
def staged_import(database: Database) -> Iterator[ImportUnit]:
    """One annotation import, from its first check to its commit (see the module's note)."""
    with translate_errors(database.location.display), database.engine.connect() as connection, \
            _one_import_at_a_time(database, connection):
        _drop_staging(connection)  # a pooled connection whose last import could not clean up
        try:
            yield ImportUnit(database, connection)
        finally:
            try:
                _drop_staging(connection)
            except Exception:
                connection.invalidate()  # the pool drops it, and its temporary table with it
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

    def add(self, line: int, span_id: str, given_id: bool, document_id: str, annotator: str,
            start: int, end: int, text: str, labels: dict[str, str], note: str,
            created_at: datetime, updated_at: datetime, role: str | None = None,
            entity_id: str | None = None) -> None:
        """Stage one span (given_id False: the id was made for it); written in batches."""
        self._seq += 1
        self._pending.append((self._seq, line, span_id, given_id, document_id, annotator, start,
                              end, text, self._labels(labels), note, self._time(created_at),
                              self._time(updated_at), False, role, entity_id))
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

    def repeated_ids(self) -> Iterator[tuple[Any, ...]]:
        """(line, id, line of its first occurrence) for every later occurrence of an id the
        file gives more than once."""
        self.flush()
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
        first = (select(func.min(_staging.c.seq).label("seq")).where(_staging.c.given_id)
                 .group_by(_staging.c.id).subquery())
        s, p = _staging.c, _spans.c
        stmt = (select(s.line, s.id, s.document_id, s.annotator, s.start, s.end, s.text,
                       s.labels, s.note, p.document_id, _annotators.c.name, p.start, p.end,
                       p.text, p.labels, p.note, s.role, s.entity_id, p.role, p.entity_id)
                .join(first, first.c.seq == s.seq)
                .join(_spans, _spans.c.id == s.id)
                .join(_annotators, _annotators.c.id == p.annotator_id)
                .order_by(s.seq))
        for row in self.connection.execute(stmt.execution_options(yield_per=self.batch)):
            line, sid, *staged, stored_doc, stored_ann, p_start, p_end, p_text, p_labels, \
                p_note, role, entity, stored_role, stored_entity = row
            doc, ann, start, end, text, labels, note = staged
            yield (line, Span(sid, doc, ann, start, end, text, labels, note, role=role,
                              entity_id=entity),
                   Span(sid, stored_doc, stored_ann, p_start, p_end, p_text, p_labels, p_note,
                        role=stored_role, entity_id=stored_entity))

    def skip_stored_ids(self) -> int:
        """Skip staged spans whose given id is already stored; how many were skipped."""
        self.flush()
        result = self.connection.execute(
            update(_staging).where(_staging.c.given_id,
                                   _staging.c.id.in_(select(_spans.c.id)))
            .values(skip=True))
        return result.rowcount

    def new_ids_by_document(self) -> Iterator[tuple[int, Span]]:
        """(seq, span) for the spans that got a new id, grouped by document, in file order
        within a document, streamed."""
        self.flush()
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
            chunk.append({"s": seq})
            if len(chunk) >= self.batch:
                self.connection.execute(stmt, chunk)
                chunk = []
        if chunk:
            self.connection.execute(stmt, chunk)

    def annotators(self) -> list[str]:
        """The annotators of the spans ``store`` will add, in order of their first span."""
        self.flush()
        s = _staging.c
        people = (select(s.annotator).where(~s.skip).group_by(s.annotator)
                  .order_by(func.min(s.seq)))
        return [name for (name,) in self.connection.execute(people)]

    def per_annotator(self) -> dict[str, int]:
        """Annotator -> spans ``store`` will add."""
        self.flush()
        s = _staging.c
        counts = select(s.annotator, func.count()).where(~s.skip).group_by(s.annotator)
        return {name: n for name, n in self.connection.execute(counts)}

    def use_entity(self, provisional: str, entity_id: str) -> None:
        """Point the spans staged with ``provisional`` at ``entity_id`` (an entity of the same
        name that someone else added while the file was being checked)."""
        self.flush()
        self.connection.execute(update(_staging).where(_staging.c.entity_id == provisional)
                                .values(entity_id=entity_id))

    def store(self, session: Session, annotators: Iterable[str]) -> list[str]:
        """Copy every staged span not skipped into ``spans`` (in ``session``'s publishing
        transaction); the ``annotators`` it had to create, in the given order."""
        self.flush()
        s = _staging.c
        created: list[str] = []
        for name in annotators:
            if find_annotator(session, name) is None:
                ensure_annotator(session, name)
                created.append(name)
        session.flush()
        rows = (select(s.id, s.document_id, _annotators.c.id, s.start, s.end, s.text, s.note,
                       s.created_at, s.updated_at, s.labels, s.role, s.entity_id)
                .join(_annotators, _annotators.c.name == s.annotator)
                .where(~s.skip))
        self.connection.execute(insert(SpanRow).from_select(
            ["id", "document_id", "annotator_id", "start", "end", "text", "note",
             "created_at", "updated_at", "labels", "role", "entity_id"], rows))
        return created

    def stored_per_document(self) -> dict[str, dict[str, int]]:
        """Document id -> annotator -> spans ``store`` added (what views must refresh)."""
        s = _staging.c
        counts = (select(s.document_id, s.annotator, func.count()).where(~s.skip)
                  .group_by(s.document_id, s.annotator))
        out: dict[str, dict[str, int]] = {}
        for doc_id, name, n in self.connection.execute(counts):
            out.setdefault(doc_id, {})[name] = n
        return out

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

