"""What merging annotator bundles reads and writes beyond ordinary spans: document fingerprints,
the version each span was imported at, and spans written at the version the bundle gives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from stancedesk.domain import Span
from stancedesk.storage import repositories as repo
from stancedesk.storage.tables import BundleImportRow, DocumentRow, SpanRow
from stancedesk.storage.types import utcnow
from stancedesk.storage.visibility import visible

_CHUNK = 500
# the table, not the mapped class: an ORM bulk insert of a versioned class starts every version
# at 1, and a bundle's spans keep theirs
_SPANS = cast(Table, SpanRow.__table__)


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
    """The stored spans among ``span_ids``, whoever annotated them."""
    wanted = list(set(span_ids))
    out: dict[str, Span] = {}
    for i in range(0, len(wanted), _CHUNK):
        for row in session.scalars(select(SpanRow).where(SpanRow.id.in_(wanted[i:i + _CHUNK]))
                                   .execution_options(populate_existing=True)):
            out[row.id] = repo.span_from_row(row)
    return out


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


def record_imported(session: Session, versions: Mapping[str, int]) -> None:
    """Remember each span's version as imported now (replacing what an earlier merge noted)."""
    ids = list(versions)
    for i in range(0, len(ids), _CHUNK):
        session.execute(delete(BundleImportRow).where(
            BundleImportRow.span_id.in_(ids[i:i + _CHUNK])))
    now = utcnow()
    rows = [{"span_id": span_id, "version": version, "imported_at": now}
            for span_id, version in versions.items()]
    for i in range(0, len(rows), _CHUNK):
        session.execute(insert(BundleImportRow), rows[i:i + _CHUNK])


def add_spans_at(session: Session, annotator: str, spans: Sequence[Span]) -> None:
    """Insert ``spans`` (all ``annotator``'s) with their own ids, times and versions (the
    bundle's), in batches of one statement each: a bundle brings thousands at once."""
    if not spans:
        return
    annotator_id = repo.ensure_annotator(session, annotator).id
    session.flush()
    for i in range(0, len(spans), _CHUNK):
        session.execute(insert(_SPANS), [
            {"id": s.id, "document_id": s.document_id, "annotator_id": annotator_id,
             "start": s.start, "end": s.end, "text": s.text, "note": s.note,
             "labels": repo.clean_labels(s.labels), "role": s.role, "entity_id": s.entity_id,
             "created_at": s.created_at, "updated_at": s.updated_at, "version": s.version}
            for s in spans[i:i + _CHUNK]])


def overwrite_span(session: Session, span: Span) -> None:
    """Replace a stored span's content with ``span``'s, at ``span.version``: the bundle's
    version, not the next one, so the same bundle merged again finds it unchanged."""
    session.flush()
    session.execute(
        update(SpanRow).where(SpanRow.id == span.id)
        .values(start=span.start, end=span.end, text=span.text, note=span.note,
                labels=repo.clean_labels(span.labels), role=span.role,
                entity_id=span.entity_id, updated_at=span.updated_at, version=span.version)
        .execution_options(synchronize_session=False))
    row = session.get(SpanRow, span.id)
    if row is not None:  # the identity map must not hand back the old values
        session.expire(row)
