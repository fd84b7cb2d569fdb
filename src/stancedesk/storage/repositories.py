"""Map rows to domain objects and back. Functions take a Session so callers own the unit of work."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import (
    LargeBinary,
    Select,
    Table,
    delete,
    func,
    insert,
    null,
    select,
    text,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from stancedesk.domain import Annotator, Document, DocumentStatus, Scheme, Span, StanceTarget
from stancedesk.domain.annotation_table import (
    ATTRIBUTION_COLUMNS,
    CURATION_COLUMNS,
    LEADING_COLUMNS,
    TRAILING_COLUMNS,
    PackedCells,
    TableBatch,
    curated_from_cell,
)
from stancedesk.domain.span_pack import SEPARATOR, PackedSpans
from stancedesk.domain.span_store import PendingSpans
from stancedesk.storage import parallel_reads
from stancedesk.storage.engine import ANNOTATORS_IN_UNIT, COMMITTED_ANNOTATORS
from stancedesk.storage.tables import (
    AnnotatorRow,
    CurationDecisionRow,
    DocumentRow,
    DocumentStatusRow,
    EntityRow,
    ImportRow,
    LinkRow,
    SettingRow,
    SpanRow,
    SuggestedSpanRow,
    TargetRow,
)
from stancedesk.storage.types import utcnow
from stancedesk.storage.visibility import PENDING, visible, visible_sql

SCHEME_SETTING = "scheme"
IMPORT_LOCK = 0x5D_0002  # PostgreSQL advisory lock key held by an annotation import


# --- documents -------------------------------------------------------------------------------

def document_from_row(row: DocumentRow) -> Document:
    return _document(row, row.text)


def _document(row: Any, text: str) -> Document:
    return Document(id=row.id, title=row.title, text=text, sha256=row.sha256,
                    source_file=row.source_file, outlet=row.outlet, published=row.published,
                    url=row.url, metadata=dict(row.meta or {}), imported_at=row.imported_at)


def add_document(session: Session, doc: Document, imported_at: datetime | None = None) -> None:
    session.add(DocumentRow(id=doc.id, title=doc.title, text=doc.text, sha256=doc.sha256,
                            source_file=doc.source_file, outlet=doc.outlet,
                            published=doc.published, url=doc.url, meta=dict(doc.metadata),
                            imported_at=imported_at or utcnow()))


def insert_documents_if_absent(session: Session, docs: Sequence[Document],
                               imported_at: datetime | None = None,
                               import_id: str | None = None) -> set[str]:
    """Store each of ``docs`` unless the same text (same id, same hash) is there; the ids
    stored. The database settles a race between two imports of the same corpus: INSERT ... ON
    CONFLICT DO NOTHING waits for the other transaction and then skips, instead of failing on
    the unique hash at commit. One statement per thousand documents: built once per document,
    the statement cost more than the insert itself. ``import_id``: a chunked import's, which
    hides the new documents until it is published."""
    when = imported_at or utcnow()
    stored: set[str] = set()
    stmt = conflict_insert(session, DocumentRow).on_conflict_do_nothing().returning(DocumentRow.id)
    for i in range(0, len(docs), 1000):
        rows = [{"id": d.id, "title": d.title, "text": d.text, "sha256": d.sha256,
                 "source_file": d.source_file, "outlet": d.outlet, "published": d.published,
                 "url": d.url, "meta": dict(d.metadata), "imported_at": when,
                 "import_id": import_id}
                for d in docs[i:i + 1000]]
        stored.update(session.scalars(stmt, rows))
    return stored


def lock_for_import(session: Session) -> None:
    """Run one annotation import at a time on a server (SQLite's write transaction already
    does): the second then sees the first's spans and annotators, so importing the same file
    twice at once adds it once, and neither ends in a unique-constraint error."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})


def existing_hashes(session: Session, hashes: Iterable[str]) -> set[str]:
    wanted = list(set(hashes))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        found.update(session.scalars(select(DocumentRow.sha256)
                                     .where(DocumentRow.sha256.in_(chunk))))
    return found


def _document_row(session: Session, document_id: str) -> DocumentRow | None:
    """The stored document, unless a corpus import still running holds it (hidden like
    every row of a pending import: it is not there yet for anyone who asks by id)."""
    return session.scalar(select(DocumentRow).where(DocumentRow.id == document_id,
                                                    visible(DocumentRow.import_id)))


def get_document(session: Session, document_id: str) -> Document | None:
    row = _document_row(session, document_id)
    return document_from_row(row) if row is not None else None


def document_and_utf8(session: Session, document_id: str
                      ) -> tuple[Document, bytes | None] | None:
    """The document and, on SQLite, its text's UTF-8 as stored (None elsewhere). The desk
    hands Qt a text with emoji as UTF-8: SQLite's own bytes spare encoding the text again
    (~4 ms for 5 MB), and one row of plain columns spares the ORM's object."""
    if session.get_bind().dialect.name != "sqlite":
        doc = get_document(session, document_id)
        return None if doc is None else (doc, None)
    row = session.execute(select(
        DocumentRow.id, DocumentRow.title, sql_cast(DocumentRow.text, LargeBinary).label("utf8"),
        DocumentRow.sha256, DocumentRow.source_file, DocumentRow.outlet, DocumentRow.published,
        DocumentRow.url, DocumentRow.meta, DocumentRow.imported_at,
    ).where(DocumentRow.id == document_id, visible(DocumentRow.import_id))).one_or_none()
    if row is None:
        return None
    utf8 = bytes(row.utf8)
    return _document(row, utf8.decode("utf-8")), utf8


def list_documents(session: Session) -> list[Document]:
    rows = session.scalars(select(DocumentRow).where(visible(DocumentRow.import_id))
                           .order_by(DocumentRow.published,
                                                        DocumentRow.title, DocumentRow.id))
    return [document_from_row(r) for r in rows]


def document_headers(session: Session, lengths: bool = True
                     ) -> list[tuple[str, str, str, str, str, int | None]]:
    """id, title, source file, outlet, published, length - without loading texts. The length
    (None unless ``lengths``) still reads every text through: SQLite counts characters."""
    length = func.length(DocumentRow.text) if lengths else null()
    rows = session.execute(select(
        DocumentRow.id, DocumentRow.title, DocumentRow.source_file, DocumentRow.outlet,
        DocumentRow.published, length,
    ).where(visible(DocumentRow.import_id))
        .order_by(DocumentRow.published, DocumentRow.title, DocumentRow.id))
    return [tuple(r) for r in rows]


def document_length(session: Session, document_id: str) -> int | None:
    """The text's length in characters (Python ``str`` indices), or None for no such document."""
    return session.scalar(select(func.length(DocumentRow.text))
                          .where(DocumentRow.id == document_id)
                          .where(visible(DocumentRow.import_id)))


def span_counts_by_document(session: Session, annotator: str | None = None) -> dict[str, int]:
    """Document id -> number of spans (of ``annotator``, or of everyone)."""
    stmt = (select(SpanRow.document_id, func.count()).where(visible(SpanRow.import_id))
            .group_by(SpanRow.document_id))
    if annotator is not None:
        stmt = stmt.join(AnnotatorRow).where(AnnotatorRow.name == annotator)
    return {k: v for k, v in session.execute(stmt)}


def documents_with_spans_of(session: Session, annotator: str) -> list[str]:
    """The documents where ``annotator`` has a span, sorted (none when nobody has that name:
    asking costs nothing then, while a scan of every span for the name would not)."""
    key = session.scalar(select(AnnotatorRow.id).where(AnnotatorRow.name == annotator))
    if key is None:
        return []
    return list(session.scalars(select(SpanRow.document_id).distinct()
                                .where(SpanRow.annotator_id == key, visible(SpanRow.import_id))
                                .order_by(SpanRow.document_id)))


def document_texts(session: Session, document_ids: Sequence[str] | None = None
                   ) -> dict[str, str]:
    stmt = select(DocumentRow.id, DocumentRow.text).where(visible(DocumentRow.import_id))
    if document_ids is not None:
        stmt = stmt.where(DocumentRow.id.in_(list(document_ids)))
    return {k: v for k, v in session.execute(stmt)}


def text_slice(session: Session, document_id: str, start: int, end: int
               ) -> tuple[int, str] | None:
    """(length of the text, text[start:end]), or None for an unknown document.

    SQLite's substr/length count characters, exactly like Python str indices, so a 1 MB text
    never travels to Python just to label a few words."""
    row = session.execute(
        select(func.length(DocumentRow.text),
               func.substr(DocumentRow.text, start + 1, end - start))
        .where(DocumentRow.id == document_id, visible(DocumentRow.import_id))).first()
    return None if row is None else (row[0], row[1] or "")


