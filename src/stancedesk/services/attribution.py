"""Roles, links and the source registry: the use cases behind the desk's keys and the CLI.

Every change is its own committed transaction (autosave) and returns what it replaced, so undo
can put it back; every link is checked against the same rules as imports
(``domain.attribution.check_links``), on the whole set of the annotator's links in that
document, so a change can never leave a cycle or a link across annotators behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from stancedesk.domain import Span
from stancedesk.domain.attribution import (
    Link,
    LinkKind,
    SourceEntity,
    SpanRole,
    check_links,
    matching_entities,
    name_key,
)
from stancedesk.domain.errors import NotFoundError, UserError
from stancedesk.services import spans as span_service
from stancedesk.services.changes import Changes
from stancedesk.services.schemes import get_scheme
from stancedesk.storage import attribution as arepo
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database


class AttributionError(UserError):
    """A role, link or registry change that the rules of attribution do not allow."""


@dataclass(frozen=True, slots=True)
class LinkChange:
    before: Link | None
    after: Link | None


@dataclass(frozen=True, slots=True)
class Removal:
    """Spans deleted together and the links that went with them: what undo puts back."""

    spans: tuple[Span, ...]
    links: tuple[Link, ...]


def _span(session: Session, span_id: str) -> Span:
    span = repo.get_span(session, span_id)
    if span is None:
        raise NotFoundError(f"no span with id {span_id}")
    return span


def _check_all(session: Session, links: Iterable[Link]) -> None:
    """The rules read documents, annotators and roles from the spans themselves."""
    links = list(links)
    ends = arepo.span_ends(session, [s for link in links for s in (link.from_span,
                                                                    link.to_span)])
    problems = check_links(ends, links)
    if problems:
        raise AttributionError("; ".join(problems))


# --- roles ---------------------------------------------------------------------------------------

def set_role(database: Database, span_id: str, role: SpanRole | None, *,
             expected_version: int | None = None) -> span_service.SpanChange:
    """Give a span a role (or none). A role its links still need is refused, naming them."""
    scheme = get_scheme(database)
    with database.write() as session:
        before = _span(session, span_id)
        if expected_version is not None and before.version != expected_version:
            raise span_service.stale_error(before, span_id)
        span_service.check_role_fits(scheme, before, str(role) if role else None)
        links = arepo.links_of(session, before.document_id, before.annotator)
        ends = arepo.span_ends(session, [s for link in links for s in (link.from_span,
                                                                        link.to_span)])
        if span_id in ends:
            ends[span_id] = replace(ends[span_id], role=role)
        problems = [p for p in check_links(ends, links) if span_id in p]
        if problems:
            raise AttributionError(f"span {before.text!r} cannot become "
                                   f"{role or 'a span without a role'}: " + "; ".join(problems)
                                   + " (remove those links first)")
        arepo.set_span_role(session, span_id, role)
        after = _span(session, span_id)
        return span_service.SpanChange(before, after)


# --- links ---------------------------------------------------------------------------------------

def link(database: Database, from_span: str, kind: LinkKind, to_span: str | None) -> LinkChange:
    """Set (or, with ``to_span`` None, clear) the ``kind`` link of ``from_span``."""
    with database.write() as session:
        start = _span(session, from_span)
        before = arepo.get_link(session, from_span, kind)
        if to_span is None:
            if before is not None:
                arepo.remove_link(session, from_span, kind)
            return LinkChange(before, None)
        new = Link(from_span, kind, to_span)
        others = [x for x in arepo.links_of(session, start.document_id, start.annotator)
                  if (x.from_span, x.kind) != (from_span, kind)]
        _check_all(session, [*others, new])
        arepo.put_link(session, new)
        return LinkChange(before, new)


def restore_link(database: Database, change: LinkChange) -> LinkChange:
    """Undo a link change: put ``change.before`` back (or clear what ``after`` set)."""
    target = change.before or change.after
    assert target is not None
    return link(database, target.from_span, target.kind,
                change.before.to_span if change.before else None)


def links_of(database: Database, document_id: str, annotator: str) -> list[Link]:
    with database.read() as session:
        return arepo.links_of(session, document_id, annotator)


def links_in(database: Database, document_ids: Sequence[str] | None = None,
             annotators: Sequence[str] | None = None) -> list[Link]:
    with database.read() as session:
        return arepo.links_in(session, document_ids, annotators)


ClaimsPolicy = Literal["keep", "delete"]


def delete_spans(database: Database, span_ids: Sequence[str], *,
                 claims: ClaimsPolicy = "keep") -> Removal:
    """Delete spans with their links. A deleted source's claims are kept unattributed
    (``claims="keep"``) or deleted with it (``"delete"``); the caller asks which."""
    with database.write() as session:
        doomed = list(dict.fromkeys(span_ids))
        for sid in doomed:
            _span(session, sid)
        if claims == "delete":
            doomed += [c for c in arepo.claims_attributed_to(session, doomed) if c not in doomed]
        links = arepo.links_touching(session, doomed)
        removed = [repo.delete_span(session, sid) for sid in doomed]
        return Removal(tuple(s for s in removed if s is not None), tuple(links))


def restore(database: Database, removal: Removal) -> None:
    """Undo ``delete_spans``: the spans with their ids and times, then their links."""
    for span in removal.spans:
        span_service.restore_span(database, span)
    with database.write() as session:
        for item in removal.links:
            arepo.put_link(session, item)


# --- the registry --------------------------------------------------------------------------------

def _entity(session: Session, ref: str) -> SourceEntity:
    """By id, else by name or alias."""
    found = arepo.get_entity(session, ref)
    if found is None:
        found = arepo.find_entity_by_key(session, name_key(ref))
    if found is None:
        key = name_key(ref)
        found = next((e for e in arepo.list_entities(session)
                      if key in (name_key(a) for a in e.aliases)), None)
    if found is None:
        raise NotFoundError(f"no source {ref!r} in the registry")
    return found


def _key(name: str) -> str:
    key = name_key(name)
    if not key:
        raise AttributionError("a source needs a name")
    return key


def _taken(name: str, clash: SourceEntity) -> AttributionError:
    return AttributionError(f"{name!r} is already in the registry as {clash.name!r}; merge "
                            "the two instead")


def _free_key(session: Session, name: str, entity_id: str | None = None) -> str:
    key = _key(name)
    clash = arepo.find_entity_by_key(session, key)
    if clash is not None and clash.id != entity_id:
        raise _taken(name, clash)
    return key


def _add(session: Session, entity: SourceEntity, key: str,
         times: tuple[datetime, datetime] | None = None) -> SourceEntity:
    """``arepo.add_entity``; a name that someone else added meanwhile (on a server, after
    this unit of work looked) is refused as ``_free_key`` refuses it."""
    added = arepo.add_entity(session, entity, key, times)
    if added is None:
        clash = arepo.find_entity_by_key(session, key)
        assert clash is not None
        raise _taken(entity.name, clash)
    return added


def create_entity(database: Database, name: str, sourcing: str = "",
                  aliases: Sequence[str] = (), notes: str = "") -> SourceEntity:
    """A new source in the registry. A source of the same name that an import still running
    created (committed, hidden until the import publishes) is no clash: nobody could see it,
    so the desk takes it up with its own values and both end with that one source; the
    import's spans name it as they would have."""
    entity = SourceEntity("", name.strip(), sourcing, _clean_aliases(name, aliases), notes)
    with database.write() as session:
        key = _key(name)
        taken = arepo.take_up_entity(session, key)
        if taken is None:
            return _add(session, entity, key)
        written = arepo.write_entity(session, replace(entity, id=taken.id), key)
        assert written is not None
        return written


