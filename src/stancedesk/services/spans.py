"""Create, change and delete spans. Every call is its own committed transaction (autosave), and
returns the span as it was before and after, so undo can restore it and views refresh only it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from stancedesk.domain import DocumentStatus, Scheme, Span, new_span_id
from stancedesk.domain.errors import UserError
from stancedesk.services.schemes import get_scheme
from stancedesk.services.study import Viewer, visible_annotators
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

_UNSET: object = object()


class AnnotationError(UserError, ValueError):
    """A span change that the data contract does not allow."""


@dataclass(frozen=True, slots=True)
class SpanChange:
    before: Span | None  # None: created
    after: Span | None  # None: deleted


def _check_labels(scheme: Scheme, labels: Mapping[str, str]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for layer, value in labels.items():
        if value is None or value == "":
            continue
        problem = scheme.check_value(layer, value)
        if problem:
            raise AnnotationError(problem)
        clean[layer] = value
    return clean


def _covered_text(session: Session, document_id: str, start: int, end: int) -> str:
    found = repo.text_slice(session, document_id, start, end)
    if found is None:
        raise AnnotationError(f"no document with id {document_id}")
    length, text = found
    if end > length:
        raise AnnotationError(f"span {start}:{end} runs past the end of the document ({length})")
    return text


def _found(span: Span | None, span_id: str) -> Span:
    if span is None:
        raise AnnotationError(f"no span with id {span_id}")
    return span


def create_span(database: Database, document_id: str, annotator: str, start: int, end: int,
                labels: Mapping[str, str] | None = None, note: str = "", *,
                scheme: Scheme | None = None, span_id: str | None = None) -> Span:
    if start < 0 or end <= start:
        raise AnnotationError(f"a span needs 0 <= start < end, not {start}:{end}")
    clean = _check_labels(scheme or get_scheme(database), labels or {})
    with database.session() as session:
        text = _covered_text(session, document_id, start, end)
        span = Span(id=span_id or new_span_id(), document_id=document_id, annotator=annotator,
                    start=start, end=end, text=text, labels=clean, note=note)
        return repo.add_span(session, span)


def restore_span(database: Database, span: Span) -> Span:
    """Put back a deleted span with its id and times (undo of delete)."""
    with database.session() as session:
        return repo.add_span(session, span)


def delete_span(database: Database, span_id: str) -> Span:
    with database.session() as session:
        return _found(repo.delete_span(session, span_id), span_id)


def update_span(database: Database, span_id: str, *, labels: Mapping[str, str] | None = None,
                note: str | None = None, start: int | None = None, end: int | None = None,
                scheme: Scheme | None = None) -> SpanChange:
    """Replace labels (whole mapping), note and/or offsets; returns before and after.

    Labels that leave a span with no value and no note delete it: ``after`` is then None."""
    checked = _check_labels(scheme or get_scheme(database), labels) if labels is not None \
        else None
    with database.session() as session:
        before = _found(repo.get_span(session, span_id), span_id)
        new_start = before.start if start is None else start
        new_end = before.end if end is None else end
        text = before.text
        if start is not None or end is not None:
            if new_start < 0 or new_end <= new_start:
                raise AnnotationError(f"a span needs 0 <= start < end, not {new_start}:{new_end}")
            text = _covered_text(session, before.document_id, new_start, new_end)
        new_note = before.note if note is None else note
        if checked is not None and not checked and not new_note:
            # the last label is gone and no note is left: a span that says nothing would
            # export as a row of blanks, so it is deleted (undo puts ``before`` back)
            repo.delete_span(session, span_id)
            return SpanChange(before, None)
        after = repo.write_span(session, span_id, start=new_start, end=new_end, text=text,
                                note=new_note,
                                labels=before.labels if checked is None else checked)
        return SpanChange(before, _found(after, span_id))


def put_span(database: Database, span: Span) -> Span:
    """Write a span back exactly as given (undo of an update)."""
    with database.session() as session:
        return _found(repo.write_span(session, span.id, start=span.start, end=span.end,
                                      text=span.text, note=span.note, labels=span.labels,
                                      updated_at=span.updated_at), span.id)


def get_span(database: Database, span_id: str) -> Span:
    with database.read() as session:
        return _found(repo.get_span(session, span_id), span_id)


def list_spans(database: Database, document_ids: Sequence[str] | None = None,
               annotators: Sequence[str] | None = None) -> list[Span]:
    with database.read() as session:
        return list(repo.stream_spans(session, document_ids, annotators))


def spans_for_document(database: Database, document_id: str,
                       annotators: Sequence[str] | None = None) -> list[Span]:
    return list_spans(database, [document_id], annotators)


def list_annotator_names(database: Database) -> list[str]:
    with database.read() as session:
        return [a.name for a in repo.list_annotators(session)]


def spans_per_annotator(database: Database) -> dict[str, int]:
    with database.read() as session:
        return repo.spans_per_annotator(session)


def ensure_annotator(database: Database, name: str) -> str:
    with database.session() as session:
        return repo.ensure_annotator(session, name).name


def set_document_status(database: Database, document_id: str, annotator: str,
                        status: DocumentStatus | str) -> None:
    try:
        status = DocumentStatus(status)
    except ValueError:
        raise AnnotationError(f"unknown status {status!r} (in_progress or done)") from None
    with database.session() as session:
        repo.set_document_status(session, document_id, annotator, status)


def progress_status(stored: DocumentStatus | None, own_spans: int) -> str | None:
    """What the desk shows for a document: the annotator's mark, else "in_progress" once they
    have a span in it, else nothing (not opened, or opened and left untouched)."""
    if stored:
        return str(stored)
    return str(DocumentStatus.IN_PROGRESS) if own_spans else None


def document_statuses(database: Database, annotator: str) -> dict[str, DocumentStatus]:
    with database.read() as session:
        return repo.document_statuses(session, annotator)


def target_suggestions(database: Database, layer: str = "target",
                       viewer: Viewer | None = None) -> list[tuple[str, str]]:
    """(value, display name) for a free layer's editor: the project's target list first, then
    values already used in spans that are not on that list (in a blind study, outside the lead
    role, only the viewer's own)."""
    whose = visible_annotators(database, viewer)
    with database.read() as session:
        listed = [(t.key, t.name) for t in repo.list_targets(session)]
        used = repo.label_values(session, layer, whose)
    known = {key for key, _ in listed}
    return listed + [(v, v) for v in sorted(used) if v and v not in known]
