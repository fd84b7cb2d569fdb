"""The life of an import that commits its rows in chunks: begun, published, or discarded.

An annotation import on SQLite stores its rows in many short write transactions, so a desk
saving meanwhile waits a fraction of a second at most, and stays all or nothing because every
row carries the import's id and readers hide the rows of a ``pending`` import
(``storage.visibility``). ``publish`` is the one small commit that shows them all.

A pending import whose process is gone (killed, crashed, power cut) leaves hidden rows behind.
Whether its process is alive is what the import lock says (``span_import.import_lock``): it is
held for the whole length of every import and the operating system frees it when the process
dies. So whoever holds that lock and finds a pending import knows it is abandoned and deletes
it with ``discard``, in chunks of short write transactions as well: the next import (a dry
run on SQLite too) does it first thing, and so does the next write-opening of the database
(``recover``). A discard that is itself interrupted is simply continued the next time.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Table,
    delete,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.engine import Connection

from stancedesk.storage.engine import WRITE_OPTION
from stancedesk.storage.tables import (
    AnnotatorRow,
    CurationDecisionRow,
    DocumentRow,
    EntityRow,
    ImportRow,
    SpanRow,
)
from stancedesk.storage.types import utcnow
from stancedesk.storage.visibility import PENDING, PUBLISHED

# spans deleted per write transaction: ~0.1 s on a laptop; 20,000 a bundle merge stored (each
# with its imported version, deleted along) held the lock 0.7 s at load 7
DISCARD_CHUNK = 5_000
DISCARD_DOCUMENTS = 1_000  # documents (rowids) per write transaction: texts of a few KB
CHUNK_PAUSE_S = 0.005  # between two chunks: a desk polling for the lock gets it here

_spans = cast(Table, SpanRow.__table__)
_imports = cast(Table, ImportRow.__table__)
_annotators = cast(Table, AnnotatorRow.__table__)
_entities = cast(Table, EntityRow.__table__)
_documents = cast(Table, DocumentRow.__table__)
_decisions = cast(Table, CurationDecisionRow.__table__)


def begin(connection: Connection, import_id: str, kind: str, source: str) -> None:
    """Record a new pending import (in the caller's write transaction)."""
    connection.execute(insert(_imports).values(
        id=import_id, kind=kind, state=PENDING, source=source[:2000], started_at=utcnow(),
        pid=os.getpid(), host=socket.gethostname()[:255]))


def publish(connection: Connection, import_id: str) -> None:
    """Show every row of the import (in the caller's write transaction: one row changes)."""
    connection.execute(update(_imports).where(_imports.c.id == import_id)
                       .values(state=PUBLISHED, published_at=utcnow()))


def pending_ids(connection: Connection) -> list[str]:
    with _mode(connection, write=False).begin():
        return list(connection.scalars(select(_imports.c.id).where(_imports.c.state == PENDING)
                                       .order_by(_imports.c.started_at)))


def _mode(connection: Connection, *, write: bool) -> Connection:
    """The connection set to begin write (BEGIN IMMEDIATE on SQLite) or read transactions;
    SQLAlchemy changes a connection's options in place, so each use says which it wants."""
    return connection.execution_options(**{WRITE_OPTION: write})


def discard(connection: Connection, import_id: str,
            pause: Callable[[float], Any] = time.sleep) -> int:
    """Delete a pending import's rows, in chunks of short write transactions; the number of
    spans deleted. The caller holds the import lock, so no live import owns ``import_id``.

    A bundle merge's curation decisions go first, then spans, then a corpus import's
    documents, by ranges of SQLite's rowid; a server deletes them in one statement (no
    chunking there: its imports store their rows in one transaction, see ``span_import``,
    so a pending one has none left). Then the annotators,
    entities and documents the import created, except those something else came to use while
    it ran (a desk saving a span for the same new annotator): they are kept, as ordinary
    rows. The ``imports`` row goes last, so an interrupted discard is found again."""
    mine = _spans.c.import_id == import_id
    decisions = _decisions.c.import_id == import_id  # a bundle merge's, stored ahead
    deleted = 0
    if connection.dialect.name == "sqlite":
        _delete_by_rowid(connection, _decisions, decisions, DISCARD_CHUNK, pause)
        deleted = _delete_by_rowid(connection, _spans, mine, DISCARD_CHUNK, pause)
        # a corpus import's documents, long texts: the same, in smaller chunks
        _delete_by_rowid(connection, _documents, (_documents.c.import_id == import_id) & ~exists()
                         .where(_spans.c.document_id == _documents.c.id),
                         DISCARD_DOCUMENTS, pause)
    write = _mode(connection, write=True)
    with write.begin():
        if connection.dialect.name != "sqlite":
            write.execute(delete(_decisions).where(decisions))
            deleted += write.execute(delete(_spans).where(mine)).rowcount
        uses = ((_entities, _spans.c.entity_id), (_documents, _spans.c.document_id),
                (_annotators, _spans.c.annotator_id))
        for table, column in uses:
            write.execute(delete(table).where(table.c.import_id == import_id,
                                              ~exists().where(column == table.c.id)))
            write.execute(update(table).where(table.c.import_id == import_id)
                          .values(import_id=None))
        write.execute(delete(_imports).where(_imports.c.id == import_id))
    return deleted


def _delete_by_rowid(connection: Connection, table: Table, where: Any, chunk: int,
                     pause: Callable[[float], Any]) -> int:
    """Delete ``table``'s rows that match ``where`` (SQLite), a range of ``chunk`` rowids per
    write transaction; how many. An import's rows are a few contiguous runs of rowids, so each
    chunk is an index range, not a search, and the scan for the range takes no write lock."""
    rowid = literal_column(f"{table.name}.rowid", Integer)
    with _mode(connection, write=False).begin():
        low, high = connection.execute(select(func.min(rowid), func.max(rowid))
                                       .where(where)).one()
    deleted = 0
    if low is not None:
        for first in range(int(low), int(high) + 1, chunk):
            with _mode(connection, write=True).begin():
                deleted += connection.execute(delete(table).where(
                    rowid.between(first, first + chunk - 1), where)).rowcount
            pause(CHUNK_PAUSE_S)
    return deleted


def discard_abandoned(connection: Connection) -> list[str]:
    """Discard every pending import (the caller holds the import lock: none is alive)."""
    found = pending_ids(connection)
    for import_id in found:
        discard(connection, import_id)
    return found
