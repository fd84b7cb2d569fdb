"""Rows of attribution (span roles, links, registry entities) to domain values and back.

Kept apart from ``repositories`` because links and entities have their own life: a link goes
with its spans (ON DELETE CASCADE), an entity outlives the spans that name it (SET NULL)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from stancedesk.domain import Span
from stancedesk.domain.attribution import Link, LinkEnd, LinkKind, SourceEntity, SpanRole
from stancedesk.storage import repositories as repo
from stancedesk.storage.tables import (
    AnnotatorRow,
    DocumentRow,
    EntityRow,
    LinkRow,
    SpanRow,
    SuggestedSpanRow,
    SuggestionRejectionRow,
)
from stancedesk.storage.types import utcnow
from stancedesk.storage.visibility import visible

_ENTITIES = cast(Table, EntityRow.__table__)


def _role(value: str | None) -> SpanRole | None:
    return SpanRole(value) if value else None


# --- links -----------------------------------------------------------------------------------

def link_from_row(row: LinkRow) -> Link:
    return Link(row.from_span_id, LinkKind(row.kind), row.to_span_id)


def span_ends(session: Session, span_ids: Iterable[str]) -> dict[str, LinkEnd]:
    """Document, annotator and role of each span that exists among ``span_ids``."""
    wanted = list(set(span_ids))
    out: dict[str, LinkEnd] = {}
    for i in range(0, len(wanted), 500):
        rows = session.execute(
            select(SpanRow.id, SpanRow.document_id, AnnotatorRow.name, SpanRow.role)
            .join(AnnotatorRow, AnnotatorRow.id == SpanRow.annotator_id)
            .where(SpanRow.id.in_(wanted[i:i + 500])))
        for sid, doc, annotator, role in rows:
            out[sid] = LinkEnd(doc, annotator, _role(role))
    return out


def links_of(session: Session, document_id: str, annotator: str) -> list[Link]:
    """Every link among one annotator's spans in one document."""
    rows = session.scalars(
        select(LinkRow).join(SpanRow, SpanRow.id == LinkRow.from_span_id)
        .join(AnnotatorRow, AnnotatorRow.id == SpanRow.annotator_id)
        .where(SpanRow.document_id == document_id, AnnotatorRow.name == annotator,
               visible(SpanRow.import_id))
        .order_by(LinkRow.from_span_id, LinkRow.kind))
    return [link_from_row(r) for r in rows]


def links_in(session: Session, document_ids: Sequence[str] | None = None,
             annotators: Sequence[str] | None = None) -> list[Link]:
    stmt = (select(LinkRow).join(SpanRow, SpanRow.id == LinkRow.from_span_id)
            .join(AnnotatorRow, AnnotatorRow.id == SpanRow.annotator_id)
            .where(visible(SpanRow.import_id)))
    if document_ids is not None:
        stmt = stmt.where(SpanRow.document_id.in_(list(document_ids)))
    if annotators is not None:
        stmt = stmt.where(AnnotatorRow.name.in_(list(annotators)))
    return [link_from_row(r) for r in session.scalars(stmt.order_by(LinkRow.from_span_id,
                                                                    LinkRow.kind))]


def links_touching(session: Session, span_ids: Iterable[str]) -> list[Link]:
    """Links that start or end at any of ``span_ids`` (what deleting them takes along)."""
    wanted = list(set(span_ids))
    found: dict[tuple[str, str], Link] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        for row in session.scalars(select(LinkRow).where(
                LinkRow.from_span_id.in_(chunk) | LinkRow.to_span_id.in_(chunk))):
            found[(row.from_span_id, row.kind)] = link_from_row(row)
    return sorted(found.values(), key=lambda link: (link.from_span, link.kind))


def get_link(session: Session, from_span: str, kind: LinkKind) -> Link | None:
    row = session.get(LinkRow, (from_span, str(kind)))
    return link_from_row(row) if row is not None else None


