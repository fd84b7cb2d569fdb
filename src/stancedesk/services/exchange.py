"""Export and import annotations. Imports check everything first and store all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stancedesk.domain import Document, Scheme, Span, new_span_id
from stancedesk.domain.errors import Cancelled
from stancedesk.formats.annotations_csv import (
    read_annotations_csv,
)
from stancedesk.formats.errors import FormatError
from stancedesk.formats.records import AnnotationRecord
from stancedesk.services.corpus import IsCancelled, Progress
from stancedesk.services.schemes import get_scheme
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

MAX_LISTED_PROBLEMS = 20
PROGRESS_EVERY = 250  # records between progress reports and cancel checks
CANCELLED_MESSAGE = "import cancelled; nothing was stored"


class AnnotationImportError(FormatError):
    """Several rows are wrong; all of them are listed so the file is fixed in one pass."""

    def __init__(self, file: str, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        shown = [f"line {line}: {problem}" for line, problem in problems[:MAX_LISTED_PROBLEMS]]
        more = len(problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more")
        summary = (f"{len(problems)} problem(s); nothing was imported\n  " + "\n  ".join(shown))
        super().__init__(file, summary)


@dataclass(slots=True)
class AnnotationImportReport:
    added: int = 0
    unchanged: int = 0
    annotators_created: list[str] = field(default_factory=list)
    documents_created: list[str] = field(default_factory=list)  # ids, for corpus-carrying formats
    documents_reused: list[str] = field(default_factory=list)  # same text already stored
    per_annotator: dict[str, int] = field(default_factory=dict)  # spans added, by annotator


def document_loader(database: Database) -> Callable[[str], Document | None]:
    """Whole documents (with text), one query each, keeping only the latest: exports that group
    spans by document ask for each document once, so memory stays at one text."""
    last: dict[str, Document | None] = {}

    def load(doc_id: str) -> Document | None:
        if doc_id not in last:
            last.clear()
            with database.read() as session:
                last[doc_id] = repo.get_document(session, doc_id)
        return last[doc_id]

    return load


def stream_spans(database: Database, annotators: Sequence[str] | None = None,
                 documents: Sequence[str] | None = None) -> Iterator[Span]:
    """Spans in export order, streamed while a read session stays open."""
    with database.read() as session:
        yield from repo.stream_spans(session, documents, annotators)


def selection_counts(database: Database, annotators: Sequence[str] | None = None,
                     documents: Sequence[str] | None = None) -> tuple[int, int, int]:
    """(spans, documents, annotators) an export of this selection holds, counted in SQL so a
    dialog can say what it is about to write without streaming it."""
    with database.read() as session:
        return repo.selection_counts(session, annotators, documents)


def annotation_rows(database: Database, scheme: Scheme,
                    annotators: Sequence[str] | None = None,
                    documents: Sequence[str] | None = None) -> Iterator[tuple[object, ...]]:
    """The annotation table's rows, streamed while a read session stays open."""
    with database.read() as session:
        yield from repo.annotation_table_rows(session, scheme.layer_keys, annotators, documents)


def _same(span: Span, record: Span) -> bool:
    return (span.document_id, span.annotator, span.start, span.end, span.text, dict(span.labels),
            span.note) == (record.document_id, record.annotator, record.start, record.end,
                           record.text, dict(record.labels), record.note)


def _signature(span: Span) -> tuple[Any, ...]:
    return (span.annotator, span.start, span.end, tuple(sorted(span.labels.items())), span.note)