def _clean_aliases(name: str, aliases: Iterable[str]) -> tuple[str, ...]:
    seen = {name_key(name)}
    out: list[str] = []
    for alias in aliases:
        key = name_key(alias)
        if key and key not in seen:
            seen.add(key)
            out.append(alias.strip())
    return tuple(out)


def update_entity(database: Database, ref: str, *, name: str | None = None,
                  sourcing: str | None = None, add_aliases: Sequence[str] = (),
                  remove_aliases: Sequence[str] = (), notes: str | None = None) -> SourceEntity:
    return edit_entity(database, ref, name=name, sourcing=sourcing, add_aliases=add_aliases,
                       remove_aliases=remove_aliases, notes=notes).after


@dataclass(frozen=True, slots=True)
class EntityEdit:
    """A rename, alias, type or notes edit: the two states undo and redo write back."""

    before: SourceEntity
    after: SourceEntity


def edit_entity(database: Database, ref: str, *, name: str | None = None,
                sourcing: str | None = None, add_aliases: Sequence[str] = (),
                remove_aliases: Sequence[str] = (), notes: str | None = None) -> EntityEdit:
    """``update_entity`` that also returns the state it replaced (read in the same
    transaction), for undo."""
    with database.write() as session:
        entity = _entity(session, ref)
        new_name = entity.name if name is None else name.strip()
        key = _free_key(session, new_name, entity.id)
        dropped = {name_key(a) for a in remove_aliases}
        aliases = [a for a in entity.aliases if name_key(a) not in dropped]
        if name is not None and name_key(entity.name) != key:
            aliases.append(entity.name)  # the old name still finds it
        changed = SourceEntity(entity.id, new_name,
                               entity.sourcing if sourcing is None else sourcing,
                               _clean_aliases(new_name, [*aliases, *add_aliases]),
                               entity.notes if notes is None else notes)
        written = arepo.write_entity(session, changed, key)
        assert written is not None
        return EntityEdit(entity, written)


