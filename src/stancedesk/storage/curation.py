"""Rows of ``curation_decisions`` to domain ``Decision`` values and back. A decision row goes
with its gold span (ON DELETE CASCADE): deleting a gold span reopens its passage.

Also the bulk reads and writes curation needs at scale: "accept all agreeing" over a corpus
reads every span of its scope in one column query (no ORM objects) and writes its gold spans,
links and decisions as batched INSERTs, one statement per chunk of rows, in its single write
transaction; undo deletes them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, delete, insert, select
from sqlalchemy.orm import Session

from stancedesk.domain import Span
from stancedesk.domain.attribution import Link, LinkKind
from stancedesk.domain.curation import Decision
from stancedesk.storage import repositories as repo
from stancedesk.storage.tables import (
    AnnotatorRow,
    CurationDecisionRow,
    DocumentRow,
    LinkRow,
    SpanRow,
)
from stancedesk.storage.visibility import visible

# a SELECT of plain columns, whatever their types
_Query = Select[*tuple[Any, ...]]
_CHUNK = 500  # ids per IN (...) and rows per INSERT statement
# the table, not the mapped class: a gold span is inserted at version 1 without the ORM's unit
# of work (which would flush row by row)
_SPANS = cast(Table, SpanRow.__table__)
# and the plain tables of links and decisions: an INSERT of an ORM entity goes through the
# ORM's bulk path, twice the work per row of a Core executemany
_LINKS = cast(Table, LinkRow.__table__)
_DECISIONS = cast(Table, CurationDecisionRow.__table__)
_SPAN_COLUMNS = (SpanRow.id, SpanRow.document_id, AnnotatorRow.name, SpanRow.start,
                 SpanRow.end, SpanRow.text, SpanRow.labels, SpanRow.note, SpanRow.version,
                 SpanRow.role, SpanRow.entity_id)
_TIMES = (SpanRow.created_at, SpanRow.updated_at)


# every read of decisions: a bundle merge's decisions stored ahead stay hidden until it publishes
_VISIBLE = visible(CurationDecisionRow.import_id)
_DECISION_COLUMNS = (CurationDecisionRow.id, CurationDecisionRow.document_id,
                     CurationDecisionRow.span_id, CurationDecisionRow.start,
                     CurationDecisionRow.end, CurationDecisionRow.decision,
                     CurationDecisionRow.curated_by, CurationDecisionRow.curated_at,
                     CurationDecisionRow.curated_from, CurationDecisionRow.from_span_ids)


def decision_from_row(row: Any) -> Decision:
    """A ``curation_decisions`` row (mapped, or plain with the same column names)."""
    return Decision(row.id, row.document_id, row.span_id, row.start, row.end, row.decision,
                    row.curated_by, row.curated_at, tuple(row.curated_from or ()),
                    tuple(row.from_span_ids or ()))


def _decisions(session: Session, stmt: _Query) -> list[Decision]:
    """Plain rows, no ORM objects: undoing a corpus-wide run reads thousands."""
    return [decision_from_row(r) for r in session.connection().execute(stmt)]


def decision_values(d: Decision, import_id: str | None = None) -> dict[str, Any]:
    """A decision as one row of a batched ``insert(curation_decisions)``; ``import_id``: a
    bundle merge's, hiding it until the merge publishes."""
    return {"id": d.id, "document_id": d.document_id, "span_id": d.span_id, "start": d.start,
            "end": d.end, "decision": d.decision, "curated_by": d.curated_by,
            "curated_at": d.curated_at, "curated_from": list(d.curated_from),
            "from_span_ids": list(d.from_span_ids), "import_id": import_id}


def store_decisions(session: Session, decisions: Sequence[Decision],
                    import_id: str | None = None) -> None:
    """Decisions made elsewhere (a gold bundle), stored with their own ids and times, a
    chunk of rows per INSERT."""
    session.flush()  # their gold spans first
    for i in range(0, len(decisions), _CHUNK):
        session.execute(insert(_DECISIONS), [decision_values(d, import_id)
                                              for d in decisions[i:i + _CHUNK]])


