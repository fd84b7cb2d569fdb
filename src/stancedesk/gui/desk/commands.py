"""Undo commands over the annotation services.

The first write happens *before* a command is pushed (``perform_*``), so a refused change raises
in ordinary Python code and never leaves a half-done command on the stack; ``redo`` on push only
shows the change. Later undo/redo calls write through the services again (create <-> delete via
``delete_span``/``restore_span``; every update via ``put_span`` of the before/after span), so the
database always matches what the undo stack says, and every step is committed at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from PySide6.QtGui import QUndoCommand

from stancedesk.domain import Scheme, Span
from stancedesk.services import spans as span_service
from stancedesk.services.spans import SpanChange
from stancedesk.storage.engine import Database


class SpanSink(Protocol):
    """What a command needs from the desk: where to write, and whom to tell."""

    database: Database
    scheme: Scheme

    def apply_change(self, before: Span | None, after: Span | None) -> None: ...

    def report_error(self, exc: Exception) -> None: ...


class _SpanCommand(QUndoCommand):
    def __init__(self, sink: SpanSink, text: str) -> None:
        super().__init__(text)
        self.sink = sink
        self._first = True

    def _guard(self, step: Callable[[], None]) -> None:
        # An exception must not escape into Qt's C++ undo stack; the desk shows it instead.
        try:
            step()
        except Exception as exc:
            self.setObsolete(True)
            self.sink.report_error(exc)


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
            self.span = span_service.delete_span(self.sink.database, self.span.id)
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
            self.after = span_service.put_span(self.sink.database, self.after)
            self.sink.apply_change(self.before, self.after)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            self.before = span_service.put_span(self.sink.database, self.before)
            self.sink.apply_change(self.after, self.before)
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
            self.span = span_service.delete_span(self.sink.database, self.span.id)
            self.sink.apply_change(self.span, None)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            self.span = span_service.restore_span(self.sink.database, self.span)
            self.sink.apply_change(None, self.span)
        self._guard(step)


def perform_create(sink: SpanSink, document_id: str, annotator: str, start: int, end: int,
                   labels: dict[str, str]) -> CreateSpanCommand:
    span = span_service.create_span(sink.database, document_id, annotator, start, end, labels,
                                   scheme=sink.scheme)
    names = ", ".join(labels.values())
    return CreateSpanCommand(sink, span, f"Create span ({names})" if names else "Create span")


def perform_update(sink: SpanSink, span_id: str, text: str, *,
                   labels: Mapping[str, str] | None = None, note: str | None = None,
                   start: int | None = None, end: int | None = None
                   ) -> ChangeSpanCommand | DeleteSpanCommand:
    """A change that clears a span's last label deletes it (the service decides): undo then
    restores the span as it was."""
    change = span_service.update_span(sink.database, span_id, labels=labels, note=note,
                                     start=start, end=end, scheme=sink.scheme)
    if change.after is None:
        assert change.before is not None
        return DeleteSpanCommand(sink, change.before, f"{text} (span removed)")
    return ChangeSpanCommand(sink, change, text)


def perform_delete(sink: SpanSink, span_id: str) -> DeleteSpanCommand:
    return DeleteSpanCommand(sink, span_service.delete_span(sink.database, span_id))