def put_link(session: Session, link: Link) -> None:
    """Set the link of this kind from this span, replacing any earlier one."""
    row = session.get(LinkRow, (link.from_span, str(link.kind)))
    if row is None:
        session.add(LinkRow(from_span_id=link.from_span, kind=str(link.kind),
                            to_span_id=link.to_span))
    else:
        row.to_span_id = link.to_span
    session.flush()


def remove_link(session: Session, from_span: str, kind: LinkKind) -> Link | None:
    row = session.get(LinkRow, (from_span, str(kind)))
    if row is None:
        return None
    link = link_from_row(row)
    session.delete(row)
    session.flush()
    return link


# --- roles and entities on spans --------------------------------------------------------------

def set_span_role(session: Session, span_id: str, role: SpanRole | None) -> None:
    """Through the ORM, so the span's version goes up like any other edit."""
    row = session.get(SpanRow, span_id)
    if row is not None:
        row.role = str(role) if role else None
        row.updated_at = utcnow()
        session.flush()


def set_span_entity(session: Session, span_id: str, entity_id: str | None,
                    updated_at: datetime | None = None) -> None:
    """``updated_at`` given: an undo putting back the time the span had (the registry's
    current grade is the latest mention's); the version still goes up."""
    row = session.get(SpanRow, span_id)
    if row is not None:
        row.entity_id = entity_id
        row.updated_at = updated_at or utcnow()
        session.flush()


@dataclass(frozen=True, slots=True)
class Naming:
    """A span naming an entity, as an undo must put it back."""

    span_id: str
    document_id: str
    annotator: str
    updated_at: datetime


def namings(session: Session, entity_id: str) -> list[Naming]:
    return [Naming(sid, doc, name, updated) for sid, doc, name, updated in session.execute(
        select(SpanRow.id, SpanRow.document_id, AnnotatorRow.name, SpanRow.updated_at)
        .join(AnnotatorRow, AnnotatorRow.id == SpanRow.annotator_id)
        .where(SpanRow.entity_id == entity_id, visible(SpanRow.import_id))
        .order_by(SpanRow.id))]


# --- the registry ------------------------------------------------------------------------------

def entity_from_row(row: EntityRow) -> SourceEntity:
    return SourceEntity(row.id, row.name, row.sourcing, tuple(row.aliases or ()), row.notes)


def list_entities(session: Session) -> list[SourceEntity]:
    return [entity_from_row(r) for r in session.scalars(
        select(EntityRow).where(visible(EntityRow.import_id)).order_by(EntityRow.name_key))]


def get_entity(session: Session, entity_id: str) -> SourceEntity | None:
    row = session.get(EntityRow, entity_id)
    return entity_from_row(row) if row is not None else None


def find_entity_by_key(session: Session, key: str) -> SourceEntity | None:
    """The entity whose name has ``key``, hidden ones included (the key is unique)."""
    row = session.scalar(select(EntityRow).where(EntityRow.name_key == key))
    return entity_from_row(row) if row is not None else None


def add_entity(session: Session, entity: SourceEntity, key: str,
               times: tuple[datetime, datetime] | None = None,
               import_id: str | None = None) -> SourceEntity | None:
    """The entity added; None when its name key is taken. ``times`` (created, updated): an
    entity an undo brings back keeps its own; ``import_id``: a chunked import's, hiding the
    entity until that import is published.

    Two writers may add the same name at once (a desk, and an import that looked it up and
    found nothing; on a server, a desk whose INSERT waited for an import's transaction): the
    unique key settles it in the database, INSERT ... ON CONFLICT DO NOTHING, and the loser
    reads the winner's row (``find_entity_by_key``) and decides what it means to it, instead
    of failing with an IntegrityError."""
    now = utcnow()
    created, updated = times or (now, now)
    session.flush()
    # RETURNING says whether a row went in (psycopg's rowcount is -1 here either way)
    inserted = session.scalar(
        repo.conflict_insert(session, _ENTITIES).values(
            id=entity.id or str(uuid.uuid4()), name=entity.name, name_key=key,
            sourcing=entity.sourcing, aliases=list(entity.aliases), notes=entity.notes,
            created_at=created, updated_at=updated,
            import_id=import_id)
        .on_conflict_do_nothing(index_elements=["name_key"]).returning(_ENTITIES.c.id))
    if inserted is None:
        return None
    found = find_entity_by_key(session, key)
    assert found is not None
    return found


