"""What merging annotator bundles reads and writes beyond ordinary spans: document fingerprints,
the version each span was imported at, and spans written at the version the bundle gives."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar, cast

from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from stancedesk.domain import Span
from stancedesk.domain.attribution import SourceEntity
from stancedesk.domain.curation import Decision
from stancedesk.storage import attribution as arepo
from stancedesk.storage import curation as crepo
from stancedesk.storage import repositories as repo
from stancedesk.storage.span_import import CHUNK_SECONDS, Publication
from stancedesk.storage.tables import (
    AnnotatorRow,
    BundleImportRow,
    CurationDecisionRow,
    DocumentRow,
    EntityRow,
    SpanRow,
)
from stancedesk.storage.types import UTCDateTime, utcnow
from stancedesk.storage.visibility import visible, visible_sql

_CHUNK = 500
FIRST_CHUNK, MIN_CHUNK, MAX_CHUNK = 2_000, 200, 20_000  # new spans per write transaction
# the table, not the mapped class: an ORM bulk insert of a versioned class starts every version
# at 1, and a bundle's spans keep theirs
_SPANS = cast(Table, SpanRow.__table__)
_BUNDLE_IMPORTS = cast(Table, BundleImportRow.__table__)
_ENTITIES = cast(Table, EntityRow.__table__)
T = TypeVar("T")
log = logging.getLogger(__name__)


def document_fingerprints(session: Session, document_ids: Sequence[str] | None = None
                          ) -> dict[str, tuple[str, str, str]]:
    """Document id -> (SHA-256 of the text, title, source file), without loading texts."""
    stmt = select(DocumentRow.id, DocumentRow.sha256, DocumentRow.title,
                  DocumentRow.source_file).where(visible(DocumentRow.import_id)) \
        .order_by(DocumentRow.id)
    if document_ids is None:
        return {i: (sha, title, source) for i, sha, title, source in session.execute(stmt)}
    out: dict[str, tuple[str, str, str]] = {}
    wanted = list(dict.fromkeys(document_ids))
    for i in range(0, len(wanted), _CHUNK):
        for doc, sha, title, source in session.execute(
                stmt.where(DocumentRow.id.in_(wanted[i:i + _CHUNK]))):
            out[doc] = (sha, title, source)
    return out


def spans_by_ids(session: Session, span_ids: Iterable[str]) -> dict[str, Span]:
    """The stored spans among ``span_ids``, whoever annotated them (not those stored ahead
    by the merge itself, hidden until it publishes them)."""
    wanted = list(set(span_ids))
    out: dict[str, Span] = {}
    for i in range(0, len(wanted), _CHUNK):
        for row in session.scalars(select(SpanRow).where(SpanRow.id.in_(wanted[i:i + _CHUNK]),
                                                         visible(SpanRow.import_id))
                                   .execution_options(populate_existing=True)):
            out[row.id] = repo.span_from_row(row)
    return out


def stored_span_ids(session: Session, span_ids: Iterable[str]) -> set[str]:
    """The ids among ``span_ids`` that a stored span has."""
    wanted = list(set(span_ids))
    out: set[str] = set()
    for i in range(0, len(wanted), _CHUNK):
        out.update(session.scalars(select(SpanRow.id).where(SpanRow.id.in_(wanted[i:i + _CHUNK]))))
    return out


def store_new_spans(publication: Publication, annotator: str, spans: Sequence[Span],
                    between_chunks: Callable[[int], None]) -> None:
    """Store ``spans`` (all new, all ``annotator``'s, created ahead) with the bundle's ids,
    times and versions, marked with the publication's import id and so hidden until the merge
    publishes them, each with its imported version (``record_imported``; a discard of the
    spans takes it along, ON DELETE CASCADE), in chunks (``_in_chunks``)."""
    now = utcnow()

    def store(session: Session, chunk: Sequence[Span]) -> None:
        annotator_id = session.execute(select(AnnotatorRow.id)
                                       .where(AnnotatorRow.name == annotator)).scalar_one()
        for i in range(0, len(chunk), _CHUNK):
            session.execute(insert(_SPANS), [
                repo.span_values(s, annotator_id, s.version, publication.import_id)
                for s in chunk[i:i + _CHUNK]])
            session.execute(insert(_BUNDLE_IMPORTS), [
                {"span_id": s.id, "version": s.version, "imported_at": now}
                for s in chunk[i:i + _CHUNK]])

    _in_chunks(publication, spans, store, between_chunks)


def store_new_decisions(publication: Publication, decisions: Sequence[Decision],
                        between_chunks: Callable[[int], None]) -> None:
    """Store a gold bundle's curation decisions ahead of the merge (new here, each a
    rejection or the decision of a span stored ahead), marked with the publication's import
    id and so hidden from every reader of decisions until the merge publishes them, in
    chunks (``_in_chunks``). The merge deletes again those its rules skip."""
    _in_chunks(publication, decisions,
               lambda session, chunk: crepo.store_decisions(session, chunk,
                                                            publication.import_id),
               between_chunks)


def _mark(session: Session) -> str:
    """The driver's placeholder, for statements sent to it as they are (both back-ends)."""
    return "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"