def _unchanged(session: Session, expected: SourceEntity) -> None:
    """An undo or redo step writes over the state it left, never over a later edit."""
    current = arepo.get_entity(session, expected.id)
    if current is None:
        raise AttributionError(f"the source {expected.name!r} is no longer in the registry; "
                               "nothing was changed")
    if current != expected:
        raise AttributionError(f"the source {expected.name!r} was changed since (now "
                               f"{current.name!r}); nothing was changed")


def put_entity(database: Database, expected: SourceEntity,
               entity: SourceEntity) -> SourceEntity:
    """Write ``entity`` (name, type, aliases, notes exactly as given) over the stored state
    ``expected``: the undo and redo of an ``EntityEdit``."""
    with database.write() as session:
        _unchanged(session, expected)
        written = arepo.write_entity(session, entity, _free_key(session, entity.name,
                                                                  entity.id))
        assert written is not None
        return written


@dataclass(frozen=True, slots=True)
class EntityMerge:
    """What a merge changed, so that undo can split the two sources again exactly: the kept
    entity as it was, the absorbed one with its times, and which spans named the absorbed one
    (with the times they had)."""

    kept_before: SourceEntity
    kept_times: tuple[datetime, datetime]
    absorbed: SourceEntity
    absorbed_times: tuple[datetime, datetime]
    kept_after: SourceEntity
    namings: tuple[arepo.Naming, ...]

    @property
    def changes(self) -> Changes:
        counts: dict[str, dict[str, int]] = {}
        for naming in self.namings:
            by = counts.setdefault(naming.document_id, {})
            by[naming.annotator] = by.get(naming.annotator, 0) + 1
        return Changes(spans_changed=counts)


def merge_entities(database: Database, keep: str, absorb: str) -> SourceEntity:
    """One source under two names: ``absorb``'s mentions, name and aliases move to ``keep``."""
    return merge(database, keep, absorb).kept_after