def selection_counts(session: Session, annotators: Sequence[str] | None = None,
                     documents: Sequence[str] | None = None) -> tuple[int, int, int]:
    """(spans, documents, annotators) in a selection."""
    stmt = select(func.count(SpanRow.id), func.count(func.distinct(SpanRow.document_id)),
                  func.count(func.distinct(AnnotatorRow.name))).join(SpanRow.annotator) \
        .where(visible(SpanRow.import_id))
    if documents is not None:
        stmt = stmt.where(SpanRow.document_id.in_(list(documents)))
    if annotators is not None:
        stmt = stmt.where(AnnotatorRow.name.in_(list(annotators)))
    spans, docs, people = session.execute(stmt).one()
    return int(spans), int(docs), int(people)


def delete_documents(session: Session, document_ids: Sequence[str]) -> None:
    """Remove documents with their spans, the spans' links and suggestion marks, and status
    marks (explicitly: the cascade needs foreign keys switched on, which a server or an old
    SQLite file may not have)."""
    ids = list(document_ids)
    spans = select(SpanRow.id).where(SpanRow.document_id.in_(ids)).scalar_subquery()
    session.execute(delete(LinkRow).where(LinkRow.from_span_id.in_(spans)
                                          | LinkRow.to_span_id.in_(spans)))
    session.execute(delete(SuggestedSpanRow).where(SuggestedSpanRow.span_id.in_(spans)))
    session.execute(delete(SpanRow).where(SpanRow.document_id.in_(ids)))
    session.execute(delete(DocumentStatusRow).where(DocumentStatusRow.document_id.in_(ids)))
    session.execute(delete(DocumentRow).where(DocumentRow.id.in_(ids)))


def update_document_fields(session: Session, document_id: str, fields: Mapping[str, str]
                           ) -> Document | None:
    """Change header fields (title, outlet, published, url); the text never changes."""
    row = _document_row(session, document_id)
    if row is None:
        return None
    for key, value in fields.items():
        if key not in ("title", "outlet", "published", "url"):
            raise ValueError(f"not an editable document field: {key}")
        setattr(row, key, value)
    session.flush()
    return document_from_row(row)


def document_ids_matching(session: Session, needle: str) -> set[str]:
    """Documents whose title, outlet or text contains ``needle`` (LIKE: case-insensitive for
    ASCII letters, exact for others), without loading any text into Python."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    stmt = select(DocumentRow.id).where(visible(DocumentRow.import_id)).where(
        DocumentRow.title.like(pattern, escape="\\")
        | DocumentRow.outlet.like(pattern, escape="\\")
        | DocumentRow.text.like(pattern, escape="\\"))
    return set(session.scalars(stmt))


def count_documents(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DocumentRow)
                          .where(visible(DocumentRow.import_id))) or 0


def documents_by_source_file(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for doc_id, source in session.execute(select(DocumentRow.id, DocumentRow.source_file)
                                          .where(visible(DocumentRow.import_id))):
        out.setdefault(source, []).append(doc_id)
    return out


# --- annotators ------------------------------------------------------------------------------

def annotator_from_row(row: AnnotatorRow) -> Annotator:
    return Annotator(id=row.id, name=row.name, created_at=row.created_at,
                     is_reviewer=row.is_reviewer)


def list_annotators(session: Session) -> list[Annotator]:
    return [annotator_from_row(r)
            for r in session.scalars(select(AnnotatorRow).where(visible(AnnotatorRow.import_id))
                                     .order_by(AnnotatorRow.name))]


def find_annotator(session: Session, name: str) -> AnnotatorRow | None:
    return session.scalar(select(AnnotatorRow).where(AnnotatorRow.name == name))


def conflict_insert(session: Session, table: Any) -> Any:
    """An INSERT that can say ON CONFLICT, in the session's dialect (SQLite and PostgreSQL
    spell it the same way). Imported here: the PostgreSQL dialect's modules take a tenth of
    a second to import, which every command paid at start-up on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def ensure_annotator(session: Session, name: str) -> AnnotatorRow:
    """The annotator called ``name``, created if new. The race of two first spans by the same
    new annotator (two desks, ten processes) is settled by the unique name in the database:
    INSERT ... ON CONFLICT DO NOTHING, then read whichever row won."""
    name = name.strip()
    if not name:
        raise ValueError("an annotator needs a non-empty name")
    # one lookup per name and unit of work: an import adds thousands of spans by a few people,
    # and each query would otherwise also flush the spans added so far, one INSERT at a time
    known: dict[str, AnnotatorRow] = session.info.setdefault(ANNOTATORS_IN_UNIT, {})
    if name in known:
        return known[name]
    with session.no_autoflush:
        row = find_annotator(session, name)
    if row is None:
        session.execute(conflict_insert(session, AnnotatorRow).values(
            id=str(uuid.uuid4()), name=name, is_reviewer=False, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"]))
        with session.no_autoflush:
            row = find_annotator(session, name)
        assert row is not None
    elif row.import_id is not None:
        take_up(session, row)
    known[name] = row
    return row


def create_annotators(session: Session, names: Iterable[str], import_id: str) -> list[str]:
    """Create the annotators among ``names`` not stored yet, marked with ``import_id`` (hidden
    until it is published); those created, in the given order. A name stored by someone
    else meanwhile is used as it is (INSERT ... ON CONFLICT DO NOTHING). Whether a row went in
    is what RETURNING gives back: the row count of an ORM insert is -1 on psycopg."""
    created: list[str] = []
    for name in names:
        if find_annotator(session, name) is None:
            inserted = session.execute(
                conflict_insert(session, AnnotatorRow).values(
                    id=str(uuid.uuid4()), name=name, is_reviewer=False, created_at=utcnow(),
                    import_id=import_id)
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(AnnotatorRow.id)).scalar_one_or_none()
            if inserted is not None:
                created.append(name)
    return created


def take_up(session: Session, row: AnnotatorRow | EntityRow) -> bool:
    """Make an annotator or registry source that an import still running created (hidden
    until it publishes) an ordinary, visible one, because someone at a desk uses that name
    now; whether it was a pending import's. Hidden, the name was missing from every list
    while this person's own spans were stored under it (or, for a source, the desk was told
    the name was taken by one it could not see); and a name alone is no part of the import
    worth keeping back. The import publishes as before, and were it discarded instead, the
    row is no longer its own to delete."""
    if row.import_id is None:
        return False
    state = session.scalar(select(ImportRow.state).where(ImportRow.id == row.import_id))
    if state != PENDING:
        return False
    table = type(row)
    session.execute(update(table).where(table.id == row.id).values(import_id=None)
                    .execution_options(synchronize_session=False))
    set_committed_value(row, "import_id", None)  # as the row now is, without a reload
    return True


# --- spans -----------------------------------------------------------------------------------

def span_from_row(row: SpanRow) -> Span:
    return Span(id=row.id, document_id=row.document_id, annotator=row.annotator.name,
                start=row.start, end=row.end, text=row.text,
                labels=dict(row.labels or {}), note=row.note,
                created_at=row.created_at, updated_at=row.updated_at, version=row.version,
                role=row.role, entity_id=row.entity_id)


def annotator_id(session: Session, name: str) -> tuple[str, str]:
    """(id, name as stored) of the annotator called ``name``, created if new; from the
    database's memory of committed annotators when it has them (no query)."""
    committed: dict[str, str] = session.info.get(COMMITTED_ANNOTATORS, {})
    found = committed.get(name)
    if found is not None:
        return found, name
    row = ensure_annotator(session, name)
    return row.id, row.name


def add_span(session: Session, span: Span, version: int = 1) -> Span:
    """Store a new span (or put a deleted one back, with ``version``) in one INSERT. No ORM
    object is made, flushed or tracked: a label key adds one span and commits at once, and
    the unit of work's bookkeeping cost more than the statement itself. ORM rows the caller
    added before (a document being restored, a new annotator) are flushed first."""
    annotator_key, annotator_name = annotator_id(session, span.annotator)
    now = utcnow()
    created, updated = span.created_at or now, span.updated_at or now
    labels = clean_labels(span.labels)
    session.flush()  # nothing to do unless the caller has pending rows this one refers to
    session.execute(_SPAN_INSERT, {
        "id": span.id, "document_id": span.document_id, "annotator_id": annotator_key,
        "start": span.start, "end": span.end, "text": span.text, "note": span.note,
        "created_at": created, "updated_at": updated, "labels": labels, "role": span.role,
        "entity_id": span.entity_id, "version": version})
    return Span(id=span.id, document_id=span.document_id, annotator=annotator_name,
                start=span.start, end=span.end, text=span.text, labels=dict(labels),
                note=span.note, created_at=created, updated_at=updated, version=version,
                role=span.role, entity_id=span.entity_id)


# a plain Core statement (compiled once, then from SQLAlchemy's cache)
_SPAN_INSERT = insert(cast(Table, SpanRow.__table__))


def spans_query(document_ids: Sequence[str] | None = None,
                annotators: Sequence[str] | None = None) -> Select[SpanRow]:
    stmt = select(SpanRow).join(SpanRow.annotator).where(visible(SpanRow.import_id))
    if document_ids is not None:
        stmt = stmt.where(SpanRow.document_id.in_(list(document_ids)))
    if annotators is not None:
        stmt = stmt.where(AnnotatorRow.name.in_(list(annotators)))
    # the order of index ix_spans_export_order, so large exports stream without a sort; span ids
    # break ties, and they are the same in every database the spans travel to
    return stmt.order_by(SpanRow.document_id, SpanRow.start, SpanRow.end, SpanRow.id)


def iter_spans(session: Session, document_ids: Sequence[str] | None = None,
               annotators: Sequence[str] | None = None, batch: int = 2000) -> Iterator[Span]:
    """Stream spans in (document, start) order so exports run in constant memory. The result
    is closed when the stream is (a cancelled export leaves no server-side cursor open)."""
    stmt = spans_query(document_ids, annotators).execution_options(yield_per=batch)
    with session.scalars(stmt) as rows:
        for row in rows:
            yield span_from_row(row)


def spans_per_annotator(session: Session) -> dict[str, int]:
    """Annotator name -> number of spans (0 for an annotator without spans)."""
    rows = session.execute(select(AnnotatorRow.name, func.count(SpanRow.id))
                           .outerjoin(SpanRow, (SpanRow.annotator_id == AnnotatorRow.id)
                                      & visible(SpanRow.import_id))
                           .where(visible(AnnotatorRow.import_id))
                           .group_by(AnnotatorRow.name).order_by(AnnotatorRow.name))
    return {name: n for name, n in rows}


def count_spans(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SpanRow)
                          .where(visible(SpanRow.import_id))) or 0


def clean_labels(labels: Mapping[str, str | None]) -> dict[str, str]:
    """Only layers with a value are stored: an empty value means the layer is unset."""
    return {k: v for k, v in labels.items() if v}


def span_values(span: Span, annotator_id: str, version: int,
                import_id: str | None = None) -> dict[str, Any]:
    """A span as one row of a batched ``insert(spans)``: bundle merges and curation store
    thousands at once, each under an annotator id (and an import) of the caller's."""
    return {"id": span.id, "document_id": span.document_id, "annotator_id": annotator_id,
            "start": span.start, "end": span.end, "text": span.text, "note": span.note,
            "labels": clean_labels(span.labels), "role": span.role,
            "entity_id": span.entity_id, "created_at": span.created_at,
            "updated_at": span.updated_at, "version": version, "import_id": import_id}


def label_usage(session: Session) -> dict[tuple[str, str], int]:
    """(layer, value) -> number of spans using it: what a scheme change must not orphan."""
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(text(
            "SELECT j.key, j.value, count(*) FROM spans, json_each(spans.labels) j "
            f"WHERE {visible_sql('spans')} GROUP BY j.key, j.value"))
        return {(layer, str(value)): n for layer, value, n in rows}
    counts: dict[tuple[str, str], int] = {}
    for labels in session.scalars(select(SpanRow.labels).where(visible(SpanRow.import_id))):
        for layer, value in (labels or {}).items():
            counts[(layer, value)] = counts.get((layer, value), 0) + 1
    return counts


def label_values(session: Session, layer: str, annotators: Sequence[str] | None = None
                 ) -> set[str]:
    """Distinct values used in one layer (for a free layer's suggestions), by everyone or by
    ``annotators`` only."""
    if session.get_bind().dialect.name == "sqlite":
        params: dict[str, object] = {"layer": layer}
        where = ""
        if annotators is not None:
            names = list(annotators)
            where = " AND a.name IN (" + ", ".join(f":a{i}" for i in range(len(names))) + ")" \
                if names else " AND 0"
            params.update({f"a{i}": n for i, n in enumerate(names)})
        rows = session.execute(text(
            "SELECT DISTINCT json_extract(s.labels, '$.' || json_quote(:layer)) FROM spans s "
            "JOIN annotators a ON a.id = s.annotator_id "
            "WHERE json_extract(s.labels, '$.' || json_quote(:layer)) IS NOT NULL AND "
            + visible_sql("s") + where),
            params)
        return {str(v) for (v,) in rows}
    stmt = select(SpanRow.labels).join(SpanRow.annotator).where(visible(SpanRow.import_id))
    if annotators is not None:
        stmt = stmt.where(AnnotatorRow.name.in_(list(annotators)))
    return {labels[layer] for labels in session.scalars(stmt) if labels and labels.get(layer)}


# --- document status -------------------------------------------------------------------------

def set_document_status(session: Session, document_id: str, annotator: str,
                        status: DocumentStatus) -> None:
    ann = ensure_annotator(session, annotator)
    now = utcnow()
    stmt = conflict_insert(session, DocumentStatusRow).values(
        document_id=document_id, annotator_id=ann.id, status=status.value, updated_at=now)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["document_id", "annotator_id"],
        set_={"status": status.value, "updated_at": now}))