def every_entity(session: Session) -> dict[str, SourceEntity]:
    """Name key -> registry source, hidden ones included (a merge holding SQLite's write
    lock reads them once instead of once per source of the bundle)."""
    return {row.name_key: arepo.entity_from_row(row)
            for row in session.scalars(select(EntityRow))}


def add_entities(session: Session, entities: Sequence[tuple[SourceEntity, str]]) -> None:
    """Insert new registry sources (each with its name key, free: the caller holds the write
    lock and looked), a batch per statement."""
    now = utcnow()
    rows = [{"id": e.id, "name": e.name, "name_key": key, "sourcing": e.sourcing,
             "aliases": list(e.aliases), "notes": e.notes, "created_at": now,
             "updated_at": now} for e, key in entities]
    session.flush()
    for i in range(0, len(rows), _CHUNK):
        session.execute(insert(_ENTITIES), rows[i:i + _CHUNK])


def name_entities(session: Session, naming: Mapping[str, str],
                  entity_ids: Mapping[str, str]) -> None:
    """Point the spans stored ahead at the sources they name: ``naming`` span id -> the
    bundle's entity id, ``entity_ids`` the bundle's entity id -> the source here (a span
    naming an entity the bundle lacks names none, as when merged without storing ahead)."""
    rows = [(here, span_id) for span_id, bundle_entity in naming.items()
            if (here := entity_ids.get(bundle_entity)) is not None]
    if not rows:
        return
    session.flush()
    # the driver's executemany (plain strings, nothing to convert): this runs under the
    # write lock, and SQLAlchemy compiling an IN list per 500 spans cost as much again
    mark = _mark(session)
    session.connection().exec_driver_sql(
        f"UPDATE spans SET entity_id = {mark} WHERE id = {mark}", rows)


def still_stored(session: Session, decision_ids: Iterable[str], import_id: str) -> frozenset[str]:
    """The decisions among ``decision_ids`` that the import stored ahead and that are still
    there (a desk deleting a span stored here deletes its decision too)."""
    wanted = list(set(decision_ids))
    out: set[str] = set()
    for i in range(0, len(wanted), _CHUNK):
        out.update(session.scalars(select(CurationDecisionRow.id).where(
            CurationDecisionRow.id.in_(wanted[i:i + _CHUNK]),
            CurationDecisionRow.import_id == import_id)))
    return frozenset(out)


def _in_chunks(publication: Publication, items: Sequence[T],
               store: Callable[[Session, Sequence[T]], None],
               between_chunks: Callable[[int], None]) -> None:
    """``store`` the items, on SQLite a chunk per write transaction, each sized from the last
    one's pace to hold the lock about ``CHUNK_SECONDS``, so a desk saving meanwhile waits a
    fraction of a second. ``between_chunks(stored so far)`` runs after each chunk (a cancel
    check)."""
    size = FIRST_CHUNK if publication.chunked else len(items)
    done = 0
    while done < len(items):
        chunk = items[done:done + size]
        with publication.step() as session:
            began = time.perf_counter()
            store(session, chunk)
        took = time.perf_counter() - began  # the time the lock was held, commit included
        done += len(chunk)
        if publication.chunked:
            size = int(min(MAX_CHUNK, max(MIN_CHUNK, size * CHUNK_SECONDS / max(took, 1e-3))))
        between_chunks(done)


