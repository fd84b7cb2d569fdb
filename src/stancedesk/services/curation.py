"""Curation into gold: the use cases behind the curation view and ``stancedesk curate``.

The gold standard is the spans of the annotator named ``gold``. A curator decides each passage
(``domain.curation``) once: by accepting one annotator's version, by merging versions into their
own span, or by rejecting every version. Each decision writes a ``curation_decisions`` row (who,
when, from which annotators' spans, unanimous/majority/curator/rejected) in the same transaction
as the gold span, and every decision can be undone, which restores exactly the state before it.

Rules that keep curated work safe:

* A decided passage is never decided again: accepting or rejecting it is refused until its
  decision is undone, and "accept all agreeing" skips it. Re-running auto-curation therefore
  keeps what was already curated and never duplicates a gold span.
* Accepting a claim brings its links along, remapped to gold: the link points to the gold span
  of the passage its source lies in. When that passage has no gold span yet, the annotator's
  source is accepted with the claim (its own decision row, written in the same action); when
  its every version was rejected, the accept is refused, naming the source.
* One action stamps all its decision rows with the same ``curated_at``: undoing "the last
  decision" undoes the whole action (a claim with the source it brought along).
* Undo deletes the gold spans the decisions produced, provided nobody edited them since they
  were curated (their version is still the one they were created at) and no other gold span
  still links to them; otherwise it is refused, as any stale edit is.
"""

from __future__ import annotations

import getpass
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from stancedesk.domain import Scheme, Span, new_span_id
from stancedesk.domain.attribution import Link, LinkEnd, LinkKind, SpanRole, check_links
from stancedesk.domain.curation import (
    CURATOR,
    GOLD,
    REJECTED,
    AutoPick,
    BlindLanes,
    Decision,
    Passage,
    QueueFilter,
    Version,
    auto_pick,
    blind_lanes,
    decision_kind,
    passages,
)
from stancedesk.domain.curation import conflict_queue as queue_of
from stancedesk.domain.errors import NotFoundError, StaleEditError, UserError
from stancedesk.services.changes import Changes
from stancedesk.services.schemes import get_scheme
from stancedesk.services.study import Viewer, require_overview
from stancedesk.storage import attribution as arepo
from stancedesk.storage import curation as crepo
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database
from stancedesk.storage.types import utcnow

__all__ = [
    "GOLD",
    "AutoReport",
    "BlindLanes",
    "CurationError",
    "CurationResult",
    "Decision",
    "DocumentCuration",
    "DocumentStatusLine",
    "Passage",
    "PassageUpdate",
    "QueueFilter",
    "UndoResult",
    "Version",
    "accept_span",
    "auto_curate",
    "blind_lanes",
    "conflict_queue",
    "default_curator",
    "document_curation",
    "list_decisions",
    "merge_spans",
    "passage_of_span",
    "preview_auto",
    "reject_passage",
    "status",
    "undo",
    "undo_decisions",
    "undo_last",
]

# a gold span is created at this version; a higher one means someone edited it since
_CREATED_VERSION = 1


def _guard(database: Database, viewer: Viewer | None) -> None:
    """Curation shows and compares everyone's spans: in a blind study, the lead's work."""
    require_overview(database, viewer, "curation and everyone's versions")


class CurationError(UserError):
    """A curation step the rules do not allow (a decided passage, a rejected source, ...)."""


def default_curator() -> str:
    """Who decides, when nobody says: the OS user, else "curator"."""
    try:
        name = getpass.getuser().strip()
    except (KeyError, OSError):  # no user name in the environment or the password database
        name = ""
    return name or "curator"


@dataclass(frozen=True, slots=True)
class PassageUpdate:
    """A document's passages where a write changed them, as they are after it: a view drops
    its passages holding any span of ``replaced`` (an annotator's or gold) and shows
    ``passages`` instead, without reading or aligning the rest of the document again."""

    document_id: str
    replaced: frozenset[str]
    passages: tuple[Passage, ...]
    # where the replaced spans lie: a passage holding one starts in here (passages never
    # reach beyond the stretch of overlapping spans they belong to)
    bounds: tuple[int, int] = (0, 0)

    def apply(self, found: Sequence[Passage]) -> list[Passage]:
        """``found`` (one document's passages in text order, as read before the write)
        after it, in text order; only those starting within ``bounds`` are looked at."""
        def key(p: Passage) -> int:
            return p.start

        lo = bisect_left(found, self.bounds[0], key=key)
        hi = bisect_right(found, self.bounds[1], key=key)
        kept = [p for p in found[lo:hi] if not (
            any(v.span.id in self.replaced for v in p.versions) or
            (p.gold is not None and p.gold.span.id in self.replaced))]
        middle = sorted([*kept, *self.passages], key=lambda p: (p.start, p.end, p.id))
        return [*found[:lo], *middle, *found[hi:]]