def document_statuses(session: Session, annotator: str) -> dict[str, DocumentStatus]:
    stmt = (select(DocumentStatusRow.document_id, DocumentStatusRow.status)
            .join(AnnotatorRow, AnnotatorRow.id == DocumentStatusRow.annotator_id)
            .where(AnnotatorRow.name == annotator))
    return {k: DocumentStatus(v) for k, v in session.execute(stmt)}


def document_status_rows(session: Session, document_ids: Sequence[str]
                         ) -> list[tuple[str, str, str, datetime]]:
    """(document id, annotator, status, updated_at) of these documents: what an undo of a
    document delete must put back."""
    stmt = (select(DocumentStatusRow.document_id, AnnotatorRow.name, DocumentStatusRow.status,
                   DocumentStatusRow.updated_at)
            .join(AnnotatorRow, AnnotatorRow.id == DocumentStatusRow.annotator_id)
            .where(DocumentStatusRow.document_id.in_(list(document_ids))))
    return [(doc, name, status, when) for doc, name, status, when in session.execute(stmt)]


def restore_document_status(session: Session, document_id: str, annotator: str, status: str,
                            updated_at: datetime) -> None:
    ann = ensure_annotator(session, annotator)
    session.merge(DocumentStatusRow(document_id=document_id, annotator_id=ann.id, status=status,
                                    updated_at=updated_at))


# --- scheme and targets ----------------------------------------------------------------------

def load_scheme(session: Session) -> Scheme | None:
    row = session.get(SettingRow, SCHEME_SETTING)
    if row is None or row.value is None:
        return None
    return Scheme.from_dict(row.value, source="stored scheme")


def save_scheme(session: Session, scheme: Scheme) -> None:
    row = session.get(SettingRow, SCHEME_SETTING)
    data = scheme.to_dict()
    if row is None:
        session.add(SettingRow(key=SCHEME_SETTING, value=data))
    else:
        row.value = data
    existing = {t.key: t for t in session.scalars(select(TargetRow))}
    for target in scheme.targets:
        row_t = existing.get(target.key)
        if row_t is None:
            session.add(TargetRow(key=target.key, name=target.name,
                                  description=target.description))
        else:
            row_t.name, row_t.description = target.name, target.description


def list_targets(session: Session) -> list[StanceTarget]:
    return [StanceTarget(r.key, r.name, r.description)
            for r in session.scalars(select(TargetRow).order_by(TargetRow.name))]


def add_target(session: Session, target: StanceTarget) -> None:
    row = session.get(TargetRow, target.key)
    if row is None:
        session.add(TargetRow(key=target.key, name=target.name, description=target.description))


# --- the annotation table, fast ---------------------------------------------------------------


# attribution: the three links of a span (one of each kind, by primary key) as l0..l2; curation
# provenance: a gold span has one decision row (the decision that produced it), as cd
_EXPORT_JOINS = "".join(
    f" LEFT JOIN links l{k} ON l{k}.from_span_id = spans.id AND l{k}.kind = '{kind}'"
    for k, kind in enumerate(ATTRIBUTION_COLUMNS[1:4])) + \
    f" LEFT JOIN curation_decisions cd ON cd.span_id = spans.id AND {visible_sql('cd')}"