def imported_versions(session: Session, span_ids: Iterable[str]) -> dict[str, int]:
    """Span id -> the version it had when it last came in from a bundle."""
    wanted = list(set(span_ids))
    out: dict[str, int] = {}
    for i in range(0, len(wanted), _CHUNK):
        for span_id, version in session.execute(
                select(BundleImportRow.span_id, BundleImportRow.version)
                .where(BundleImportRow.span_id.in_(wanted[i:i + _CHUNK]))):
            out[span_id] = version
    return out


def imported_versions_on(session: Session, annotator: str, document_ids: Sequence[str]
                         ) -> dict[str, int]:
    """``imported_versions`` of every span of ``annotator`` on ``document_ids``, by a join
    instead of a look-up per span (a merge runs this in its write transaction). Not of the
    spans the merge stored ahead, hidden: it has their versions, and reading theirs held
    SQLite's write lock 0.4 s longer for a bundle of 20,000 new spans."""
    key = session.scalar(select(AnnotatorRow.id).where(AnnotatorRow.name == annotator))
    if key is None:
        return {}
    out: dict[str, int] = {}
    wanted = list(dict.fromkeys(document_ids))
    for i in range(0, len(wanted), _CHUNK):
        for span_id, version in session.execute(
                select(BundleImportRow.span_id, BundleImportRow.version)
                .join(SpanRow, SpanRow.id == BundleImportRow.span_id)
                .where(SpanRow.annotator_id == key,
                       SpanRow.document_id.in_(wanted[i:i + _CHUNK]),
                       visible(SpanRow.import_id))):
            out[span_id] = version
    return out


def record_imported(session: Session, versions: Mapping[str, int]) -> None:
    """Remember each span's version as imported now (replacing what an earlier merge noted)."""
    ids = list(versions)
    for i in range(0, len(ids), _CHUNK):
        session.execute(delete(_BUNDLE_IMPORTS).where(
            _BUNDLE_IMPORTS.c.span_id.in_(ids[i:i + _CHUNK])))
    now = utcnow()
    rows = [{"span_id": span_id, "version": version, "imported_at": now}
            for span_id, version in versions.items()]
    for i in range(0, len(rows), _CHUNK):  # the table: the ORM's bulk insert costs twice
        session.execute(insert(_BUNDLE_IMPORTS), rows[i:i + _CHUNK])


def add_spans_at(session: Session, annotator: str, spans: Sequence[Span]) -> None:
    """Insert ``spans`` (all ``annotator``'s) with their own ids, times and versions (the
    bundle's), in batches of one statement each: a bundle brings thousands at once."""
    if not spans:
        return
    annotator_id = repo.ensure_annotator(session, annotator).id
    session.flush()
    for i in range(0, len(spans), _CHUNK):
        session.execute(insert(_SPANS), [repo.span_values(s, annotator_id, s.version)
                                          for s in spans[i:i + _CHUNK]])


def overwrite_spans(session: Session, spans: Sequence[Span]) -> None:
    """Replace stored spans' content with ``spans``', each at its own ``version``: the
    bundle's, not the next one, so the same bundle merged again finds it unchanged. One
    batched UPDATE per chunk (the ORM's update, a look-up and an expiry per span, held
    SQLite's write lock 10 s for 20,000 changed spans); the identity map is expired."""
    if not spans:
        return
    session.flush()
    stmt = (update(_SPANS).where(_SPANS.c.id == bindparam("b_id"))
            .values(start=bindparam("b_start"), end=bindparam("b_end"),
                    text=bindparam("b_text"), note=bindparam("b_note"),
                    labels=bindparam("b_labels"), role=bindparam("b_role"),
                    entity_id=bindparam("b_entity_id"), updated_at=bindparam("b_updated_at"),
                    version=bindparam("b_version")))
    for i in range(0, len(spans), _CHUNK):
        session.execute(stmt, [
            {"b_id": s.id, "b_start": s.start, "b_end": s.end, "b_text": s.text,
             "b_note": s.note, "b_labels": repo.clean_labels(s.labels), "b_role": s.role,
             "b_entity_id": s.entity_id, "b_updated_at": s.updated_at,
             "b_version": s.version} for s in spans[i:i + _CHUNK]])
    session.expire_all()  # the identity map must not hand back the old values


