"""File › Export annotator bundle… and File › Import bundles…: the CLI's ``bundle export`` and
``bundle import [--dry-run]``, with the job runner's progress and cancel.

The import dialog shows the dry run's report (the real merge, rolled back) as soon as files are
chosen, so the lead reads what will be added, updated, skipped, deleted and which registry
names collide before anything is stored; Merge then runs the same merge for real and the report
stays in the dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain.errors import UserError
from stancedesk.formats.bundle import SUFFIX
from stancedesk.formats.labelmap import LabelMapping, load_mapping
from stancedesk.gui.exchange.widgets import (
    JobControls,
    PreviewPane,
    PreviewRunner,
    button_row,
    dialog_layout,
)
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.gui.shell.jobs import IsCancelled, Job, Progress
from stancedesk.services import spans as span_service
from stancedesk.services.bundle_export import BundleExport, export_bundle
from stancedesk.services.bundle_merge import import_bundles
from stancedesk.services.bundle_report import BundleMergeReport
from stancedesk.storage.engine import Database

if TYPE_CHECKING:
    from stancedesk.gui.shell.main_window import MainWindow

FILTER = f"StanceDesk bundles (*{SUFFIX} *.json);;All files (*)"


class BundleExportDialog(QDialog):
    """Whose work, where to; the export runs off the GUI thread and is cancellable (nothing is
    written then: the file appears only when complete)."""

    exported = Signal(object)  # BundleExport
    exportFailed = Signal(str)

    def __init__(self, database: Database, *, annotator: str, folder: str = "",
                 reporter: CrashReporter | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        reporter = reporter or CrashReporter(self)
        self.setObjectName("bundleExportDialog")
        self.setWindowTitle("Export annotator bundle")
        self.database = database
        self.folder = Path(folder) if folder else Path.home()
        self.annotator = QComboBox()
        self.annotator.setObjectName("bundleAnnotator")
        names = span_service.list_annotator_names(database)
        self.annotator.addItems(names)
        if annotator in names:
            self.annotator.setCurrentText(annotator)
        self.target = QLineEdit()
        self.target.setObjectName("bundleTarget")
        self.target.setText(str(self.folder / f"{self.annotator.currentText()}{SUFFIX}"))
        self.choose = QPushButton("File…")
        self.choose.setObjectName("chooseBundleTarget")
        self.note = QLabel("The bundle holds this annotator's spans (with ids and versions), "
                           "links, the registry sources they name, the scheme, and every "
                           "document's id and SHA-256; File › Import bundles… merges it into "
                           "another database of the same corpus.")
        self.note.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("bundleExportStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("bundleExportProgress")
        self.progress.setVisible(False)
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("bundleExportButton")
        self.export_button.setDefault(True)
        self.close_button = QPushButton("Close")
        form = QFormLayout()
        form.addRow("Annotator", self.annotator)
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        row.addWidget(self.choose)
        form.addRow("Bundle file", row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addStretch(1)
        layout.addLayout(button_row(self.status, self.progress, self.export_button,
                                    self.close_button))
        self.resize(720, 240)
        self.jobs = JobControls(self, reporter, self.status, self.progress,
                                on_idle=self._update_buttons)
        self.annotator.currentTextChanged.connect(self._annotator_changed)
        self.choose.clicked.connect(self._choose)
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self.jobs.cancel_or_close)
        self._update_buttons()

    def _annotator_changed(self, name: str) -> None:
        self.target.setText(str(Path(self.target.text()).parent / f"{name}{SUFFIX}"))

    def _choose(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), self.target.text(),
                                                FILTER)
        if chosen:
            self.target.setText(chosen)

    def _update_buttons(self) -> None:
        busy = self.jobs.busy
        self.export_button.setEnabled(not busy and bool(self.annotator.currentText())
                                      and bool(self.target.text().strip()))
        self.close_button.setText("Cancel" if busy else "Close")

    def start_export(self) -> Job | None:
        annotator, target = self.annotator.currentText(), self.target.text().strip()
        if not annotator or not target or self.jobs.busy:
            return None
        database, path = self.database, Path(target).expanduser()

        def work(progress: Progress, cancelled: IsCancelled) -> BundleExport:
            return export_bundle(database, annotator, path, progress=progress,
                                 cancelled=cancelled)

        return self.jobs.start(work, "exporting a bundle", f"Exporting {annotator}'s work…",
                               progress=self._progress, succeeded=self._exported,
                               failed=self._failed, cancelled=self._cancelled)

    def _progress(self, done: int, total: int, _text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done:,} of {total:,} spans")

    def _exported(self, result: BundleExport) -> None:
        self.status.setText(f"✓ Wrote {result.path}: {result.contents()}.")
        self.exported.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Export failed; nothing was written. {exc}")
        self.exportFailed.emit(str(exc))

    def _cancelled(self) -> None:
        self.status.setText("Cancelled; nothing was written.")


@dataclass(frozen=True, slots=True)
class MergeRun:
    """A merge's outcome for the dialog: its report, or the refusal (word for word)."""

    report: BundleMergeReport | None = None
    error: str = ""


