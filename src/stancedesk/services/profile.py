"""The sourcing profile of the corpus: claims, their sources and chains, read from the database.

The counting is ``attribution.profile``; this use case only turns stored claims, links and
documents into its records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stancedesk.attribution.profile import NO_VALUE, ClaimRecord, profile
from stancedesk.domain.attribution import LinkKind, SpanRole, chain
from stancedesk.domain.errors import NotFoundError
from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.storage import attribution as arepo
from stancedesk.storage.engine import Database


def claim_records(database: Database, annotators: Sequence[str] | None = None
                  ) -> list[ClaimRecord]:
    known = set(span_service.list_annotator_names(database))
    if annotators is not None:
        missing = [a for a in annotators if a not in known]
        if missing:
            raise NotFoundError(f"unknown annotator(s): {', '.join(missing)}")
    spans = {s.id: s for s in span_service.list_spans(database, None, annotators)}
    with database.read() as session:
        links = arepo.links_in(session, None, annotators)
    attributed = {x.from_span: x.to_span for x in links if x.kind is LinkKind.ATTRIBUTED_TO}
    via = {x.from_span: x.to_span for x in links if x.kind is LinkKind.VIA}
    docs = {d.id: d for d in corpus.list_documents(database)}
    records = []
    for span in spans.values():
        if span.role != SpanRole.CLAIM:
            continue
        source = spans.get(attributed.get(span.id, ""))
        hops = chain(source.id, via)[1:] if source else []
        doc = docs[span.document_id]
        records.append(ClaimRecord(
            document_id=span.document_id, document_title=doc.title, outlet=doc.outlet,
            annotator=span.annotator, stance=span.labels.get("stance"),
            credibility=span.labels.get("credibility"),
            source_sourcing=None if source is None else source.labels.get("sourcing", ""),
            source_reliability=None if source is None else source.labels.get("reliability"),
            chain_sourcing=tuple(spans[h].labels.get("sourcing", "") for h in hops
                                 if h in spans),
            claim_id=span.id, claim_text=span.text, claim_start=span.start))
    return records


def sourcing_profile(database: Database, by: str,
                     annotators: Sequence[str] | None = None) -> list[dict[str, Any]]:
    return profile(claim_records(database, annotators), by)


@dataclass(frozen=True, slots=True)
class SourcingProfile:
    """The profile (``groups``: what ``stancedesk profile --json`` prints) with the claims it
    counts, so the dashboard can list the claims behind any of its numbers."""

    by: str
    groups: list[dict[str, Any]]
    records: list[ClaimRecord]

    def claims(self, group: str | None = None, *, sourcing: str | None = None,
               stance: str | None = None) -> list[ClaimRecord]:
        """The claims of one group (None: every group), of one sourcing type and stance
        (``NO_VALUE`` for claims without a stance), in document order."""
        found = [r for r in self.records
                 if (group is None or r.group(self.by) == group)
                 and (sourcing is None or r.sourcing == sourcing)
                 and (stance is None or (r.stance or NO_VALUE) == stance)]
        return sorted(found, key=lambda r: (r.document_title, r.document_id, r.claim_start,
                                            r.annotator))


def profile_with_claims(database: Database, by: str,
                        annotators: Sequence[str] | None = None) -> SourcingProfile:
    records = claim_records(database, annotators)
    return SourcingProfile(by, profile(records, by), records)