def delete_spans(session: Session, span_ids: Sequence[str]) -> None:
    """Delete spans by id, a chunk per statement (their links and imported versions go with
    them: ON DELETE CASCADE); the identity map is expired."""
    if not span_ids:
        return
    session.flush()
    crepo.delete_gold(session, (), span_ids)
    session.expire_all()


def span_versions(session: Session, annotator: str, document_ids: Sequence[str]
                  ) -> dict[str, tuple[int, str | None]]:
    """Span id -> (version, entity id) of ``annotator``'s spans on ``document_ids``: what a
    merge read ahead of its write transaction is still current when these are the same (every
    edit of a span raises its version; only a deleted source clears ``entity_id`` without)."""
    key = session.scalar(select(AnnotatorRow.id).where(AnnotatorRow.name == annotator))
    if key is None:
        return {}
    out: dict[str, tuple[int, str | None]] = {}
    wanted = list(dict.fromkeys(document_ids))
    connection, mark = session.connection(), _mark(session)
    for i in range(0, len(wanted), _CHUNK):  # the driver's rows: this runs under the lock
        chunk = wanted[i:i + _CHUNK]
        marks = ", ".join([mark] * len(chunk))
        for span_id, version, entity in connection.exec_driver_sql(
                f"SELECT s.id, s.version, s.entity_id FROM spans s WHERE s.annotator_id = {mark} "
                f"AND s.document_id IN ({marks}) AND {visible_sql('s')}", (key, *chunk)):
            out[span_id] = (version, entity)
    return out


# The new content of spans a merge may overwrite, staged ahead of its write transaction in
# temporary tables of the import's connection (SQLite keeps them in a file of their own, so
# filling them takes no write lock), and copied into ``spans`` by one statement in it.
_meta = MetaData()
_OVERWRITES = Table(
    "stancedesk_bundle_overwrites", _meta,
    Column("id", String(36), primary_key=True),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("labels", JSON, nullable=False),
    Column("role", String(16), nullable=True),
    Column("entity", Text, nullable=True),  # the bundle's entity id: its source here is known
    Column("updated_at", UTCDateTime, nullable=False),  # only in the write transaction
    Column("version", Integer, nullable=False),
    prefixes=["TEMPORARY"])
_SOURCES = Table(  # the bundle's entity id -> the source here, once the merge resolved it
    "stancedesk_bundle_sources", _meta,
    Column("entity", Text, primary_key=True),
    Column("source", String(36), nullable=False),
    prefixes=["TEMPORARY"])
_CHOSEN = Table(  # the staged spans the merge overwrites (its rules decide in the transaction)
    "stancedesk_bundle_chosen", _meta,
    Column("id", String(36), primary_key=True),
    prefixes=["TEMPORARY"])
_STAGED_TABLES = (_OVERWRITES, _SOURCES, _CHOSEN)


