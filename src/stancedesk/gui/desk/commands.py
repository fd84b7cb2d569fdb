"""Undo commands over the annotation services.

The first write happens *before* a command is pushed (``perform_*``), so a refused change raises
in ordinary Python code and never leaves a half-done command on the stack; ``redo`` on push only
shows the change. Later undo/redo calls write through the services again (create <-> delete via
``delete_span``/``restore_span``; every update via ``put_span`` from one copy to the other), so the
database always matches what the undo stack says, and every step is committed at once.

Every step passes the version it last saw: a span that someone changed meanwhile (another desk
on the same file, a colleague on the server) is refused with StaleEditError, never overwritten,
and an update writes back only the parts it changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from PySide6.QtGui import QUndoCommand

from stancedesk.domain import Scheme, Span
from stancedesk.domain.errors import StaleEditError
from stancedesk.services import spans as span_service
from stancedesk.services.spans import SpanChange
from stancedesk.storage.engine import Database


class SpanSink(Protocol):
    """What a command needs from the desk: where to write, and whom to tell."""

    database: Database
    scheme: Scheme

    def apply_change(self, before: Span | None, after: Span | None) -> None: ...

    def known_span(self, span_id: str) -> Span | None: ...

    def report_error(self, exc: Exception) -> None: ...


class _SpanCommand(QUndoCommand):
    def __init__(self, sink: SpanSink, text: str) -> None:
        super().__init__(text)
        self.sink = sink
        self._first = True

    def _latest(self, copy: Span) -> Span:
        """The desk's newest copy of a span (later steps on the stack, or a reload, moved its
        version on), provided it still shows what this command left; otherwise someone else
        changed it meanwhile and the step is refused rather than undoing their work."""
        current = self.sink.known_span(copy.id) or copy
        if _content(current) != _content(copy):
            stamp = current.updated_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") \
                if current.updated_at else "an unknown time"
            raise StaleEditError(f"span {current.text!r} was changed by {current.annotator} "
                                 f"at {stamp}; reload?")
        return current

    def _guard(self, step: Callable[[], None]) -> None:
        # An exception must not escape into Qt's C++ undo stack: the desk hands it to the error
        # policy (a message for a UserError, the crash dialog for a bug).
        try:
            step()
        except Exception as exc:
            self.setObsolete(True)
            self.sink.report_error(exc)


def _content(span: Span) -> tuple[object, ...]:
    return span.start, span.end, dict(span.labels), span.note


class CreateSpanCommand(_SpanCommand):
    def __init__(self, sink: SpanSink, span: Span, text: str = "Create span") -> None:
        super().__init__(sink, text)
        self.span = span

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.sink.apply_change(None, self.span)
            return

        def step() -> None:
            self.span = span_service.restore_span(self.sink.database, self.span)
            self.sink.apply_change(None, self.span)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            current = self._latest(self.span)
            self.span = span_service.delete_span(self.sink.database, current.id,
                                                 expected_version=current.version)
            self.sink.apply_change(self.span, None)
        self._guard(step)


class ChangeSpanCommand(_SpanCommand):
    """Relabel, resize or note: one before/after pair."""

    def __init__(self, sink: SpanSink, change: SpanChange, text: str) -> None:
        super().__init__(sink, text)
        assert change.before is not None and change.after is not None
        self.before: Span = change.before
        self.after: Span = change.after

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.sink.apply_change(self.before, self.after)
            return

        def step() -> None:
            change = span_service.put_span(self.sink.database, self.after,
                                           expected=self._latest(self.before))
            assert change.after is not None
            self.after = change.after
            self.sink.apply_change(change.before, self.after)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            change = span_service.put_span(self.sink.database, self.before,
                                           expected=self._latest(self.after))
            assert change.after is not None
            self.before = change.after
            self.sink.apply_change(change.before, self.before)
        self._guard(step)


class DeleteSpanCommand(_SpanCommand):
    def __init__(self, sink: SpanSink, deleted: Span, text: str = "Delete span") -> None:
        super().__init__(sink, text)
        self.span = deleted

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.sink.apply_change(self.span, None)
            return

        def step() -> None:
            current = self._latest(self.span)
            self.span = span_service.delete_span(self.sink.database, current.id,
                                                 expected_version=current.version)
            self.sink.apply_change(self.span, None)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            self.span = span_service.restore_span(self.sink.database, self.span)
            self.sink.apply_change(None, self.span)
        self._guard(step)


def perform_create(sink: SpanSink, document_id: str, annotator: str, start: int, end: int,
                   labels: dict[str, str], document_text: str | None = None
                   ) -> CreateSpanCommand:
    span = span_service.create_span(sink.database, document_id, annotator, start, end, labels,
                                   scheme=sink.scheme, document_text=document_text)
    names = ", ".join(labels.values())
    return CreateSpanCommand(sink, span, f"Create span ({names})" if names else "Create span")


def perform_update(sink: SpanSink, span: Span, text: str, *,
                   labels: Mapping[str, str | None] | None = None, note: str | None = None,
                   start: int | None = None, end: int | None = None
                   ) -> ChangeSpanCommand | DeleteSpanCommand:
    """Change ``span`` as the desk shows it: ``labels`` holds only the layers the key press
    changed, and the write is refused if the stored span is no longer this version. A change
    that clears a span's last label deletes it (the service decides): undo then restores it."""
    change = span_service.update_span(sink.database, span.id, labels=labels, note=note,
                                     start=start, end=end, scheme=sink.scheme,
                                     expected_version=span.version)
    if change.after is None:
        assert change.before is not None
        return DeleteSpanCommand(sink, change.before, f"{text} (span removed)")
    return ChangeSpanCommand(sink, change, text)


def perform_delete(sink: SpanSink, span: Span) -> DeleteSpanCommand:
    return DeleteSpanCommand(sink, span_service.delete_span(sink.database, span.id,
                                                            expected_version=span.version))