def merge(database: Database, keep: str, absorb: str) -> EntityMerge:
    """``merge_entities``, returning everything its undo (``unmerge``) needs."""
    with database.write() as session:
        kept, gone = _entity(session, keep), _entity(session, absorb)
        if kept.id == gone.id:
            raise AttributionError(f"{kept.name!r} and {gone.name!r} are the same source")
        kept_times, times = arepo.entity_times(session, kept.id), \
            arepo.entity_times(session, gone.id)
        assert kept_times is not None and times is not None
        moved = arepo.namings(session, gone.id)
        for naming in moved:
            arepo.set_span_entity(session, naming.span_id, kept.id)
        merged = SourceEntity(kept.id, kept.name, kept.sourcing or gone.sourcing,
                              _clean_aliases(kept.name, [*kept.aliases, gone.name,
                                                         *gone.aliases]),
                              "\n".join(n for n in (kept.notes, gone.notes) if n))
        arepo.delete_entity(session, gone.id)
        session.flush()
        written = arepo.write_entity(session, merged, name_key(kept.name))
        assert written is not None
        return EntityMerge(kept, kept_times, gone, times, written, tuple(moved))


def unmerge(database: Database, merged: EntityMerge) -> None:
    """Undo a merge: the kept source as it was, the absorbed one back with its id, and every
    span that named it naming it again (a span renamed or deleted since keeps its later
    state)."""
    with database.write() as session:
        _unchanged(session, merged.kept_after)
        kept, gone = merged.kept_before, merged.absorbed
        arepo.write_entity(session, kept, _free_key(session, kept.name, kept.id),
                           merged.kept_times[1])
        session.flush()  # the absorbed name and aliases are free again
        _add(session, gone, _free_key(session, gone.name), merged.absorbed_times)
        still = set(arepo.spans_naming(session, kept.id))
        for naming in merged.namings:
            if naming.span_id in still:
                arepo.set_span_entity(session, naming.span_id, gone.id, naming.updated_at)


def name_source(database: Database, span_id: str, entity: str | None) -> span_service.SpanChange:
    """Let a source span name a registry entity (or none)."""
    with database.write() as session:
        before = _span(session, span_id)
        if entity is not None and before.role != SpanRole.SOURCE:
            raise AttributionError(f"only a source can name a registry entity; "
                                   f"{before.text!r} is {before.role or 'a span without a role'}")
        entity_id = _entity(session, entity).id if entity is not None else None
        arepo.set_span_entity(session, span_id, entity_id)
        return span_service.SpanChange(before, _span(session, span_id))


def matching(database: Database, selected: str) -> list[SourceEntity]:
    """Entities whose name or alias matches a selection, best first (for naming a source)."""
    with database.read() as session:
        return matching_entities(selected, arepo.list_entities(session))


@dataclass(frozen=True, slots=True)
class Grade:
    document_id: str
    document_title: str
    annotator: str
    grade: str
    at: str  # ISO 8601


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    entity: SourceEntity
    mentions: int
    claims: int
    documents: int
    grades: tuple[Grade, ...] = field(default=())

    @property
    def current_grade(self) -> str | None:
        """The latest grade given to the source in any report."""
        return self.grades[-1].grade if self.grades else None


def entity_names(database: Database) -> dict[str, str]:
    """Entity id -> name: what exports and agreement need, without the registry's counts."""
    with database.read() as session:
        return {e.id: e.name for e in arepo.list_entities(session)}


def registry(database: Database, grade_layer: str = "reliability") -> list[RegistryEntry]:
    with database.read() as session:
        counts = arepo.entity_counts(session)
        mentions = arepo.mentions_of(session)
        out = []
        for entity in arepo.list_entities(session):
            c = counts.get(entity.id, arepo.EntityCounts(0, 0, 0))
            grades = tuple(Grade(m.document_id, m.document_title, m.annotator,
                                 m.labels[grade_layer], m.updated_at.isoformat())
                           for m in mentions.get(entity.id, []) if m.labels.get(grade_layer))
            out.append(RegistryEntry(entity, c.mentions, c.claims, c.documents, grades))
        return out


def claims_of(database: Database, entity: str) -> list[Span]:
    """Every claim attributed to a source naming ``entity``, across the corpus."""
    with database.read() as session:
        found = _entity(session, entity)
        sources = arepo.spans_naming(session, found.id)
        claims = arepo.spans_by_id(session, arepo.claims_attributed_to(session, sources))
        return sorted(claims, key=lambda s: (s.document_id, s.start, s.end, s.annotator))