class OverwriteStaging:
    """The bundle's values of spans a SQLite merge may overwrite, staged while it checks
    (``stage``) and applied in its write transaction (``apply``), one ``UPDATE ... FROM`` and
    one ``INSERT ... SELECT`` of their imported versions instead of a statement per span: the
    same 20,000 overwrites held the write lock 0.6 s more from Python. Overwriting rows in
    place cannot go in hidden chunks: a span's id is its key, so the new content cannot sit
    beside the old one until a flip; it is applied in the one transaction, but cheaply."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.ids: set[str] = set()
        self._created = False

    def stage(self, spans: Sequence[tuple[Span, str | None]]) -> None:
        """Stage ``spans`` (each with the bundle's entity id it names, or None), in the
        caller's checking transaction on the import's connection."""
        if not spans:
            return
        if not self._created:
            for table in _STAGED_TABLES:
                self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table.name}")
                table.create(self.connection)
            self._created = True
        rows = [{"id": s.id, "start": s.start, "end": s.end, "text": s.text, "note": s.note,
                 "labels": repo.clean_labels(s.labels), "role": s.role, "entity": entity,
                 "updated_at": s.updated_at, "version": s.version} for s, entity in spans]
        for i in range(0, len(rows), _CHUNK):
            self.connection.execute(insert(_OVERWRITES), rows[i:i + _CHUNK])
        self.ids.update(s.id for s, _ in spans)

    def apply(self, session: Session, span_ids: Sequence[str],
              sources: Mapping[str, str], imported_at: datetime) -> None:
        """Overwrite the spans ``span_ids`` (all staged) with their staged content, each
        naming the source here of its bundle entity (``sources``), and record their versions
        as imported at ``imported_at``; in the caller's write transaction, on the import's
        connection."""
        if not span_ids:
            return
        session.flush()
        connection = session.connection()
        connection.execute(delete(_SOURCES))
        connection.execute(delete(_CHOSEN))
        if sources:  # the driver's executemany: plain strings, nothing to convert
            connection.exec_driver_sql(f"INSERT INTO {_SOURCES.name} VALUES (?, ?)",
                                       list(sources.items()))
        chosen = f"{_OVERWRITES.name} o"
        if len(set(span_ids)) != len(self.ids):  # the merge's rules left some staged out
            connection.exec_driver_sql(f"INSERT INTO {_CHOSEN.name} VALUES (?)",
                                       [(i,) for i in span_ids])
            chosen = f"{_CHOSEN.name} c JOIN {_OVERWRITES.name} o ON o.id = c.id"
        joined = f"FROM {chosen} LEFT JOIN {_SOURCES.name} s ON s.entity = o.entity"
        same_place = 'spans.start = o.start AND spans."end" = o."end" AND ' \
                     "spans.entity_id IS s.source"
        # SQLite rewrites an index entry whenever the UPDATE assigns one of its columns, equal
        # or not: the spans whose offsets and source stay (an edited label or note, the usual
        # change) are updated without them, sparing three index rewrites per span
        connection.execute(text(
            "UPDATE spans SET note = o.note, labels = o.labels, role = o.role, "
            f"updated_at = o.updated_at, version = o.version {joined} "
            f"WHERE spans.id = o.id AND {same_place}"))
        connection.execute(text(
            'UPDATE spans SET start = o.start, "end" = o."end", text = o.text, note = o.note, '
            "labels = o.labels, role = o.role, entity_id = s.source, "
            f"updated_at = o.updated_at, version = o.version {joined} "
            f"WHERE spans.id = o.id AND NOT ({same_place})"))
        # an upsert updates the recorded version in place; OR REPLACE deleted and inserted
        # each row (twice the time under the lock)
        connection.execute(text(
            "INSERT INTO bundle_imports (span_id, version, imported_at) "
            f"SELECT o.id, o.version, :at FROM {chosen} WHERE true "
            "ON CONFLICT (span_id) DO UPDATE SET version = excluded.version, "
            "imported_at = excluded.imported_at").bindparams(
                bindparam("at", imported_at, type_=UTCDateTime)))
        session.expire_all()

    def drop(self) -> None:
        if not self._created:
            return
        self._created = False
        try:
            with self.connection.begin():
                for table in _STAGED_TABLES:
                    self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table.name}")
        except Exception:
            log.warning("could not drop the staged overwrites", exc_info=True)
            self.connection.invalidate()  # the pool drops it, and its temporary tables


@contextmanager
def overwrite_staging(connection: Connection) -> Iterator[OverwriteStaging]:
    """An ``OverwriteStaging`` on the import's connection, its tables dropped at the end."""
    staging = OverwriteStaging(connection)
    try:
        yield staging
    finally:
        staging.drop()