def take_up_entity(session: Session, key: str) -> SourceEntity | None:
    """The entity of ``key`` if a pending import created it, made an ordinary, visible one
    (``repositories.take_up``): a desk adds the same name meanwhile; None otherwise."""
    row = session.scalar(select(EntityRow).where(EntityRow.name_key == key))
    if row is None or not repo.take_up(session, row):
        return None
    return entity_from_row(row)


def write_entity(session: Session, entity: SourceEntity, key: str,
                 updated_at: datetime | None = None) -> SourceEntity | None:
    row = session.get(EntityRow, entity.id)
    if row is None:
        return None
    row.name, row.name_key, row.sourcing = entity.name, key, entity.sourcing
    row.aliases, row.notes = list(entity.aliases), entity.notes
    row.updated_at = updated_at or utcnow()
    session.flush()
    return entity_from_row(row)


def entity_times(session: Session, entity_id: str) -> tuple[datetime, datetime] | None:
    row = session.get(EntityRow, entity_id)
    return None if row is None else (row.created_at, row.updated_at)


def delete_entity(session: Session, entity_id: str) -> None:
    session.execute(delete(EntityRow).where(EntityRow.id == entity_id))


def spans_naming(session: Session, entity_id: str) -> list[str]:
    return list(session.scalars(select(SpanRow.id).where(SpanRow.entity_id == entity_id)))


@dataclass(frozen=True, slots=True)
class EntityCounts:
    mentions: int
    claims: int
    documents: int


def entity_counts(session: Session) -> dict[str, EntityCounts]:
    """Per entity: source spans naming it, claims attributed to those spans, documents."""
    mentions = dict(session.execute(
        select(SpanRow.entity_id, func.count(SpanRow.id))
        .where(SpanRow.entity_id.is_not(None), visible(SpanRow.import_id))
        .group_by(SpanRow.entity_id)).all())
    documents = dict(session.execute(
        select(SpanRow.entity_id, func.count(func.distinct(SpanRow.document_id)))
        .where(SpanRow.entity_id.is_not(None), visible(SpanRow.import_id))
        .group_by(SpanRow.entity_id)).all())
    claims = dict(session.execute(
        select(SpanRow.entity_id, func.count(LinkRow.from_span_id))
        .join(LinkRow, LinkRow.to_span_id == SpanRow.id)
        .where(SpanRow.entity_id.is_not(None), LinkRow.kind == str(LinkKind.ATTRIBUTED_TO),
               visible(SpanRow.import_id))
        .group_by(SpanRow.entity_id)).all())
    return {str(eid): EntityCounts(int(n), int(claims.get(eid, 0)), int(documents.get(eid, 0)))
            for eid, n in mentions.items()}


@dataclass(frozen=True, slots=True)
class Mention:
    """A source span naming an entity, with what the registry shows of it."""

    span_id: str
    document_id: str
    document_title: str
    annotator: str
    text: str
    labels: dict[str, str]
    updated_at: datetime


def mentions_of(session: Session, entity_id: str | None = None) -> dict[str, list[Mention]]:
    """Entity id -> its mentions, oldest first (the last one gives the current grade)."""
    stmt = (select(SpanRow.entity_id, SpanRow.id, SpanRow.document_id, DocumentRow.title,
                   AnnotatorRow.name, SpanRow.text, SpanRow.labels, SpanRow.updated_at)
            .join(DocumentRow, DocumentRow.id == SpanRow.document_id)
            .join(AnnotatorRow, AnnotatorRow.id == SpanRow.annotator_id)
            .where(SpanRow.entity_id.is_not(None), visible(SpanRow.import_id)))
    if entity_id is not None:
        stmt = stmt.where(SpanRow.entity_id == entity_id)
    out: dict[str, list[Mention]] = defaultdict(list)
    for eid, sid, doc, title, annotator, text, labels, updated in session.execute(
            stmt.order_by(SpanRow.updated_at, SpanRow.id)):
        out[str(eid)].append(Mention(sid, doc, title, annotator, text, dict(labels or {}), updated))
    return out


