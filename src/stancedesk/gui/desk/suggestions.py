"""The desk's side of suggested attributions: the open document's suggestions left for the
annotator (dashed outlines in the reader), the current one, and accepting, rejecting and
stepping through them by key, every write an undo command on the desk's stack.

The finder runs once per document (its text never changes) and its output is kept; what the
annotator has rejected or already marked is filtered out by ``services.suggestions`` after
every change, so an accepted suggestion turns into ordinary spans and a rejected one stays
hidden. A long article is searched off the GUI thread.
With the setting off, the finder never runs and nothing is shown: an agreement study is not
primed by it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from stancedesk.attribution import Suggestion
from stancedesk.domain.attribution import SpanRole
from stancedesk.gui.desk.attribution import short
from stancedesk.gui.desk.commands import _SpanCommand
from stancedesk.gui.desk.suggestion_painting import SuggestionMark
from stancedesk.services import suggestions as service
from stancedesk.services.changes import Changes
from stancedesk.services.suggestions import Acceptance, suggestion_key

if TYPE_CHECKING:
    from stancedesk.gui.desk.controller import AnnotationDesk
    from stancedesk.gui.shell.jobs import IsCancelled, Job, JobRunner, Progress

# above this many characters the finder runs in the background: its time grows linearly with
# the text, about 7 µs per character on a loaded 2-CPU machine (benchmarks/suggest.py), so a
# usual article of a few thousand characters is found in tens of milliseconds and a long one
# never freezes the desk
BACKGROUND_CHARS = 10_000
# above this many (some 15 s of background work on that machine, for each article opened, with
# the search holding the interpreter against the desk's own work) the desk leaves it to
# `stancedesk suggest`; a 1 MB wire digest is still searched
MAX_CHARS = 2_000_000
KEYS = {"accept": "Alt+Return", "reject": "Alt+Del", "next": "Alt+]", "previous": "Alt+["}


def _first(s: Suggestion) -> int:
    return min(p.start for p in (s.source, s.claim, s.cue, s.via) if p is not None)


def describe(s: Suggestion) -> str:
    via = f" via {short(s.via.text, 30)}" if s.via else ""
    return f"{short(s.source.text, 40)}{via} ({s.sourcing}): “{short(s.claim.text)}”"


class DeskSuggestions(QObject):
    """Suggestions for the open document and the current annotator."""

    changed = Signal()  # the suggestions left, or the current one, changed
    computed = Signal(str)  # document id: the finder has run for it

    def __init__(self, desk: AnnotationDesk) -> None:
        super().__init__(desk)
        self.desk = desk
        self.enabled = True
        self.runner: JobRunner | None = None  # set by the window: long articles run there
        # set by the window (after_first_paint): a short article's search in the GUI thread
        # waits until the first window is on screen, and runs at once after that
        self.defer: Callable[[Callable[[], None]], None] | None = None
        self.found: dict[str, list[Suggestion]] = {}  # the finder's output per document
        self.live: list[Suggestion] = []  # left to review, in reading order
        self.current: str | None = None  # key of the current suggestion
        self._pending: dict[str, Job] = {}
        self._rejected: set[str] = set()  # the annotator's rejections in the open document
        self._rejected_for: tuple[str, str] | None = None
        self._holding = False
        self._told: set[str] = set()  # documents over MAX_CHARS whose cap was reported
        desk.reader.suggestion_tip = self.tooltip
        desk.reader.suggestionClicked.connect(self.click)
        desk.changed.connect(self._follow)

    # --- what is shown ---------------------------------------------------------------------

    def set_enabled(self, on: bool) -> None:
        """Off: nothing is computed or drawn and the keys only say so."""
        self.enabled = on
        if not on:
            self.current = None
        self.refresh()

    def refresh(self, *, reread: bool = True) -> None:
        """Recompute what is left for the open document. The annotator's claims come from the
        desk's span store (it holds all of them); the rejections are read again unless
        ``reread`` is False (a span edit here cannot have changed them), so a label key costs
        no query for suggestions."""
        doc = self.desk.document
        if not self.enabled or doc is None:
            self._show([])
            return
        found = self.found.get(doc.id)
        if found is None:
            self._show([])
            self._find(doc.id, doc.text)
            return
        me = self.desk.annotator
        if reread or self._rejected_for != (doc.id, me):
            with self.desk._guarded("reading suggestions"):
                self._rejected = service.rejected(self.desk.database, doc.id, me)
                self._rejected_for = (doc.id, me)
        claims = [(s.start, s.end) for s in self.desk.store.spans()
                  if s.annotator == me and s.role == SpanRole.CLAIM]
        left = service.filter_live(found, self._rejected, claims)
        self._show(sorted(left, key=lambda s: (_first(s), s.claim.start)))

    def _find(self, document_id: str, text: str) -> None:
        for other, job in list(self._pending.items()):  # no work for a document left behind
            if other != document_id:
                job.cancel()
        if len(text) > MAX_CHARS:
            if document_id in self._told:
                return  # said once when it opened; a label key need not say it again
            self._told.add(document_id)
            self.desk.message.emit(
                f"No suggestions in the desk for an article of {len(text):,} characters (over "
                f"{MAX_CHARS:,}): `stancedesk suggest --documents {document_id}` lists them.")
            return
        if self.runner is None or len(text) < BACKGROUND_CHARS:
            if self.defer is None:
                self._find_here(document_id)
            else:
                self.defer(lambda: self._find_here(document_id))
            return
        if document_id in self._pending:
            return
        database = self.desk.database

        def work(_progress: Progress, cancelled: IsCancelled) -> list[Suggestion]:
            return service.find_in_document(database, document_id, cancelled=cancelled)

        job = self.runner.start(work, "finding suggested attributions")
        self._pending[document_id] = job
        job.succeeded.connect(lambda found: self._found(document_id, found))
        job.finished.connect(lambda: self._pending.pop(document_id, None))

    def _find_here(self, document_id: str) -> None:
        if document_id in self.found:
            return  # asked twice before the first paint
        with self.desk._guarded("finding suggestions"):
            # the built-in word lists and the project's own (stancedesk lexicons import)
            self._found(document_id, service.find_in_document(self.desk.database, document_id))

    def _found(self, document_id: str, found: list[Suggestion]) -> None:
        self.found[document_id] = found
        self.computed.emit(document_id)
        if self.desk.document_id == document_id:
            self.refresh()

    def _show(self, live: list[Suggestion]) -> None:
        self.live = live
        if self.current is not None and self.current_suggestion() is None:
            self.current = None
        marks: list[SuggestionMark] = []
        for s in live:
            now = suggestion_key(s) == self.current
            for piece, role in ((s.source, "source"), (s.cue, "cue"), (s.claim, "claim"),
                                (s.via, "via")):
                if piece is not None:
                    marks.append(SuggestionMark(piece.start, piece.end, role, now))
        self.desk.reader.set_suggestion_marks(marks)
        self.changed.emit()

    def _follow(self, changes: Changes) -> None:
        doc = self.desk.document_id
        if self._holding or doc is None:
            return
        if doc in changes.suggestions_changed:
            self.refresh()
        elif doc in changes.span_documents:
            # what is left to review depends on the annotator's claims only: a label key on a
            # span that is no claim, before or after, leaves it as it is (no scan of the store)
            applied = self.desk.applying
            if applied is not None and not any(
                    s is not None and s.role == SpanRole.CLAIM
                    for s in (applied.before, applied.after)):
                return
            self.refresh(reread=False)

    def current_suggestion(self) -> Suggestion | None:
        return next((s for s in self.live if suggestion_key(s) == self.current), None)

    def tooltip(self, index: int) -> str:
        for s in self.live:
            if any(p is not None and p.start <= index < p.end
                   for p in (s.source, s.cue, s.claim, s.via)):
                return (f"<b>Suggested</b>: {escape(describe(s))}<br><i>{escape(s.rule)}</i>"
                        f"<br>{KEYS['accept']} accepts, {KEYS['reject']} rejects")
        return ""

    # --- moving ----------------------------------------------------------------------------

    def select(self, key: str | None, *, show: bool = True) -> None:
        self.current = key
        self._show(self.live)
        s = self.current_suggestion()
        if s is not None and show:
            self.desk.reader.show_range(_first(s), max(s.claim.end, s.source.end))
            self.desk.reader.clear_selection()

    def click(self, index: int) -> None:
        """A click on a suggestion's outline makes it current."""
        for s in self.live:
            if any(p is not None and p.start <= index < p.end
                   for p in (s.source, s.cue, s.claim, s.via)):
                self.select(suggestion_key(s), show=False)
                self.desk.message.emit(f"Suggested: {describe(s)} — {KEYS['accept']} "
                                       f"accepts, {KEYS['reject']} rejects.")
                return

    def _off(self) -> bool:
        if not self.enabled:
            self.desk.message.emit("Suggestions are off (View › Suggested attributions).")
            return True
        if self.desk.document is None:
            return True
        if not self.live:
            doc = self.desk.document
            self.desk.message.emit(
                "No suggestions left in this document." if doc.id in self.found else
                f"No suggestions in the desk for an article over {MAX_CHARS:,} characters."
                if len(doc.text) > MAX_CHARS else
                "Still looking for suggestions in this document…")
            return True
        return False

    def step(self, forward: bool) -> None:
        """The next (or previous) suggestion in reading order, from the current one or, if
        there is none, from the cursor."""
        if self._off():
            return
        keys = [suggestion_key(s) for s in self.live]
        if self.current in keys:
            i = keys.index(self.current) + (1 if forward else -1)
        else:
            cursor = self.desk.reader.offsets.to_py(self.desk.reader.textCursor().position())
            after = [i for i, s in enumerate(self.live) if _first(s) >= cursor]
            i = (after[0] if after else len(keys)) if forward else \
                (after[0] - 1 if after else len(keys) - 1)
        i %= len(keys)
        self.select(keys[i])
        self.desk.message.emit(f"Suggestion {i + 1} of {len(keys)}: "
                               f"{describe(self.live[i])} — {self.live[i].rule}")

    # --- accepting and rejecting ---------------------------------------------------------------

    def _chosen(self) -> Suggestion | None:
        if self._off() or self.desk._refused():
            return None
        s = self.current_suggestion()
        if s is None:
            self.step(True)
            self.desk.message.emit(f"{KEYS['accept']} accepts the outlined suggestion, "
                                   f"{KEYS['reject']} rejects it.")
        return s

    def accept(self) -> None:
        """Store the current suggestion as the annotator's spans, roles, links and sourcing."""
        s = self._chosen()
        doc = self.desk.document
        if s is None or doc is None:
            return
        with self.desk._guarded("accepting a suggestion"):
            done = service.accept(self.desk.database, doc.id, self.desk.annotator,
                                  suggestion_key(s), found=self.found[doc.id])
            self.desk._push(AcceptCommand(self, done, f"Accept suggestion "
                                                      f"({short(s.source.text, 24)})"))

    def reject(self) -> None:
        """Hide the current suggestion for this annotator (undo brings it back)."""
        s = self._chosen()
        doc = self.desk.document
        if s is None or doc is None:
            return
        key = suggestion_key(s)
        with self.desk._guarded("rejecting a suggestion"):
            changes = service.reject(self.desk.database, doc.id, self.desk.annotator, key,
                                     found=self.found[doc.id])
            self.desk._push(RejectCommand(self, doc.id, self.desk.annotator, key, changes,
                                          f"Reject suggestion ({short(s.source.text, 24)})"))

    # --- after each committed step (called by the commands) --------------------------------------

    def _next_after(self, position: int) -> str | None:
        later = [s for s in self.live if _first(s) >= position]
        return suggestion_key(later[0]) if later else None

    def shown_accepted(self, done: Acceptance) -> None:
        """The spans are stored: show them as spans, the claim current, and move on."""
        self._holding = True
        try:
            for span in done.spans:
                self.desk.apply_change(None, span)
        finally:
            self._holding = False
        self.desk.attribution.reload()
        position = min((s.start for s in done.spans), default=0)
        self.refresh(reread=False)
        self.select(self._next_after(position), show=False)
        claim = next((s for s in done.spans if s.role == SpanRole.CLAIM), None)
        if claim is not None:
            self.desk.select_span(claim.id)

    def shown_taken_back(self, done: Acceptance) -> None:
        """The spans are gone again: the suggestion is back, and current."""
        self._holding = True
        try:
            for span in done.spans:
                self.desk.apply_change(span, None)
        finally:
            self._holding = False
        self.desk.attribution.reload()
        self.refresh(reread=False)
        self.select(done.key, show=False)

    def shown_rejection(self, key: str, rejected: bool, changes: Changes) -> None:
        self.desk.note_own_commit()
        position = next((_first(s) for s in self.live if suggestion_key(s) == key), 0)
        self._holding = True
        try:
            self.desk.publish(changes)
        finally:
            self._holding = False
        self.refresh()
        self.select(self._next_after(position) if rejected else key, show=False)
        self.desk.saved.emit()


