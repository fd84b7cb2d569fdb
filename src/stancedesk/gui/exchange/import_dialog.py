"""File › Import annotations…: a dry run of the real import as the preview (rolled back, so it
fails with exactly the import's message), a label-mapping table, and the import itself off the
GUI thread with progress and cancel; articles (corpus) go to the window's corpus import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain.errors import Cancelled
from stancedesk.formats.errors import FormatError
from stancedesk.formats.labelmap import UnmappedLabelsError, load_mapping, parse_mapping_data
from stancedesk.gui.exchange.mapping import MappingTable
from stancedesk.gui.exchange.widgets import (
    JobControls,
    PreviewPane,
    PreviewRunner,
    button_row,
    dialog_layout,
)
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.gui.shell.jobs import IsCancelled, Job, Progress
from stancedesk.services import corpus, exchange, formats_registry, schemes
from stancedesk.services.exchange import AnnotationImportReport
from stancedesk.services.preview import (
    describe_import,
    plural,
)
from stancedesk.storage.engine import Database

CORPUS = "corpus"


@dataclass(slots=True)
class DryRun:
    """What a dry run found: a report, or the error the import would raise."""

    fmt: str
    report: AnnotationImportReport | None = None
    error: str = ""
    unmapped: list[str] = field(default_factory=list)
    text: str = ""


def dry_run(database: Database, path: Path, fmt: str | None, *,
            table_mapping: Callable[[], Any], annotator: str | None) -> DryRun:
    """Run the import without storing; an input error is a result, not a failure (the
    message is the import's own, word for word)."""
    detected = fmt or (formats_registry.detect_format(path) if path.exists() else None) or "?"
    try:
        rules = table_mapping()
        report = formats_registry.import_annotations(
            database, path, fmt=fmt, annotator=annotator, dry_run=True, label_mapping=rules)
    except UnmappedLabelsError as exc:
        return DryRun(detected, error=str(exc), unmapped=list(exc.labels))
    except FormatError as exc:
        return DryRun(detected, error=str(exc))
    return DryRun(detected, report=report, text=describe_import(report, detected))


def corpus_dry_run(database: Database, path: Path) -> DryRun:
    """What importing ``path`` as articles would add, rolled back."""
    try:
        report = corpus.import_paths(database.rolled_back(), [path])
    except FormatError as exc:
        return DryRun(CORPUS, error=str(exc))
    lines = [f"Files to read: {report.files:,}",
             f"New documents: {len(report.added):,}"]
    lines += [f"  {d.source_file}: {d.title}" for d in report.added[:30]]
    if len(report.added) > 30:
        lines.append(f"  … and {len(report.added) - 30:,} more")
    if report.duplicates:
        lines.append(f"Already present (skipped): {len(report.duplicates):,}")
    if report.skipped_files:
        lines.append(f"Not an importable type (skipped): {len(report.skipped_files):,}")
    lines += ["", "Dry run: nothing has been stored yet."]
    return DryRun(CORPUS, text="\n".join(lines))


class ImportDialog(QDialog):
    """Choose a file or folder; see a dry run (documents, spans per annotator, every unmapped
    label with the import's own message); map labels; import all or nothing off-thread, with
    progress and cancel (a cancelled import is rolled back: nothing is stored)."""

    previewReady = Signal(object)  # DryRun
    imported = Signal(object)  # AnnotationImportReport
    importFailed = Signal(str)
    importCancelled = Signal()
    corpusRequested = Signal(list)  # paths: the window's corpus import (progress and cancel)

    def __init__(self, database: Database, *, folder: str = "",
                 reporter: CrashReporter | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        reporter = reporter or CrashReporter(self)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import")
        self.database = database
        self.folder = Path(folder) if folder else Path.home()
        self.mapping_file: str | None = None
        self.last: DryRun | None = None

        self.kind_annotations = QRadioButton("Annotations (spans and labels)")
        self.kind_annotations.setObjectName("kindAnnotations")
        self.kind_corpus = QRadioButton(
            "Articles (corpus): " + " ".join(corpus.corpus_extensions()))
        self.kind_corpus.setObjectName("kindCorpus")
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.kind_annotations)
        self.kind_group.addButton(self.kind_corpus)
        self.kind_annotations.setChecked(True)

        self.source = QLineEdit()
        self.source.setObjectName("sourceEdit")
        self.source.setPlaceholderText("A file, or a folder (brat, WebAnno, articles)")
        self.file_button = QPushButton("File…")
        self.file_button.setObjectName("chooseFile")
        self.folder_button = QPushButton("Folder…")
        self.folder_button.setObjectName("chooseFolder")
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("importFormatCombo")
        self.format_combo.addItem("Detect from the name", None)
        for info in formats_registry.annotation_formats():
            if info.can_import:
                self.format_combo.addItem(f"{info.title} ({info.name})", info.name)
        self.format_note = QLabel(formats_registry.detection_note())
        self.format_note.setObjectName("formatNote")
        self.format_note.setWordWrap(True)
        self.annotator = QLineEdit()
        self.annotator.setObjectName("annotatorEdit")
        self.annotator.setPlaceholderText(formats_registry.DEFAULT_ANNOTATOR)
        self.annotator.setToolTip("Who annotated, for files that do not say (brat, WebAnno, "
                                  "doccano without an annotator field)")
        self.mapping = MappingTable(schemes.get_scheme(database))
        self.mapping_label = QLabel("Map labels the scheme does not know; StanceDesk's own "
                                    "spellings (stance:favor, stance_favor) need no row.")
        self.mapping_label.setObjectName("mappingNote")
        self.mapping_label.setWordWrap(True)

        self.preview = PreviewPane("Dry run (nothing is stored)")
        self.unmapped_list = QListWidget()
        self.unmapped_list.setObjectName("unmappedList")
        self.unmapped_list.setMaximumHeight(90)
        self.unmapped_heading = QLabel("Labels the scheme does not know (added to the mapping "
                                       "table: choose what each becomes, or drop it):")
        self.unmapped_heading.setWordWrap(True)
        self.preview.body.insertWidget(1, self.unmapped_heading)
        self.preview.body.insertWidget(2, self.unmapped_list)
        self.unmapped_list.setVisible(False)
        self.unmapped_heading.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        self.import_button = QPushButton("Import")
        self.import_button.setObjectName("importButton")
        self.import_button.setDefault(True)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closeButton")
        self._lay_out()
        # an import is one transaction: closing the dialog lets it finish rather than cancel
        self.jobs = JobControls(self, reporter, self.status, self.progress,
                                on_idle=self._update_buttons, cancel_on_close=False,
                                timeout_s=30)
        self.runner = PreviewRunner(self._preview_job, reporter, self, delay_ms=250)
        self.runner.ready.connect(self._show_dry_run)
        self.runner.failed.connect(lambda e: self.preview.show_text(
            f"No preview: {e}", "Preview failed"))
        self.kind_group.buttonToggled.connect(lambda _b, _on: self._kind_changed())
        self.source.textChanged.connect(lambda _t: self._changed())
        self.format_combo.currentIndexChanged.connect(lambda _i: self._changed())
        self.annotator.textChanged.connect(lambda _t: self._changed())
        self.mapping.changed.connect(self._changed)
        self.mapping.load_button.clicked.connect(self._choose_mapping)
        self.mapping.save_button.clicked.connect(self._save_mapping)
        self.file_button.clicked.connect(self._choose_file)
        self.folder_button.clicked.connect(self._choose_folder)
        self.import_button.clicked.connect(self.start_import)
        self.close_button.clicked.connect(self.jobs.cancel_or_close)
        self.finished.connect(lambda _r: self.runner.shutdown())
        self._kind_changed()

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        kinds = QVBoxLayout()
        kinds.addWidget(self.kind_annotations)
        kinds.addWidget(self.kind_corpus)
        form.addRow("Import", kinds)
        src = QHBoxLayout()
        src.addWidget(self.source, 1)
        src.addWidget(self.file_button)
        src.addWidget(self.folder_button)
        form.addRow("From", src)
        form.addRow("Format", self.format_combo)
        form.addRow("", self.format_note)
        form.addRow("Annotator", self.annotator)
        mapping_box = QGroupBox("Label mapping")
        mapping_layout = QVBoxLayout(mapping_box)
        mapping_layout.addWidget(self.mapping_label)
        mapping_layout.addWidget(self.mapping, 1)
        left_layout = QVBoxLayout()
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(form)
        left_layout.addWidget(mapping_box, 1)
        left = QWidget()
        left.setLayout(left_layout)
        left.setMinimumWidth(460)
        dialog_layout(self, left, self.preview, 500,
                      button_row(self.status, self.progress, self.import_button,
                                 self.close_button))

    # --- choices ---------------------------------------------------------------------------

    def is_corpus(self) -> bool:
        return self.kind_corpus.isChecked()

    def path(self) -> Path | None:
        text = self.source.text().strip()
        return Path(text).expanduser() if text else None

    def set_path(self, path: str | Path) -> None:
        self.source.setText(str(path))

    def fmt(self) -> str | None:
        return self.format_combo.currentData()

    def set_format(self, fmt: str | None) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))

    def _kind_changed(self) -> None:
        annotations_mode = not self.is_corpus()
        for w in (self.format_combo, self.format_note, self.annotator, self.mapping,
                  self.mapping_label):
            w.setEnabled(annotations_mode)
        self.setWindowTitle("Import annotations" if annotations_mode else "Import articles")
        self._changed()

    def _changed(self) -> None:
        self.last = None
        self.format_combo.setItemText(0, "Detect from the name")
        self._update_buttons()
        if self.path() is None:
            self.preview.show_text("", "Choose a file or folder to see what it holds.")
            self.unmapped_list.setVisible(False)
            self.unmapped_heading.setVisible(False)
            return
        self.preview.summary.setText("Reading…")
        self.runner.schedule()

    def _update_buttons(self) -> None:
        busy = self.jobs.busy
        failed = self.last is not None and bool(self.last.error)
        self.import_button.setEnabled(not busy and self.path() is not None and not failed)
        self.close_button.setText("Cancel" if busy else "Close")  # Cancel rolls the import back
        for w in (self.source, self.file_button, self.folder_button, self.kind_annotations,
                  self.kind_corpus):
            w.setEnabled(not busy)

    def _choose_file(self) -> None:
        if self.is_corpus():
            filters = "Articles (" + " ".join(f"*{e}" for e in corpus.corpus_extensions()) + ")"
        else:
            filters = formats_registry.import_file_filter()
        chosen, _ = QFileDialog.getOpenFileName(self, self.windowTitle(), str(self.folder),
                                                f"{filters};;All files (*)")
        if chosen:
            self.set_path(chosen)

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.windowTitle(), str(self.folder))
        if chosen:
            self.set_path(chosen)

    def _choose_mapping(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Load a label mapping", str(self.folder),
                                                "Label mapping (*.json);;All files (*)")
        if chosen:
            self.load_mapping(chosen)

    def load_mapping(self, path: str | Path) -> None:
        """Fill the table from a mapping file (the table is what the import uses)."""
        try:
            rules = load_mapping(str(path))
        except FormatError as exc:
            self.status.setText(str(exc))
            return
        self.mapping.set_mapping(rules)
        self.status.setText(f"Loaded {plural(len(rules.rules), 'label')} from {path}.")

    def _save_mapping(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Save the label mapping",
                                                str(self.folder / "mapping.json"),
                                                "Label mapping (*.json)")
        if chosen:
            self.mapping.save(Path(chosen))
            self.status.setText(f"Saved the mapping to {chosen} (use it with --mapping).")

    # --- dry run ---------------------------------------------------------------------------

    def refresh_preview(self) -> Job | None:
        return self.runner.run_now()

    def _table_mapping(self) -> Callable[[], Any]:
        """Read the table now (GUI thread); parse it in the worker, where errors are shown."""
        data = self.mapping.data()

        def parse() -> Any:
            return parse_mapping_data(data, "the mapping table") if data else None

        return parse

    def _preview_job(self) -> Callable[[], DryRun] | None:
        path = self.path()
        if path is None:
            return None
        database = self.database
        if self.is_corpus():
            return lambda: corpus_dry_run(database, path)
        fmt, mapping = self.fmt(), self._table_mapping()
        annotator = self.annotator.text().strip() or None
        return lambda: dry_run(database, path, fmt, table_mapping=mapping, annotator=annotator)

    def _show_dry_run(self, result: DryRun) -> None:
        self.last = result
        if result.error:
            self.preview.show_text(result.error, "The import would fail; nothing would be "
                                   "stored.", "Fix the mapping or the file; the dry run "
                                   "repeats after each change.", wrap=True)
        else:
            summary = ("Ready to import" if result.fmt != CORPUS else "Ready to import articles")
            self.preview.show_text(result.text, summary)
        self.unmapped_list.clear()
        for label in result.unmapped:
            self.unmapped_list.addItem(label)
        self.unmapped_list.setVisible(bool(result.unmapped))
        self.unmapped_heading.setVisible(bool(result.unmapped))
        if result.unmapped:
            self.mapping.blockSignals(True)  # adding rows to fill is not a change to re-check
            self.mapping.mark_unmapped(result.unmapped)
            self.mapping.blockSignals(False)
        else:
            self.mapping.mark_unmapped([])
        if result.fmt in formats_registry.import_formats() and self.fmt() is None:
            title = formats_registry.annotation_format(result.fmt).title
            self.format_combo.setItemText(0, f"Detect from the name: {title}")
        self._update_buttons()
        self.previewReady.emit(result)

    # --- import ----------------------------------------------------------------------------

    def start_import(self) -> Job | None:
        path = self.path()
        if path is None or self.jobs.busy:
            return None
        if self.is_corpus():
            self.corpusRequested.emit([path])
            self.accept()
            return None
        database, fmt, mapping = self.database, self.fmt(), self._table_mapping()
        annotator = self.annotator.text().strip() or None

        def work(progress: Progress, cancelled: IsCancelled) -> Any:
            if cancelled():
                raise Cancelled(exchange.CANCELLED_MESSAGE)
            return formats_registry.import_annotations(database, path, fmt=fmt,
                                                       annotator=annotator,
                                                       label_mapping=mapping(),
                                                       progress=progress, cancelled=cancelled)

        # busy while reading, then n of N spans checked
        return self.jobs.start(work, "importing annotations", f"Importing {path.name}…",
                               progress=self._progress, succeeded=self._imported,
                               failed=self._failed, cancelled=self._cancelled)

    def _progress(self, done: int, total: int, _text: str) -> None:
        if total <= 0:  # reading the file, or a total not known
            self.progress.setRange(0, 0)
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"{done:,} of {total:,} spans checked")

    def _imported(self, report: AnnotationImportReport) -> None:
        text = f"✓ Imported {plural(report.added, 'annotation')}"
        if report.unchanged:
            text += f", {report.unchanged:,} already present"
        if report.documents_created:
            text += f"; {plural(len(report.documents_created), 'new document')}"
        self.status.setText(text + ".")
        self.imported.emit(report)
        self._changed()  # the next dry run shows the spans as already present

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Import failed; nothing was stored. {exc}")
        self.importFailed.emit(str(exc))

    def _cancelled(self) -> None:
        self.status.setText("Cancelled; nothing was stored.")
        self.importCancelled.emit()

    def shutdown(self) -> None:
        """Stop the dry runs and let an import finish, so nothing outlives the database."""
        self.runner.shutdown()
        self.jobs.shutdown()