def decisions_by_ids(session: Session, ids: Sequence[str]) -> dict[str, Decision]:
    found: dict[str, Decision] = {}
    for n in range(0, len(ids), 500):  # bound the parameters of one statement
        stmt = select(CurationDecisionRow).where(CurationDecisionRow.id.in_(ids[n:n + 500]),
                                                 _VISIBLE)
        found.update((row.id, decision_from_row(row)) for row in session.scalars(stmt))
    return found


def list_decisions(session: Session, document_ids: Sequence[str] | None = None
                   ) -> list[Decision]:
    stmt = select(*_DECISION_COLUMNS).where(_VISIBLE)
    if document_ids is not None:
        stmt = stmt.where(CurationDecisionRow.document_id.in_(list(document_ids)))
    stmt = stmt.order_by(CurationDecisionRow.document_id, CurationDecisionRow.start,
                         CurationDecisionRow.curated_at, CurationDecisionRow.id)
    return _decisions(session, stmt)


def latest_decisions(session: Session, curated_by: str | None = None) -> list[Decision]:
    """The decisions of the most recent curation action (one action stamps all the decisions
    it writes with the same time), optionally only ``curated_by``'s."""
    stmt = select(CurationDecisionRow.curated_at).where(_VISIBLE)
    if curated_by is not None:
        stmt = stmt.where(CurationDecisionRow.curated_by == curated_by)
    last = session.scalar(stmt.order_by(CurationDecisionRow.curated_at.desc()).limit(1))
    if last is None:
        return []
    found = select(*_DECISION_COLUMNS).where(CurationDecisionRow.curated_at == last, _VISIBLE)
    if curated_by is not None:
        found = found.where(CurationDecisionRow.curated_by == curated_by)
    return _decisions(session, found.order_by(CurationDecisionRow.id))


def decisions_in(session: Session, document_id: str) -> dict[str, Decision]:
    """Gold span id -> the decision that produced it, in one document."""
    return {str(row.span_id): decision_from_row(row) for row in session.scalars(
        select(CurationDecisionRow).where(CurationDecisionRow.document_id == document_id,
                                          CurationDecisionRow.span_id.is_not(None), _VISIBLE))}


# --- bulk reads ------------------------------------------------------------------------------

def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield list(ids[i:i + _CHUNK])


def _span(row: Any) -> Span:
    sid, doc, name, start, end, text, labels, note, version, role, entity, *times = row
    created, updated = times or (None, None)
    return Span(sid, doc, name, start, end, text, dict(labels or {}), note, created, updated,
                version, role, entity)


def _span_select(times: bool = True) -> _Query:
    """Spans with their annotator's name; a pending import's spans stay hidden."""
    return select(*_SPAN_COLUMNS, *(_TIMES if times else ())) \
        .join(AnnotatorRow, AnnotatorRow.id == SpanRow.annotator_id) \
        .where(visible(SpanRow.import_id))


def document_order(session: Session, document_ids: Sequence[str] | None = None) -> list[str]:
    """Ids of the documents (all, or those of ``document_ids`` that exist) in the corpus order
    (published, title, id), without reading their texts."""
    stmt = select(DocumentRow.id).where(visible(DocumentRow.import_id)) \
        .order_by(DocumentRow.published, DocumentRow.title, DocumentRow.id)
    if document_ids is None:
        return list(session.scalars(stmt))
    found: set[str] = set()
    for chunk in _chunks(list(dict.fromkeys(document_ids))):
        found.update(session.scalars(select(DocumentRow.id).where(
            DocumentRow.id.in_(chunk), visible(DocumentRow.import_id))))
    return [d for d in dict.fromkeys(document_ids) if d in found]


