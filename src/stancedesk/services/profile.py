"""The sourcing profile of the corpus: claims, their sources and chains, read from the database.

The counting is ``attribution.profile``; this use case only turns stored claims, links and
documents into its records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stancedesk.attribution.profile import ClaimRecord, profile
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
                                 if h in spans)))
    return records


def sourcing_profile(database: Database, by: str,
                     annotators: Sequence[str] | None = None) -> list[dict[str, Any]]:
    return profile(claim_records(database, annotators), by)
