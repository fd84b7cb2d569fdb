"""The annotation desk's controller: who is annotating, which document is open, which span is
current, and every change to spans (through undo commands that call the services).

Widgets stay thin: the main window wires menus and docks to these methods, the reader and the
span table show the shared span store, and this object keeps them in step after each change.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import AbstractContextManager

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoGroup, QUndoStack

from stancedesk.domain import Document, DocumentStatus, Span
from stancedesk.domain.errors import StaleEditError
from stancedesk.domain.span_store import SpanStore
from stancedesk.gui.desk import commands
from stancedesk.gui.desk.attribution import DeskAttribution
from stancedesk.gui.desk.document_list import DocumentListModel
from stancedesk.gui.desk.painting import SpanStyler, annotator_styles
from stancedesk.gui.desk.reader import DocumentView, after_next_paint
from stancedesk.gui.desk.span_table import SpanTableModel
from stancedesk.gui.desk.suggestions import DeskSuggestions
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.services import corpus, project, study
from stancedesk.services import spans as span_service
from stancedesk.services.changes import Changes
from stancedesk.services.spans import SpanChange
from stancedesk.services.study import Viewer
from stancedesk.storage.engine import Database

# how long the desk waits after its last save before it checkpoints the WAL (a person's pause)
CHECKPOINT_IDLE_MS = 500


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
    studyChanged = Signal()  # the blind-study setting or the lead role changed

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
        # the blind study (stored in the project) and the lead role (chosen each session)
        self.blind = study.is_blind(database)
        self.lead = False
        # in reviewer mode: does a label key on another annotator's span copy it as yours?
        self.copy_others = False
        self.document: Document | None = None
        self._finish: Callable[[], None] | None = None  # see finish_reading
        self._finish_at_latest = QTimer(self)  # one timer: an earlier open's cannot end early
        self._finish_at_latest.setSingleShot(True)
        self._finish_at_latest.timeout.connect(self.finish_reading)
        self.store = SpanStore()
        self.span_model = SpanTableModel(self.scheme, self.store)
        self.span_model.noteEdited.connect(self.set_note)
        self.doc_model = DocumentListModel()
        self.doc_model.length_of = lambda doc: corpus.document_length(self.database, doc)
        self.undo_group = QUndoGroup(self)
        self._stacks: dict[tuple[str, str], QUndoStack] = {}
        self.reader.spanClicked.connect(self.select_span)
        self._shown_already = False  # True while publishing an edit the desk has shown
        # the one span change being published by apply_change (else None): listeners that
        # care about a kind of span only (suggestions: claims) can tell it is not theirs
        self.applying: SpanChange | None = None
        self.changed.connect(self._follow)
        self._seen_version: int | None = None
        self._look_again = False
        self._poll: QTimer | None = None
        self.attribution = DeskAttribution(self)
        self.suggestions = DeskSuggestions(self)
        self.refresh_annotators()
        # SQLite's WAL checkpoint ran inside the commit of about one label key in 175; the
        # desk's commits leave it to a pause instead (Database.defer_checkpoints)
        self.idle_checkpoint = QTimer(self)
        self.idle_checkpoint.setSingleShot(True)
        self.idle_checkpoint.setInterval(CHECKPOINT_IDLE_MS)
        self.idle_checkpoint.timeout.connect(database.checkpoint)
        if database.defer_checkpoints():
            self.saved.connect(self.idle_checkpoint.start)

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
        self.lead = False  # the lead role belongs to a person: taken again, explicitly
        if self.reviewer and not self.sees_everyone():
            self.reviewer = False
            self.styler.show_owners = False
            self.reviewerChanged.emit(False)
        self.refresh_annotators()
        self.reload_documents()
        self.reload_spans()
        self.annotatorChanged.emit(name)

    def set_reviewer(self, on: bool) -> bool:
        """Blind mode (off) shows only the current annotator's spans; reviewer mode shows
        everyone's, each annotator with their own underline colour and pattern. A blind study
        keeps reviewer mode for the lead: returns whether the mode is now as asked."""
        if on and not self.sees_everyone():
            self.message.emit("This project is a blind study: reviewer mode is for the study "
                              "lead (Tools › Act as study lead).")
            return False
        if on == self.reviewer:
            return True
        self.reviewer = on
        self.styler.show_owners = on
        self.refresh_annotators()
        self.reload_spans()
        self.reviewerChanged.emit(on)
        return True

    def visible_annotators(self) -> list[str] | None:
        return None if self.reviewer and self.sees_everyone() else [self.annotator]

    # --- the blind study and the lead role --------------------------------------------------

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.annotator, self.lead)

    def sees_everyone(self) -> bool:
        """May this desk show other annotators' spans, targets, notes and statistics?"""
        return self.lead or not self.blind

    def set_lead(self, on: bool) -> None:
        """Take or leave the lead role (the window asks for a confirmation before taking it).
        Leaving it in a blind study leaves reviewer mode too."""
        if on == self.lead:
            return
        self.lead = on
        if not self.sees_everyone() and self.reviewer:
            self.set_reviewer(False)
        self.studyChanged.emit()

    def set_blind(self, on: bool) -> None:
        """Switch the project's blind study (the service refuses outside the lead role)."""
        study.set_blind(self.database, on, self.viewer)
        self.blind = on
        self.studyChanged.emit()

    def refresh_study(self) -> None:
        """Another desk or the CLI may have switched the study: read it again."""
        blind = study.is_blind(self.database)
        if blind != self.blind:
            self.blind = blind
            if not self.sees_everyone() and self.reviewer:
                self.set_reviewer(False)
            self.studyChanged.emit()

    def target_suggestions(self, layer_key: str) -> list[tuple[str, str]]:
        """A free layer's suggestions; in a blind study only the project's list and your own."""
        return span_service.target_suggestions(self.database, layer_key, self.viewer)

    def other_span_hint(self, span: Span | None) -> str:
        """What a label key will do on the current span when it is another annotator's."""
        if span is None or span.annotator == self.annotator:
            return ""
        if self.copy_others:
            return (f"{span.annotator}'s span: a label key copies it as your own span with that "
                    "label; theirs stays as it is.")
        return (f"{span.annotator}'s span: label keys do nothing here (View › Label keys copy "
                "others' spans), or select the text to make your own span.")

    def done_hint(self) -> str:
        if self.document_status() == DocumentStatus.DONE:
            return ("This document is marked done: reopen it (Ctrl+D) to change its spans.")
        return ""
    # --- documents -------------------------------------------------------------------------

    def reload_documents(self) -> None:
        # without the lengths: counting them reads every text (a tooltip asks for one)
        self.doc_model.reset(corpus.list_documents(self.database, self.annotator,
                                                   lengths=False),
                             span_service.document_statuses(self.database, self.annotator))

    def open_document(self, document_id: str) -> None:
        if document_id == self.document_id:
            return
        collector_pause().pause_until_painted(self.reader)
        self.finish_reading()
        self.document, utf8 = corpus.read_document(self.database, document_id)
        self.store, self._finish = span_service.open_document_store(
            self.database, document_id, self.visible_annotators())
        # the rest of the spans' rows once the article is on screen (at the latest after a
        # second: a hidden reader does not paint)
        after_next_paint(self.reader, self.finish_reading, self)
        self._finish_at_latest.start(_CollectorPause.LATEST_MS)
        self.reader.set_document(self.document.text, self.store, utf8)
        del utf8  # 5 MB of an article, not kept
        self._show_store()
        self.documentOpened.emit(document_id)

    def finish_reading(self) -> None:
        """Read the rest of the open article's span rows (see
        ``spans.open_document_store``) and end the read transaction that kept them."""
        self._finish_at_latest.stop()
        finish, self._finish = self._finish, None
        if finish is not None:
            finish()

    def close_document(self) -> None:
        """Show no document (the open one was deleted)."""
        self.finish_reading()
        self.document = None
        self.store = SpanStore()
        self.reader.set_document("", self.store)
        self.span_model.reset(self.store)
        self.suggestions.refresh()
        self.currentSpanChanged.emit(None)

    def reload_spans(self) -> None:
        if self.document is None:
            return
        self.finish_reading()
        self.store = self._load_store(self.document.id)
        self.reader.set_store(self.store)
        self.reader.set_current_span(None)
        self._show_store()

    def _load_store(self, document_id: str) -> SpanStore:
        return span_service.document_store(self.database, document_id,
                                           self.visible_annotators())

    def _show_store(self) -> None:
        self.span_model.reset(self.store)
        self.attribution.reload()
        self.suggestions.refresh()
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
        exactly), else the current span. Another annotator's span is never changed: it is
        copied when ``copy_others`` is on, else nothing is (see ``other_span_hint``)."""
        rng = self.reader.label_range()
        if rng is not None:
            return self.store.exact(rng[0], rng[1], self.annotator), rng
        current = self.current_span()
        if current is None:
            return None, None
        if self._own(current):
            return current, (current.start, current.end)
        if not self.copy_others:
            return None, None
        return None, (current.start, current.end)

    def _refused(self) -> bool:
        """A document marked done is not changed until it is reopened: say so, and refuse."""
        hint = self.done_hint()
        if hint:
            self.message.emit(hint)
            return True
        return False

    def _nothing_to_label(self) -> None:
        hint = self.other_span_hint(self.current_span())
        self.message.emit(hint or "Select some text or click a span first.")

    # --- changes ---------------------------------------------------------------------------

    def _push(self, command: QUndoCommand) -> None:
        stack = self.undo_stack()
        assert stack is not None
        stack.push(command)

    def label(self, layer_key: str, value: str | None) -> None:
        """Apply one layer's value to the selection or the current span; the same value again
        clears it (a toggle, as in brat and INCEpTION)."""
        if self.document is None or self._refused():
            return
        span, rng = self._target()
        if rng is None:
            self._nothing_to_label()
            return
        copied = self.current_span() if span is None and self.reader.label_range() is None \
            else None
        layer = self.scheme.layer(layer_key)
        found = layer.label(value) if value else None
        shown = (found.name if found else value) or "none"
        with self._guarded("labelling"):
            if span is None:
                if not value:
                    return
                created = commands.perform_create(
                    self, self.document.id, self.annotator, rng[0], rng[1], {layer_key: value},
                    self.document.text)
                self._push(created)  # shown, and made the current span (apply_change)
                if self.reader.label_range() is not None:
                    self.reader.select_range(*rng, exact=self.reader.exact_selection)
                if copied is not None:
                    self.message.emit(f"Copied {copied.annotator}'s span as your own "
                                      f"({layer.name}: {shown}).")
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

    def set_span_value(self, span_id: str, layer_key: str, value: str | None) -> None:
        """Set one layer of one of your spans (the inspector), whatever is selected."""
        span = self._own(self.store.get(span_id))
        if span is None or self._refused():
            return
        if (value or "") == span.labels.get(layer_key, ""):
            return
        layer = self.scheme.layer(layer_key)
        text = f"{layer.name}: {value}" if value else f"Clear {layer.name}"
        with self._guarded("labelling"):
            update = commands.perform_update(self, span, text, labels={layer_key: value or None})
            self._push(update)
            if isinstance(update, commands.DeleteSpanCommand):
                self.message.emit("The span's last label was cleared, so the span was "
                                  "removed (Ctrl+Z brings it back).")
            else:
                self.select_span(span.id)

    def request_free_value(self, layer_key: str) -> None:
        if self._refused():
            return
        _span, rng = self._target()
        if rng is None:
            self._nothing_to_label()
            return
        self.targetRequested.emit(layer_key)

    def current_value(self, layer_key: str) -> str:
        span, _ = self._target()
        return span.labels.get(layer_key, "") if span else ""

    def delete_current(self) -> None:
        if self._refused():
            return
        span, _ = self._target()
        if span is None:
            self.message.emit("No span of yours is selected.")
            return
        if span.role:  # its links go with it, and come back on undo
            self.attribution.delete(span)
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
        if span is None or span.note == note or self._refused():
            return
        with self._guarded("editing a note"):
            self._push(commands.perform_update(self, span, "Edit note", note=note))

    def fit_to_selection(self) -> None:
        """Resize the current span to the selected text."""
        if self._refused():
            return
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
                self._show_change_as_current(None, before, after)
            elif before is None and after is not None:
                # a span that comes back (undo of a delete, redo of a create) is the one the
                # person is working on: it becomes current, not whatever row took its place
                self._show_change_as_current(after.id, before, after)
            else:
                self.reader.update_spans(before, after)  # only where the span is, not the page
        self.note_own_commit()
        self._shown_already = True
        self.applying = change
        try:
            self.publish(change.changes)
        finally:
            self._shown_already = False
            self.applying = None
        self.saved.emit()

    def _show_change_as_current(self, span_id: str | None, *changed: Span | None) -> None:
        """Make ``span_id`` current and repaint it with the changed spans in one region (a
        label key used to measure the new span twice: as current, then as changed)."""
        self.reader.set_current_span(span_id, *changed)
        self.currentSpanChanged.emit(span_id)

    def note_own_commit(self) -> None:
        """Our own commit is no news for the poll."""
        if self._poll is not None:
            self._seen_version = project.data_version(self.database)

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
        self.refresh_study()  # the lead may have switched the blind study elsewhere
        current = self.reader.current_span
        self.reload_spans()
        if current is not None and self.store.get(current) is not None:
            self.select_span(current)
        return True


class _CollectorPause(QObject):
    """An open makes tens of thousands of span rows and a text of megabytes, and no cycles;
    the cyclic collector, run when ``document_store`` let it go again, walked them (and at
    times the whole heap) before the article showed. It waits for the reader's next paint, at
    the latest ``LATEST_MS`` (a hidden reader does not paint). One per application, a child of
    it (``collector_pause``), not the desk's: a desk closed meanwhile still lets the collector
    run again, and two desks share the one collector."""

    LATEST_MS = 1000
    NAME = "stancedesk-collector-pause"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.NAME)
        self.paused = False
        self._latest: QTimer | None = None  # one timer: an earlier open's cannot end this pause

    def pause_until_painted(self, reader: DocumentView) -> None:
        if not gc.isenabled() and not self.paused:  # someone else's pause (the launch's)
            return
        # an open not painted yet is paused already: this open gets its own full second
        gc.disable()
        self.paused = True
        after_next_paint(reader, self.resume)
        if self._latest is None:
            self._latest = QTimer(self)
            self._latest.setSingleShot(True)
            self._latest.timeout.connect(self.resume)
        self._latest.start(self.LATEST_MS)

    def resume(self) -> None:
        if self._latest is not None:
            self._latest.stop()
        if self.paused:
            self.paused = False
            gc.enable()


def collector_pause() -> _CollectorPause:
    """The application's collector pause, made with it on first use (it lives as long as the
    application, which owns it: no module state outlives a test's or a run's application)."""
    app = QCoreApplication.instance()
    assert app is not None, "a desk opens documents inside a running application"
    pause = app.findChild(_CollectorPause, _CollectorPause.NAME)
    return pause if pause is not None else _CollectorPause(app)
