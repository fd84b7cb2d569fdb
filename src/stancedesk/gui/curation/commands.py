"""Curation decisions on the curation view's undo stack.

As in the desk (``gui/desk/commands.py``), a decision is written *before* its command is pushed,
so a refused one (a decided passage, a stale span) raises in ordinary code and never leaves a
half-done command on the stack. Undo asks ``services.curation.undo`` to take back everything the
action wrote (a claim with the source it brought along, or every passage "accept all agreeing"
took); redo decides again through the same service call, and keeps the new result for the next
undo. The services refuse an undo whose gold span someone edited since: the refusal is reported
and the command is dropped, never half-applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtGui import QUndoCommand

from stancedesk.services import curation
from stancedesk.services.changes import Changes
from stancedesk.services.curation import Decision, PassageUpdate
from stancedesk.services.study import Viewer
from stancedesk.storage.engine import Database


class Decided(Protocol):
    """What a curation action returns (``CurationResult``, or ``AutoReport`` of a real run):
    the decisions it wrote, which undo takes back, and what changed."""

    @property
    def decisions(self) -> Sequence[Decision]: ...

    @property
    def changes(self) -> Changes: ...

    @property
    def updates(self) -> Sequence[PassageUpdate]: ...


Decide = Callable[[], Decided]


class DecisionSink(Protocol):
    """What a command needs from the view: where to write, whom to tell, where errors go."""

    database: Database
    viewer: Callable[[], Viewer | None]

    def decided(self, changes: Changes, document_id: str,
                back_to: tuple[int, int] | None = None,
                updates: Sequence[PassageUpdate] = ()) -> None:
        """Show what a write changed (``updates``: the passages it changed, when it says):
        ``back_to`` the place an undo reopened, else on to the next open conflict."""

    def report_error(self, exc: Exception) -> None: ...


class DecisionCommand(QUndoCommand):
    """One curation action: an accept, a merge, a rejection, or "accept all agreeing"."""

    def __init__(self, sink: DecisionSink, text: str, document_id: str, decide: Decide,
                 result: Decided) -> None:
        super().__init__(text)
        self.sink = sink
        self.document_id = document_id
        self.decide = decide
        self.result: Decided | None = result
        self._first = True

    def redo(self) -> None:
        if self._first:  # already written by ``perform``
            self._first = False
            return
        try:
            self.result = self.decide()
        except Exception as exc:  # never into Qt's C++ undo stack
            self.setObsolete(True)
            self.sink.report_error(exc)
            return
        self.sink.decided(self.result.changes, self.document_id,
                          updates=self.result.updates)

    def undo(self) -> None:
        if self.result is None or not self.result.decisions:
            return
        try:
            undone = curation.undo_decisions(self.sink.database,
                                             [d.id for d in self.result.decisions],
                                             viewer=self.sink.viewer())
        except Exception as exc:
            self.setObsolete(True)
            self.sink.report_error(exc)
            return
        self.result = None
        first = undone.decisions[-1] if undone.decisions else None
        self.sink.decided(undone.changes, self.document_id,
                          (first.start, first.end) if first is not None else None,
                          undone.updates)


def perform(sink: DecisionSink, text: str, document_id: str, decide: Decide
            ) -> DecisionCommand | None:
    """Decide now; the command to push, or None when the service refused (reported)."""
    try:
        result = decide()
    except Exception as exc:
        sink.report_error(exc)
        return None
    sink.decided(result.changes, document_id, updates=result.updates)
    return DecisionCommand(sink, text, document_id, decide, result)
