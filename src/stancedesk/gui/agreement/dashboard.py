"""The agreement dashboard: choose annotators, documents and layers; compute off the GUI thread;
read coefficients with intervals, a pairwise heat map, per-label bars and confusion matrices;
export the tables as CSV. All numbers come from ``services.agreement``, as in the CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from stancedesk.gui.agreement.panel import LayerPanel
from stancedesk.gui.shell import jobs as tasks
from stancedesk.gui.shell.checklist import add_check, checked_values, checklist
from stancedesk.services import agreement, corpus, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.agreement import AgreementSettings
from stancedesk.storage.engine import Database


class AgreementCancelled(Exception):
    """Raised from the progress callback when the user cancels between layers."""


class AgreementDashboard(QWidget):
    """A tool window over one database; the computation never runs on the GUI thread."""

    computed = Signal(object)  # the result dict
    failed = Signal(str)

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("agreementDashboard")
        self.setWindowTitle("Agreement — StanceDesk")
        self.database = database
        self.result: dict[str, Any] | None = None
        self.task: tasks.Task | None = None

        self.annotator_list = checklist("annotatorChoice")
        self.layer_list = checklist("layerChoice")
        self.document_list = checklist("documentChoice")
        for widget in (self.annotator_list, self.layer_list, self.document_list):
            widget.setMaximumHeight(150)
        self.document_list.setToolTip("None checked: every document where a chosen annotator "
                                      "has a span")
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
        self.progress = QProgressBar()
        self.progress.setObjectName("agreementProgress")
        self.progress.setVisible(False)
        self.status = QLabel("Choose annotators and layers, then Compute.")
        self.status.setObjectName("agreementStatus")
        self.status.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("layerTabs")

        controls = QWidget()
        form = QFormLayout(controls)
        form.addRow("Annotators", self.annotator_list)
        form.addRow("Layers", self.layer_list)
        form.addRow("Documents", self.document_list)
        form.addRow("Bootstrap", self.bootstrap)
        form.addRow("Seed", self.seed)
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
        split = QSplitter()
        split.addWidget(controls)
        split.addWidget(scroll)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.resize(1280, 820)

        self.compute_button.clicked.connect(self.compute)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self._choose_export)
        self.report_button.clicked.connect(self._choose_report)
        self.reload_choices()

    def reload_choices(self) -> None:
        for widget in (self.annotator_list, self.layer_list, self.document_list):
            widget.clear()
        for name in span_service.list_annotator_names(self.database):
            add_check(self.annotator_list, name, name, True)
        for layer in schemes.get_scheme(self.database).layers:
            add_check(self.layer_list, layer.name, layer.key, True)
        for doc in corpus.list_documents(self.database):
            add_check(self.document_list, doc.title or doc.source_file, doc.id, False)

    def settings(self) -> AgreementSettings:
        return AgreementSettings(layers=checked_values(self.layer_list),
                                 annotators=checked_values(self.annotator_list),
                                 documents=checked_values(self.document_list) or None,
                                 bootstrap=self.bootstrap.value(), seed=self.seed.value(),
                                 gamma=self.gamma.isChecked())

    def compute(self) -> tasks.Task | None:
        settings = self.settings()
        if len(settings.annotators or []) < 2:
            self.status.setText("Choose at least two annotators.")
            return None
        if not settings.layers:
            self.status.setText("Choose at least one layer.")
            return None
        database = self.database

        def work(progress: tasks.Progress, cancelled: Callable[[], bool]) -> dict[str, Any]:
            def report(done: int, total: int, text: str) -> None:
                if cancelled():
                    raise AgreementCancelled
                progress(done, total, text)

            return agreement.span_agreement(database, settings, report)

        task = tasks.Task(work, cancel_types=(AgreementCancelled,))
        task.signals.progress.connect(self._progress)
        task.signals.succeeded.connect(self._show)
        task.signals.failed.connect(self._failed)
        task.signals.cancelled.connect(self._cancelled)
        task.signals.finished.connect(self._finished)
        self.task = task
        self.compute_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText("Computing…")
        return tasks.start(task)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
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
        self.task = None

    def _cancelled(self) -> None:
        self.status.setText("Cancelled; nothing was computed.")

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Could not compute agreement: {exc}")
        self.failed.emit(str(exc))

    def _show(self, result: dict[str, Any]) -> None:
        self.result = result
        names = {layer.key: layer.name for layer in schemes.get_scheme(self.database).layers}
        self.tabs.clear()
        for key, layer in result["layers"].items():
            self.tabs.addTab(LayerPanel(key, layer), names.get(key, key))
        settings = result.get("settings", {})
        self.status.setText(
            f"{len(settings.get('annotators', []))} annotators, "
            f"{len(result['layers'])} layer(s); bootstrap {settings.get('bootstrap')} "
            f"(seed {settings.get('seed')}).")
        self.export_button.setEnabled(True)
        self.computed.emit(result)

    def export_tables(self, path: str | Path) -> int:
        if self.result is None:
            raise RuntimeError("compute agreement first")
        return agreement.export_tables_csv(self.result, Path(path))

    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export agreement tables",
                                              "agreement.csv", "CSV (*.csv)")
        if path:
            n = self.export_tables(path)
            self.status.setText(f"Wrote {n} rows to {path}.")

    def _choose_report(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save agreement report",
                                              "agreement-report.html", "HTML (*.html)")
        if not path:
            return
        try:
            agreement.write_report(self.database, self.settings(), Path(path))
        except Exception as exc:  # shown, not swallowed: the user chose this action
            QMessageBox.warning(self, "Report", f"Could not write the report: {exc}")
            return
        self.status.setText(f"Saved the report to {path}.")


def install(window: QMainWindow) -> QAction:
    """Add Tools > Agreement dashboard to a main window that offers ``add_tool_action``."""
    action = QAction("&Agreement dashboard…", window)
    action.setObjectName("agreementDashboardAction")
    action.setShortcut("Ctrl+Shift+G")
    holder: dict[str, AgreementDashboard] = {}

    def show() -> None:
        dashboard = holder.get("dashboard")
        if dashboard is None:
            dashboard = AgreementDashboard(window.database, window)  # type: ignore[attr-defined]
            holder["dashboard"] = dashboard
        else:
            dashboard.reload_choices()
        dashboard.show()
        dashboard.raise_()
        dashboard.activateWindow()

    action.triggered.connect(show)
    window.add_tool_action(action)  # type: ignore[attr-defined]
    window.agreement_dashboard_action = action  # type: ignore[attr-defined]
    return action
