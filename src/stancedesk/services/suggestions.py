"""Suggested attributions for stored documents: the finder run over the corpus.

The finder itself (``stancedesk.attribution``) knows nothing of the database; this use case
reads the texts, loads the lexicons (built-in plus the project's own, or a folder given to try
instead: ``services.lexicons``) and keeps the pairing of
each suggestion with its document.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path

from sqlalchemy.orm import Session

from stancedesk.attribution import Piece, Suggestion
from stancedesk.domain import Span, new_span_id
from stancedesk.domain.attribution import Link, LinkEnd, LinkKind, SpanRole, check_links
from stancedesk.domain.errors import NotFoundError, StaleEditError, UserError
from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.services.changes import Changes, span_counts
from stancedesk.services.schemes import get_scheme
from stancedesk.storage import attribution as arepo
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database


def suggest(database: Database, document_ids: Sequence[str] | None = None,
            lexicon_dir: Path | None = None) -> list[tuple[str, Suggestion]]:
    """(document id, suggestion) for every attribution found, documents in stored order."""
    from stancedesk.attribution import find_attributions  # the finder loads on first use
    from stancedesk.services.lexicons import lexicon_for

    texts = corpus.get_texts(database, document_ids)
    if document_ids is not None:
        missing = [d for d in document_ids if d not in texts]
        if missing:
            raise NotFoundError(f"unknown document id(s): {', '.join(missing)}")
    lexicon = lexicon_for(database, lexicon_dir)
    return [(doc_id, suggestion) for doc_id, text in texts.items()
            for suggestion in find_attributions(text, lexicon)]


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """What ``apply`` stored and what it left alone."""

    spans_added: int
    links_added: int
    skipped: int  # suggestions whose claim the annotator had already marked


def apply(database: Database, annotator: str, document_ids: Sequence[str] | None = None,
          lexicon_dir: Path | None = None) -> ApplyReport:
    """Store the suggestions as ``annotator``'s spans and links, marked as suggested, in one
    transaction (all or nothing).

    Spans the annotator already has are never changed: a suggestion whose claim overlaps one of
    their claims is skipped (so applying twice adds nothing), and a source or cue they already
    marked at exactly the same place is linked to rather than duplicated. A link the rules
    refuse (a source already relayed via another, say) is left out; the person's link stays.
    """
    annotator = annotator.strip()
    if not annotator:
        raise UserError("name the annotator to store the suggestions for (--annotator NAME)")
    found = suggest(database, document_ids, lexicon_dir)
    sourcing_labels = _sourcing_labels(database)
    by_doc: dict[str, list[Suggestion]] = {}
    for doc_id, suggestion in found:
        by_doc.setdefault(doc_id, []).append(suggestion)
    placed = _Placed()
    with database.write() as session:
        for doc_id, items in by_doc.items():
            _apply_to_document(session, doc_id, annotator, items, sourcing_labels, placed)
    return ApplyReport(len(placed.spans), len(placed.links), placed.skipped)


@dataclass(slots=True)
class _Placed:
    """What one run of ``_apply_to_document`` stored: undo of an accept removes exactly this."""

    spans: list[Span] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    skipped: int = 0


def _sourcing_labels(database: Database) -> set[str]:
    scheme = get_scheme(database)
    return set(scheme.layer("sourcing").label_keys) if scheme.has_layer("sourcing") else set()


def _apply_to_document(session: Session, doc_id: str, annotator: str,
                       items: Sequence[Suggestion], sourcing_labels: set[str],
                       counts: _Placed) -> None:
    mine = list(repo.iter_spans(session, [doc_id], [annotator]))
    claims = [(s.start, s.end) for s in mine if s.role == SpanRole.CLAIM]
    placed = {(s.start, s.end, s.role): s.id for s in mine if s.role}
    links = {(x.from_span, x.kind): x for x in arepo.links_of(session, doc_id, annotator)}
    # what the link rules need of every span involved, kept up to date as spans are placed
    ends = arepo.span_ends(session, [s.id for s in mine])

    def place(piece: Piece, role: SpanRole, rule: str, labels: dict[str, str]) -> str:
        key = (piece.start, piece.end, str(role))
        if key not in placed:
            span = repo.add_span(session, Span(new_span_id(), doc_id, annotator, piece.start,
                                               piece.end, piece.text, labels, role=str(role)))
            arepo.mark_suggested(session, span.id, span.version, rule)
            ends[span.id] = LinkEnd(doc_id, annotator, role)
            placed[key] = span.id
            counts.spans.append(span)
        return placed[key]

    for s in items:
        if any(s.claim.start < end and start < s.claim.end for start, end in claims):
            counts.skipped += 1
            continue
        claims.append((s.claim.start, s.claim.end))
        sourcing = {"sourcing": s.sourcing} if s.sourcing in sourcing_labels else {}
        claim = place(s.claim, SpanRole.CLAIM, s.rule, {})
        source = place(s.source, SpanRole.SOURCE, s.rule, sourcing)
        wanted = [Link(claim, LinkKind.ATTRIBUTED_TO, source)]
        if s.cue is not None:
            wanted.append(Link(claim, LinkKind.CUE, place(s.cue, SpanRole.CUE, s.rule, {})))
        if s.via is not None:
            media = {"sourcing": "media"} if "media" in sourcing_labels else {}
            via = place(s.via, SpanRole.SOURCE, s.rule, media)
            if via != source:
                wanted.append(Link(source, LinkKind.VIA, via))
        for link in wanted:
            if (link.from_span, link.kind) in links:
                continue  # never replace a link that is there
            if check_links(ends, [*links.values(), link]):
                continue
            arepo.put_link(session, link)
            links[(link.from_span, link.kind)] = link
            counts.links.append(link)


# --- one annotator's review of one document's suggestions (the desk's keys) -------------------

KEY_FORMAT = re.compile(r"\d+:\d+:\d+:\d+")


def suggestion_key(suggestion: Suggestion) -> str:
    """``source_start:source_end:claim_start:claim_end`` (Python str offsets): the finder gives
    the same key for the same attribution on every run over the same stored text, so a
    rejection keyed so stays attached to it. Cue and intermediary are left out: they follow
    from the source and the claim."""
    return (f"{suggestion.source.start}:{suggestion.source.end}:"
            f"{suggestion.claim.start}:{suggestion.claim.end}")


def find_in_document(database: Database, document_id: str, lexicon_dir: Path | None = None,
                     cancelled: Callable[[], bool] | None = None) -> list[Suggestion]:
    """The finder's output for one document, before any annotator's choices; ``cancelled``
    stops a long article between paragraphs (raising ``Cancelled``)."""
    if cancelled is None:
        return [s for _doc, s in suggest(database, [document_id], lexicon_dir)]
    from stancedesk.attribution import find_attributions
    from stancedesk.services.lexicons import lexicon_for

    text = corpus.get_texts(database, [document_id]).get(document_id)
    if text is None:
        raise NotFoundError(f"unknown document id(s): {document_id}")
    return find_attributions(text, lexicon_for(database, lexicon_dir), cancelled)


def filter_live(found: Sequence[Suggestion], rejected: set[str],
                claims: Sequence[tuple[int, int]]) -> list[Suggestion]:
    """What is left to review: not rejected, and no claim the annotator already has overlaps
    its claim (the rule ``apply`` skips by)."""
    ordered = sorted(claims)
    starts = [start for start, _ in ordered]
    reach = list(accumulate((end for _, end in ordered), max, initial=-1))
    # a claim overlaps [a, b) when it starts before b and ends after a: among the claims that
    # start before b, the furthest end says whether any does (thousands of suggestions in a
    # long article, each checked in log time)
    return [s for s in found if suggestion_key(s) not in rejected
            and reach[bisect.bisect_left(starts, s.claim.end)] <= s.claim.start]


def _own_claims(session: Session, document_id: str, annotator: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in repo.iter_spans(session, [document_id], [annotator])
            if s.role == SpanRole.CLAIM]


def live_suggestions(database: Database, document_id: str, annotator: str,
                     found: Sequence[Suggestion] | None = None,
                     lexicon_dir: Path | None = None) -> list[Suggestion]:
    """The suggestions ``annotator`` still has to accept or reject in ``document_id``.
    ``found`` is the finder's output when the caller holds it (the desk runs the finder once
    per document, off the GUI thread for long ones)."""
    if found is None:
        found = find_in_document(database, document_id, lexicon_dir)
    with database.read() as session:
        rejected = arepo.rejected_keys(session, document_id, annotator)
        claims = _own_claims(session, document_id, annotator)
    return filter_live(found, rejected, claims)


def left_to_review(database: Database, annotator: str,
                   document_ids: Sequence[str] | None = None,
                   lexicon_dir: Path | None = None) -> list[tuple[str, Suggestion]]:
    """``suggest`` for one annotator: only the suggestions they still have to review."""
    by_doc: dict[str, list[Suggestion]] = {}
    for doc_id, s in suggest(database, document_ids, lexicon_dir):
        by_doc.setdefault(doc_id, []).append(s)
    return [(doc_id, s) for doc_id, items in by_doc.items()
            for s in live_suggestions(database, doc_id, annotator.strip(), items)]


def _by_key(found: Sequence[Suggestion], key: str, document_id: str) -> Suggestion:
    if not KEY_FORMAT.fullmatch(key):
        raise UserError(f"{key!r} is not a suggestion key (source_start:source_end:"
                        "claim_start:claim_end, as `stancedesk suggest` prints it)")
    match = next((s for s in found if suggestion_key(s) == key), None)
    if match is None:
        raise NotFoundError(f"document {document_id} has no suggestion {key}")
    return match


@dataclass(frozen=True, slots=True)
class Acceptance:
    """One accepted suggestion: the spans it created (as stored) and the links it added, which
    is exactly what taking it back removes."""

    document_id: str
    annotator: str
    key: str
    rule: str
    spans: tuple[Span, ...]
    links: tuple[Link, ...]

    @property
    def changes(self) -> Changes:
        return Changes(spans_added=span_counts(self.spans))


def accept(database: Database, document_id: str, annotator: str, key: str, *,
           found: Sequence[Suggestion] | None = None,
           lexicon_dir: Path | None = None) -> Acceptance:
    """Store one suggestion as ``annotator``'s spans and links, marked as suggested, in one
    transaction, by the same code as ``apply``. A rejected suggestion, or one whose claim the
    annotator has marked meanwhile, is refused."""
    annotator = annotator.strip()
    if not annotator:
        raise UserError("name the annotator who accepts the suggestion (--annotator NAME)")
    if found is None:
        found = find_in_document(database, document_id, lexicon_dir)
    chosen = _by_key(found, key, document_id)
    sourcing_labels = _sourcing_labels(database)
    placed = _Placed()
    with database.write() as session:
        if key in arepo.rejected_keys(session, document_id, annotator):
            raise UserError(f"{annotator} rejected suggestion {key} in document {document_id}; "
                            "take the rejection back first (--unreject)")
        _apply_to_document(session, document_id, annotator, [chosen], sourcing_labels, placed)
        if placed.skipped:
            raise UserError(f"{annotator} has already marked a claim over suggestion {key}'s "
                            f"claim ({chosen.claim.text!r}) in document {document_id}")
    return Acceptance(document_id, annotator, key, chosen.rule, tuple(placed.spans),
                      tuple(placed.links))


def unaccept(database: Database, acceptance: Acceptance) -> Acceptance:
    """Take an accepted suggestion back: its links go and the spans it created are deleted,
    provided each is still the version in ``acceptance`` and nothing else links to it;
    otherwise the person changed them meanwhile and it is refused (StaleEditError), as any
    stale edit is. Returns the acceptance with the spans as they were deleted."""
    ids = {s.id for s in acceptance.spans}
    with database.write() as session:
        for span in acceptance.spans:
            stored = repo.get_span(session, span.id)
            if stored is None or stored.version != span.version:
                raise span_service.stale_error(stored, span.id)
        added = set(acceptance.links)
        for other in arepo.links_touching(session, ids):
            if other not in added:
                raise StaleEditError(f"span {_text_of(acceptance, other, ids)!r} has been "
                                     "linked since the suggestion was accepted; remove that "
                                     "link first")
        for link in acceptance.links:
            if arepo.get_link(session, link.from_span, link.kind) == link:
                arepo.remove_link(session, link.from_span, link.kind)
        removed = tuple(s for s in (repo.delete_span(session, span.id)
                                    for span in acceptance.spans) if s is not None)
    return replace(acceptance, spans=removed)


def accepted(database: Database, document_id: str, annotator: str, key: str, *,
             found: Sequence[Suggestion] | None = None,
             lexicon_dir: Path | None = None) -> Acceptance:
    """What accepting ``key`` stored, read back from the spans marked as suggested (for the
    CLI, which has no undo stack): the claim at the suggestion's claim, and its source, cue and
    intermediary where they sit at the suggestion's places, are still unedited and are linked
    to nothing outside the suggestion (a source another claim relies on stays)."""
    if found is None:
        found = find_in_document(database, document_id, lexicon_dir)
    chosen = _by_key(found, key, document_id)
    with database.read() as session:
        mine = {(s.start, s.end, s.role): s
                for s in repo.iter_spans(session, [document_id], [annotator.strip()])}
        unedited = arepo.unedited_suggestions(session, [s.id for s in mine.values()])
        claim = mine.get((chosen.claim.start, chosen.claim.end, str(SpanRole.CLAIM)))
        if claim is None or claim.id not in unedited:
            raise NotFoundError(f"{annotator} has no unedited claim from suggestion {key} in "
                                f"document {document_id}")
        parts = [mine.get((p.start, p.end, str(role))) for p, role in (
            (chosen.source, SpanRole.SOURCE), (chosen.cue, SpanRole.CUE),
            (chosen.via, SpanRole.SOURCE)) if p is not None]
        group = {claim.id: claim, **{p.id: p for p in parts if p is not None
                                     and p.id in unedited}}
        links = arepo.links_touching(session, group)
        shared = True
        while shared:  # a part another span links to was not only this suggestion's
            outside = {x.to_span for x in links if x.from_span not in group}
            shared = bool(outside & (set(group) - {claim.id}))
            for span_id in outside & (set(group) - {claim.id}):
                group.pop(span_id)
        inside = tuple(x for x in links if x.from_span in group)
    return Acceptance(document_id, annotator.strip(), key, chosen.rule,
                      tuple(group.values()), inside)


def _text_of(acceptance: Acceptance, link: Link, ids: set[str]) -> str:
    mine = link.from_span if link.from_span in ids else link.to_span
    return next((s.text for s in acceptance.spans if s.id == mine), mine)


def reaccept(database: Database, acceptance: Acceptance) -> Acceptance:
    """Redo of an accept taken back: the same spans (ids, times) and links come back, marked
    as suggested again; refused if any of them is back already or a link's place is taken."""
    with database.write() as session:
        restored: list[Span] = []
        for span in acceptance.spans:
            if repo.get_span(session, span.id) is not None:
                raise StaleEditError(f"span {span.text!r} is back already; reload?")
            back = repo.add_span(session, span, version=span.version + 1)
            arepo.mark_suggested(session, back.id, back.version, acceptance.rule)
            restored.append(back)
        for link in acceptance.links:
            there = arepo.get_link(session, link.from_span, link.kind)
            if there is not None and there != link:
                raise StaleEditError(f"a {link.kind} link from span {link.from_span} was set "
                                     "meanwhile; reload?")
            arepo.put_link(session, link)
    return replace(acceptance, spans=tuple(restored))