def _sqlite_scope(names: dict[str, str], annotators: Sequence[str] | None,
                  documents: Sequence[str] | None) -> tuple[list[str], list[object]] | None:
    """The WHERE terms and parameters of an export's scope; None when no annotator asked for
    exists, so the export has no rows (both SQLite export paths share one reading of it)."""
    where: list[str] = [visible_sql("spans")]
    params: list[object] = []
    if documents is not None:
        where.append(f"spans.document_id IN ({','.join('?' * len(documents))})")
        params += list(documents)
    if annotators is not None:
        wanted = set(annotators)
        ids = [i for i, name in names.items() if name in wanted]
        if not ids:
            return None
        where.append(f"spans.annotator_id IN ({','.join('?' * len(ids))})")
        params += ids
    return where, params

def annotation_table_rows(session: Session, layer_keys: Sequence[str],
                          annotators: Sequence[str] | None = None,
                          documents: Sequence[str] | None = None,
                          batch: int = 5000) -> Iterator[tuple[object, ...]]:
    """Rows of the annotation table, in the order of ``domain.annotation_table`` (the one
    definition of the columns), in export order.

    A million spans export in seconds only if each row is touched once: SQLite streams the span
    rows in export order without joins (an index lookup per row for titles and names cost more
    than the rest), and Python finishes each row from small dictionaries: titles and annotator
    names, the layer cells of each distinct label JSON (parsed once; there are few), the times
    as ISO 8601 text in UTC (as ``format_time`` writes them) by string edits. Other databases
    take the ORM path (``orm_annotation_table_rows``) and give the same rows.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield from orm_annotation_table_rows(session, layer_keys, annotators, documents)
        return
    titles = {i: (title, source) for i, title, source in session.execute(
        select(DocumentRow.id, DocumentRow.title, DocumentRow.source_file))}
    names = {i: name for i, name in session.execute(select(AnnotatorRow.id, AnnotatorRow.name))}
    scope = _sqlite_scope(names, annotators, documents)
    if scope is None:
        return
    where, params = scope
    entities = {i: name for i, name in session.execute(select(EntityRow.id, EntityRow.name))}
    # attribution: the role, the three links (one of each kind per span, by primary key) and
    # the entity, whose name comes from the registry read above
    sql = ('SELECT spans.id, spans.document_id, annotator_id, spans.start, spans."end", text, '
           "labels, note, created_at, updated_at, role, l0.to_span_id, l1.to_span_id, "
           "l2.to_span_id, entity_id, cd.curated_by, cd.curated_at, cd.curated_from, "
           "cd.decision FROM spans" + _EXPORT_JOINS +
           (" WHERE " + " AND ".join(where) if where else "") +
           ' ORDER BY spans.document_id, spans.start, spans."end", spans.id')
    order = {"annotation_id": 0, "document_id": 1, "document_title": 2, "source_file": 3,
             "annotator": 4, "start": 5, "end": 6, "text": 7, "note": 8, "created_at": 9,
             "updated_at": 10}
    leading = itemgetter(*(order[c] for c in LEADING_COLUMNS))
    trailing = itemgetter(*(order[c] for c in TRAILING_COLUMNS))
    no_provenance = ("",) * len(CURATION_COLUMNS)
    cells_of: dict[str, tuple[object, ...]] = {}  # label JSON -> its cells: few distinct sets
    empty_cells = ("",) * len(layer_keys)

    def cells(raw: str | None) -> tuple[object, ...]:
        if not raw:
            return empty_cells
        found = cells_of.get(raw)
        if found is None:
            if len(cells_of) > 100_000:
                cells_of.clear()
            values = json.loads(raw)
            found = cells_of[raw] = tuple("" if values.get(k) is None else values[k]
                                          for k in layer_keys)
        return found

    def stamp(value: str | None) -> str | None:
        # stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' (naive UTC); ISO 8601 with microseconds
        return None if value is None else (value.replace(" ", "T") + ".000000")[:26] + "Z"

    driver = session.connection().connection.driver_connection
    assert driver is not None, "a checked-out connection always has its DB-API connection"
    cursor = driver.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            for (sid, doc, ann, start, end, text_, raw, note, created, updated, role, source_,
                 via, cue, entity, by, at, whence, decision) in rows:
                title, source = titles.get(doc, ("", ""))
                full = (sid, doc, title, source, names.get(ann, ""), start, end, text_, note,
                        stamp(created), stamp(updated))
                yield (*leading(full), *cells(raw), role or "", source_ or "", via or "",
                       cue or "", entities.get(entity, "") if entity else "", *trailing(full),
                       *(_provenance(by, stamp(at), json.loads(whence), decision)
                         if decision else no_provenance))
    finally:
        cursor.close()


def annotation_table_batches(session: Session, layer_keys: Sequence[str],
                             annotators: Sequence[str] | None = None,
                             documents: Sequence[str] | None = None,
                             limit: int | None = None, batch: int = 20_000, readers: int = 1,
                             chunk_rows: int | None = None) -> Iterator[TableBatch] | None:
    """The rows of ``annotation_table_rows`` as ``TableBatch`` es of at most ``batch`` rows
    (columns for a writer that builds columns), or None where the database is not SQLite
    (write the rows then). ``limit``: the first rows only.

    Nothing is done per row in Python. SQLite packs each column of a batch into one value
    (``group_concat`` over the batch's rows in export order, texts joined by ``SEPARATOR``,
    numbers by commas: ``PackedCells``) that the writer splits in one call; a batch where some
    cell holds the separator is read as rows instead. The cells of few distinct values (titles,
    file names, annotator and entity names, each layer's value per label JSON, the curation
    provenance) are given as keys with a mapping, for the writer to look up once per distinct
    key. Times stay the stored text. ``readers`` and ``chunk_rows``: as in
    ``annotation_csv_blocks`` (packing runs inside SQLite, outside the GIL, so two readers use
    two cores).
    """
    if session.get_bind().dialect.name != "sqlite":
        return None
    return _sqlite_table_batches(session, layer_keys, annotators, documents, limit, batch,
                                 readers if limit is None else 1,
                                 chunk_rows or parallel_reads.CHUNK_ROWS)


def _table_batch(rows: list[tuple[Any, ...]], layer_keys: Sequence[str], links: bool,
                 decided: bool, named: Mapping[str, Mapping[object, object]],
                 layers: Mapping[str, Mapping[object, object]]) -> TableBatch:
    """One fetched batch by column (a function, so that nothing of it outlives the batch).
    Columns that are empty for the whole selection are made here, not fetched: every column
    SQLite returns costs per row."""
    columns = list(zip(*rows, strict=True))
    (ids, docs, anns, starts, ends, texts, labels, notes, created, updated, roles,
     entity) = columns[:12]
    n = len(rows)
    empty: tuple[str, ...] = ("",) * n
    attribution: dict[str, tuple[Sequence[object], Mapping[object, object]]] = {
        kind: (column, named["same"]) for kind, column in
        zip(ATTRIBUTION_COLUMNS[1:4], columns[12:15] if links else (), strict=False)}
    curated: list[Sequence[object]] = [empty, (None,) * n, empty, empty]
    if decided:
        by, at, whence, decision = columns[-4:]
        if any(decision):
            provenance = [_provenance(b, a, json.loads(w), d) if d else ("", None, "", "")
                          for b, a, w, d in zip(by, at, whence, decision, strict=True)]
            curated = [[p[0] for p in provenance], [p[1] or None for p in provenance],
                       [p[2] for p in provenance], [p[3] for p in provenance]]
    values: dict[str, Sequence[object] | PackedCells] = {
        "annotation_id": ids, "document_id": docs, "start": starts, "end": ends,
        "text": texts, "note": notes, "created_at": created, "updated_at": updated,
        **{kind: empty for kind in ATTRIBUTION_COLUMNS[1:4] if kind not in attribution},
        **dict(zip(CURATION_COLUMNS, curated, strict=True))}
    keyed: dict[str, tuple[Sequence[object] | PackedCells, Mapping[object, object]]] = {
        "document_title": (docs, named["titles"]), "source_file": (docs, named["sources"]),
        "annotator": (anns, named["names"]), "entity": (entity, named["entities"]),
        "role": (roles, named["same"]), **attribution,
        **{key: (labels, layers[key]) for key in layer_keys}}
    return TableBatch(n, values, keyed)


def _packed_batch(n: int, fields: Sequence[bytes], layer_keys: Sequence[str], links: bool,
                  decided: bool, named: Mapping[str, Mapping[object, object]],
                  layers: Mapping[str, Mapping[object, object]]) -> TableBatch:
    """A batch from the packed columns of ``_packed_fields`` (in ``_BATCH_COLUMNS`` order,
    then the links and the decision where there are any). The columns the selection has no
    value in (no links, no curation) are left out: the writer makes them empty."""
    (ids, docs, anns, starts, ends, texts, labels, notes, created, updated, roles,
     entity) = (PackedCells(f) for f in fields[:12])
    values: dict[str, Sequence[object] | PackedCells] = {
        "annotation_id": ids, "document_id": docs, "start": starts, "end": ends,
        "text": texts, "note": notes, "created_at": created, "updated_at": updated}
    keyed: dict[str, tuple[Sequence[object] | PackedCells, Mapping[object, object]]] = {
        "document_title": (docs, named["titles"]), "source_file": (docs, named["sources"]),
        "annotator": (anns, named["names"]), "entity": (entity, named["entities"]),
        "role": (roles, named["same"]),
        **{key: (labels, layers[key]) for key in layer_keys}}
    rest = [PackedCells(f) for f in fields[12:]]
    if links:
        for kind in ATTRIBUTION_COLUMNS[1:4]:
            keyed[kind] = (rest.pop(0), named["same"])
    if decided:
        by, at, whence, decision = rest
        keyed["curated_by"] = (by, named["same"])
        values["curated_at"] = at  # "" where the span has no provenance: no time
        keyed["curated_from"] = (whence, named["curated_from"])
        keyed["decision"] = (decision, named["same"])
    return TableBatch(n, values, keyed)


class _LayerValues(dict[object, object]):
    """Label JSON -> the value of one layer in it (None for none), parsed on first use (once
    for all the layers: ``parsed`` is shared)."""

    def __init__(self, key: str, parsed: dict[object, dict[str, Any]]) -> None:
        super().__init__()
        self.key, self.parsed = key, parsed

    def __missing__(self, raw: object) -> object:
        values = self.parsed.get(raw)
        if values is None:
            values = self.parsed[raw] = json.loads(raw) if isinstance(raw, str) and raw else {}
        found = self[raw] = values.get(self.key) or None
        return found


class _Same(dict[object, object]):
    """A cell that is its own key (roles, linked span ids)."""

    def __missing__(self, key: object) -> object:
        return key


class _Named(dict[object, object]):
    """Id -> name (or title, file); an id it does not hold has an empty cell, as in
    ``annotation_table_rows``."""

    def __missing__(self, key: object) -> object:
        return ""


class _CuratedFrom(dict[object, object]):
    """A decision's stored ``curated_from`` JSON -> its cell ("" for none)."""

    def __missing__(self, raw: object) -> object:
        found = self[raw] = curated_from_cell(json.loads(raw) or []) \
            if isinstance(raw, str) and raw else ""
        return found


