"""Create, change and delete spans. Every call is its own committed transaction (autosave), and
returns the span as it was before and after, so undo can restore it and views refresh only it."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from stancedesk.domain import DocumentStatus, Scheme, Span, new_span_id
from stancedesk.domain.errors import StaleEditError, UserError
from stancedesk.domain.span_pack import PackedSpans
from stancedesk.domain.span_store import PendingSpans, SpanStore
from stancedesk.services.changes import Changes
from stancedesk.services.schemes import get_scheme
from stancedesk.services.study import Viewer, visible_annotators
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database, retry_conflicts

T = TypeVar("T")


class AnnotationError(UserError, ValueError):
    """A span change that the data contract does not allow."""


@dataclass(frozen=True, slots=True)
class SpanChange:
    before: Span | None  # None: created
    after: Span | None  # None: deleted

    @property
    def span(self) -> Span:
        """The span as it is now, or as it was when it was deleted."""
        span = self.after or self.before
        assert span is not None
        return span

    @property
    def changes(self) -> Changes:
        """What this write changed, for the views (``services.changes``)."""
        return Changes.of_span(self.before, self.after)


@dataclass(frozen=True, slots=True)
class AnnotatorWrite:
    name: str  # as stored (trimmed)
    changes: Changes


def _check_labels(scheme: Scheme, labels: Mapping[str, str],
                  role: str | None = None) -> dict[str, str]:
    clean: dict[str, str] = {}
    for layer, value in labels.items():
        if value is None or value == "":
            continue
        problem = scheme.check_value(layer, value)
        if problem:
            raise AnnotationError(problem)
        if not scheme.layer(layer).applies_to(role):
            raise AnnotationError(f"layer {layer!r} does not apply to a {role} "
                                  f"(the scheme gives it to: "
                                  f"{', '.join(scheme.layer(layer).roles)})")
        clean[layer] = value
    return clean


def check_role_fits(scheme: Scheme, span: Span, role: str | None) -> None:
    """A span's labels must all apply to the role it is given."""
    misfits = [k for k in span.labels if scheme.has_layer(k) and
               not scheme.layer(k).applies_to(role)]
    if misfits:
        raise AnnotationError(f"span {span.text!r} has {', '.join(misfits)}, which the scheme "
                              f"does not give to a {role}; clear "
                              f"{'it' if len(misfits) == 1 else 'them'} first")


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


def _when(span: Span) -> str:
    stamp = span.updated_at
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S") if stamp else "an unknown time"


def _stale(stored: Span | None, span_id: str) -> StaleEditError:
    if stored is None:
        return StaleEditError(f"span {span_id} was deleted meanwhile (by another window or "
                              "person); reload?")
    return StaleEditError(f"span {stored.text!r} was changed by {stored.annotator} at "
                          f"{_when(stored)}; reload?")


def stale_error(stored: Span | None, span_id: str) -> StaleEditError:
    """The refusal of an edit made from an older copy of the span (for other services)."""
    return _stale(stored, span_id)


def _checked(session: Session, span_id: str, expected_version: int | None) -> Span:
    """The span to change (locked on a server), provided it is still the version the caller
    read; a span changed or deleted since is refused, never overwritten."""
    stored = repo.lock_span(session, span_id)
    if expected_version is not None and (stored is None or stored.version != expected_version):
        raise _stale(stored, span_id)
    return _found(stored, span_id)


@contextmanager
def _refusing_stale(database: Database, span_id: str) -> Iterator[None]:
    """Turn the ORM's optimistic-lock failure (the row changed between our read and our
    write) into the same refusal as a version mismatch seen up front."""
    try:
        yield
    except StaleDataError:
        with database.read() as session:
            raise _stale(repo.get_span(session, span_id), span_id) from None


@retry_conflicts
def create_span(database: Database, document_id: str, annotator: str, start: int, end: int,
                labels: Mapping[str, str] | None = None, note: str = "", *,
                scheme: Scheme | None = None, span_id: str | None = None,
                role: str | None = None, document_text: str | None = None) -> Span:
    """``document_text`` is the document's text when the caller holds it (the desk does): a
    stored text never changes, so the covered text is cut from it rather than read from the
    database, which costs milliseconds per label on a 1 MB article."""
    if start < 0 or end <= start:
        raise AnnotationError(f"a span needs 0 <= start < end, not {start}:{end}")
    clean = _check_labels(scheme or get_scheme(database), labels or {}, role)
    with database.write() as session:
        if document_text is None:
            text = _covered_text(session, document_id, start, end)
        elif end > len(document_text):
            raise AnnotationError(f"span {start}:{end} runs past the end of the document "
                                  f"({len(document_text)})")
        else:
            text = document_text[start:end]
        span = Span(id=span_id or new_span_id(), document_id=document_id, annotator=annotator,
                    start=start, end=end, text=text, labels=clean, note=note, role=role)
        return repo.add_span(session, span)