def spans_by_document(session: Session, document_ids: Sequence[str] | None = None
                      ) -> dict[str, list[Span]]:
    """Every span of the documents (all by default), by document, in (start, end, id) order:
    one column query per chunk of documents, no ORM objects. Without their times (None):
    curation compares boundaries, labels, role, entity and links, never when a span was
    made, and parsing two timestamps per span was a third of reading a corpus."""
    out: dict[str, list[Span]] = {}
    order = (SpanRow.document_id, SpanRow.start, SpanRow.end, SpanRow.id)
    if document_ids is None:
        batches: Iterable[_Query] = [_span_select(times=False).order_by(*order)]
    else:
        batches = (_span_select(times=False).where(SpanRow.document_id.in_(chunk))
                   .order_by(*order)
                   for chunk in _chunks(list(dict.fromkeys(document_ids))))
    connection = session.connection()  # plain rows: no ORM result machinery per row
    for stmt in batches:
        for row in connection.execute(stmt):
            out.setdefault(row[1], []).append(_span(row))
    return out


def links_by_document(session: Session, document_ids: Sequence[str] | None = None
                      ) -> dict[str, list[Link]]:
    """Every link among the documents' spans, by the document of its spans."""
    out: dict[str, list[Link]] = {}
    stmt = select(SpanRow.document_id, LinkRow.from_span_id, LinkRow.kind, LinkRow.to_span_id) \
        .join(SpanRow, SpanRow.id == LinkRow.from_span_id).where(visible(SpanRow.import_id))
    order = (LinkRow.from_span_id, LinkRow.kind)
    if document_ids is None:
        batches: Iterable[_Query] = [stmt.order_by(*order)]
    else:
        batches = (stmt.where(SpanRow.document_id.in_(chunk)).order_by(*order)
                   for chunk in _chunks(list(dict.fromkeys(document_ids))))
    connection = session.connection()
    for batch in batches:
        for doc, source, kind, target in connection.execute(batch):
            out.setdefault(doc, []).append(Link(source, LinkKind(kind), target))
    return out


def decisions_by_document(session: Session, document_ids: Sequence[str] | None = None
                          ) -> dict[str, list[Decision]]:
    out: dict[str, list[Decision]] = {}
    if document_ids is None:
        found = list_decisions(session)
    else:
        found = [d for chunk in _chunks(list(dict.fromkeys(document_ids)))
                 for d in list_decisions(session, chunk)]
    for decision in found:
        out.setdefault(decision.document_id, []).append(decision)
    return out


def lock_decisions(session: Session, decision_ids: Sequence[str]) -> dict[str, Decision]:
    """The stored decisions among ``decision_ids``, locked FOR UPDATE on a server until the
    unit of work ends (SQLite's write transaction holds the whole database already)."""
    out: dict[str, Decision] = {}
    for chunk in _chunks(list(dict.fromkeys(decision_ids))):
        for decision in _decisions(session, select(*_DECISION_COLUMNS)
                                   .where(CurationDecisionRow.id.in_(chunk), _VISIBLE)
                                   .with_for_update()):
            out[decision.id] = decision
    return out


def lock_spans(session: Session, span_ids: Sequence[str]) -> dict[str, Span]:
    """The stored spans among ``span_ids``, locked FOR UPDATE like ``lock_decisions``."""
    out: dict[str, Span] = {}
    for chunk in _chunks(list(dict.fromkeys(span_ids))):
        for row in session.connection().execute(_span_select().where(SpanRow.id.in_(chunk))
                                                .with_for_update(of=SpanRow)):
            out[row[0]] = _span(row)
    return out


def spans_around(session: Session, document_id: str, extents: Iterable[tuple[int, int]]
                 ) -> list[Span]:
    """The spans of the document that overlap one of ``extents``, and every span overlapping
    those, transitively: whole stretches of overlapping spans, read with a range query each
    (about two per stretch) instead of the document's every span."""
    found: dict[str, Span] = {}
    connection = session.connection()
    pending = sorted(set(extents))
    while pending:
        start, end = pending.pop()
        rows = [_span(r) for r in connection.execute(
            _span_select(times=False).where(SpanRow.document_id == document_id,
                                            SpanRow.start < end, SpanRow.end > start))]
        hull = (min([start, *(s.start for s in rows)]), max([end, *(s.end for s in rows)]))
        if hull != (start, end):
            pending.append(hull)  # the stretch reaches further: read its whole extent
            continue
        found.update((s.id, s) for s in rows)
    return sorted(found.values(), key=lambda s: (s.start, s.end, s.id))