def store_records(database: Database, file: str, records: Iterable[AnnotationRecord],
                  scheme: Scheme | None = None,
                  documents: Sequence[Document] = (), *,
                  progress: Progress | None = None,
                  cancelled: IsCancelled | None = None) -> AnnotationImportReport:
    """Validate every record against the database, then store them in one transaction.

    Shared by every annotation format, so each gets the same checks: known document, offsets
    inside it, covered text equal to the document's text, labels in the scheme, no clashing ids.
    ``documents`` come from formats that carry their text (brat, Label Studio, doccano, WebAnno,
    JSONL): those not stored yet are added in the same transaction; a document whose text is
    already stored is reused as it is (its id follows from the text, so it is the same article).
    A record without an id that equals a stored span (same document, annotator, offsets, labels
    and note) counts as unchanged, so importing a file twice adds nothing the second time.

    ``progress(done, total, "")`` is called every ``PROGRESS_EVERY`` records checked and once at
    the end (``total`` is 0 when ``records`` has no length); ``cancelled()`` is asked at the same
    points and once more just before the commit: if true, ``Cancelled`` is raised and the
    transaction rolls back, so nothing (documents included) is stored.
    """
    problems: list[tuple[int, str]] = []
    report = AnnotationImportReport()
    total = len(records) if isinstance(records, Sized) else 0

    def checkpoint(done: int) -> None:
        if progress is not None:
            progress(done, total, "")
        if cancelled is not None and cancelled():
            raise Cancelled(CANCELLED_MESSAGE)

    with database.session() as session:
        scheme = scheme or repo.load_scheme(session)
        assert scheme is not None
        texts: dict[str, str] = {}
        for doc in documents:
            if doc.id in texts:
                continue
            texts[doc.id] = doc.text
            if repo.document_exists(session, doc.id):
                report.documents_reused.append(doc.id)
            else:
                repo.add_document(session, doc)
                report.documents_created.append(doc.id)
        if documents:
            session.flush()
        by_file = repo.documents_by_source_file(session)
        stored: dict[str, set[tuple[Any, ...]]] = {}

        def stored_signatures(doc_id: str) -> set[tuple[Any, ...]]:
            if doc_id not in stored:
                stored[doc_id] = {_signature(s) for s in repo.iter_spans(session, [doc_id])}
            return stored[doc_id]

        def text_of(doc_id: str) -> str | None:
            if doc_id not in texts:
                text = repo.document_text(session, doc_id)
                if text is None:
                    return None
                texts[doc_id] = text
            return texts[doc_id]

        ids_in_file: dict[str, int] = {}
        to_add: list[Span] = []
        done = 0
        for rec in records:
            if done and done % PROGRESS_EVERY == 0:
                checkpoint(done)
            done += 1
            doc_id = rec.document_id
            if doc_id:
                if text_of(doc_id) is None:
                    problems.append((rec.line, f"unknown document_id {doc_id!r} (import the "
                                     "corpus first, or check the id)"))
                    continue
            else:
                candidates = by_file.get(rec.source_file, [])
                if not candidates:
                    problems.append((rec.line, f"unknown document: no document was imported "
                                     f"from a file named {rec.source_file!r}"))
                    continue
                if len(candidates) > 1:
                    problems.append((rec.line, f"source_file {rec.source_file!r} names "
                                     f"{len(candidates)} documents; give document_id instead"))
                    continue
                doc_id = candidates[0]
            text = text_of(doc_id) or ""
            if rec.end > len(text):
                problems.append((rec.line, f"span {rec.start}:{rec.end} runs past the end of the "
                                 f"document ({len(text)} characters)"))
                continue
            if text[rec.start:rec.end] != rec.text:
                problems.append((rec.line, f"text {rec.text!r} does not match the document's "
                                 f"text at {rec.start}:{rec.end}, which is "
                                 f"{text[rec.start:rec.end]!r}"))
                continue
            # a spreadsheet's rewriting (3.0 for 3, TRUE for true) is read as the label it is
            rec.labels = {layer: scheme.coerce_value(layer, value)
                          for layer, value in rec.labels.items()}
            bad = [p for layer, value in rec.labels.items()
                   if (p := scheme.check_value(layer, value))]
            if bad:
                problems.extend((rec.line, p) for p in bad)
                continue
            if not rec.annotation_id:
                candidate = Span(id="", document_id=doc_id, annotator=rec.annotator,
                                 start=rec.start, end=rec.end, text=rec.text,
                                 labels=dict(rec.labels), note=rec.note)
                signature = _signature(candidate)
                if signature in stored_signatures(doc_id):
                    report.unchanged += 1
                    continue
                stored_signatures(doc_id).add(signature)  # a repeat within the file, too
            span_id = rec.annotation_id or new_span_id()
            if span_id in ids_in_file:
                problems.append((rec.line, f"annotation_id {span_id} repeats line "
                                 f"{ids_in_file[span_id]}"))
                continue
            ids_in_file[span_id] = rec.line
            span = Span(id=span_id, document_id=doc_id, annotator=rec.annotator, start=rec.start,
                        end=rec.end, text=rec.text, labels=dict(rec.labels), note=rec.note,
                        created_at=rec.created_at, updated_at=rec.updated_at or rec.created_at)
            existing = repo.get_span(session, span_id)
            if existing is not None:
                if _same(existing, span):
                    report.unchanged += 1
                    continue
                problems.append((rec.line, f"annotation_id {span_id} already exists with "
                                 "different content; remove the id to add it as a new span"))
                continue
            to_add.append(span)
        if progress is not None or cancelled is not None:
            checkpoint(done)
        if problems:
            raise AnnotationImportError(file, problems)
        known = {a.name for a in repo.list_annotators(session)}
        for span in to_add:
            if span.annotator not in known:
                known.add(span.annotator)
                report.annotators_created.append(span.annotator)
            repo.add_span(session, span)
            report.per_annotator[span.annotator] = report.per_annotator.get(span.annotator, 0) + 1
        report.added = len(to_add)
        if cancelled is not None and cancelled():  # the last moment before the commit
            raise Cancelled(CANCELLED_MESSAGE)
    return report


def import_annotations_csv(database: Database, path: Path | str, *,
                           progress: Progress | None = None,
                           cancelled: IsCancelled | None = None) -> AnnotationImportReport:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(str(path), f"cannot read the file: {exc.strerror}") from None
    scheme = get_scheme(database)
    records = list(read_annotations_csv(data, str(path), scheme))
    return store_records(database, str(path), records, scheme, progress=progress,
                         cancelled=cancelled)