@retry_conflicts
def restore_span(database: Database, span: Span) -> Span:
    """Put back a deleted span with its id and times (undo of delete). Its version goes on
    from the deleted one, so a copy read before the delete stays stale."""
    with database.write() as session:
        existing = repo.get_span(session, span.id)
        if existing is not None:
            raise StaleEditError(f"span {span.text!r} is back already (restored by "
                                 f"{existing.annotator} at {_when(existing)}); reload?")
        return repo.add_span(session, span, version=span.version + 1)


@retry_conflicts
def delete_span(database: Database, span_id: str, *, expected_version: int | None = None
                ) -> Span:
    """Delete a span; with ``expected_version``, only if nobody changed it since."""
    with _refusing_stale(database, span_id), database.write() as session:
        _checked(session, span_id, expected_version)
        return _found(repo.delete_span(session, span_id), span_id)


@retry_conflicts
def update_span(database: Database, span_id: str, *,
                labels: Mapping[str, str | None] | None = None, note: str | None = None,
                start: int | None = None, end: int | None = None,
                expected_version: int | None = None,
                scheme: Scheme | None = None) -> SpanChange:
    """Change some layers, the note and/or the offsets; returns before and after.

    ``labels`` is a partial change (layer -> new value; None or "" clears that layer): layers
    not named keep whatever is stored, so two people changing different layers lose nothing.
    With ``expected_version`` (the version the caller's copy was read at) a span changed or
    deleted since is refused with StaleEditError instead of being overwritten. A change that
    leaves a span with no label and no note deletes it: ``after`` is then None.
    """
    if labels is not None:
        scheme = scheme or get_scheme(database)
        _check_labels(scheme, {k: v or "" for k, v in labels.items()})
    with _refusing_stale(database, span_id), database.write() as session:
        before = _checked(session, span_id, expected_version)
        if labels is not None and scheme is not None and before.role:
            _check_labels(scheme, {k: v or "" for k, v in labels.items()}, before.role)
        new_start = before.start if start is None else start
        new_end = before.end if end is None else end
        text = before.text
        if (new_start, new_end) != (before.start, before.end):
            if new_start < 0 or new_end <= new_start:
                raise AnnotationError(f"a span needs 0 <= start < end, not {new_start}:{new_end}")
            text = _covered_text(session, before.document_id, new_start, new_end)
        merged = dict(before.labels)
        for layer, value in (labels or {}).items():
            if value:
                merged[layer] = value
            else:
                merged.pop(layer, None)
        new_note = before.note if note is None else note
        if labels is not None and not merged and not new_note and not before.role:
            # the last label is gone and no note is left: a span that says nothing would
            # export as a row of blanks, so it is deleted (undo puts ``before`` back). A span
            # with a role still says something (it is a source, claim or cue, maybe linked),
            # so it stays: deleting it here would drop its links, which undo cannot restore.
            repo.delete_span(session, span_id)
            return SpanChange(before, None)
        after = repo.write_span(session, span_id, start=new_start, end=new_end, text=text,
                                note=new_note, labels=merged)
        return SpanChange(before, _found(after, span_id))


def update_labels(database: Database, span_id: str, changes: Mapping[str, str | None], *,
                  expected_version: int | None = None,
                  scheme: Scheme | None = None) -> SpanChange:
    """Set or clear only the layers in ``changes``; every other layer is left as stored."""
    return update_span(database, span_id, labels=changes, expected_version=expected_version,
                       scheme=scheme)


def edit_between(current: Span, target: Span) -> dict[str, Any]:
    """The fields that turn ``current`` into ``target``, as ``update_span`` keywords: only the
    layers, note and offsets that differ, so an undo does not write back untouched parts."""
    changes: dict[str, Any] = {}
    layers = {layer: target.labels.get(layer) or None
              for layer in sorted(set(current.labels) | set(target.labels))
              if (current.labels.get(layer) or None) != (target.labels.get(layer) or None)}
    if layers:
        changes["labels"] = layers
    if current.note != target.note:
        changes["note"] = target.note
    if (current.start, current.end) != (target.start, target.end):
        changes["start"], changes["end"] = target.start, target.end
    return changes


def put_span(database: Database, span: Span, *, expected: Span) -> SpanChange:
    """Turn the stored span from ``expected`` (the copy the caller holds) into ``span``: the
    undo or redo of an update. Refused with StaleEditError when the stored span is no longer
    ``expected``'s version; only the parts that differ are written."""
    return update_span(database, span.id, expected_version=expected.version,
                       **edit_between(expected, span))


def get_span(database: Database, span_id: str) -> Span:
    with database.read() as session:
        return _found(repo.get_span(session, span_id), span_id)