def _merge(database: Database, files: list[Path], mapping_file: str, *, dry_run: bool,
           progress: Progress | None = None, cancelled: IsCancelled | None = None) -> MergeRun:
    try:
        mapping: LabelMapping | None = load_mapping(mapping_file) if mapping_file else None
        report = import_bundles(database, files, mapping, dry_run=dry_run, progress=progress,
                                cancelled=cancelled)
    except UserError as exc:
        if not dry_run:
            raise
        return MergeRun(error=str(exc))
    return MergeRun(report)


class BundleImportDialog(QDialog):
    """Bundles to merge and an optional label mapping; the dry run's report as the preview;
    Merge stores it all or nothing, with progress and cancel (a cancelled merge stores
    nothing)."""

    previewReady = Signal(object)  # MergeRun of the dry run
    merged = Signal(object)  # BundleMergeReport
    mergeFailed = Signal(str)

    def __init__(self, database: Database, *, folder: str = "",
                 reporter: CrashReporter | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        reporter = reporter or CrashReporter(self)
        self.setObjectName("bundleImportDialog")
        self.setWindowTitle("Import bundles")
        self.database = database
        self.folder = Path(folder) if folder else Path.home()
        self.last: MergeRun | None = None
        self.files = QListWidget()
        self.files.setObjectName("bundleFiles")
        self.add_button = QPushButton("Add bundles…")
        self.add_button.setObjectName("addBundles")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeBundle")
        self.mapping = QLineEdit()
        self.mapping.setObjectName("bundleMapping")
        self.mapping.setPlaceholderText("Optional: a label mapping file (JSON, as --mapping)")
        self.mapping_button = QPushButton("Mapping…")
        self.preview = PreviewPane("Dry run (nothing is stored)")
        self.status = QLabel()
        self.status.setObjectName("bundleImportStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("bundleImportProgress")
        self.progress.setVisible(False)
        self.merge_button = QPushButton("Merge")
        self.merge_button.setObjectName("mergeButton")
        self.merge_button.setDefault(True)
        self.close_button = QPushButton("Close")
        self._lay_out()
        # a merge is one transaction: closing the dialog lets it finish rather than cancel
        self.jobs = JobControls(self, reporter, self.status, self.progress,
                                on_idle=self._update_buttons, cancel_on_close=False,
                                timeout_s=30)
        self.runner = PreviewRunner(self._preview_job, reporter, self, delay_ms=150)
        self.runner.ready.connect(self._show_dry_run)
        self.runner.failed.connect(lambda e: self.preview.show_text(str(e), "No preview"))
        self.add_button.clicked.connect(self._choose_files)
        self.remove_button.clicked.connect(self._remove_selected)
        self.mapping_button.clicked.connect(self._choose_mapping)
        self.mapping.textChanged.connect(lambda _t: self._changed())
        self.merge_button.clicked.connect(self.start_merge)
        self.close_button.clicked.connect(self.jobs.cancel_or_close)
        self.finished.connect(lambda _r: self.runner.shutdown())
        self._changed()

    def _lay_out(self) -> None:
        left = QWidget()
        layout = QVBoxLayout(left)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Bundles to merge (all or nothing):"))
        layout.addWidget(self.files, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        mapping = QHBoxLayout()
        mapping.addWidget(self.mapping, 1)
        mapping.addWidget(self.mapping_button)
        layout.addWidget(QLabel("Labels this database's scheme lacks, spelt layer:value:"))
        layout.addLayout(mapping)
        dialog_layout(self, left, self.preview, 380,
                      button_row(self.status, self.progress, self.merge_button,
                                 self.close_button))

    # --- choices ---------------------------------------------------------------------------

    def paths(self) -> list[Path]:
        return [Path(self.files.item(i).text()) for i in range(self.files.count())]

    def add_paths(self, paths: list[str] | list[Path]) -> None:
        known = {str(p) for p in self.paths()}
        for path in paths:
            if str(path) not in known:
                self.files.addItem(str(path))
                known.add(str(path))
        self._changed()

    def _choose_files(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(self, self.windowTitle(), str(self.folder),
                                                 FILTER)
        if chosen:
            self.add_paths(chosen)

    def _remove_selected(self) -> None:
        for item in self.files.selectedItems():
            self.files.takeItem(self.files.row(item))
        self._changed()

    def _choose_mapping(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Label mapping", str(self.folder),
                                                "Label mapping (*.json);;All files (*)")
        if chosen:
            self.mapping.setText(chosen)

    def _changed(self) -> None:
        self.last = None
        self._update_buttons()
        if not self.paths():
            self.preview.show_text("", "Add the bundles to merge to see what the merge would "
                                   "do.")
            return
        self.preview.summary.setText("Checking…")
        self.runner.schedule()

    def _update_buttons(self) -> None:
        busy = self.jobs.busy
        refused = self.last is not None and bool(self.last.error)
        self.merge_button.setEnabled(not busy and bool(self.paths()) and not refused)
        for w in (self.add_button, self.remove_button, self.mapping, self.mapping_button):
            w.setEnabled(not busy)
        self.close_button.setText("Cancel" if busy else "Close")

    # --- dry run and merge -----------------------------------------------------------------

    def refresh_preview(self) -> Job | None:
        return self.runner.run_now()

    def _preview_job(self) -> Callable[[], MergeRun] | None:
        files, mapping, database = self.paths(), self.mapping.text().strip(), self.database
        if not files:
            return None
        return lambda: _merge(database, files, mapping, dry_run=True)

    def _show_dry_run(self, run: MergeRun) -> None:
        self.last = run
        if run.report is None:
            self.preview.show_text(run.error, "The merge would be refused; nothing would be "
                                   "stored.", "Fix the files or add a mapping; the dry run "
                                   "repeats after each change.", wrap=True)
        else:
            self.preview.show_text(run.report.text(), "Ready to merge",
                                   "Merge stores exactly this, all or nothing.")
        self._update_buttons()
        self.previewReady.emit(run)

    def start_merge(self) -> Job | None:
        files, mapping, database = self.paths(), self.mapping.text().strip(), self.database
        if not files or self.jobs.busy:
            return None

        def work(progress: Progress, cancelled: IsCancelled) -> Any:
            return _merge(database, files, mapping, dry_run=False, progress=progress,
                          cancelled=cancelled).report

        return self.jobs.start(work, "merging bundles", "Merging…", progress=self._progress,
                               succeeded=self._merged, failed=self._failed,
                               cancelled=self._cancelled)

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(text or f"{done} of {total}")

    def _merged(self, report: BundleMergeReport) -> None:
        self.runner.shutdown()  # the report of what was stored replaces the dry run
        self.preview.show_text(report.text(), "Merged", "Stored; merging the same bundles "
                               "again changes nothing.")
        self.status.setText(f"✓ {report.summary()}.")
        self.merged.emit(report)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Merge refused; nothing was stored. {exc}")
        self.mergeFailed.emit(str(exc))

    def _cancelled(self) -> None:
        self.status.setText("Cancelled; nothing was stored.")


# --- the File menu --------------------------------------------------------------------------

def open_bundle_export(window: MainWindow) -> BundleExportDialog:
    dialog = BundleExportDialog(window.database, annotator=window.desk.annotator,
                                folder=window.settings.folder("export"),
                                reporter=window.reporter, parent=window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def exported(result: BundleExport) -> None:
        window.settings.set_folder("export", str(Path(result.path).parent))
        window.statusBar().showMessage(f"Wrote {result.annotator}'s bundle to {result.path}.",
                                       8000)

    dialog.exported.connect(exported)
    window.bundle_export_dialog = dialog
    dialog.open()
    return dialog


def open_bundle_import(window: MainWindow) -> BundleImportDialog:
    dialog = BundleImportDialog(window.database, folder=window.settings.folder("import"),
                                reporter=window.reporter, parent=window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def merged(report: BundleMergeReport) -> None:
        window.desk.publish(report.changes)
        if dialog.paths():
            window.settings.set_folder("import", str(dialog.paths()[0].parent))
        window.statusBar().showMessage(report.summary(), 8000)

    dialog.merged.connect(merged)
    window.bundle_import_dialog = dialog
    dialog.open()
    return dialog