def _known_document(session: Session, document_id: str) -> None:
    if not repo.document_exists(session, document_id):
        raise NotFoundError(f"unknown document id(s): {document_id}")


def reject(database: Database, document_id: str, annotator: str, key: str, *,
           found: Sequence[Suggestion] | None = None,
           lexicon_dir: Path | None = None) -> Changes:
    """Hide one suggestion from ``annotator`` for good (other annotators still see it)."""
    annotator = annotator.strip()
    if not annotator:
        raise UserError("name the annotator who rejects the suggestion (--annotator NAME)")
    if found is None:
        found = find_in_document(database, document_id, lexicon_dir)
    _by_key(found, key, document_id)
    with database.write() as session:
        added = arepo.add_rejection(session, document_id, annotator, key)
    return Changes(suggestions_changed=frozenset({document_id})) if added else Changes()


def unreject(database: Database, document_id: str, annotator: str, key: str) -> Changes:
    """Take a rejection back: the suggestion shows again for ``annotator``."""
    with database.write() as session:
        _known_document(session, document_id)
        if not arepo.remove_rejection(session, document_id, annotator.strip(), key):
            raise NotFoundError(f"{annotator} has not rejected suggestion {key} in document "
                                f"{document_id}")
    return Changes(suggestions_changed=frozenset({document_id}))


def rejected(database: Database, document_id: str, annotator: str) -> set[str]:
    with database.read() as session:
        return arepo.rejected_keys(session, document_id, annotator)