def spans_by_ids(session: Session, span_ids: Iterable[str]) -> list[Span]:
    """The stored spans among ``span_ids`` (without their times)."""
    out: list[Span] = []
    connection = session.connection()
    for chunk in _chunks(list(dict.fromkeys(span_ids))):
        out += [_span(r) for r in connection.execute(
            _span_select(times=False).where(SpanRow.id.in_(chunk)))]
    return out


def links_from(session: Session, span_ids: Iterable[str]) -> list[Link]:
    """The links that start at any of ``span_ids``."""
    out: list[Link] = []
    connection = session.connection()
    for chunk in _chunks(list(dict.fromkeys(span_ids))):
        out += [Link(source, LinkKind(kind), target) for source, kind, target in
                connection.execute(select(LinkRow.from_span_id, LinkRow.kind, LinkRow.to_span_id)
                                   .where(LinkRow.from_span_id.in_(chunk))
                                   .order_by(LinkRow.from_span_id, LinkRow.kind))]
    return out


def document_annotators(session: Session, document_id: str) -> list[str]:
    """Who has a span in the document (gold included), without reading the spans."""
    return sorted(session.connection().scalars(
        select(AnnotatorRow.name).where(AnnotatorRow.id.in_(
            select(SpanRow.annotator_id).where(SpanRow.document_id == document_id,
                                               visible(SpanRow.import_id))
            .distinct()))))


def decisions_for(session: Session, document_id: str, gold_span_ids: Iterable[str]
                  ) -> list[Decision]:
    """The document's rejections and the decisions behind ``gold_span_ids``, in the order of
    ``list_decisions``: what the passages of a stretch of the document need."""
    base = select(*_DECISION_COLUMNS).where(CurationDecisionRow.document_id == document_id,
                                            _VISIBLE)
    found = {d.id: d for d in _decisions(session, base.where(
        CurationDecisionRow.span_id.is_(None)))}
    for chunk in _chunks(list(dict.fromkeys(gold_span_ids))):
        found.update((d.id, d) for d in _decisions(session, base.where(
            CurationDecisionRow.span_id.in_(chunk))))
    return sorted(found.values(), key=lambda d: (d.start, d.curated_at, d.id))


# --- bulk writes -----------------------------------------------------------------------------

def insert_gold(session: Session, annotator: str, spans: Sequence[Span], links: Sequence[Link],
                decisions: Sequence[Decision]) -> None:
    """Store curated gold spans (``annotator``'s, at version 1), the links among them and the
    decision rows, in that order (the rows refer to the spans), a chunk of rows per INSERT."""
    if spans:
        annotator_id, _ = repo.annotator_id(session, annotator)
        session.flush()
        for i in range(0, len(spans), _CHUNK):
            session.execute(insert(_SPANS), [repo.span_values(s, annotator_id, 1)
                                              for s in spans[i:i + _CHUNK]])
    for i in range(0, len(links), _CHUNK):
        session.execute(insert(_LINKS), [
            {"from_span_id": x.from_span, "kind": str(x.kind), "to_span_id": x.to_span}
            for x in links[i:i + _CHUNK]])
    store_decisions(session, decisions)


def delete_gold(session: Session, decision_ids: Sequence[str], span_ids: Sequence[str]) -> None:
    """Delete decision rows and gold spans (their links go with them: ON DELETE CASCADE)."""
    for chunk in _chunks(list(decision_ids)):
        session.execute(delete(CurationDecisionRow).where(CurationDecisionRow.id.in_(chunk)))
    for chunk in _chunks(list(span_ids)):
        session.execute(delete(SpanRow).where(SpanRow.id.in_(chunk))
                        .execution_options(synchronize_session=False))