# the columns of an export batch, in the order _table_batch and _packed_batch take them; the
# covered text and the note as UTF-8 bytes: Arrow checks them faster than Python decodes them
_BATCH_COLUMNS = ("spans.id", "spans.document_id", "spans.annotator_id", "spans.start",
                  'spans."end"', "CAST(spans.text AS BLOB)", "spans.labels",
                  "CAST(spans.note AS BLOB)", "spans.created_at", "spans.updated_at",
                  "spans.role", "spans.entity_id")
_LINK_COLUMNS = ("l0.to_span_id", "l1.to_span_id", "l2.to_span_id")
_DECISION_COLUMNS = ("cd.curated_by", "cd.curated_at", "cd.curated_from", "cd.decision")
_NUMBER_COLUMNS = frozenset(("spans.start", 'spans."end"'))
_BATCH_ORDER = ' ORDER BY spans.document_id, spans.start, spans."end", spans.id'
_BATCH_AFTER = '(spans.document_id, spans.start, spans."end", spans.id) > (?, ?, ?, ?)'


def _packed_fields(columns: Sequence[str], decided: bool) -> str:
    """The outer SELECT list that packs the inner columns c0, c1, ... of one batch: numbers
    joined by commas, every other column joined by SEPARATOR (NULL as ""; a provenance cell
    only where the span's decision is not empty, as ``_provenance`` has it)."""
    fields = []
    for i, column in enumerate(columns):
        cell = f"c{i}"
        if decided and column in _DECISION_COLUMNS[:3]:
            cell = f"CASE WHEN c{len(columns) - 1} <> '' THEN {cell} END"
        fields.append(f"CAST(group_concat({cell}) AS BLOB)" if column in _NUMBER_COLUMNS else
                      f"CAST(group_concat(coalesce({cell}, ''), '{SEPARATOR}') AS BLOB)")
    return ", ".join(fields)


def _sqlite_table_batches(session: Session, layer_keys: Sequence[str],
                          annotators: Sequence[str] | None, documents: Sequence[str] | None,
                          limit: int | None, batch: int, readers: int,
                          chunk_rows: int) -> Iterator[TableBatch]:
    with parallel_reads.snapshot_readers(session, readers) as connections:
        first = connections[0]
        titles, sources = _Named(), _Named()
        for i, title, source in first.execute("SELECT id, title, source_file FROM documents"):
            titles[i], sources[i] = title, source
        names = _Named(first.execute("SELECT id, name FROM annotators").fetchall())
        scope = _sqlite_scope({str(i): str(n) for i, n in names.items()}, annotators,
                              documents)
        if scope is None or limit == 0:
            return
        where, params = scope
        entities = _Named(first.execute("SELECT id, name FROM entities").fetchall())
        parsed: dict[object, dict[str, Any]] = {}
        layers = {key: _LayerValues(key, parsed) for key in layer_keys}
        links = bool(first.execute("SELECT EXISTS (SELECT 1 FROM links)").fetchone()[0])
        decided = bool(first.execute(
            "SELECT EXISTS (SELECT 1 FROM curation_decisions cd WHERE span_id IS NOT NULL "
            f"AND {visible_sql('cd')})").fetchone()[0])
        joins = "".join(
            f" LEFT JOIN links l{k} ON l{k}.from_span_id = spans.id AND l{k}.kind = '{kind}'"
            for k, kind in enumerate(ATTRIBUTION_COLUMNS[1:4])) if links else ""
        if decided:
            joins += (" LEFT JOIN curation_decisions cd ON cd.span_id = spans.id AND "
                      + visible_sql("cd"))
        columns = [*_BATCH_COLUMNS, *(_LINK_COLUMNS if links else ()),
                   *(_DECISION_COLUMNS if decided else ())]
        inner = ", ".join(f"{c} AS c{i}" for i, c in enumerate(columns))
        packed = _packed_fields(columns, decided)
        named = {"titles": titles, "sources": sources, "names": names, "entities": entities,
                 "same": _Same(), "curated_from": _CuratedFrom()}
        chunks: list[parallel_reads.DocumentRange] = [(None, None)]
        if len(connections) > 1:
            chunks = parallel_reads.document_chunks(first, documents, chunk_rows)

        def batches(connection: Any, chunk: parallel_reads.DocumentRange
                    ) -> Generator[TableBatch, None, None]:
            terms, bounds = parallel_reads.range_terms("spans.document_id", chunk)
            after: list[object] = []
            left = limit
            while True:
                size = batch if left is None else min(batch, left)
                selection = (f" FROM spans{joins} WHERE " +
                             " AND ".join([*where, *terms, *([_BATCH_AFTER] if after else [])]) +
                             _BATCH_ORDER + f" LIMIT {size}")
                args = [*params, *bounds, *after]
                count, *fields = connection.execute(
                    f"SELECT count(*), {packed} FROM (SELECT {inner}{selection})",
                    args).fetchone()
                if not count:
                    return
                step = SEPARATOR.encode()
                if all(f.count(step) == count - 1 for i, f in enumerate(fields)
                       if columns[i] not in _NUMBER_COLUMNS):
                    last = [f.rpartition(step if columns[i] not in _NUMBER_COLUMNS else b",")[2]
                            for i, f in enumerate(fields[:5])]
                    after = [last[1].decode(), int(last[3]), int(last[4]), last[0].decode()]
                    yield _packed_batch(count, fields, layer_keys, links, decided, named,
                                        layers)
                else:  # some cell holds the separator: this batch as rows
                    rows = connection.execute(f"SELECT {', '.join(columns)}{selection}",
                                              args).fetchall()
                    after = [rows[-1][1], rows[-1][3], rows[-1][4], rows[-1][0]]
                    yield _table_batch(rows, layer_keys, links, decided, named, layers)
                    del rows
                if left is not None:
                    left -= count
                if count < size or left == 0:
                    return

        yield from parallel_reads.ordered_chunks(connections, chunks, batches, depth=1)


def _provenance(by: str, at: str | None, whence: Sequence[str] | None,
                decision: str) -> tuple[str, str, str, str]:
    """The curation columns of a span some decision produced (``CURATION_COLUMNS``)."""
    return (by, at or "", curated_from_cell(whence or []), decision)


