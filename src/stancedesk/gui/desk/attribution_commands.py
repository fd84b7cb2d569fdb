"""Undo commands for attribution: a role or entity change, a link change, and a removal of spans
with their links.

As with the span commands, the first write happens before the push (a refused change never
reaches the stack) and ``redo`` on push only shows it; later steps write through
``services.attribution`` again, so the database always matches what the undo stack says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from stancedesk.domain import Span
from stancedesk.gui.desk.commands import SpanSink, _SpanCommand
from stancedesk.services import attribution as attr_service
from stancedesk.services import spans as span_service
from stancedesk.services.attribution import LinkChange, Removal
from stancedesk.services.spans import SpanChange

if TYPE_CHECKING:
    from stancedesk.gui.desk.attribution import DeskAttribution


class SpanFieldCommand(_SpanCommand):
    """A change of a span's role or entity: ``write`` puts the given copy's field back."""

    def __init__(self, sink: SpanSink, change: SpanChange, text: str,
                 write: Callable[[Span], SpanChange]) -> None:
        super().__init__(sink, text)
        assert change.before is not None and change.after is not None
        self.before: Span = change.before
        self.after: Span = change.after
        self.write = write

    def _step(self, target: Span) -> Span:
        change = self.write(target)
        assert change.after is not None
        self.sink.apply_change(change.before, change.after)
        return change.after

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.sink.apply_change(self.before, self.after)
            return

        def step() -> None:
            self.after = self._step(self.after)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            self.before = self._step(self.before)
        self._guard(step)


class LinkCommand(_SpanCommand):
    """Set, change or clear one link (``change.before`` -> ``change.after``)."""

    def __init__(self, owner: DeskAttribution, change: LinkChange, text: str) -> None:
        super().__init__(owner.desk, text)
        self.owner = owner
        self.change = change

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.owner.apply_link(self.change.before, self.change.after)
            return

        def step() -> None:
            done = self.owner.relink(self.change)
            self.owner.apply_link(done.before, done.after)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            done = self.owner.restore_link(self.change)
            self.owner.apply_link(done.before, done.after)
        self._guard(step)


class RemovalCommand(_SpanCommand):
    """Spans deleted together (a source and perhaps its claims) with every link they had."""

    def __init__(self, owner: DeskAttribution, removal: Removal,
                 text: str = "Delete span") -> None:
        n = len(removal.spans)
        super().__init__(owner.desk, text if n == 1 else f"{text} and {n - 1} claim"
                                                          f"{'s' * (n > 2)}")
        self.owner = owner
        self.removal = removal

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.owner.apply_removal(self.removal, restored=False)
            return

        def step() -> None:
            # the claims to delete are already among the ids: keep anything else
            self.removal = attr_service.delete_spans(
                self.sink.database, [s.id for s in self.removal.spans], claims="keep")
            self.owner.apply_removal(self.removal, restored=False)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            attr_service.restore(self.sink.database, self.removal)
            # restored spans carry a new version: the desk must hold those copies
            back = tuple(span_service.get_span(self.sink.database, s.id)
                         for s in self.removal.spans)
            self.removal = Removal(back, self.removal.links)
            self.owner.apply_removal(self.removal, restored=True)
        self._guard(step)
