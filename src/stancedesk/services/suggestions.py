"""Suggested attributions for stored documents: the finder run over the corpus.

The finder itself (``stancedesk.attribution``) knows nothing of the database; this use case
reads the texts, loads the lexicons (built-in plus a project's folder) and keeps the pairing of
each suggestion with its document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from stancedesk.attribution import Piece, Suggestion, find_attributions, load_lexicon
from stancedesk.domain import Span, new_span_id
from stancedesk.domain.attribution import Link, LinkEnd, LinkKind, SpanRole, check_links
from stancedesk.domain.errors import NotFoundError, UserError
from stancedesk.services import corpus
from stancedesk.services.schemes import get_scheme
from stancedesk.storage import attribution as arepo
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database


def suggest(database: Database, document_ids: Sequence[str] | None = None,
            lexicon_dir: Path | None = None) -> list[tuple[str, Suggestion]]:
    """(document id, suggestion) for every attribution found, documents in stored order."""
    texts = corpus.get_texts(database, document_ids)
    if document_ids is not None:
        missing = [d for d in document_ids if d not in texts]
        if missing:
            raise NotFoundError(f"unknown document id(s): {', '.join(missing)}")
    if lexicon_dir is not None and not lexicon_dir.is_dir():
        raise NotFoundError(f"{lexicon_dir}: no such lexicon folder")
    lexicon = load_lexicon(lexicon_dir)
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
    scheme = get_scheme(database)
    sourcing_labels = (set(scheme.layer("sourcing").label_keys)
                       if scheme.has_layer("sourcing") else set())
    by_doc: dict[str, list[Suggestion]] = {}
    for doc_id, suggestion in found:
        by_doc.setdefault(doc_id, []).append(suggestion)
    counts = {"spans": 0, "links": 0, "skipped": 0}
    with database.write() as session:
        for doc_id, items in by_doc.items():
            _apply_to_document(session, doc_id, annotator, items, sourcing_labels, counts)
    return ApplyReport(counts["spans"], counts["links"], counts["skipped"])


def _apply_to_document(session: Session, doc_id: str, annotator: str,
                       items: Sequence[Suggestion], sourcing_labels: set[str],
                       counts: dict[str, int]) -> None:
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
            counts["spans"] += 1
        return placed[key]

    for s in items:
        if any(s.claim.start < end and start < s.claim.end for start, end in claims):
            counts["skipped"] += 1
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
            counts["links"] += 1