def annotation_csv_blocks(session: Session, layer_keys: Sequence[str],
                          csv_cells: Callable[[Sequence[object]], str], quote_when: str,
                          annotators: Sequence[str] | None = None,
                          documents: Sequence[str] | None = None, limit: int | None = None,
                          batch: int = 2000, readers: int = 1,
                          chunk_rows: int | None = None) -> Iterator[tuple[int, bytes]] | None:
    """The annotation table as CSV, in blocks of whole lines (``\\n`` ended) encoded as UTF-8,
    each with its number of lines; None where the database is not SQLite (write
    ``annotation_table_rows`` then). ``limit``: the first lines only.

    At a million rows any work per row in Python costs seconds, so SQLite writes each whole
    line (one ``printf``) and Python only joins a fetched batch of them into one block. The
    span's own cells are quoted by SQLite, byte-wise on its UTF-8 text: a cell holding any
    character of ``quote_when`` is put in double quotes with its quotes doubled, as
    ``csv.writer`` does. Cells with few distinct values (a document's id, title and file, an
    annotator, an entity, the layer cells of each distinct label JSON, a decision's provenance)
    are written once by ``csv_cells`` (the CSV writer of formats) into TEMP tables the query
    joins. The lines are those ``annotation_table_rows`` gives to the writer, byte for byte.

    With ``readers`` above 1 (and no ``limit``), that many connections read chunks of about
    ``chunk_rows`` spans (whole documents; default ``parallel_reads.CHUNK_ROWS``) at once, on
    one snapshot, and the blocks still come in export order (``parallel_reads``): SQLite's
    work is most of an export's, and it runs outside the GIL.
    """
    if session.get_bind().dialect.name != "sqlite":
        return None
    return _sqlite_csv_blocks(session, layer_keys, csv_cells, quote_when, annotators, documents,
                              limit, batch, readers if limit is None else 1,
                              chunk_rows or parallel_reads.CHUNK_ROWS)


# TEMP tables of cells written once, by the key a span joins them with (annotation_csv_blocks)
_CELL_TABLES = ("export_document_cells", "export_annotator_cells", "export_entity_cells",
                "export_label_cells", "export_provenance_cells")


