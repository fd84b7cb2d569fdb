"""``stancedesk bundle export``: one annotator's complete work as a bundle file.

The bundle lists every document of this database, not only those the annotator labelled: it is
the annotator's complete state on that corpus, so a merge can tell a document whose spans were
all deleted from one never opened (see services/bundle_merge.py). Written whole or not at all.
The gold annotator's bundle carries the curation decisions too (its spans' and the rejections),
so its provenance travels with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from stancedesk import __version__
from stancedesk.domain.curation import GOLD
from stancedesk.domain.errors import Cancelled, NotFoundError
from stancedesk.formats.bundle import (
    Bundle,
    BundleDecision,
    BundleDocument,
    BundleEntity,
    BundleLink,
    BundleScheme,
    BundleSpan,
    Grade,
    iso,
    write_bundle,
)
from stancedesk.services.atomic import text_replaced_on_success
from stancedesk.services.corpus import IsCancelled, Progress
from stancedesk.storage import attribution as arepo
from stancedesk.storage import bundles as brepo
from stancedesk.storage import curation as crepo
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database
from stancedesk.storage.types import utcnow

CANCELLED_MESSAGE = "export cancelled; nothing was written"
GRADE_LAYER = "reliability"  # the layer whose values the registry shows as a source's grade


@dataclass(frozen=True, slots=True)
class BundleExport:
    path: str
    annotator: str
    documents: int
    spans: int
    links: int
    entities: int
    decisions: int = 0

    def contents(self) -> str:
        """What the file holds, in the words the CLI and the dialog both print."""
        text = (f"{self.spans:,} span(s), {self.links:,} link(s), {self.entities:,} registry "
                f"source(s), {self.documents:,} document(s)")
        return text + (f", {self.decisions:,} curation decision(s)" if self.decisions else "")


def collect_bundle(database: Database, annotator: str,
                   cancelled: IsCancelled | None = None) -> Bundle:
    """Everything the bundle holds, read in one read transaction (a consistent snapshot)."""
    with database.read() as session:
        known = [a.name for a in repo.list_annotators(session)]
        if annotator not in known:
            raise NotFoundError(f"no annotator {annotator!r} in this database (annotators: "
                                f"{', '.join(sorted(known)) or 'none'}); nothing was written")
        scheme = repo.load_scheme(session)
        assert scheme is not None
        statuses = repo.document_statuses(session, annotator)
        documents = [BundleDocument(doc, sha, title, source,
                                    str(statuses[doc]) if doc in statuses else None)
                     for doc, (sha, title, source) in brepo.document_fingerprints(session).items()]
        spans: list[BundleSpan] = []
        for span in repo.iter_spans(session, None, [annotator]):
            if cancelled is not None and len(spans) % 1000 == 0 and cancelled():
                raise Cancelled(CANCELLED_MESSAGE)
            assert span.created_at is not None and span.updated_at is not None
            spans.append(BundleSpan(span.id, span.document_id, span.start, span.end, span.text,
                                    dict(span.labels), span.note, span.role, span.entity_id,
                                    span.version, span.created_at, span.updated_at))
        links = [BundleLink(link.from_span, str(link.kind), link.to_span)
                 for link in arepo.links_in(session, None, [annotator])]
        entity_ids = sorted({s.entity_id for s in spans if s.entity_id})
        entities = []
        for entity_id in entity_ids:
            entity = arepo.get_entity(session, entity_id)
            if entity is None:
                continue
            grades = tuple(Grade(m.document_id, m.labels[GRADE_LAYER], iso(m.updated_at))
                           for m in arepo.mentions_of(session, entity_id).get(entity_id, [])
                           if m.annotator == annotator and m.labels.get(GRADE_LAYER))
            entities.append(BundleEntity(entity.id, entity.name, entity.sourcing,
                                         tuple(entity.aliases), entity.notes, grades))
        decisions = _decisions(session, annotator, {s.id for s in spans})
    return Bundle(annotator, BundleScheme(scheme.name, scheme.version, scheme.fingerprint(),
                                          scheme.to_dict()),
                  __version__, utcnow(), documents, entities, spans, links, decisions)


def _decisions(session: Session, annotator: str, span_ids: set[str]) -> list[BundleDecision]:
    """The decisions behind the bundle's spans and, for gold, the rejections (which have no
    span): a decision only ever produces a gold span, so other bundles carry none."""
    if annotator != GOLD:
        return []
    return [BundleDecision(d.id, d.document_id, d.span_id, d.start, d.end, d.decision,
                           d.curated_by, d.curated_at, d.curated_from, d.from_span_ids)
            for d in crepo.list_decisions(session)
            if d.span_id is None or d.span_id in span_ids]


def export_bundle(database: Database, annotator: str, path: Path | str, *,
                  progress: Progress | None = None,
                  cancelled: IsCancelled | None = None) -> BundleExport:
    """Write ``annotator``'s bundle to ``path`` (``-``: standard output)."""
    bundle = collect_bundle(database, annotator, cancelled)
    total = len(bundle.spans)
    if progress is not None:
        progress(0, total, "")

    def written(n: int) -> None:
        if progress is not None:
            progress(n, total, "")
        if cancelled is not None and cancelled():
            raise Cancelled(CANCELLED_MESSAGE)

    with text_replaced_on_success(Path(path)) as out:
        write_bundle(bundle, out, written)
        if cancelled is not None and cancelled():  # before the file takes the name
            raise Cancelled(CANCELLED_MESSAGE)
    if progress is not None:
        progress(total, total, "")
    return BundleExport(str(path), annotator, len(bundle.documents), len(bundle.spans),
                        len(bundle.links), len(bundle.entities), len(bundle.decisions))