def claims_attributed_to(session: Session, source_ids: Sequence[str]) -> list[str]:
    """Ids of the claims attributed to any of ``source_ids``."""
    out: list[str] = []
    for i in range(0, len(source_ids), 500):
        out += session.scalars(select(LinkRow.from_span_id).where(
            LinkRow.kind == str(LinkKind.ATTRIBUTED_TO),
            LinkRow.to_span_id.in_(list(source_ids[i:i + 500]))))
    return out


def spans_by_id(session: Session, span_ids: Sequence[str]) -> list[Span]:
    """The spans that exist among ``span_ids``, in chunks of one query each."""
    wanted = list(dict.fromkeys(span_ids))
    found: list[Span] = []
    for i in range(0, len(wanted), 500):
        found += [repo.span_from_row(row) for row in session.scalars(
            select(SpanRow).where(SpanRow.id.in_(wanted[i:i + 500])))]
    return found


# --- spans stored from suggestions ----------------------------------------------------------------

def mark_suggested(session: Session, span_id: str, version: int, rule: str) -> None:
    session.add(SuggestedSpanRow(span_id=span_id, stored_version=version, rule=rule))
    session.flush()


def unedited_suggestions(session: Session, span_ids: Iterable[str] | None = None) -> set[str]:
    """Ids of spans stored from a suggestion and not changed since (same version)."""
    stmt = (select(SuggestedSpanRow.span_id)
            .join(SpanRow, SpanRow.id == SuggestedSpanRow.span_id)
            .where(SpanRow.version == SuggestedSpanRow.stored_version))
    found = set(session.scalars(stmt))
    return found if span_ids is None else found & set(span_ids)


def unedited_suggestion_owners(session: Session) -> list[tuple[str, str]]:
    """(document id, annotator name) of each span stored from a suggestion and not changed
    since: enough to count them per annotator without reading every span."""
    stmt = (select(SpanRow.document_id, AnnotatorRow.name)
            .join(SuggestedSpanRow, SuggestedSpanRow.span_id == SpanRow.id)
            .join(AnnotatorRow, AnnotatorRow.id == SpanRow.annotator_id)
            .where(SpanRow.version == SuggestedSpanRow.stored_version))
    return [(doc, name) for doc, name in session.execute(stmt)]


def suggested_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SuggestedSpanRow)) or 0


# --- rejected suggestions ----------------------------------------------------------------------

def rejected_keys(session: Session, document_id: str, annotator: str) -> set[str]:
    """The keys of the suggestions ``annotator`` rejected in ``document_id``."""
    return set(session.scalars(
        select(SuggestionRejectionRow.key)
        .join(AnnotatorRow, AnnotatorRow.id == SuggestionRejectionRow.annotator_id)
        .where(SuggestionRejectionRow.document_id == document_id,
               AnnotatorRow.name == annotator)))


def add_rejection(session: Session, document_id: str, annotator: str, key: str) -> bool:
    """Store a rejection; False when it was stored already."""
    who = repo.ensure_annotator(session, annotator)
    if session.get(SuggestionRejectionRow, (document_id, who.id, key)) is not None:
        return False
    session.add(SuggestionRejectionRow(document_id=document_id, annotator_id=who.id, key=key,
                                       rejected_at=utcnow()))
    session.flush()
    return True


def remove_rejection(session: Session, document_id: str, annotator: str, key: str) -> bool:
    """Forget a rejection; False when there was none."""
    who = repo.find_annotator(session, annotator)
    row = None if who is None else session.get(SuggestionRejectionRow,
                                               (document_id, who.id, key))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
