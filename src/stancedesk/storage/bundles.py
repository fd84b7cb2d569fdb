"""What merging annotator bundles reads and writes beyond ordinary spans: document fingerprints,
the version each span was imported at, and spans written at the version the bundle gives."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
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
from stancedesk.storage.types import utcnow
from stancedesk.storage.visibility import visible

_CHUNK = 500
FIRST_CHUNK, MIN_CHUNK, MAX_CHUNK = 2_000, 200, 20_000  # new spans per write transaction
# the table, not the mapped class: an ORM bulk insert of a versioned class starts every version
# at 1, and a bundle's spans keep theirs
_SPANS = cast(Table, SpanRow.__table__)
_BUNDLE_IMPORTS = cast(Table, BundleImportRow.__table__)
_ENTITIES = cast(Table, EntityRow.__table__)
T = TypeVar("T")


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
    by_source: dict[str, list[str]] = {}
    for span_id, bundle_entity in naming.items():
        here = entity_ids.get(bundle_entity)
        if here is not None:
            by_source.setdefault(here, []).append(span_id)
    session.flush()
    for source, span_ids in sorted(by_source.items()):
        for i in range(0, len(span_ids), _CHUNK):
            session.execute(update(_SPANS).where(_SPANS.c.id.in_(span_ids[i:i + _CHUNK]))
                            .values(entity_id=source))


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
    for i in range(0, len(span_ids), _CHUNK):
        session.execute(delete(_SPANS).where(_SPANS.c.id.in_(span_ids[i:i + _CHUNK])))
    session.expire_all()