def _sqlite_csv_blocks(session: Session, layer_keys: Sequence[str],
                       csv_cells: Callable[[Sequence[object]], str], quote_when: str,
                       annotators: Sequence[str] | None, documents: Sequence[str] | None,
                       limit: int | None, batch: int, readers: int,
                       chunk_rows: int) -> Iterator[tuple[int, bytes]]:
    with parallel_reads.snapshot_readers(session, readers) as connections:
        first = connections[0]
        names = dict(first.execute("SELECT id, name FROM annotators").fetchall())
        scope = _sqlite_scope(names, annotators, documents)
        if scope is None or limit == 0:
            return
        where, params = scope
        try:
            cells = _csv_cell_rows(connections, names, layer_keys, csv_cells, where, params)
            parallel_reads.each_reader(connections, lambda _, c: _fill_cell_tables(c, cells))
            has_links = first.execute("SELECT EXISTS (SELECT 1 FROM links)").fetchone()[0]
            chunks: list[parallel_reads.DocumentRange] = [(None, None)]
            if len(connections) > 1:
                chunks = parallel_reads.document_chunks(first, documents, chunk_rows)
            line = itemgetter(0)

            def blocks(connection: Any, chunk: parallel_reads.DocumentRange
                       ) -> Generator[tuple[int, bytes], None, None]:
                terms, bounds = parallel_reads.range_terms("spans.document_id", chunk)
                cursor = connection.cursor()
                try:
                    cursor.execute(_csv_line_sql(layer_keys, csv_cells, quote_when,
                                                 [*where, *terms], has_links,
                                                 bool(cells["export_provenance_cells"])) +
                                   ("" if limit is None else " LIMIT ?"),
                                   [*params, *bounds, *([] if limit is None else [limit])])
                    while rows := cursor.fetchmany(batch):
                        yield len(rows), b"".join(map(line, rows))
                finally:
                    cursor.close()

            yield from parallel_reads.ordered_chunks(connections, chunks, blocks,
                                                     depth=chunk_rows // batch + 2)
        finally:
            for connection in connections:
                for table in _CELL_TABLES:
                    connection.execute(f"DROP TABLE IF EXISTS temp.{table}")


def _csv_cell_rows(connections: Sequence[Any], names: Mapping[str, str],
                   layer_keys: Sequence[str], csv_cells: Callable[[Sequence[object]], str],
                   where: Sequence[str], params: Sequence[object]
                   ) -> dict[str, list[tuple[str, str]]]:
    """The rows of each TEMP cell table (``_CELL_TABLES``): (key, cells written once)."""
    first = connections[0]

    def label_cells(raw: str) -> str:
        values = json.loads(raw)
        return csv_cells(["" if values.get(k) is None else values[k] for k in layer_keys])

    stamp = _stamp_text
    return {
        "export_document_cells": [
            (i, csv_cells((i, title, source))) for i, title, source in
            first.execute("SELECT id, title, source_file FROM documents").fetchall()],
        "export_annotator_cells": [(i, csv_cells((name,))) for i, name in names.items()],
        "export_entity_cells": [(i, csv_cells((name,))) for i, name in
                                first.execute("SELECT id, name FROM entities").fetchall()],
        "export_label_cells": [(raw, label_cells(raw)) for raw in
                               _distinct_labels(connections, where, params) if raw],
        # a gold span's provenance, written from its decision (one per gold span)
        "export_provenance_cells": [
            (span_id, csv_cells(_provenance(by, stamp(at), json.loads(whence), decision)))
            for span_id, by, at, whence, decision in first.execute(
                "SELECT span_id, curated_by, curated_at, curated_from, decision "
                "FROM curation_decisions cd WHERE span_id IS NOT NULL AND "
                + visible_sql("cd")).fetchall() if decision]}


def _distinct_labels(connections: Sequence[Any], where: Sequence[str],
                     params: Sequence[object]) -> set[str]:
    """The distinct label JSON texts of the scope (a few thousand at most), read in one scan
    of the table, split by rowid among the readers."""
    scan = "SELECT DISTINCT labels FROM spans WHERE " + " AND ".join(where or ["1"])
    if len(connections) == 1:
        return {raw for (raw,) in connections[0].execute(scan, params).fetchall()}
    top = connections[0].execute("SELECT max(rowid) FROM spans").fetchone()[0] or 0
    n = len(connections)

    def part(i: int, connection: Any) -> set[str]:
        return {raw for (raw,) in connection.execute(
            scan + " AND spans.rowid > ? AND spans.rowid <= ?",
            [*params, top * i // n, top if i == n - 1 else top * (i + 1) // n]).fetchall()}

    return set().union(*parallel_reads.each_reader(connections, part))


def _fill_cell_tables(connection: Any, cells: Mapping[str, list[tuple[str, str]]]) -> None:
    for table in _CELL_TABLES:
        connection.execute(f"DROP TABLE IF EXISTS temp.{table}")
        connection.execute(f"CREATE TEMP TABLE {table} (key TEXT PRIMARY KEY, cells TEXT) "
                           "WITHOUT ROWID")
        connection.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES (?, ?)",
                               cells[table])


def _stamp_text(value: str | None) -> str | None:
    """A stored time (naive UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]') as ISO 8601 with
    microseconds and Z, as ``format_time`` writes it; ``_csv_line_sql`` does the same in SQL."""
    return None if value is None else (value.replace(" ", "T") + ".000000")[:26] + "Z"


def _csv_line_sql(layer_keys: Sequence[str], csv_cells: Callable[[Sequence[object]], str],
                  quote_when: str, where: Sequence[str], links: bool, provenance: bool) -> str:
    """The query of ``annotation_csv_blocks``: one UTF-8 line per span, in export order. Joins
    to links and provenance only where there are any (each is a lookup per span)."""

    def quoted(column: str) -> str:  # NULL is written as nothing by printf's %s
        found = " OR ".join(f"instr({column}, char({ord(c)}))" for c in quote_when)
        return f"CASE WHEN {found} THEN '\"' || replace({column}, '\"', '\"\"') || '\"' " \
               f"ELSE {column} END"

    def literal(cells: str) -> str:
        return "'" + cells.replace("'", "''") + "'"

    def stamp(column: str) -> str:  # _stamp_text; the format cuts at 26 characters and adds Z
        return f"replace({column}, ' ', 'T') || '.000000'"

    assert LEADING_COLUMNS == ("annotation_id", "document_id", "document_title", "source_file",
                               "annotator", "start", "end", "text") and \
        ATTRIBUTION_COLUMNS == ("role", "attributed_to", "via", "cue", "entity") and \
        TRAILING_COLUMNS == ("note", "created_at", "updated_at"), "the line below follows them"
    link_cells = [quoted(f"l{k}.to_span_id") for k in range(3)] if links else ["''"] * 3
    cells = [quoted("spans.id"),
             f"coalesce(dc.cells, {quoted('spans.document_id')} || ',,')", "ac.cells",
             "spans.start", 'spans."end"', quoted("spans.text"),
             f"coalesce(lc.cells, {literal(csv_cells(('',) * len(layer_keys)))})",
             quoted("spans.role"), *link_cells, "ec.cells", quoted("spans.note"),
             stamp("spans.created_at"), stamp("spans.updated_at"),
             f"coalesce(pc.cells, {literal(csv_cells(('',) * len(CURATION_COLUMNS)))})"
             if provenance else literal(csv_cells(("",) * len(CURATION_COLUMNS)))]
    line = "%s,%s,%s,%d,%d,%s,%s,%s,%s,%s,%s,%s,%s,%!.26sZ,%!.26sZ,%s\n"
    joins = (" LEFT JOIN temp.export_document_cells dc ON dc.key = spans.document_id"
             " LEFT JOIN temp.export_annotator_cells ac ON ac.key = spans.annotator_id"
             # labels is declared JSON (numeric affinity): + compares it as the key's text
             " LEFT JOIN temp.export_label_cells lc ON lc.key = +spans.labels"
             " LEFT JOIN temp.export_entity_cells ec ON ec.key = spans.entity_id")
    if links:
        joins += "".join(
            f" LEFT JOIN links l{k} ON l{k}.from_span_id = spans.id AND l{k}.kind = '{kind}'"
            for k, kind in enumerate(ATTRIBUTION_COLUMNS[1:4]))
    if provenance:
        joins += " LEFT JOIN temp.export_provenance_cells pc ON pc.key = spans.id"
    return (f"SELECT CAST(printf('{line}', {', '.join(cells)}) AS BLOB) FROM spans{joins}" +
            (" WHERE " + " AND ".join(where) if where else "") +
            ' ORDER BY spans.document_id, spans.start, spans."end", spans.id')


def orm_annotation_table_rows(session: Session, layer_keys: Sequence[str],
                              annotators: Sequence[str] | None = None,
                              documents: Sequence[str] | None = None
                              ) -> Iterator[tuple[object, ...]]:
    """The annotation table built from domain spans through the ORM: any database's path."""
    docs: dict[str, tuple[str, str]] = {
        i: (t, s) for i, t, s in session.execute(
            select(DocumentRow.id, DocumentRow.title, DocumentRow.source_file))}
    names: dict[str, str] = {
        i: n for i, n in session.execute(select(EntityRow.id, EntityRow.name))}
    decided = {str(row.span_id): _provenance(row.curated_by, _iso(row.curated_at),
                                             row.curated_from, row.decision)
               for row in session.scalars(select(CurationDecisionRow)
                                          .where(CurationDecisionRow.span_id.is_not(None),
                                                 visible(CurationDecisionRow.import_id)))}
    empty = ("",) * len(CURATION_COLUMNS)
    for span in iter_spans(session, documents, annotators):
        title, source = docs.get(span.document_id, ("", ""))
        links = {kind: to for kind, to in session.execute(
            select(LinkRow.kind, LinkRow.to_span_id).where(LinkRow.from_span_id == span.id))}
        cells: dict[str, object] = {
            "annotation_id": span.id, "document_id": span.document_id,
            "document_title": title, "source_file": source, "annotator": span.annotator,
            "start": span.start, "end": span.end, "text": span.text, "note": span.note,
            "created_at": _iso(span.created_at), "updated_at": _iso(span.updated_at)}
        yield (*(cells[c] for c in LEADING_COLUMNS),
               *(span.labels.get(k, "") for k in layer_keys),
               span.role or "", links.get("attributed_to", ""), links.get("via", ""),
               links.get("cue", ""), names.get(span.entity_id or "", ""),
               *(cells[c] for c in TRAILING_COLUMNS), *decided.get(span.id, empty))


def stream_spans(session: Session, documents: Sequence[str] | None = None,
                 annotators: Sequence[str] | None = None, batch: int = 5000) -> Iterator[Span]:
    """Spans in export order. On SQLite, from the driver's cursor: SQLAlchemy's per-row type
    processing costs more than the query itself at a million rows."""
    if session.get_bind().dialect.name != "sqlite":
        yield from iter_spans(session, documents, annotators, batch)
        return
    select_sql = ('SELECT s.id, s.document_id, a.name, s.start, s."end", s.text, s.labels, '
                  "s.note, s.created_at, s.updated_at, s.version, s.role, s.entity_id "
                  "FROM spans s JOIN annotators a ON a.id = s.annotator_id")
    decode = _SpanCells()
    labels, when = decode.labels, decode.when
    for (sid, doc, ann, start, end, text_, raw, note, created, updated, version, role,
         entity) in _cursor_rows(session, select_sql, [], documents, annotators, batch):
        yield Span(sid, doc, ann, start, end, text_, labels(raw), note, when(created),
                   when(updated), version, role, entity)


class _SpanCells:
    """Decodes a span row's stored label JSON and times, each distinct value once: a
    document's spans share a few label sets, and an import stores one time for all of them."""

    def __init__(self) -> None:
        self._labels: dict[str, dict[str, str]] = {}
        self._stamps: dict[str, datetime] = {}

    def labels(self, raw: str | None) -> dict[str, str]:
        if not raw:
            return {}
        found = self._labels.get(raw)
        if found is None:
            if len(self._labels) > 10_000:
                self._labels.clear()
            found = self._labels[raw] = json.loads(raw)
        return dict(found)  # a copy each: a span's labels are its own

    def when(self, value: str | None) -> datetime | None:  # stored as naive UTC text
        if not value:
            return None
        found = self._stamps.get(value)
        if found is None:
            if len(self._stamps) > 10_000:
                self._stamps.clear()
            # immutable: shared safely
            found = self._stamps[value] = datetime.fromisoformat(value + "+00:00")
        return found


_SPAN_JOIN = " FROM spans s JOIN annotators a ON a.id = s.annotator_id"
_SPAN_ROW_SQL = ('SELECT s.id, s.start, s."end", a.name, s.text, s.labels, s.note, '
                 "s.created_at, s.updated_at, s.version, s.role, s.entity_id" + _SPAN_JOIN)


def document_span_rows(session: Session, document_id: str,
                       annotators: Sequence[str] | None = None) -> PendingSpans:
    """One document's spans (of ``annotators``, or everyone's) as rows that become ``Span``
    objects when first asked for (see ``domain.span_store``). On SQLite one query reads
    plain values from the driver's cursor, the document's id is not read 20,000 times, and
    nothing is decoded until a span is built: opening an article then costs the query and
    the spans on screen, not a label dictionary and two times per span."""
    if session.get_bind().dialect.name != "sqlite":
        return PendingSpans([(s.id, s.start, s.end, s)
                             for s in iter_spans(session, [document_id], annotators)],
                            itemgetter(3))
    rows: list[tuple[Any, ...]] = []
    for batch in _cursor_batches(session, _SPAN_ROW_SQL, [], [document_id], annotators,
                                 20_000):
        rows += batch
    return PendingSpans(rows, span_row_builder(document_id))


def document_span_keys(session: Session, document_id: str, annotators: Sequence[str] | None,
                       first: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """SQLite: every span's (id, start, end) in reading order, and the whole rows (as
    ``document_span_rows`` has them) of the first ``first``. The twelve columns of 20,000
    spans cost three times what their positions do; the rest are read later by
    ``document_span_rows`` in the same transaction."""
    keys: list[tuple[Any, ...]] = []
    for batch in _cursor_batches(session, 'SELECT s.id, s.start, s."end"' + _SPAN_JOIN, [],
                                 [document_id], annotators, 20_000):
        keys += batch
    rows = _cursor_batches(session, _SPAN_ROW_SQL, [], [document_id], annotators, first)
    try:
        leading = next(rows, [])
    finally:
        rows.close()  # SQLite has stepped through the first rows only
    return keys, leading


def span_row_builder(document_id: str) -> Callable[[tuple[Any, ...]], Span]:
    """Makes the ``Span`` of one of ``document_span_rows``' rows (label sets and times
    decoded once each)."""
    decode = _SpanCells()
    labels, when = decode.labels, decode.when

    def build(row: tuple[Any, ...]) -> Span:
        (sid, start, end, ann, text_, raw, note, created, updated, version, role,
         entity) = row
        return Span(sid, document_id, ann, start, end, text_, labels(raw), note,
                    when(created), when(updated), version, role, entity)

    return build


def span_value_batches(session: Session, layers: Sequence[str],
                       documents: Sequence[str] | None = None,
                       annotators: Sequence[str] | None = None, batch: int = 20000
                       ) -> Iterator[list[tuple[Any, ...]] | PackedSpans]:
    """What agreement reads, and nothing more, in export order: on SQLite runs of
    ``PackedSpans`` (one text per field, made by SQLite itself); elsewhere, and for a run where
    some value contains the separator, lists of (id, document id, annotator, start, end, role,
    one value per layer). No covered text, note or times: at 1.5 million spans a Python tuple
    per span, and coding its fields one by one, took longer than SQLite's own reading."""
    if session.get_bind().dialect.name != "sqlite":
        rows: list[tuple[Any, ...]] = []
        for span in iter_spans(session, documents, annotators, batch):
            rows.append((span.id, span.document_id, span.annotator, span.start, span.end,
                         span.role, *(span.labels.get(k) for k in layers)))
            if len(rows) >= batch:
                yield rows
                rows = []
        if rows:
            yield rows
        return
    yield from _packed_runs(session, layers, documents, annotators)


# one run: few enough spans that no field's text nears SQLite's 1 GB string limit, many enough
# that a query per run costs nothing
PACKED_RUN = 65536
_DOCUMENTS_PER_QUERY = 2000  # well below SQLite's 32,766 "?" per statement
_PACKED_FIELDS = (
    f"count(*), group_concat(d, '{SEPARATOR}'), group_concat(an), group_concat(st), "
    f"group_concat(en), group_concat(ro, '{SEPARATOR}'), group_concat(lab, '{SEPARATOR}'), "
    f"group_concat(sid, '{SEPARATOR}')")
_PACKED_COLUMNS = ("s.document_id AS d, a.rowid AS an, s.start AS st, s.\"end\" AS en, "
                   "coalesce(s.role, '') AS ro, s.labels AS lab, s.id AS sid")
_EXPORT_ORDER = ' ORDER BY s.document_id, s.start, s."end", s.id'
_AFTER_KEY = '(s.document_id, s.start, s."end", s.id) > (?, ?, ?, ?)'


def _packed_runs(session: Session, layers: Sequence[str], documents: Sequence[str] | None,
                 annotators: Sequence[str] | None) -> Iterator[list[tuple[Any, ...]] | PackedSpans]:
    """Runs of ``PACKED_RUN`` spans, each the next after the last one's (document, start, end,
    id) key, in the order of index ix_spans_export_order. ``group_concat`` over a subquery
    with ORDER BY concatenates in that order (SQLite keeps the ORDER BY of such a subquery:
    its ticket 2942); the reader checks the order anyway."""
    driver = session.connection().connection.driver_connection
    assert driver is not None, "a checked-out connection always has its DB-API connection"
    cursor = driver.cursor()
    try:
        names = dict(cursor.execute("SELECT rowid, name FROM annotators").fetchall())
        base: list[str] = [visible_sql("s")]
        base_params: list[object] = []
        if annotators is not None:
            base.append(f"a.name IN ({','.join('?' * len(annotators))})")
            base_params += list(annotators)
        groups: list[list[str] | None] = [None]
        if documents is not None:
            wanted = sorted(set(documents))
            groups = [wanted[i:i + _DOCUMENTS_PER_QUERY]
                      for i in range(0, len(wanted), _DOCUMENTS_PER_QUERY)]
        values = "".join(", json_extract(s.labels, ?)" for _ in layers)
        paths: list[object] = [f'$."{key}"' for key in layers]
        for group in groups:
            key: tuple[str, int, int, str] | None = None
            while True:
                where, params = list(base), list(base_params)
                if group is not None:
                    if key is not None:  # the documents before the key are done
                        group = [d for d in group if d >= key[0]]
                    if not group:
                        break
                    where.append(f"s.document_id IN ({','.join('?' * len(group))})")
                    params += group
                if key is not None:
                    where.append(_AFTER_KEY)
                    params += list(key)
                selection = ("FROM spans s JOIN annotators a ON a.id = s.annotator_id" +
                             (" WHERE " + " AND ".join(where) if where else "") +
                             _EXPORT_ORDER + f" LIMIT {PACKED_RUN}")
                count, *fields = cursor.execute(
                    f"SELECT {_PACKED_FIELDS} FROM (SELECT {_PACKED_COLUMNS} {selection})",
                    params).fetchone()
                if not count:
                    break
                run = PackedSpans(count, fields[0], fields[1], names, *fields[2:])
                if run.well_separated():
                    yield run
                    key = run.last_key()
                else:  # some value holds the separator: this run as rows
                    rows = cursor.execute(
                        "SELECT s.id, s.document_id, a.name, s.start, s.\"end\", s.role"
                        f"{values} {selection}", paths + params).fetchall()
                    yield rows
                    key = (rows[-1][1], rows[-1][3], rows[-1][4], rows[-1][0])
                if count < PACKED_RUN:
                    break
    finally:
        cursor.close()


def _cursor_rows(session: Session, select_sql: str, params: list[object],
                 documents: Sequence[str] | None, annotators: Sequence[str] | None,
                 batch: int) -> Iterator[tuple[Any, ...]]:
    """Run ``select_sql`` (over spans ``s`` and annotators ``a``) with the usual selection, in
    the order of index ix_spans_export_order, streaming batches from the raw SQLite cursor."""
    for rows in _cursor_batches(session, select_sql, params, documents, annotators, batch):
        yield from rows


def _cursor_batches(session: Session, select_sql: str, params: list[object],
                    documents: Sequence[str] | None, annotators: Sequence[str] | None,
                    batch: int) -> Generator[list[tuple[Any, ...]], None, None]:
    """``_cursor_rows`` a ``fetchmany`` batch at a time."""
    where: list[str] = [visible_sql("s")]
    params = list(params)
    if documents is not None:
        where.append(f"s.document_id IN ({','.join('?' * len(documents))})")
        params += list(documents)
    if annotators is not None:
        where.append(f"a.name IN ({','.join('?' * len(annotators))})")
        params += list(annotators)
    sql = select_sql + (" WHERE " + " AND ".join(where) if where else "")
    sql += ' ORDER BY s.document_id, s.start, s."end", s.id'
    driver = session.connection().connection.driver_connection
    assert driver is not None, "a checked-out connection always has its DB-API connection"
    cursor = driver.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# --- one span by id, and project settings (what services change without seeing a row) ---------

def get_span(session: Session, span_id: str) -> Span | None:
    row = session.get(SpanRow, span_id)
    return span_from_row(row) if row is not None else None


def lock_span(session: Session, span_id: str) -> Span | None:
    """The span, locked FOR UPDATE on a server until the unit of work ends, so a
    read-check-write of one span is atomic under READ COMMITTED (SQLite's write transaction
    already holds the whole database)."""
    row = session.get(SpanRow, span_id, with_for_update={"of": SpanRow})
    return span_from_row(row) if row is not None else None


def delete_span(session: Session, span_id: str) -> Span | None:
    """The span as it was, or None when there is no such span."""
    row = session.get(SpanRow, span_id)
    if row is None:
        return None
    before = span_from_row(row)
    session.delete(row)
    return before


def write_span(session: Session, span_id: str, *, start: int, end: int, text: str, note: str,
               labels: Mapping[str, str], updated_at: datetime | None = None) -> Span | None:
    """Overwrite a span's offsets, covered text, note and labels (now, unless ``updated_at`` is
    given: undo puts the old time back); None when there is no such span."""
    row = session.get(SpanRow, span_id)
    if row is None:
        return None
    row.start, row.end, row.text, row.note = start, end, text, note
    row.labels = clean_labels(labels)
    row.updated_at = updated_at or utcnow()
    session.flush()
    return span_from_row(row)


def document_exists(session: Session, document_id: str) -> bool:
    return session.scalar(select(DocumentRow.id).where(
        DocumentRow.id == document_id, visible(DocumentRow.import_id))) is not None


def document_text(session: Session, document_id: str) -> str | None:
    return session.scalar(select(DocumentRow.text).where(
        DocumentRow.id == document_id, visible(DocumentRow.import_id)))


def get_setting(session: Session, key: str) -> Any:
    """A project setting's value, or None when it was never set."""
    row = session.get(SettingRow, key)
    return None if row is None else row.value


def set_setting(session: Session, key: str, value: Any) -> None:
    session.merge(SettingRow(key=key, value=value))
