"""The annotation desk's controller: who is annotating, which document is open, which span is
current, and every change to spans (through undo commands that call the services).

Widgets stay thin: the main window wires menus and docks to these methods, the reader and the
span table show the shared span store, and this object keeps them in step after each change.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoGroup, QUndoStack

from stancedesk.domain import Document, DocumentStatus, Span
from stancedesk.domain.errors import StaleEditError
from stancedesk.domain.span_store import SpanStore
from stancedesk.gui.desk import commands
from stancedesk.gui.desk.document_list import DocumentListModel
from stancedesk.gui.desk.painting import SpanStyler, annotator_styles
from stancedesk.gui.desk.reader import DocumentView
from stancedesk.gui.desk.span_table import SpanTableModel
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.services import corpus, project
from stancedesk.services import spans as span_service
from stancedesk.services.changes import Changes
from stancedesk.services.spans import SpanChange
from stancedesk.storage.engine import Database


class AnnotationDesk(QObject):
    documentOpened = Signal(str)
    annotatorChanged = Signal(str)
    reviewerChanged = Signal(bool)
    currentSpanChanged = Signal(object)  # span id or None
    saved = Signal()
    message = Signal(str)
    changed = Signal(object)  # Changes: what a write changed, for every view that shows it
    statusChanged = Signal(str, str)  # document id, its new status for this annotator
    noteRequested = Signal(str)  # span id: the window opens the note editor
    targetRequested = Signal(str)  # layer key of a free layer: the window opens its editor

    def __init__(self, database: Database, reader: DocumentView, styler: SpanStyler,
                 annotator: str, reporter: CrashReporter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reporter = reporter
        self.database = database
        self.scheme = styler.scheme  # loaded once, by the window
        self.reader = reader
        self.styler = styler
        self.annotator = span_service.ensure_annotator(database, annotator)
        self.reviewer = False
        self.document: Document | None = None
        self.store = SpanStore()
        self.span_model = SpanTableModel(self.scheme, self.store)
        self.span_model.noteEdited.connect(self.set_note)
        self.doc_model = DocumentListModel()
        self.undo_group = QUndoGroup(self)
        self._stacks: dict[tuple[str, str], QUndoStack] = {}
        self.reader.spanClicked.connect(self.select_span)
        self._shown_already = False  # True while publishing an edit the desk has shown
        self.changed.connect(self._follow)
        self._seen_version: int | None = None
        self._look_again = False
        self._poll: QTimer | None = None
        self.refresh_annotators()

    # --- identity and view mode ------------------------------------------------------------

    @property
    def document_id(self) -> str | None:
        return self.document.id if self.document else None

    def annotator_names(self) -> list[str]:
        return span_service.list_annotator_names(self.database)

    def refresh_annotators(self) -> None:
        self.styler.annotators = annotator_styles(self.annotator_names())

    def set_annotator(self, name: str) -> None:
        write = span_service.add_annotator(self.database, name)
        self.publish(write.changes)
        name = write.name
        if name == self.annotator:
            return
        self.annotator = name
        self.refresh_annotators()
        self.reload_documents()
        self.reload_spans()
        self.annotatorChanged.emit(name)

    def set_reviewer(self, on: bool) -> None:
        """Blind mode (off) shows only the current annotator's spans; reviewer mode shows
        everyone's, each annotator with their own underline colour and pattern."""
        if on == self.reviewer:
            return
        self.reviewer = on
        self.styler.show_owners = on
        self.refresh_annotators()
        self.reload_spans()
        self.reviewerChanged.emit(on)

    def visible_annotators(self) -> list[str] | None:
        return None if self.reviewer else [self.annotator]

    # --- documents -------------------------------------------------------------------------

    def reload_documents(self) -> None:
        self.doc_model.reset(corpus.list_documents(self.database, self.annotator),
                             span_service.document_statuses(self.database, self.annotator))

    def open_document(self, document_id: str) -> None:
        if document_id == self.document_id:
            return
        self.document = corpus.get_document(self.database, document_id)
        self.store = self._load_store(document_id)
        self.reader.set_document(self.document.text, self.store)
        self._show_store()
        self.documentOpened.emit(document_id)

    def reload_spans(self) -> None:
        if self.document is None:
            return
        self.store = self._load_store(self.document.id)
        self.reader.set_store(self.store)
        self.reader.set_current_span(None)
        self._show_store()

    def _load_store(self, document_id: str) -> SpanStore:
        return SpanStore(span_service.spans_for_document(self.database, document_id,
                                                        self.visible_annotators()))

    def _show_store(self) -> None:
        self.span_model.reset(self.store)
        self._activate_stack()
        self.currentSpanChanged.emit(None)

    def _activate_stack(self) -> None:
        if self.document is None:
            return
        key = (self.document.id, self.annotator)
        stack = self._stacks.get(key)
        if stack is None:
            stack = QUndoStack(self.undo_group)
            self._stacks[key] = stack
        self.undo_group.setActiveStack(stack)

    def undo_stack(self) -> QUndoStack | None:
        return self.undo_group.activeStack()

    def document_status(self) -> str:
        return self.doc_model.status(self.document_id) if self.document_id else ""

    def set_done(self, done: bool, document_id: str | None = None) -> None:
        doc_id = document_id or self.document_id
        if doc_id is None:
            return
        status = DocumentStatus.DONE if done else DocumentStatus.IN_PROGRESS
        span_service.set_document_status(self.database, doc_id, self.annotator, status)
        self.doc_model.set_status(doc_id, status)
        self.statusChanged.emit(doc_id, status.value)
        self.saved.emit()

    # --- the current span ------------------------------------------------------------------

    def current_span(self) -> Span | None:
        return self.store.get(self.reader.current_span or "")

    def select_span(self, span_id: str | None, *, show: bool = False) -> None:
        span = self.store.get(span_id or "")
        self.reader.set_current_span(span.id if span else None)
        if span is not None and show:
            self.reader.show_span(span)
        self.currentSpanChanged.emit(span.id if span else None)

    def step(self, forward: bool) -> None:
        """Move to the next or previous span (of the visible annotators) in reading order."""
        if not len(self.store):
            return
        current = self.current_span()
        if current is not None:
            row = self.store.row_of(current.id)
        else:
            index = self.reader.offsets.to_py(self.reader.textCursor().selectionStart())
            row = self.store.first_row_at(index)
            row = row - 1 if forward else row
        span = self.store.neighbour(row, forward)
        if span is not None:
            self.reader.clear_selection()
            self.select_span(span.id, show=True)

    def _own(self, span: Span | None) -> Span | None:
        return span if span is not None and span.annotator == self.annotator else None

    def _target(self) -> tuple[Span | None, tuple[int, int] | None]:
        """What a label key applies to: the selected text (its own span if one matches
        exactly), else the current span; another annotator's span is copied, never changed."""
        rng = self.reader.label_range()
        if rng is not None:
            return self.store.exact(rng[0], rng[1], self.annotator), rng
        current = self.current_span()
        if current is None:
            return None, None
        if self._own(current):
            return current, (current.start, current.end)
        return None, (current.start, current.end)

    # --- changes ---------------------------------------------------------------------------

    def _push(self, command: QUndoCommand) -> None:
        stack = self.undo_stack()
        assert stack is not None
        stack.push(command)

    def label(self, layer_key: str, value: str | None) -> None:
        """Apply one layer's value to the selection or the current span; the same value again
        clears it (a toggle, as in brat and INCEpTION)."""
        if self.document is None:
            return
        span, rng = self._target()
        if rng is None:
            self.message.emit("Select some text or click a span first.")
            return
        layer = self.scheme.layer(layer_key)
        found = layer.label(value) if value else None
        shown = (found.name if found else value) or "none"
        with self._guarded("labelling"):
            if span is None:
                if not value:
                    return
                created = commands.perform_create(
                    self, self.document.id, self.annotator, rng[0], rng[1], {layer_key: value})
                self._push(created)
                if self.reader.label_range() is not None:
                    self.reader.select_range(*rng, exact=self.reader.exact_selection)
                self.select_span(created.span.id)
            else:
                # only the layer this key changes is written: a colleague's other layers stay
                change: dict[str, str | None]
                if not value or span.labels.get(layer_key) == value:
                    change, text = {layer_key: None}, f"Clear {layer.name}"
                else:
                    change, text = {layer_key: value}, f"{layer.name}: {shown}"
                update = commands.perform_update(self, span, text, labels=change)
                self._push(update)
                if isinstance(update, commands.DeleteSpanCommand):
                    self.message.emit("The span's last label was cleared, so the span was "
                                      "removed (Ctrl+Z brings it back).")
                else:
                    self.select_span(span.id)

    def request_free_value(self, layer_key: str) -> None:
        _span, rng = self._target()
        if rng is None:
            self.message.emit("Select some text or click a span first.")
            return
        self.targetRequested.emit(layer_key)

    def current_value(self, layer_key: str) -> str:
        span, _ = self._target()
        return span.labels.get(layer_key, "") if span else ""

    def delete_current(self) -> None:
        span, _ = self._target()
        if span is None:
            self.message.emit("No span of yours is selected.")
            return
        with self._guarded("deleting a span"):
            self._push(commands.perform_delete(self, span))

    def request_note(self) -> None:
        span, _ = self._target()
        if span is None:
            self.message.emit("Select one of your spans to edit its note.")
            return
        self.noteRequested.emit(span.id)

    def set_note(self, span_id: str, note: str) -> None:
        span = self._own(self.store.get(span_id))
        if span is None or span.note == note:
            return
        with self._guarded("editing a note"):
            self._push(commands.perform_update(self, span, "Edit note", note=note))

    def fit_to_selection(self) -> None:
        """Resize the current span to the selected text."""
        current = self._own(self.current_span())
        rng = self.reader.label_range()
        if current is None or rng is None:
            self.message.emit("Click one of your spans, then select its new extent.")
            return
        if rng == (current.start, current.end):
            return
        with self._guarded("resizing a span"):
            self._push(commands.perform_update(self, current, "Resize span",
                                               start=rng[0], end=rng[1]))
            self.select_span(current.id)

    def apply_change(self, before: Span | None, after: Span | None) -> None:
        """Called by undo commands after each committed write: show it in the open document
        at once (no reload), then tell every other view through ``changed``."""
        change = SpanChange(before, after)
        if before is None and after is None:
            return
        if change.span.document_id == self.document_id:
            self.span_model.apply(before, after)
            if after is None and before is not None and self.reader.current_span == before.id:
                self.select_span(None)
            self.reader.viewport().update()
        if self._poll is not None:  # our own commit is no news for the poll
            self._seen_version = project.data_version(self.database)
        self._shown_already = True
        try:
            self.publish(change.changes)
        finally:
            self._shown_already = False
        self.saved.emit()

    # --- the one change signal -------------------------------------------------------------

    def publish(self, changes: Changes) -> None:
        """Tell every view what a write changed (whoever made it: an undo command, an import,
        another tool); each refreshes only what it shows."""
        if changes:
            self.changed.emit(changes)

    def _follow(self, changes: Changes) -> None:
        """The desk's own views: annotator styles, and the open document's spans when
        someone else changed them (an edit made here is already shown)."""
        if changes.annotators_added:
            self.refresh_annotators()
        if self.document_id in changes.span_documents and not self._shown_already:
            self.reload_spans()

    def known_span(self, span_id: str) -> Span | None:
        """The newest copy of a span this desk holds (for undo commands' version checks)."""
        return self.store.get(span_id)

    def _after_refusal(self, exc: Exception) -> None:
        if isinstance(exc, StaleEditError):
            # refused, not overwritten: show what is stored now, so the next key press starts
            # from the colleague's version
            self.reload_spans()

    def _guarded(self, what: str) -> AbstractContextManager[None]:
        """A desk action on the error policy (message or crash dialog)."""
        return self.reporter.guarded(what, first=self._after_refusal)

    def report_error(self, exc: Exception) -> None:
        """An undo or redo step that failed (the command has already dropped itself)."""
        self._after_refusal(exc)
        self.reporter.report(exc, "an undo or redo step")

    # --- changes made elsewhere -------------------------------------------------------------

    def watch_database(self, interval_ms: int = 2000) -> None:
        """Poll the database's cheap change counter and reload the open document's spans when
        another desk or a script has committed something."""
        self._seen_version = project.data_version(self.database)
        self._poll = QTimer(self)
        self._poll.setInterval(interval_ms)
        self._poll.timeout.connect(self.check_for_changes)
        self._poll.start()

    def check_for_changes(self) -> bool:
        """Reload if the database changed since the last look; True if it did."""
        version = project.data_version(self.database)
        if version == self._seen_version and not self._look_again:
            return False
        # A server counts a change when the statement runs, a moment before its commit is
        # visible, so after a change the desk looks once more at the next tick.
        self._look_again = version != self._seen_version
        self._seen_version = version
        current = self.reader.current_span
        self.reload_spans()
        if current is not None and self.store.get(current) is not None:
            self.select_span(current)
        return True