class AcceptCommand(_SpanCommand):
    """An accepted suggestion: undo deletes the spans and links it stored (refused if one was
    changed meanwhile), redo puts the same spans back."""

    def __init__(self, owner: DeskSuggestions, done: Acceptance, text: str) -> None:
        super().__init__(owner.desk, text)
        self.owner = owner
        self.done = done

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.owner.shown_accepted(self.done)
            return

        def step() -> None:
            self.done = service.reaccept(self.sink.database, self.done)
            self.owner.shown_accepted(self.done)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            # the desk's newest copies (a later step undone moves versions on), provided they
            # still show what the suggestion stored
            latest = tuple(self._latest(span) for span in self.done.spans)
            self.done = service.unaccept(self.sink.database, replace(self.done, spans=latest))
            self.owner.shown_taken_back(self.done)
        self._guard(step)


class RejectCommand(_SpanCommand):
    def __init__(self, owner: DeskSuggestions, document_id: str, annotator: str, key: str,
                 changes: Changes, text: str) -> None:
        super().__init__(owner.desk, text)
        self.owner = owner
        self.document_id, self.annotator, self.key = document_id, annotator, key
        self.changes = changes

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.owner.shown_rejection(self.key, True, self.changes)
            return

        def step() -> None:
            found = self.owner.found.get(self.document_id)
            changes = service.reject(self.sink.database, self.document_id, self.annotator,
                                     self.key, found=found)
            self.owner.shown_rejection(self.key, True, changes)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            changes = service.unreject(self.sink.database, self.document_id, self.annotator,
                                       self.key)
            self.owner.shown_rejection(self.key, False, changes)
        self._guard(step)
