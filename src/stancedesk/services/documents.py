"""Manage the corpus: delete documents (with their spans), edit their headers, drop the samples.

A document's text never changes (its id follows from it); its title, outlet, date and URL are
headers that a person may correct. A delete returns everything it removed, so the desk can undo
it by putting the same rows back (same ids, same times).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from stancedesk.domain import Document, Span
from stancedesk.domain.attribution import Link
from stancedesk.domain.errors import NotFoundError, UserError
from stancedesk.formats.dateline import iso_date
from stancedesk.services.corpus import collect_files, read_drafts, sample_corpus_dir
from stancedesk.services.study import BlindStudyError, Viewer, sees_everyone
from stancedesk.storage import attribution as attribution_repo
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

EDITABLE_FIELDS = ("title", "outlet", "date", "url")


class DocumentEditError(UserError, ValueError):
    """A header value that cannot be stored (a date that is not a date)."""


@dataclass(frozen=True, slots=True)
class RemovedDocuments:
    """What a delete took away, in the form an undo puts back."""

    documents: list[Document] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    statuses: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.documents]


@dataclass(frozen=True, slots=True)
class DocumentChange:
    before: Document
    after: Document


def delete_documents(database: Database, document_ids: Sequence[str],
                     viewer: Viewer | None = None) -> RemovedDocuments:
    """Delete documents with their spans and status marks, all or nothing: an unknown id deletes
    nothing. In a blind study, outside the lead role, a document holding another annotator's
    spans is refused (the annotator could not even see what they would destroy)."""
    ids = list(dict.fromkeys(document_ids))
    if not ids:
        return RemovedDocuments()
    with database.session() as session:
        docs = [repo.get_document(session, i) for i in ids]
        missing = [i for i, d in zip(ids, docs, strict=True) if d is None]
        if missing:
            raise NotFoundError(f"no document with id {', '.join(missing)}; nothing was deleted")
        spans = list(repo.iter_spans(session, ids))
        if not sees_everyone(database, viewer):
            own = viewer.annotator if viewer is not None else None
            others = sorted({s.document_id for s in spans if s.annotator != own})
            if others:
                raise BlindStudyError(
                    f"this project is a blind study and document(s) {', '.join(others)} hold "
                    "other annotators' spans: only the study lead can delete them")
        removed = RemovedDocuments(documents=[d for d in docs if d is not None], spans=spans,
                                   statuses=repo.document_status_rows(session, ids),
                                   links=attribution_repo.links_in(session, ids))
        repo.delete_documents(session, ids)
    return removed


def restore_documents(database: Database, removed: RemovedDocuments) -> None:
    """Put back what ``delete_documents`` removed (undo), in one transaction."""
    with database.session() as session:
        for doc in removed.documents:
            repo.add_document(session, doc, imported_at=doc.imported_at)
        session.flush()
        for span in removed.spans:
            repo.add_span(session, span)
        session.flush()
        for link in removed.links:
            attribution_repo.put_link(session, link)
        for doc_id, annotator, status, updated_at in removed.statuses:
            repo.restore_document_status(session, doc_id, annotator, status, updated_at)


def _checked_date(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    iso = iso_date(value)
    if not iso:
        raise DocumentEditError(f"date {value!r} is not a date; write YYYY-MM-DD")
    return iso


def update_document(database: Database, document_id: str, *, title: str | None = None,
                    outlet: str | None = None, date: str | None = None,
                    url: str | None = None) -> DocumentChange:
    """Change the given header fields (None leaves one as it is; "" clears it)."""
    fields: dict[str, str] = {}
    if title is not None:
        fields["title"] = " ".join(title.split())
    if outlet is not None:
        fields["outlet"] = outlet.strip()
    if date is not None:
        fields["published"] = _checked_date(date)
    if url is not None:
        fields["url"] = url.strip()
    with database.session() as session:
        before = repo.get_document(session, document_id)
        if before is None:
            raise NotFoundError(f"no document with id {document_id}")
        after = repo.update_document_fields(session, document_id, fields)
        assert after is not None
    return DocumentChange(before, after)


def put_document_headers(database: Database, doc: Document) -> Document:
    """Write a document's headers back exactly as given (undo of an edit)."""
    with database.session() as session:
        after = repo.update_document_fields(session, doc.id, {
            "title": doc.title, "outlet": doc.outlet, "published": doc.published,
            "url": doc.url})
    if after is None:
        raise NotFoundError(f"no document with id {doc.id}")
    return after


def sample_document_ids(database: Database) -> list[str]:
    """Ids of the bundled sample articles that are stored here (their ids follow from their
    texts, so they are recognised even after their titles were edited)."""
    with sample_corpus_dir() as folder:
        files, _ = collect_files([folder])
        ids = [d.to_document().id for d in read_drafts(files)]
    with database.read() as session:
        present = set(repo.document_texts(session, ids))
    return [i for i in ids if i in present]


def remove_sample_documents(database: Database, viewer: Viewer | None = None
                            ) -> RemovedDocuments:
    """Delete the bundled sample articles (and any spans on them) in one step."""
    return delete_documents(database, sample_document_ids(database), viewer)
