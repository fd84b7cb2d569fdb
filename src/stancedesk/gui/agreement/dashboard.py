"""The agreement dashboard: choose annotators, documents, layers and the scope rule; compute off
the GUI thread; read coefficients with their n and intervals (or why they are n/a), a pairwise
heat map, per-label bars and confusion matrices, each annotator against gold; export the tables
as CSV. All numbers come from
``services.agreement``, as in the CLI. Close or Esc closes the window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain.curation import GOLD
from stancedesk.domain.errors import Cancelled, UserError
from stancedesk.gui.agreement.attribution_panel import AttributionPanel
from stancedesk.gui.agreement.gold_panel import GoldPanel
from stancedesk.gui.agreement.panel import LayerPanel
from stancedesk.gui.agreement.passages import CellPassages
from stancedesk.gui.shell.checklist import add_check, checked_values, checklist
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.gui.shell.jobs import IsCancelled, Job, JobRunner, Outcome, Progress
from stancedesk.services import agreement, corpus, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.agreement import AgreementSettings, CellPassage
from stancedesk.services.changes import Changes
from stancedesk.services.study import Viewer
from stancedesk.storage.engine import Database


class AgreementDashboard(QWidget):
    """A tool window over one database; the computation never runs on the GUI thread."""

    computed = Signal(object)  # the result dict
    failed = Signal(str)
    passagesListed = Signal(object)  # the CellPassages dialog, once open
    passageRequested = Signal(str, int, int)  # document, start, end: open it for curation

    def __init__(self, database: Database, parent: QWidget | None = None, *,
                 reporter: CrashReporter | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("agreementDashboard")
        self.setWindowTitle("Agreement — StanceDesk")
        self.database = database
        # who asks: the desk sets its own (annotator, lead role); alone, an unnamed annotator,
        # which a blind study refuses
        self.viewer: Callable[[], Viewer] = Viewer
        self.reporter = reporter or CrashReporter(self)
        self.jobs = JobRunner(self.reporter, self)
        self.result: dict[str, Any] | None = None
        self.job: Job | None = None
        self.computed_settings: AgreementSettings | None = None  # what ``result`` was made of
        self.passages_dialog: CellPassages | None = None

        self.annotator_list = checklist("annotatorChoice")
        self.layer_list = checklist("layerChoice")
        self.document_list = checklist("documentChoice")
        for widget in (self.annotator_list, self.layer_list, self.document_list):
            widget.setMaximumHeight(150)
        self.document_list.setToolTip("Checked documents are the candidates the scope rule "
                                      "chooses from; none checked: every document")
        self.bootstrap = QSpinBox()
        self.bootstrap.setObjectName("bootstrapResamples")
        self.bootstrap.setRange(0, 20000)
        self.bootstrap.setSingleStep(500)
        self.bootstrap.setValue(1000)
        self.seed = QSpinBox()
        self.seed.setObjectName("bootstrapSeed")
        self.seed.setRange(0, 2_000_000_000)
        self.seed.setValue(AgreementSettings().seed)
        self.gamma = QCheckBox("Mathet's γ (slower)")
        self.gamma.setObjectName("computeGamma")
        self.scope = QComboBox()
        self.scope.setObjectName("scopeChoice")
        for text, rule in (("Marked done by every annotator", "done"),
                           ("Labelled in the layer by every annotator", "annotated"),
                           ("Any document with a span", "all")):
            self.scope.addItem(text, rule)
        self.scope.setToolTip("Which documents count. 'Marked done' falls back to 'labelled "
                              "by every annotator' when no document is done by all, and says "
                              "so. Checked documents below narrow the choice.")
        self.min_units = QSpinBox()
        self.min_units.setObjectName("minUnits")
        self.min_units.setRange(0, 100_000)
        self.min_units.setValue(AgreementSettings().min_units)
        self.min_units.setToolTip("Below this many units a coefficient is shown as n/a, with "
                                  "the reason (default 30: see docs/agreement.md)")
        self.ci_method = QComboBox()
        self.ci_method.setObjectName("ciMethod")
        self.ci_method.addItem("Percentile", "percentile")
        self.ci_method.addItem("BCa", "bca")
        self.count_no_grade = QCheckBox("Count 'no grade' labels (F, 6) as grades")
        self.count_no_grade.setObjectName("countNoGrade")
        self.count_no_grade.setToolTip("Unchecked: labels the scheme marks 'no grade' are "
                                       "missing values")
        self.compute_button = QPushButton("Compute")
        self.compute_button.setObjectName("computeButton")
        self.compute_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.export_button = QPushButton("Export tables as CSV…")
        self.export_button.setObjectName("exportTablesButton")
        self.export_button.setEnabled(False)
        self.report_button = QPushButton("Save HTML report…")
        self.report_button.setObjectName("saveReportButton")
        self.report_button.setEnabled(False)  # the report is of a computed result
        self.progress = QProgressBar()
        self.progress.setObjectName("agreementProgress")
        self.progress.setVisible(False)
        self.status = QLabel("Choose annotators and layers, then Compute.")
        self.status.setObjectName("agreementStatus")
        self.status.setWordWrap(True)
        self.scope_label = QLabel("")
        self.scope_label.setObjectName("scopeLabel")
        self.scope_label.setWordWrap(True)
        self.scope_banner = QLabel("")
        self.scope_banner.setObjectName("scopeBanner")
        self.scope_banner.setWordWrap(True)
        self.scope_banner.setStyleSheet("background:#fff4ce; color:#3d3000; padding:6px;"
                                        "border:1px solid #e0c46c; border-radius:3px")
        self.scope_banner.setVisible(False)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closeButton")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("layerTabs")

        controls = QWidget()
        form = QFormLayout(controls)
        form.addRow("Annotators", self.annotator_list)
        form.addRow("Layers", self.layer_list)
        form.addRow("Documents", self.document_list)
        form.addRow("Scope", self.scope)
        form.addRow("Minimum n", self.min_units)
        form.addRow("Bootstrap", self.bootstrap)
        form.addRow("Interval", self.ci_method)
        form.addRow("Seed", self.seed)
        form.addRow("", self.count_no_grade)
        form.addRow("", self.gamma)
        buttons = QHBoxLayout()
        buttons.addWidget(self.compute_button)
        buttons.addWidget(self.cancel_button)
        form.addRow(buttons)
        form.addRow(self.progress)
        form.addRow(self.status)
        form.addRow(self.export_button)
        form.addRow(self.report_button)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.tabs)
        results = QWidget()
        results_box = QVBoxLayout(results)
        results_box.setContentsMargins(0, 0, 0, 0)
        results_box.addWidget(self.scope_banner)
        results_box.addWidget(self.scope_label)
        results_box.addWidget(scroll, 1)
        split = QSplitter()
        split.addWidget(controls)
        split.addWidget(results)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 900])
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        self.stale_banner = QFrame()
        self.stale_banner.setObjectName("staleBanner")
        self.stale_banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.stale_label = QLabel("Spans have changed since these numbers were computed; "
                                  "they no longer describe the annotations.")
        self.stale_label.setWordWrap(True)
        self.recompute_button = QPushButton("Recompute")
        self.recompute_button.setObjectName("recomputeButton")
        banner = QHBoxLayout(self.stale_banner)
        banner.addWidget(self.stale_label, 1)
        banner.addWidget(self.recompute_button)
        self.stale_banner.setVisible(False)
        self._stale_while_computing = False
        layout = QVBoxLayout(self)
        layout.addWidget(self.stale_banner)
        layout.addWidget(split)
        layout.addLayout(bottom)
        self.resize(1280, 820)

        self.compute_button.clicked.connect(self.compute)
        self.recompute_button.clicked.connect(self.compute)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self._choose_export)
        self.report_button.clicked.connect(self._choose_report)
        self.close_button.clicked.connect(self.close)
        self.reload_choices()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc closes the window, as in a dialog."""
        if event.key() == Qt.Key.Key_Escape and \
                event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.close()
            return
        super().keyPressEvent(event)

    def reload_choices(self) -> None:
        """List every annotator, layer and document, keeping what was checked or not."""
        before = {widget: {widget.item(i).data(Qt.ItemDataRole.UserRole):
                           widget.item(i).checkState() == Qt.CheckState.Checked
                           for i in range(widget.count())}
                  for widget in (self.annotator_list, self.layer_list, self.document_list)}
        for widget in (self.annotator_list, self.layer_list, self.document_list):
            widget.clear()
        for name in span_service.list_annotator_names(self.database):
            # gold is what annotators are compared with (the Against gold tab), not one of
            # them: unchecked unless chosen, as agreement's default leaves it out
            add_check(self.annotator_list, name, name,
                      before[self.annotator_list].get(name, name != GOLD))
        for layer in schemes.get_scheme(self.database).layers:
            add_check(self.layer_list, layer.name, layer.key,
                      before[self.layer_list].get(layer.key, True))
        for doc in corpus.list_documents(self.database):
            add_check(self.document_list, doc.title or doc.source_file, doc.id,
                      before[self.document_list].get(doc.id, False))

    def follow(self, changes: Changes) -> None:
        """After any write in the desk: new annotators, layers and documents become choices,
        and numbers computed before a span changed are marked stale, never shown as current."""
        if changes.annotators_added or changes.touches_documents or changes.scheme_changed:
            self.reload_choices()
        if changes.touches_spans or changes.scheme_changed or changes.touches_documents:
            if self.job is not None:
                self._stale_while_computing = True
            elif self.result is not None:
                self.stale_banner.setVisible(True)

    @property
    def stale(self) -> bool:
        return self.stale_banner.isVisibleTo(self)

    def settings(self) -> AgreementSettings:
        return AgreementSettings(layers=checked_values(self.layer_list),
                                 annotators=checked_values(self.annotator_list),
                                 documents=checked_values(self.document_list) or None,
                                 bootstrap=self.bootstrap.value(), seed=self.seed.value(),
                                 gamma=self.gamma.isChecked(), scope=self.scope.currentData(),
                                 min_units=self.min_units.value(),
                                 ci_method=self.ci_method.currentData(),
                                 count_no_grade=self.count_no_grade.isChecked())

    def compute(self) -> Job | None:
        settings = self.settings()
        if len(settings.annotators or []) < 2:
            self.status.setText("Choose at least two annotators.")
            return None
        if not settings.layers:
            self.status.setText("Choose at least one layer.")
            return None
        database, viewer = self.database, self.viewer()

        def work(progress: Progress, cancelled: IsCancelled) -> dict[str, Any]:
            def report(done: int, total: int, text: str) -> None:
                if cancelled():
                    raise Cancelled("agreement cancelled; nothing was computed")
                progress(done, total, text)

            return agreement.span_agreement(database, settings, report, viewer=viewer)

        self._stale_while_computing = False
        self.computed_settings = settings
        job = self.jobs.start(work, "computing agreement")
        job.progress.connect(self._progress)
        job.succeeded.connect(self._show)
        job.failed.connect(self._failed)
        job.cancelled.connect(self._cancelled)
        job.finished.connect(self._finished)
        self.job = job
        self.compute_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText("Computing…")
        return job

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.status.setText("Cancelling after the current layer…")

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if text:
            self.status.setText(f"Computing layer {text} ({done + 1} of {total})…")

    def _finished(self) -> None:
        self.compute_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setVisible(False)
        if self.job is not None and self.job.outcome is Outcome.CRASHED:
            self.status.setText("Stopped by an error in StanceDesk (see the crash report).")
        self.job = None

    def _cancelled(self) -> None:
        self.status.setText("Cancelled; nothing was computed.")

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Could not compute agreement: {exc}")
        self.failed.emit(str(exc))

    def _show(self, result: dict[str, Any]) -> None:
        self.result = result
        self.stale_banner.setVisible(self._stale_while_computing)
        self.report_button.setEnabled(True)
        names = {layer.key: layer.name for layer in schemes.get_scheme(self.database).layers}
        self.tabs.clear()
        for key, layer in result["layers"].items():
            panel = LayerPanel(key, layer)
            panel.cellChosen.connect(self.list_passages)
            self.tabs.addTab(panel, names.get(key, key))
        if result.get("attribution"):
            self.tabs.addTab(AttributionPanel(result["attribution"]), "Attribution")
        if result.get("gold") is not None:
            gold = GoldPanel(result["gold"], names)
            gold.goldChosen.connect(self.list_gold_passages)
            self.tabs.addTab(gold, "Against gold")
        settings = result.get("settings", {})
        self.show_scope(result.get("scope") or {}, settings)
        method = "BCa" if settings.get("ci_method") == "bca" else "percentile"
        self.status.setText(
            f"{len(settings.get('annotators', []))} annotators, "
            f"{len(result['layers'])} layer(s); bootstrap {settings.get('bootstrap')} "
            f"{method} (seed {settings.get('seed')}); minimum n {settings.get('min_units')}.")
        self.export_button.setEnabled(True)
        self.computed.emit(result)

    def list_passages(self, layer: str, pair: str, row_value: str | None,
                      column_value: str | None) -> Job | None:
        """The passages behind one confusion cell, found off the GUI thread in the scope the
        numbers on screen were computed in, then listed in a dialog."""
        settings = self.computed_settings
        if settings is None:
            return None
        row_name, _, column_name = pair.partition("|")
        database, viewer = self.database, self.viewer()

        def work(_progress: Progress, _cancelled: IsCancelled) -> list[CellPassage]:
            return agreement.confusion_passages(database, settings, layer, row_name,
                                                column_name, row_value, column_value,
                                                viewer=viewer)

        title = f"{row_name}: {row_value or 'no span'} × {column_name}: " \
            f"{column_value or 'no span'}"
        job = self.jobs.start(work, "listing the passages of a confusion cell")
        job.succeeded.connect(lambda found: self._passages(title, row_name, column_name, found))
        job.failed.connect(lambda exc: self.status.setText(f"Could not list passages: {exc}"))
        self.status.setText("Finding the passages…")
        return job

    def list_gold_passages(self, annotator: str, kind: str, key: str) -> Job | None:
        """The passages where one annotator and gold differ in a layer or a role, found off
        the GUI thread in the settings the numbers on screen were computed with, then listed
        in the same dialog as a confusion cell's."""
        settings = self.computed_settings
        if settings is None:
            return None
        database, viewer = self.database, self.viewer()
        layer, role = (key, None) if kind == "layer" else (None, key)

        def work(_progress: Progress, _cancelled: IsCancelled) -> list[CellPassage]:
            return agreement.gold_passages(database, settings, annotator, layer=layer,
                                           role=role, viewer=viewer)

        names = {x.key: x.name for x in schemes.get_scheme(self.database).layers}
        what = names.get(key, key) if kind == "layer" else f"role {key}"
        title = f"{annotator} against gold, {what}"
        job = self.jobs.start(work, "listing where an annotator differs from gold")
        job.succeeded.connect(lambda found: self._passages(title, annotator, "gold", found))
        job.failed.connect(lambda exc: self.status.setText(f"Could not list passages: {exc}"))
        self.status.setText("Finding the passages…")
        return job

    def _passages(self, title: str, row_name: str, column_name: str,
                  found: list[CellPassage]) -> None:
        self.status.setText(f"{len(found)} passage(s) in {title}.")
        if self.passages_dialog is not None:
            self.passages_dialog.close()
        dialog = CellPassages(title, row_name, column_name, found, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.passageChosen.connect(self.passageRequested)
        dialog.destroyed.connect(lambda _o=None: setattr(self, "passages_dialog", None))
        self.passages_dialog = dialog
        dialog.show()
        self.passagesListed.emit(dialog)

    def show_scope(self, scope: dict[str, Any], settings: dict[str, Any]) -> None:
        """The scope of every number, and a banner when the default rule had to fall back."""
        self.scope_label.setText(
            f"Scope: {scope.get('description', '')} — {scope.get('n_documents', 0)} "
            f"document(s). No-grade labels "
            f"{'counted' if settings.get('count_no_grade') else 'treated as missing'}.")
        notice = scope.get("notice")
        self.scope_banner.setText(notice or "")
        self.scope_banner.setVisible(bool(notice))

    def export_tables(self, path: str | Path) -> int:
        if self.result is None:
            raise UserError("compute agreement first")
        return agreement.export_tables_csv(self.result, Path(path))

    def save_report(self, path: str | Path) -> Path:
        """The HTML report of the result on screen: the numbers already computed, not a
        second computation on the GUI thread."""
        if self.result is None:
            raise UserError("compute agreement first")
        return agreement.save_report(self.database, self.result, Path(path))

    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export agreement tables",
                                              "agreement.csv", "CSV (*.csv)")
        if path:
            self._save("exporting agreement tables", path,
                       lambda: f"Wrote {self.export_tables(path)} rows to {path}.")

    def _choose_report(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save agreement report",
                                              "agreement-report.html", "HTML (*.html)")
        if path:
            self._save("saving the agreement report", path,
                       lambda: f"Saved the report to {self.save_report(path)}.")

    def _save(self, what: str, path: str, write: Callable[[], str]) -> None:
        """Write a file the user chose, on the error policy; a folder that cannot be written
        to is the user's to fix, not a bug."""
        with self.reporter.guarded(what):
            try:
                self.status.setText(write())
            except OSError as exc:
                raise UserError(f"{path}: cannot write the file: {exc.strerror}") from exc