def list_spans(database: Database, document_ids: Sequence[str] | None = None,
               annotators: Sequence[str] | None = None) -> list[Span]:
    with database.read() as session, _no_cyclic_gc():
        return list(repo.stream_spans(session, document_ids, annotators))


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Reading a document's spans makes tens of thousands of objects without a reference
    cycle among them; the cyclic collector would sweep its young generation every 700 of
    them and the whole heap now and then (a third of opening a 20,000-span article)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def span_columns(database: Database, layers: Sequence[str], documents: Sequence[str] | None,
                 annotators: Sequence[str] | None,
                 collect: Callable[[Iterable[list[tuple[Any, ...]] | PackedSpans], Sequence[str]],
                                   T]) -> T:
    """``collect(runs, layers)`` over ``PackedSpans`` or lists of rows of (id, document id,
    annotator, start, end, role, one value per layer), read in one transaction; agreement
    collects them into arrays."""
    with database.read() as session:
        return collect(repo.span_value_batches(session, layers, documents, annotators), layers)


def documents_with_spans_of(database: Database, annotator: str) -> list[str]:
    """The documents where ``annotator`` has a span, sorted."""
    with database.read() as session:
        return repo.documents_with_spans_of(session, annotator)


def spans_for_document(database: Database, document_id: str,
                       annotators: Sequence[str] | None = None) -> list[Span]:
    return list_spans(database, [document_id], annotators)


def document_store(database: Database, document_id: str,
                   annotators: Sequence[str] | None = None) -> SpanStore:
    """The store the desk shows for one document: its spans indexed by position, each built
    into a ``Span`` only when first asked for (``domain.span_store.PendingSpans``)."""
    with database.read() as session, _no_cyclic_gc():
        return SpanStore(repo.document_span_rows(session, document_id, annotators))


# spans whose whole rows an open reads at once: the first page of the reader and the table
LEADING_ROWS = 500


def open_document_store(database: Database, document_id: str,
                        annotators: Sequence[str] | None = None
                        ) -> tuple[SpanStore, Callable[[], None]]:
    """``document_store`` for opening an article, and ``finish``, to call once it is shown.

    On SQLite the store is built from every span's position and the whole rows of the first
    ``LEADING_ROWS`` only (what the first page shows): the other rows are read by ``finish``
    in the same read transaction, kept open until then, so every span is as it was when the
    positions were read. A span asked for before ``finish`` calls it itself. ``finish`` ends
    the transaction; it must be called (the desk calls it after the article's first paint,
    and before it shows another store or closes)."""
    if not database.is_sqlite:
        return document_store(database, document_id, annotators), _nothing_left
    held = ExitStack()
    try:
        session = held.enter_context(database.read())
        with _no_cyclic_gc():
            keys, leading = repo.document_span_keys(session, document_id, annotators,
                                                    LEADING_ROWS)
        rest = _RestOfRows(held, session, document_id, annotators, leading)
        with _no_cyclic_gc():
            return SpanStore(PendingSpans(keys, rest.build)), rest.finish
    except BaseException:
        held.close()
        raise


def _nothing_left() -> None:
    """Every row was read with the positions."""


class _RestOfRows:
    """The whole rows of an opened store, by span id: the leading ones, then all (``finish``),
    read in the transaction ``held`` keeps open."""

    def __init__(self, held: ExitStack, session: Session, document_id: str,
                 annotators: Sequence[str] | None, leading: list[tuple[Any, ...]]) -> None:
        self._held: ExitStack | None = held
        self._session = session
        self._document_id = document_id
        self._annotators = annotators
        self._rows = {row[0]: row for row in leading}
        self._build = repo.span_row_builder(document_id)

    def build(self, key: tuple[Any, ...]) -> Span:
        row = self._rows.get(key[0])
        if row is None:
            self.finish()
            row = self._rows[key[0]]
        return self._build(row)

    def finish(self) -> None:
        if self._held is None:
            return
        held, self._held = self._held, None
        with held, _no_cyclic_gc():
            rows = repo.document_span_rows(self._session, self._document_id,
                                           self._annotators).rows
            self._rows.update((row[0], row) for row in rows)


def list_annotator_names(database: Database) -> list[str]:
    with database.read() as session:
        return [a.name for a in repo.list_annotators(session)]


def spans_per_annotator(database: Database) -> dict[str, int]:
    with database.read() as session:
        return repo.spans_per_annotator(session)


@retry_conflicts
def ensure_annotator(database: Database, name: str) -> str:
    return add_annotator(database, name).name


def add_annotator(database: Database, name: str) -> AnnotatorWrite:
    """The annotator of that name, created if new (``changes`` says whether it was)."""
    with database.write() as session:
        created = name.strip() not in {a.name for a in repo.list_annotators(session)}
        stored = repo.ensure_annotator(session, name).name
    return AnnotatorWrite(stored, Changes(annotators_added=frozenset({stored}) if created
                                          else frozenset()))


@retry_conflicts
def set_document_status(database: Database, document_id: str, annotator: str,
                        status: DocumentStatus | str) -> None:
    try:
        status = DocumentStatus(status)
    except ValueError:
        raise AnnotationError(f"unknown status {status!r} (in_progress or done)") from None
    with database.write() as session:
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
