"""The curation view: one document's passages with a lane per annotator and a gold lane, the
conflict queue across documents, and adjudication by keyboard into gold.

Every read and write goes through ``services.curation`` (the CLI's ``curate`` runs the same
functions); reading a document's passages, the queue and "accept all agreeing" run off the GUI
thread with the desk's job runner. Single decisions are one short transaction each, written on
the GUI thread like the desk's label keys, and pushed on the view's undo stack.

Keys (also in the README's "Curation" section):

    N or J / P or K     next / previous conflict (across documents)
    1 … 9               pick an annotator's lane (its version)
    Return              accept the picked version into gold (labels, role and links)
    M                   merge: the curator's own gold span (the reader's selection, or the
                        picked version's range; labels and role edited)
    R                   reject every version of the passage
    A                   accept all agreeing (threshold K, preview first)
    B                   blind mode on/off: names hidden, lanes in random order
    Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)   undo / redo a decision
    Esc                 close
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain import Scheme
from stancedesk.domain.curation import Passage, Version
from stancedesk.domain.errors import UserError
from stancedesk.gui.curation.commands import DecisionCommand, perform
from stancedesk.gui.curation.dialogs import AcceptAgreeingDialog, MergeDialog
from stancedesk.gui.curation.queue import QueueFilters, QueueModel
from stancedesk.gui.curation.text import CurationText, Lane
from stancedesk.gui.curation.versions import VersionsTable
from stancedesk.gui.shell import theme
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.gui.shell.jobs import IsCancelled, Job, JobRunner, Progress
from stancedesk.services import corpus, curation, schemes
from stancedesk.services.changes import Changes
from stancedesk.services.curation import (
    AutoReport,
    DocumentCuration,
    PassageUpdate,
    QueueFilter,
)
from stancedesk.services.study import Viewer
from stancedesk.storage.engine import Database

GOLD_LANE = Lane("gold", "gold", "G")


@dataclass(frozen=True, slots=True)
class Loaded:
    """A job's answer: the document (when asked for) and the queue (whole, or of some
    documents only)."""

    document: DocumentCuration | None
    queue: list[Passage]
    queue_documents: list[str] | None  # None: the whole queue
    # the shown document after a decision: ids of the passages it replaced, and the new ones
    changed: tuple[list[str], list[Passage]] | None = None


class CurationWindow(QWidget):
    """A tool window over one database; the curator is whoever sits at the desk."""

    documentShown = Signal(str)  # document id, once its passages are on screen
    queueShown = Signal(int)  # conflicts in the queue, once (re)loaded
    passageChanged = Signal(object)  # the current Passage, or None
    previewShown = Signal(object)  # the AutoReport a preview produced
    decisionMade = Signal()  # after a decision, its undo or redo, once the view shows it
    published = Signal(object)  # the Changes a decision wrote, for the desk's other views

    def __init__(self, database: Database, curator: Callable[[], str] | str,
                 parent: QWidget | None = None, *, reporter: CrashReporter | None = None,
                 scheme: Scheme | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("curationWindow")
        self.setWindowTitle("Curation — StanceDesk")
        self.database = database
        self._curator = curator
        self.scheme = scheme or schemes.get_scheme(database)
        self.reporter = reporter or CrashReporter(self)
        self.jobs = JobRunner(self.reporter, self)
        self.undo_stack = QUndoStack(self)
        self.doc: DocumentCuration | None = None
        self.current: Passage | None = None
        self.lanes: list[Lane] = []
        self.alias: dict[str, str] = {}
        self.blind = False
        self.titles: dict[str, str] = {}
        self.doc_order: dict[str, int] = {}
        self._generation = 0
        self._queue_loaded = False  # the whole queue was read at least once
        self._publishing = False  # our own changes coming back through the desk
        self._stale = False  # changes arrived while hidden: re-read when shown
        self._focus: tuple[str, Any] | None = None  # what to show once a document loads
        self.agreeing_dialog: AcceptAgreeingDialog | None = None
        # who asks (the services refuse everyone's versions to an annotator in a blind
        # study): the desk sets its own; alone, nobody in particular
        self.viewer: Callable[[], Viewer | None] = lambda: None
        self.merge_dialog: MergeDialog | None = None

        self.filters = QueueFilters(self.scheme)
        self.blind_box = QCheckBox("Blind (B)")
        self.blind_box.setObjectName("blindMode")
        self.blind_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.blind_box.setToolTip("Hide annotator names and show the lanes in random order")
        self.position = QLabel("")
        self.position.setObjectName("queuePosition")
        self.model = QueueModel(self.scheme)
        self.queue_view = QListView()
        self.queue_view.setObjectName("conflictQueue")
        self.queue_view.setModel(self.model)
        self.queue_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue_view.setUniformItemSizes(True)  # every row two lines: passage, document
        self.queue_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.queue_view.clicked.connect(lambda index: self.goto(index.row()))
        self.text = CurationText()
        self.text.setFont(theme.reading_font())
        self.text.passageClicked.connect(self.select_passage)
        self.title = QLabel("")
        self.title.setObjectName("curationTitle")
        self.title.setStyleSheet("font-weight: 600")
        self.versions = VersionsTable(self.scheme)
        self.versions.clicked.connect(lambda index: self.pick(index.row()))
        self.status = QLabel("Loading the conflicts…")
        self.status.setObjectName("curationStatus")
        self.status.setWordWrap(True)

        buttons = QHBoxLayout()
        actions: tuple[tuple[str, str, Callable[[], object]], ...] = (
            ("Accept (Return)", "acceptButton", self.accept_picked),
            ("Merge… (M)", "mergeButton", self.merge),
            ("Reject all (R)", "rejectButton", self.reject_all),
            ("Accept all agreeing… (A)", "agreeingButton", self.accept_all_agreeing))
        moves: tuple[tuple[str, str, Callable[[], object]], ...] = (
            ("◀ Previous (P)", "previousButton", self.previous_conflict),
            ("Next (N) ▶", "nextButton", self.next_conflict))
        for text, name, slot in actions:
            button = QPushButton(text)
            button.setObjectName(name)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        for text, name, slot in moves:
            button = QPushButton(text)
            button.setObjectName(name)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            buttons.addWidget(button)

        top = QHBoxLayout()
        top.addWidget(self.filters)
        top.addStretch(1)
        top.addWidget(self.position)
        top.addWidget(self.blind_box)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(QLabel("Open conflicts"))
        left_box.addWidget(self.queue_view)
        middle = QWidget()
        middle_box = QVBoxLayout(middle)
        middle_box.setContentsMargins(0, 0, 0, 0)
        middle_box.addWidget(self.title)
        middle_box.addWidget(self.text, 1)
        lower = QWidget()
        lower_box = QVBoxLayout(lower)
        lower_box.setContentsMargins(0, 0, 0, 0)
        lower_box.addWidget(self.versions, 1)
        lower_box.addLayout(buttons)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(middle)
        right.addWidget(lower)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 1000])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        self.resize(1360, 860)

        self.filters.changed.connect(self.refresh_queue)
        self.blind_box.toggled.connect(self.set_blind)
        self._keys()
        self.text.setFocus()

    # --- keys ------------------------------------------------------------------------------

    def _keys(self) -> None:
        def key(sequences: Sequence[str], slot: Callable[[], object]) -> None:
            for sequence in sequences:
                shortcut = QShortcut(QKeySequence(sequence), self)
                shortcut.activated.connect(slot)

        key(("N", "J"), self.next_conflict)
        key(("P", "K"), self.previous_conflict)
        key(("Return", "Enter"), self.accept_picked)
        key(("M",), self.merge)
        key(("R",), self.reject_all)
        key(("A",), self.accept_all_agreeing)
        key(("B",), lambda: self.blind_box.setChecked(not self.blind_box.isChecked()))
        key(("Esc",), self.close)
        for n in range(1, 10):
            key((str(n),), self._picker(n - 1))
        undo = self.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        redo = self.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addAction(undo)
        self.addAction(redo)
        self.undo_action, self.redo_action = undo, redo

    def _picker(self, lane: int) -> Callable[[], object]:
        return lambda: self.pick(lane)

    # --- who and where ---------------------------------------------------------------------

    @property
    def curator(self) -> str:
        return self._curator() if callable(self._curator) else self._curator

    def _position_key(self, passage: Passage) -> tuple[int, int, int, str]:
        return (self.doc_order.get(passage.document_id, len(self.doc_order)), passage.start,
                passage.end, passage.id)

    # --- loading ---------------------------------------------------------------------------

    def _load(self, document_id: str | None, *, whole_queue: bool,
              focus: tuple[str, Any] | None = None,
              queue_documents: list[str] | None = None) -> Job:
        """Read a document's passages and the queue (whole, of ``queue_documents``, or of
        that document) off the GUI thread; a newer load makes an older one's answer moot."""
        database, viewer = self.database, self.viewer()
        layer, label, role = self.filters.values()
        queue_docs = None if whole_queue else queue_documents if queue_documents is not None \
            else [document_id] if document_id else []
        self._generation += 1
        generation = self._generation
        if focus is not None:
            self._focus = focus

        def work(_progress: Progress, _cancelled: IsCancelled) -> Loaded:
            document = curation.document_curation(database, document_id, viewer=viewer) \
                if document_id else None
            if queue_docs == []:
                queue = []
            elif document is not None and queue_docs == [document.document_id]:
                # the document just read holds its own conflicts: no second alignment
                queue = document.conflicts(QueueFilter(layer, label, role))
            else:
                queue = curation.conflict_queue(database, documents=queue_docs, layer=layer,
                                                label=label, role=role, viewer=viewer)
            return Loaded(document, queue, queue_docs)

        job = self.jobs.start(work, "reading passages for curation")
        job.succeeded.connect(lambda loaded: self._loaded(loaded, generation))
        job.failed.connect(self.report_error)
        return job

    def refresh_queue(self) -> Job:
        """The whole queue again (filters changed, or another process wrote)."""
        if not self.doc_order:
            listed = corpus.list_documents(self.database)
            self.doc_order = {d.id: i for i, d in enumerate(listed)}
            self.titles = {d.id: d.title or d.source_file for d in listed}
        self.status.setText("Loading the conflicts…")
        return self._load(self.doc.document_id if self.doc else None, whole_queue=True,
                          focus=("keep", None))

    def open_at(self, document_id: str, start: int, end: int) -> Job:
        """Show a document at a place (the drill-down from the agreement view): the passage
        overlapping ``start``-``end`` most becomes current."""
        if not self.doc_order:
            return self._first_load(document_id, ("range", (start, end)))
        return self._load(document_id, whole_queue=not self._queue_loaded,
                          focus=("range", (start, end)))

    def _first_load(self, document_id: str | None, focus: tuple[str, Any]) -> Job:
        listed = corpus.list_documents(self.database)
        self.doc_order = {d.id: i for i, d in enumerate(listed)}
        self.titles = {d.id: d.title or d.source_file for d in listed}
        return self._load(document_id, whole_queue=True, focus=focus)

    def start(self) -> Job:
        """Open on the first open conflict (or the first document)."""
        return self._first_load(None, ("first", None))

    def _loaded(self, loaded: Loaded, generation: int) -> None:
        if generation != self._generation:
            return
        if loaded.queue_documents is None:
            queue = loaded.queue
            self._queue_loaded = True
        else:
            keep = [p for p in self.model.passages
                    if p.document_id not in set(loaded.queue_documents)]
            queue = sorted(keep + loaded.queue, key=self._position_key)
        before = self.current
        self.model.reset(queue, self.titles)
        self.queueShown.emit(len(queue))
        focus, self._focus = self._focus, None
        if loaded.document is not None:
            self._show_document(loaded.document, loaded.changed)
        if focus is None or focus[0] == "keep":
            self._keep_place(before)
        elif focus[0] == "first":
            if queue:
                self.goto(0)
            elif self.doc_order and self.doc is None:
                first = min(self.doc_order, key=self.doc_order.__getitem__)
                self._load(first, whole_queue=False, focus=("keep", None))
        elif focus[0] == "advance":
            self._advance(before)
        elif focus[0] == "passage":
            self._select(focus[1])
        elif focus[0] == "range":
            self._select_range(*focus[1])
        self._update_position()

    def _show_document(self, document: DocumentCuration,
                       passages: tuple[list[str], list[Passage]] | None = None) -> None:
        changed = self.doc is None or self.doc.document_id != document.document_id
        self.doc = document
        if changed:
            self.text.set_document(document.text)
        if passages is not None and not changed:
            self.text.replace_passages(*passages)  # only what a decision changed
            self._show_current()
        else:
            self._set_lanes()
        self.title.setText(document.title or self.titles.get(document.document_id, ""))
        self.documentShown.emit(document.document_id)

    def _set_lanes(self) -> None:
        if self.doc is None:
            return
        names = list(self.doc.annotators)
        if self.blind:
            # the same order whenever this curator comes back to the document
            lanes = curation.blind_lanes(names, f"{self.curator}:{self.doc.document_id}")
            order, self.alias = list(lanes.order), dict(lanes.aliases)
        else:
            order, self.alias = names, {}
        self.lanes = [Lane(name, self.alias.get(name, name), str(i + 1) if i < 9 else "")
                      for i, name in enumerate(order)] + [GOLD_LANE]
        self.text.alias = self.alias
        self.text.show_passages(self.doc.passages, self.lanes)
        self._show_current()

    # --- the current passage ---------------------------------------------------------------

    def _select(self, passage_id: str | None) -> None:
        # the text holds the shown document's passages by id
        passage = self.text.passages.get(passage_id or "") if self.doc else None
        self.current = passage
        self._show_current(scroll=True)

    def _select_range(self, start: int, end: int) -> None:
        if self.doc is None:
            return
        best, score = None, 0
        for p in self.doc.passages:
            shared = min(p.end, end) - max(p.start, start)
            if shared > score or (shared == score and best is not None and
                                  shared > 0 and p.start == start and p.end == end):
                best, score = p, shared
        self.current = best
        self._show_current(scroll=True)
        if best is None:
            self.text.show_range(start, end)

    def _keep_place(self, before: Passage | None) -> None:
        """After a reload: the same passage when it is still there, else what now stands at
        its place (a decided conflict leaves the queue; the next one moves up)."""
        if self.doc is None:
            self.current = None
        elif before is not None:
            same = next((p for p in self.doc.passages if p.id == before.id), None)
            if same is not None and same.document_id == before.document_id:
                self.current = same
            else:
                self.current = next((p for p in self.doc.passages
                                     if (p.start, p.end) >= (before.start, before.end)), None)
        self._show_current()

    def _advance(self, before: Passage | None) -> None:
        """After a decision: the next open conflict from where the decided one was."""
        queue = self.model.passages
        if before is None or not queue:
            self._keep_place(before)
            return
        here = self._position_key(before)
        row = bisect.bisect_left(queue, here, key=self._position_key)
        if row >= len(queue):
            self._keep_place(before)
            self.status.setText("That was the last open conflict.")
        elif queue[row].document_id == (self.doc.document_id if self.doc else None):
            self._select(queue[row].id)
        else:
            self._keep_place(before)
            self.goto(row)

    def select_passage(self, passage_id: str) -> None:
        """A click on a passage in the text."""
        self._select(passage_id)
        self._update_position()

    def _show_current(self, scroll: bool = False) -> None:
        passage = self.current
        others = self.text.passages if self.doc else {}
        self.versions.show_passage(passage, self.lanes, others, self.alias)
        if scroll:
            self.text.set_current(passage.id if passage else None)
        else:
            self.text.current = passage.id if passage else None
            self.text.viewport().update()
            self.text.gutter.update()
        if passage is not None:
            self._preselect(passage)
        row = self.model.row_of(passage.id if passage else None)
        if row >= 0:
            self.queue_view.setCurrentIndex(self.model.index(row))
        else:
            self.queue_view.clearSelection()
        self.passageChanged.emit(passage)

    def _preselect(self, passage: Passage) -> None:
        """Return accepts the largest agreeing group's version unless a lane is picked."""
        groups = passage.groups()
        if not groups:
            return
        keys = [lane.key for lane in self.lanes]
        annotator = groups[0][0].annotator
        if annotator in keys:
            self.versions.pick(keys.index(annotator))

    def _update_position(self) -> None:
        n = len(self.model.passages)
        row = self.model.row_of(self.current.id if self.current else None)
        where = f"conflict {row + 1} of {n}" if row >= 0 else f"{n} open conflict(s)"
        self.position.setText(where)
        if n == 0:
            self.status.setText("No open conflicts with these filters.")
        elif self.current is not None:
            self.status.setText(f"{where}. 1–9 pick a lane, Return accepts, M merges, "
                                "R rejects all, N/P move.")

    # --- moving ----------------------------------------------------------------------------

    def goto(self, row: int) -> Job | None:
        if not 0 <= row < len(self.model.passages):
            return None
        passage = self.model.passages[row]
        if self.doc is not None and self.doc.document_id == passage.document_id:
            self._select(passage.id)
            self._update_position()
            return None
        return self._load(passage.document_id, whole_queue=False,
                          focus=("passage", passage.id))

    def _neighbour(self, forward: bool) -> int:
        queue = self.model.passages
        if not queue:
            return -1
        if self.current is None:
            return 0 if forward else len(queue) - 1
        here = self._position_key(self.current)
        if forward:
            i = bisect.bisect_right(queue, here, key=self._position_key)
            return i if i < len(queue) else -1
        i = bisect.bisect_left(queue, here, key=self._position_key) - 1
        return i

    def next_conflict(self) -> Job | None:
        row = self._neighbour(True)
        if row < 0:
            self.status.setText("No further conflict: that was the last one.")
            return None
        return self.goto(row)

    def previous_conflict(self) -> Job | None:
        row = self._neighbour(False)
        if row < 0:
            self.status.setText("No earlier conflict: that was the first one.")
            return None
        return self.goto(row)

    # --- blind mode ------------------------------------------------------------------------

    def set_blind(self, on: bool) -> None:
        if self.blind_box.isChecked() != on:
            self.blind_box.setChecked(on)  # comes back here through toggled
            return
        self.blind = on
        self._set_lanes()

    # --- deciding --------------------------------------------------------------------------

    def pick(self, lane_index: int) -> Version | None:
        version = self.versions.pick(lane_index)
        if 0 <= lane_index < len(self.lanes) - 1 and version is None:
            self.status.setText(f"{self.lanes[lane_index].title} has no version of this "
                                "passage (M merges your own, R rejects all).")
        return version

    def _decide(self, text: str, decide: Callable[[], Any]) -> DecisionCommand | None:
        if self.doc is None:
            return None
        command = perform(self, text, self.doc.document_id, decide)
        if command is not None:
            self.undo_stack.push(command)
        return command

    def accept_picked(self) -> DecisionCommand | None:
        picked = self.versions.picked()
        if self.current is None or picked is None:
            self.status.setText("Pick a lane with 1–9 first.")
            return None
        lane, version = picked
        database, curator, span, viewer = self.database, self.curator, version.span, \
            self.viewer()
        return self._decide(f"Accept {lane.title}'s version", lambda: curation.accept_span(
            database, span.id, curator=curator, viewer=viewer))

    def reject_all(self) -> DecisionCommand | None:
        passage = self.current
        if passage is None or not passage.versions:
            return None
        database, curator, viewer = self.database, self.curator, self.viewer()
        return self._decide("Reject every version", lambda: curation.reject_passage(
            database, passage.document_id, passage.start, passage.end, curator=curator,
            from_span_ids=list(passage.span_ids), viewer=viewer))

    def merge(self) -> MergeDialog | None:
        """The curator's own gold span: the reader's selection (snapped to words) or the
        picked version's range, with the picked version's labels to start from."""
        passage, doc = self.current, self.doc
        if doc is None or (passage is None and self.text.label_range() is None):
            self.status.setText("Select a passage (or text in the reader) to merge.")
            return None
        picked = self.versions.picked()
        base = picked[1].span if picked else (passage.versions[0].span
                                              if passage and passage.versions else None)
        start, end = self.text.label_range() or \
            ((base.start, base.end) if base else (passage.start, passage.end)
             if passage else (0, 0))
        offered: dict[str, Sequence[str]] = {}
        for v in passage.versions if passage else ():
            for key, value in v.span.labels.items():
                offered[key] = [*offered.get(key, ()), value]
        dialog = MergeDialog(self.scheme, doc.text, start, end, base.role if base else None,
                             dict(base.labels) if base else {}, offered, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        gold_links = self._gold_links(picked[1] if picked else None)
        from_ids = list(passage.span_ids) if passage else []

        def chosen(start: int, end: int, role: str | None, labels: dict[str, str]) -> None:
            database, curator, document_id = self.database, self.curator, doc.document_id
            viewer = self.viewer()
            self._decide("Merge into gold", lambda: curation.merge_spans(
                database, document_id, start, end, labels=labels, curator=curator, role=role,
                entity_id=base.entity_id if base else None, from_span_ids=from_ids,
                viewer=viewer,
                links=gold_links if role == "claim" or role == (base.role if base else None)
                else {}))

        dialog.mergeChosen.connect(chosen)
        dialog.finished.connect(lambda _r: self._back())
        self.merge_dialog = dialog
        dialog.open()
        return dialog

    def _back(self) -> None:
        """A dialog closed: the keys are the view's again."""
        self.activateWindow()
        self.text.setFocus()

    def _gold_links(self, version: Version | None) -> dict[str, str]:
        """A version's links as gold links: to the gold span of each target passage (a
        target without gold yet is left out: accept the source first)."""
        if version is None or self.doc is None:
            return {}
        by_id = {p.id: p for p in self.doc.passages}
        out = {}
        for kind, passage_id in version.links.items():
            target = by_id.get(passage_id)
            if target is not None and target.gold is not None:
                out[kind] = target.gold.span.id
        return out

    def accept_all_agreeing(self) -> AcceptAgreeingDialog | None:
        doc = self.doc
        if doc is None:
            return None
        dialog = AcceptAgreeingDialog(len(doc.annotators), doc.title or "untitled", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.previewRequested.connect(lambda k, here, share: self._preview(dialog, k, here,
                                                                             share))
        dialog.acceptRequested.connect(lambda k, here, share: self._accept_agreeing(
            dialog, k, here, share))
        dialog.finished.connect(lambda _r: self._back())
        self.agreeing_dialog = dialog
        dialog.open()
        return dialog

    def _preview(self, dialog: AcceptAgreeingDialog, k: int, here: bool,
                 share: float | None) -> Job:
        database, viewer = self.database, self.viewer()
        docs = [self.doc.document_id] if here and self.doc else None

        def work(_progress: Progress, _cancelled: IsCancelled) -> AutoReport:
            return curation.preview_auto(database, k, documents=docs,
                                         min_document_agreement=share, viewer=viewer)

        job = self.jobs.start(work, "previewing accept all agreeing")
        dialog.preview_button.setEnabled(False)
        job.succeeded.connect(lambda report: self._previewed(dialog, report))
        job.failed.connect(self.report_error)
        job.finished.connect(lambda: dialog.preview_button.setEnabled(True))
        return job

    def _previewed(self, dialog: AcceptAgreeingDialog, report: AutoReport) -> None:
        dialog.show_preview(report, self.titles)
        self.previewShown.emit(report)

    def _accept_agreeing(self, dialog: AcceptAgreeingDialog, k: int, here: bool,
                         share: float | None) -> DecisionCommand | None:
        database, curator, viewer = self.database, self.curator, self.viewer()
        docs = [self.doc.document_id] if here and self.doc else None
        command = self._decide(f"Accept all agreeing (K={k})", lambda: curation.auto_curate(
            database, k, curator=curator, documents=docs, min_document_agreement=share,
            viewer=viewer))
        if command is not None:
            report = command.result
            taken = len(report.decisions) if report is not None else 0
            self.status.setText(f"Accepted {taken} agreeing passage(s) into gold "
                                "(Ctrl+Z takes them back).")
            dialog.accept()
        return command

    # --- after writes ----------------------------------------------------------------------

    def decided(self, changes: Changes, document_id: str,
                back_to: tuple[int, int] | None = None,
                updates: Sequence[PassageUpdate] = ()) -> None:
        """A decision (or its undo/redo) was written: show what it changed, then go on to
        the next open conflict, or (``back_to``, after an undo) to the passage it reopened.

        A decision on the document on screen says which passages it changed (``updates``):
        they are put in place at once, without reading or aligning the article again (a
        long one took seconds a key). Anything wider ("accept all agreeing" over the
        corpus, a decision in another document) is read again off the GUI thread."""
        touched = set(changes.curation_documents) | set(changes.span_documents)
        whole = bool(touched - {document_id})
        self._publishing = True
        try:
            self.published.emit(changes)  # the desk shows gold spans too
        finally:
            self._publishing = False
        focus = ("range", back_to) if back_to is not None else ("advance", None)
        doc = self.doc
        if updates and not whole and doc is not None and doc.document_id == document_id \
                and all(u.document_id == document_id for u in updates):
            self._apply(doc, updates, focus)
            self.decisionMade.emit()
            return
        job = self._load(document_id, whole_queue=whole, focus=focus)
        job.finished.connect(self.decisionMade)

    def _apply(self, doc: DocumentCuration, updates: Sequence[PassageUpdate],
               focus: tuple[str, Any]) -> None:
        """The shown document with the passages a decision changed put in place, and its
        part of the queue taken from them, shown as a read would show them."""
        found = list(doc.passages)
        for update in updates:
            found = update.apply(found)
        document = replace(doc, passages=tuple(found))
        kept = {id(p) for p in found}
        dropped = [p.id for p in doc.passages if id(p) not in kept]
        added = [p for update in updates for p in update.passages if id(p) in kept]
        # the document's part of the queue: the conflicts kept, and the new passages' own
        where = QueueFilter(*self.filters.values())
        queue = [p for p in self.model.passages
                 if p.document_id == doc.document_id and id(p) in kept]
        queue += [p for p in added if p.is_conflict and where.admits(p)]
        self._generation += 1  # a read still under way answers for the old state
        self._focus = focus
        self._loaded(Loaded(document, queue, [document.document_id], (dropped, added)),
                     self._generation)

    def follow(self, changes: Changes) -> None:
        """After any write elsewhere (the desk, an import): re-read what it touched, the
        documents whose spans or decisions changed; while hidden, only remember to."""
        if self._publishing or not changes:
            return
        if not self.isVisible():
            self._stale = True
            return
        if changes.touches_documents or changes.scheme_changed:
            self.doc_order = {}
            self.refresh_queue()
            return
        touched = sorted(set(changes.span_documents) | set(changes.curation_documents))
        if touched:
            showing = self.doc.document_id if self.doc else None
            self._load(showing if showing in touched else None, whole_queue=False,
                       focus=("keep", None), queue_documents=touched)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.refresh_queue()

    def report_error(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.status.setText(str(exc))
        self.reporter.report(exc, "curating")