@dataclass(frozen=True, slots=True)
class CurationResult:
    """What one action decided: its decision rows (in the order written), the gold spans it
    created and what changed for the views, with the passages it changed (``updates``; none
    from "accept all agreeing", which may touch every document). Pass it to ``undo`` to take
    it back."""

    decisions: tuple[Decision, ...]
    created: tuple[Span, ...]
    changes: Changes
    updates: tuple[PassageUpdate, ...] = ()


@dataclass(frozen=True, slots=True)
class UndoResult:
    decisions: tuple[Decision, ...]  # the decisions removed
    removed: tuple[Span, ...]  # the gold spans deleted with them
    changes: Changes
    # the passages it reopened, when it touched one document
    updates: tuple[PassageUpdate, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentCuration:
    """One document as the curation view shows it: its text, the annotators compared (gold
    excluded, in name order) and its passages in text order."""

    document_id: str
    title: str
    text: str
    annotators: tuple[str, ...]
    passages: tuple[Passage, ...]

    def passage_of(self, span_id: str) -> Passage | None:
        """The passage holding the span (an annotator's version or the gold span)."""
        for passage in self.passages:
            if span_id in passage.span_ids or (passage.gold and passage.gold.span.id == span_id):
                return passage
        return None

    def conflicts(self, where: QueueFilter | None = None) -> list[Passage]:
        return queue_of([(self.document_id, self.passages)], where)


# --- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Read:
    """One document (or the stretches of it a decision touches) as a decision needs it: its
    passages, and the spans, links, decisions and annotators they were aligned from."""

    document_id: str
    passages: list[Passage]
    links: list[Link]
    spans: list[Span] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    present: list[str] | None = None  # the document's annotators, when only stretches were read

    def after(self, spans: Sequence[Span], links: Sequence[Link],
              decisions: Sequence[Decision]) -> PassageUpdate:
        """The passages of what was read, with ``spans``, ``links`` and ``decisions`` added:
        aligned again in memory."""
        # without their times, as curation reads spans
        now = self.spans + [replace(s, created_at=None, updated_at=None) for s in spans]
        found = passages(self.document_id, now, [*self.links, *links],
                         sorted([*self.decisions, *decisions],
                                key=lambda d: (d.start, d.curated_at, d.id)),
                         present=self.present)
        return PassageUpdate(self.document_id,
                             frozenset(s.id for s in self.spans) | frozenset(s.id for s in now),
                             tuple(found), _bounds(now))


def _read_scope(session: Session, document_ids: Sequence[str] | None,
                annotators: Sequence[str] | None) -> list[_Read]:
    """Passages of many documents (all by default, in the corpus order), reading the spans,
    links and decisions of the whole scope in one column query each (per chunk of ids), then
    aligning each document in memory with only its own spans, links and decisions."""
    order = crepo.document_order(session) if document_ids is None else list(document_ids)
    scope = None if document_ids is None else order
    spans = crepo.spans_by_document(session, scope)
    links = crepo.links_by_document(session, scope)
    decisions = crepo.decisions_by_document(session, scope)
    return [_Read(doc, passages(doc, spans.get(doc, []), links.get(doc, []),
                                decisions.get(doc, []), annotators=annotators),
                  links.get(doc, []), spans.get(doc, []), decisions.get(doc, []))
            for doc in order]


def _bounds(spans: Sequence[Span]) -> tuple[int, int]:
    return (min((s.start for s in spans), default=0), max((s.end for s in spans), default=0))


# more places than this in one decision (an undo of many): read the whole document instead
_REGION_PLACES = 40


def _read_region(session: Session, document_id: str,
                 places: Sequence[tuple[int, int]]) -> _Read:
    """The stretches of a document a decision at ``places`` touches: the spans overlapping
    them (transitively), and the stretches the links of those spans lead to, aligned alone
    (``domain.curation.passages`` says why that gives the document's own passages there).
    A key press in the curation view thus costs a few range queries, not the whole article."""
    if len(places) > _REGION_PLACES:
        return _read_scope(session, [document_id], None)[0]
    spans = {s.id: s for s in crepo.spans_around(session, document_id, places)}
    links: list[Link] = []
    unread = list(spans)
    while unread:
        found = crepo.links_from(session, unread)
        links += found
        targets = {x.to_span for x in found} - set(spans)
        more = crepo.spans_around(session, document_id, [
            (t.start, t.end) for t in crepo.spans_by_ids(session, targets)]) if targets else []
        unread = [s.id for s in more if s.id not in spans]
        spans.update((s.id, s) for s in more)
    decisions = crepo.decisions_for(session, document_id,
                                    [i for i, s in spans.items() if s.annotator == GOLD])
    present = crepo.document_annotators(session, document_id)
    ordered = sorted(spans.values(), key=lambda s: (s.start, s.end, s.id))
    return _Read(document_id, passages(document_id, ordered, links, decisions, present=present),
                 links, ordered, decisions, present)


def _document_passages(session: Session, document_id: str,
                       annotators: Sequence[str] | None) -> list[Passage]:
    return _read_scope(session, [document_id], annotators)[0].passages


def _all_passages(session: Session, document_ids: Sequence[str] | None,
                  annotators: Sequence[str] | None) -> list[tuple[str, list[Passage]]]:
    return [(r.document_id, r.passages) for r in _read_scope(session, document_ids, annotators)]


def document_curation(database: Database, document_id: str, *,
                      annotators: Sequence[str] | None = None,
                      viewer: Viewer | None = None) -> DocumentCuration:
    """Everything the curation view needs for one document, read in one transaction.
    ``annotators`` limits whose spans are compared (default: everyone with a span here)."""
    _guard(database, viewer)
    with database.read() as session:
        doc = repo.get_document(session, document_id)
        if doc is None:
            raise NotFoundError(f"no document with id {document_id}")
        found = _document_passages(session, document_id, annotators)
    names = found[0].annotators if found else ()
    return DocumentCuration(doc.id, doc.title, doc.text, names, tuple(found))


def passage_of_span(database: Database, span_id: str, *,
                    viewer: Viewer | None = None) -> Passage:
    """The passage an annotator's (or the gold) span lies in."""
    _guard(database, viewer)
    with database.read() as session:
        span = repo.get_span(session, span_id)
        if span is None:
            raise NotFoundError(f"no span with id {span_id}")
        found = _document_passages(session, span.document_id, None)
    for passage in found:
        if span_id in passage.span_ids or (passage.gold and passage.gold.span.id == span_id):
            return passage
    raise NotFoundError(f"span {span_id} lies in no passage")  # pragma: no cover - every span does


def conflict_queue(database: Database, *, documents: Sequence[str] | None = None,
                   layer: str | None = None, label: str | None = None, role: str | None = None,
                   annotators: Sequence[str] | None = None, viewer: Viewer | None = None
                   ) -> list[Passage]:
    """Open conflicts across documents (all by default, in the corpus order), by document and
    position; ``layer``/``label``/``role`` filter as ``QueueFilter`` says."""
    _guard(database, viewer)
    with database.read() as session:
        found = _all_passages(session, documents, annotators)
    return queue_of(found, QueueFilter(layer, label, role))


def list_decisions(database: Database, document_ids: Sequence[str] | None = None, *,
                   viewer: Viewer | None = None) -> list[Decision]:
    _guard(database, viewer)
    with database.read() as session:
        return crepo.list_decisions(session, document_ids)


# --- deciding --------------------------------------------------------------------------------

def _describe(passage: Passage, text: str = "") -> str:
    shown = text or (passage.versions[0].span.text if passage.versions else "")
    return f"passage {shown!r} at {passage.start}-{passage.end}"


def _decided_error(passage: Passage) -> CurationError:
    if passage.decision is not None:
        d = passage.decision
        return CurationError(f"{_describe(passage)} is already decided ({d.decision} by "
                             f"{d.curated_by}, decision {d.id}); undo that decision first")
    return CurationError(f"{_describe(passage)} already has a gold span; delete it or undo its "
                         "decision first")


def _clean(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in labels.items() if v}


class _Action:
    """One curation action on one document, decided in memory from what was read in the
    write transaction: the gold spans, links and decisions it will write, all stamped with
    the same time. ``_commit`` checks the gold links and writes them in batches."""

    def __init__(self, read: _Read, curator: str, when: datetime,
                 choose: Callable[[Passage, Version], Version] | None = None) -> None:
        self.read = read
        self.document_id, self.curator, self.when = read.document_id, curator, when
        found = read.passages
        self.passages = {p.id: p for p in found}
        self.by_span = {v.span.id: p for p in found for v in p.versions}
        self.gold_of = {p.id: p.gold.span.id for p in found if p.gold is not None}
        self.decisions: list[Decision] = []
        self.created: list[Span] = []
        self.links: list[Link] = []
        self.choose = choose  # which version of a source passage a claim brings along
        # span id -> kind -> target span id
        self.outgoing: dict[str, dict[str, str]] = {}
        for x in read.links:
            self.outgoing.setdefault(x.from_span, {})[str(x.kind)] = x.to_span

    def new_gold(self, start: int, end: int, text: str, labels: Mapping[str, str],
                 role: str | None, entity_id: str | None) -> Span:
        gold = Span(id=new_span_id(), document_id=self.document_id, annotator=GOLD,
                    start=start, end=end, text=text, labels=_clean(labels),
                    created_at=self.when, updated_at=self.when, version=_CREATED_VERSION,
                    role=role, entity_id=entity_id)
        self.created.append(gold)
        return gold

    def passage_of(self, span_id: str) -> Passage:
        passage = self.by_span.get(span_id)
        if passage is None:
            raise NotFoundError(f"span {span_id} is no annotator's span in document "
                                f"{self.document_id}")
        return passage

    def gold_for(self, passage: Passage, why: str) -> str:
        """The gold span of a passage a link points to, taking the linked version now when
        the passage has none yet."""
        if passage.id in self.gold_of:
            return self.gold_of[passage.id]
        if passage.decision is not None and passage.decision.span_id is None:
            raise self._rejected(passage, why)
        raise LookupError(passage.id)

    def linked(self, version: Version) -> list[tuple[str, str, Passage]]:
        """(kind, target span id, target passage) of each link of the version's span."""
        return [(kind, target, self.passage_of(target)) for kind, target in
                sorted(self.outgoing.get(version.span.id, {}).items())]

    def problem(self, version: Version, passage: Passage,
                seen: frozenset[str] = frozenset()) -> str:
        """Why taking ``version`` would be refused (empty when it would not), checked before
        writing anything so a refused passage leaves no half-taken links behind."""
        if passage.decided or passage.id in self.gold_of:
            return str(_decided_error(passage))
        for kind, target_id, target in self.linked(version):
            if target.id in self.gold_of:
                continue
            why = f"the {kind} link of {version.span.text!r}"
            if target.decision is not None and target.decision.span_id is None:
                return str(self._rejected(target, why))
            if target.id in seen | {passage.id}:
                return f"{why} runs in a circle through {_describe(target)}"
            chosen = next(v for v in target.versions if v.span.id == target_id)
            if self.choose is not None:
                chosen = self.choose(target, chosen)
            found = self.problem(chosen, target, seen | {passage.id})
            if found:
                return found
        return ""

    @staticmethod
    def _rejected(passage: Passage, why: str) -> CurationError:
        assert passage.decision is not None
        return CurationError(f"{why}: every version of its target {_describe(passage)} was "
                             f"rejected (decision {passage.decision.id}); undo that "
                             "rejection, or merge without the link")

    def take(self, version: Version, passage: Passage) -> Span:
        """Copy ``version`` into gold with its labels, role, entity and links."""
        problem = self.problem(version, passage)
        if problem:
            raise CurationError(problem)
        span = version.span
        gold = self.new_gold(span.start, span.end, span.text, span.labels, span.role,
                             span.entity_id)
        self.gold_of[passage.id] = gold.id
        agreeing = passage.agreeing_with(span.id)
        for kind, target_id, target in self.linked(version):
            if target.id in self.gold_of:
                to = self.gold_of[target.id]
            else:
                chosen = next(v for v in target.versions if v.span.id == target_id)
                if self.choose is not None:
                    chosen = self.choose(target, chosen)
                to = self.take(chosen, target).id
            self.links.append(Link(gold.id, LinkKind(kind), to))
        self.decide(passage, gold.id, span.start, span.end,
                    decision_kind(len(agreeing), len(passage.annotators)),
                    [v.annotator for v in agreeing], [v.span.id for v in agreeing])
        return gold

    def decide(self, passage: Passage | None, span_id: str | None, start: int, end: int,
               kind: str, names: Sequence[str], span_ids: Sequence[str]) -> None:
        self.decisions.append(Decision(
            str(uuid.uuid4()), self.document_id, span_id, start, end, kind, self.curator,
            self.when, tuple(names), tuple(span_ids)))

    def check_links(self) -> None:
        """The document's gold links, with the new ones, must pass the link rules."""
        if not self.links:
            return
        spans = [s for p in self.read.passages for s in
                 ([v.span for v in p.versions] + ([p.gold.span] if p.gold else []))]
        spans += self.created
        gold = {s.id for s in spans if s.annotator == GOLD}
        links = {(x.from_span, x.kind): x for x in self.read.links if x.from_span in gold}
        for link in self.links:
            links[(link.from_span, link.kind)] = link
        wanted = {s for x in links.values() for s in (x.from_span, x.to_span)}
        ends = {s.id: LinkEnd(s.document_id, s.annotator, SpanRole(s.role) if s.role else None)
                for s in spans if s.id in wanted}
        problems = check_links(ends, links.values())
        if problems:
            raise CurationError("the gold links would break a rule: " + "; ".join(problems))

    def result(self, update: bool = False) -> CurationResult:
        updates = (self.read.after(self.created, self.links, self.decisions),) if update \
            else ()
        added = {self.document_id: {GOLD: len(self.created)}} if self.created else {}
        return CurationResult(tuple(self.decisions), tuple(self.created),
                              Changes(spans_added=added,
                                      curation_documents=frozenset({self.document_id})),
                              updates)


def _commit(session: Session, actions: Sequence[_Action], *, updates: bool = False
            ) -> list[CurationResult]:
    """Check every action's gold links, then write all their gold spans, links and decisions
    in batches (the caller's write transaction makes it all or nothing); with ``updates``,
    each result carries the passages it changed."""
    for action in actions:
        action.check_links()
    crepo.insert_gold(session, GOLD, [s for a in actions for s in a.created],
                      [x for a in actions for x in a.links],
                      [d for a in actions for d in a.decisions])
    return [a.result(updates) for a in actions]


def accept_span(database: Database, span_id: str, *, curator: str,
                expected_version: int | None = None,
                viewer: Viewer | None = None) -> CurationResult:
    """Accept one annotator's span into gold: boundaries, labels, role, entity and links
    (remapped to gold; an unaccepted linked source comes along, see the module doc). The
    decision says unanimous/majority/curator by how many annotators of the document share
    this version exactly, and names them. Refused when the passage is decided already, or
    (with ``expected_version``) when the span changed since the caller read it."""
    _guard(database, viewer)
    with database.write() as session:
        span = repo.lock_span(session, span_id)
        if span is None:
            raise NotFoundError(f"no span with id {span_id}")
        if expected_version is not None and span.version != expected_version:
            raise StaleEditError(f"span {span.text!r} was changed by {span.annotator} since "
                                 "you read it; reload?")
        if span.annotator == GOLD:
            raise CurationError(f"span {span.text!r} is a gold span already")
        action = _Action(_read_region(session, span.document_id, [(span.start, span.end)]),
                         curator, utcnow())
        passage = action.passage_of(span_id)
        version = next(v for v in passage.versions if v.span.id == span_id)
        action.take(version, passage)
        return _commit(session, [action], updates=True)[0]


def _check_labels(scheme: Scheme, labels: Mapping[str, str], role: str | None) -> dict[str, str]:
    clean: dict[str, str] = {}
    for layer, value in labels.items():
        if not value:
            continue
        problem = scheme.check_value(layer, value)
        if problem is None and not scheme.layer(layer).applies_to(role):
            problem = f"layer {layer!r} does not apply to a {role}"
        if problem:
            raise CurationError(problem)
        clean[layer] = value
    return clean


def merge_spans(database: Database, document_id: str, start: int, end: int, *,
                labels: Mapping[str, str], curator: str, role: str | None = None,
                entity_id: str | None = None, from_span_ids: Sequence[str] = (),
                links: Mapping[str, str] | None = None,
                viewer: Viewer | None = None) -> CurationResult:
    """The curator's own gold span from several versions: boundaries and labels as given,
    ``from_span_ids`` the annotators' spans it was made from (their passages must be open),
    ``links`` kind -> a gold span id, or an annotator's span whose passage has a gold span
    (the link goes to that gold span). The decision is always "curator"."""
    _guard(database, viewer)
    if start < 0 or end <= start:
        raise CurationError(f"a span needs 0 <= start < end, not {start}:{end}")
    if role is not None and role not in ("source", "claim", "cue"):
        raise CurationError(f"unknown role {role!r} (source, claim or cue)")
    clean = _check_labels(get_scheme(database), labels, role)
    with database.write() as session:
        found = repo.text_slice(session, document_id, start, end)
        if found is None:
            raise NotFoundError(f"no document with id {document_id}")
        length, text = found
        if end > length:
            raise CurationError(f"span {start}:{end} runs past the end of the document "
                                f"({length})")
        places = [(start, end)] + [(s.start, s.end) for s in crepo.spans_by_ids(
            session, [*from_span_ids, *(links or {}).values()]) if s.document_id == document_id]
        action = _Action(_read_region(session, document_id, places), curator, utcnow())
        known = action.read.passages
        sources = [action.passage_of(sid) for sid in dict.fromkeys(from_span_ids)]
        for passage in sources:
            if passage.decided:
                raise _decided_error(passage)
        for passage in known:
            g = passage.gold
            if g is not None and (g.span.start, g.span.end, g.span.role) == (start, end, role):
                raise CurationError(f"gold already has {g.span.text!r} at {start}-{end}"
                                    f"{' as ' + role if role else ''}")
        gold = action.new_gold(start, end, text, clean, role,
                               entity_id if role == "source" else None)
        gold_ids = {p.gold.span.id for p in known if p.gold is not None}
        for kind, target in sorted((links or {}).items()):
            if target in gold_ids:
                to = target
            else:
                try:
                    to = action.gold_for(action.passage_of(target), f"the {kind} link")
                except LookupError:
                    raise CurationError(f"the {kind} link's target {target} has no gold span "
                                        "yet; accept or merge it first") from None
            action.links.append(Link(gold.id, LinkKind(kind), to))
        names = sorted({v.annotator for p in sources for v in p.versions
                        if v.span.id in from_span_ids})
        action.decide(None, gold.id, start, end, CURATOR, names, list(dict.fromkeys(
            from_span_ids)))
        return _commit(session, [action], updates=True)[0]


def reject_passage(database: Database, document_id: str, start: int, end: int, *,
                   curator: str, from_span_ids: Sequence[str] | None = None,
                   viewer: Viewer | None = None) -> CurationResult:
    """Reject every version of a passage: no gold span there, a "rejected" decision row (with
    no span) naming the annotators whose spans were rejected. The passage is the one holding
    ``from_span_ids`` when given, else the one spanning exactly ``start``-``end``."""
    _guard(database, viewer)
    with database.write() as session:
        if not repo.document_exists(session, document_id):
            raise NotFoundError(f"no document with id {document_id}")
        places = [(s.start, s.end) for s in crepo.spans_by_ids(session, from_span_ids or [])
                  if s.document_id == document_id] or [(start, end)]
        action = _Action(_read_region(session, document_id, places), curator, utcnow())
        known = action.read.passages
        if from_span_ids:
            passage = action.passage_of(from_span_ids[0])
        else:
            found = [p for p in known if (p.start, p.end) == (start, end) and p.versions]
            if not found:
                raise NotFoundError(f"no passage at {start}-{end} in document {document_id}")
            passage = found[0]
        if passage.decided:
            raise _decided_error(passage)
        action.decide(passage, None, passage.start, passage.end, REJECTED,
                      [v.annotator for v in passage.versions], list(passage.span_ids))
        return _commit(session, [action], updates=True)[0]


# --- undo ------------------------------------------------------------------------------------

def undo_decisions(database: Database, decision_ids: Sequence[str], *,
                   viewer: Viewer | None = None) -> UndoResult:
    """Take decisions back, newest first, in one transaction: their gold spans are deleted
    (with their links) and their rows removed. Refused (nothing changes) when a decision is
    gone already, when its gold span was edited since it was curated, or when a gold span
    outside these decisions links to it."""
    _guard(database, viewer)
    with database.write() as session:
        wanted = list(dict.fromkeys(decision_ids))
        stored = crepo.lock_decisions(session, wanted)
        found: list[Decision] = []
        for decision_id in wanted:
            decision = stored.get(decision_id)
            if decision is None:
                raise StaleEditError(f"decision {decision_id} is no longer stored (undone "
                                     "meanwhile, or its gold span was deleted); reload?")
            found.append(decision)
        golds = crepo.lock_spans(session, [d.span_id for d in found if d.span_id is not None])
        spans: list[Span] = []
        for decision in found:
            span = golds.get(decision.span_id) if decision.span_id is not None else None
            if span is None:
                continue
            if span.version != _CREATED_VERSION:
                raise StaleEditError(f"gold span {span.text!r} was changed at "
                                     f"{span.updated_at} after it was curated; undo refused "
                                     "(edit or delete it in the gold lane instead)")
            spans.append(span)
        doomed = {s.id for s in spans}
        for link in arepo.links_touching(session, doomed):
            if link.to_span in doomed and link.from_span not in doomed:
                source = repo.get_span(session, link.from_span)
                raise CurationError(f"gold span {source.text if source else link.from_span!r} "
                                    f"still links to it ({link.kind}); undo that decision "
                                    "first")
        crepo.delete_gold(session, [d.id for d in found], [s.id for s in spans])
        removed: dict[str, dict[str, int]] = {}
        for span in spans:
            by = removed.setdefault(span.document_id, {})
            by[GOLD] = by.get(GOLD, 0) + 1
        documents = {d.document_id for d in found}
        updates: tuple[PassageUpdate, ...] = ()
        if len(documents) == 1:  # what the view shows: the passages this undo reopened
            (document_id,) = documents
            places = [(d.start, d.end) for d in found] + [(s.start, s.end) for s in spans]
            if len(places) <= _REGION_PLACES:
                places += [(s.start, s.end) for s in crepo.spans_by_ids(
                    session, [i for d in found for i in d.from_span_ids])]
            read = _read_region(session, document_id, places)
            updates = (PassageUpdate(document_id, frozenset(s.id for s in read.spans) |
                                     {s.id for s in spans}, tuple(read.passages),
                                     _bounds([*read.spans, *spans])),)
        return UndoResult(tuple(found), tuple(spans),
                          Changes(spans_removed=removed, curation_documents=frozenset(
                              documents)), updates)


def undo(database: Database, result: CurationResult, *,
         viewer: Viewer | None = None) -> UndoResult:
    """Undo one action (the view's Ctrl+Z): every decision it wrote."""
    return undo_decisions(database, [d.id for d in result.decisions], viewer=viewer)


def undo_last(database: Database, curator: str | None = None, *,
              viewer: Viewer | None = None) -> UndoResult:
    """Undo the most recent action (of ``curator``, when given)."""
    _guard(database, viewer)
    with database.read() as session:
        last = crepo.latest_decisions(session, curator)
    if not last:
        raise NotFoundError("no curation decision to undo" +
                            (f" by {curator}" if curator else ""))
    return undo_decisions(database, [d.id for d in last], viewer=viewer)


# --- accept all agreeing ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AutoItem:
    """One passage "accept all agreeing" looked at: what it takes (or took), or why not."""

    document_id: str
    passage_id: str
    start: int
    end: int
    text: str
    decision: str | None  # None: left alone
    annotators: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AutoReport:
    """What auto-curation took (or, on a dry run, would take) and what it left, per passage;
    documents skipped for their agreement below the threshold, with it."""

    min_agreement: int
    dry_run: bool
    taken: tuple[AutoItem, ...]
    left: tuple[AutoItem, ...]
    skipped_documents: tuple[tuple[str, float | None], ...] = ()
    decisions: tuple[Decision, ...] = ()
    changes: Changes = field(default_factory=Changes)
    # a run may touch every document: views read again what ``changes`` names
    updates: tuple[PassageUpdate, ...] = ()

    def as_json(self) -> dict[str, object]:
        def item(x: AutoItem) -> dict[str, object]:
            return {"document_id": x.document_id, "passage": x.passage_id, "start": x.start,
                    "end": x.end, "text": x.text, "decision": x.decision,
                    "annotators": list(x.annotators), "reason": x.reason}
        return {"min_agreement": self.min_agreement, "dry_run": self.dry_run,
                "taken": [item(x) for x in self.taken], "left": [item(x) for x in self.left],
                "skipped_documents": [{"document_id": d, "agreement": a}
                                      for d, a in self.skipped_documents]}


def document_agreement(found: Sequence[Passage]) -> float | None:
    """Share of a document's passages (gold-only ones aside) on which every annotator agrees
    exactly; None when it has none."""
    marked = [p for p in found if p.versions]
    if not marked:
        return None
    return sum(p.unanimous for p in marked) / len(marked)


def auto_curate(database: Database, min_agreement: int, *, curator: str,
                documents: Sequence[str] | None = None,
                min_document_agreement: float | None = None,
                dry_run: bool = False, viewer: Viewer | None = None) -> AutoReport:
    """Accept every passage at least ``min_agreement`` annotators agree on exactly (labels,
    role, entity and links), in the given documents (all by default) whose agreement
    (``document_agreement``) is at least ``min_document_agreement`` (when given), without
    opening them. Decided passages are kept as they are; a tie between two equally large
    groups is left for the curator. All documents in one transaction; ``dry_run`` does the
    same work and rolls it back, so the preview is exactly what a real run takes."""
    _guard(database, viewer)
    if min_agreement < 1:
        raise CurationError(f"--min-agreement must be at least 1, not {min_agreement}")
    if min_document_agreement is not None and not 0 <= min_document_agreement <= 1:
        raise CurationError("the document agreement threshold is a share between 0 and 1, not "
                            f"{min_document_agreement}")
    target = database.rolled_back() if dry_run else database
    taken: list[AutoItem] = []
    left: list[AutoItem] = []
    skipped: list[tuple[str, float | None]] = []
    decisions: list[Decision] = []
    changes = Changes()
    with target.write() as session:
        if documents is not None:
            stored = set(crepo.document_order(session, documents))
            missing = [d for d in documents if d not in stored]
            if missing:
                raise NotFoundError(f"no document with id {', '.join(missing)}")
        when = utcnow()
        actions: list[_Action] = []
        for read in _read_scope(session, documents, None):
            document_id, found = read.document_id, read.passages
            score = document_agreement(found)
            if min_document_agreement is not None and (score is None or
                                                       score < min_document_agreement):
                skipped.append((document_id, score))
                continue
            picks = {p.id: auto_pick(p, min_agreement) for p in found}

            def choose(passage: Passage, fallback: Version,
                       picks: dict[str, AutoPick] = picks) -> Version:
                pick = picks.get(passage.id)
                return pick.take if pick is not None and pick.take is not None else fallback

            action = _Action(read, curator, when, choose)
            by_span = {v.span.id: (p, v) for p in found for v in p.versions}
            for passage in found:
                if not passage.versions:
                    continue
                pick = picks[passage.id]
                if passage.id in action.gold_of and not passage.decided:
                    continue  # brought along by a claim taken earlier in this run
                if pick.take is None:
                    left.append(_item(passage, None, (), pick.reason))
                    continue
                problem = action.problem(pick.take, passage)
                if problem:
                    left.append(_item(passage, None, (), problem))
                    continue
                before = len(action.decisions)
                action.take(pick.take, passage)
                for decision in action.decisions[before:]:
                    source = decision.from_span_ids[0] if decision.from_span_ids else ""
                    where = by_span.get(source)
                    text = where[1].span.text if where else ""
                    taken.append(AutoItem(document_id, where[0].id if where else "",
                                          decision.start, decision.end, text,
                                          decision.decision, decision.curated_from))
            if action.decisions:
                actions.append(action)
        results = _commit(session, actions)
        decisions = [d for r in results for d in r.decisions]
        # one Changes for the run (merging one per document would copy it every time)
        changes = Changes(spans_added={r.created[0].document_id: {GOLD: len(r.created)}
                                       for r in results if r.created},
                          curation_documents=frozenset(d.document_id for d in decisions))
    return AutoReport(min_agreement, dry_run, tuple(taken), tuple(left), tuple(skipped),
                      () if dry_run else tuple(decisions), Changes() if dry_run else changes)


def _item(passage: Passage, decision: str | None, names: Sequence[str], reason: str) -> AutoItem:
    text = passage.versions[0].span.text if passage.versions else ""
    return AutoItem(passage.document_id, passage.id, passage.start, passage.end, text, decision,
                    tuple(names), reason)


def preview_auto(database: Database, min_agreement: int, *,
                 documents: Sequence[str] | None = None,
                 min_document_agreement: float | None = None,
                 curator: str = "preview", viewer: Viewer | None = None) -> AutoReport:
    """What ``auto_curate`` would take, storing nothing."""
    return auto_curate(database, min_agreement, curator=curator, documents=documents,
                       min_document_agreement=min_document_agreement, dry_run=True,
                       viewer=viewer)


# --- status ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DocumentStatusLine:
    """One document's curation state: passages, how many all annotators agree on, how many
    are conflicts, how many are decided (gold or rejected) and how many conflicts are open."""

    document_id: str
    title: str
    annotators: tuple[str, ...]
    passages: int
    agreeing: int
    conflicts: int
    decided: int
    open: int
    agreement: float | None

    def as_json(self) -> dict[str, object]:
        return {"document_id": self.document_id, "title": self.title,
                "annotators": list(self.annotators), "passages": self.passages,
                "agreeing": self.agreeing, "conflicts": self.conflicts,
                "decided": self.decided, "open": self.open, "agreement": self.agreement}


def status(database: Database, documents: Sequence[str] | None = None, *,
           viewer: Viewer | None = None) -> list[DocumentStatusLine]:
    """Each document's curation state, in the corpus order."""
    _guard(database, viewer)
    with database.read() as session:
        titles = {d.id: d.title for d in repo.list_documents(session)}
        found = _all_passages(session, documents, None)
    out: list[DocumentStatusLine] = []
    for document_id, ps in found:
        marked = [p for p in ps if p.versions]
        out.append(DocumentStatusLine(
            document_id, titles.get(document_id, ""),
            marked[0].annotators if marked else (),
            len(marked), sum(p.unanimous for p in marked),
            sum(not p.unanimous for p in marked), sum(p.decided for p in ps),
            sum(p.is_conflict for p in marked), document_agreement(ps)))
    return out
