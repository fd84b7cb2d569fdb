"""File › Export › Annotations…: every format, a preview made by the real exporter on the first
spans, and the export itself off the GUI thread with progress and cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from stancedesk.gui.exchange.widgets import (
    JobControls,
    PreviewPane,
    PreviewRunner,
    button_row,
    dialog_layout,
    elide,
)
from stancedesk.gui.shell.checklist import add_check, checked_values, checklist, set_checked
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.gui.shell.jobs import IsCancelled, Job, Progress
from stancedesk.services import corpus, formats_registry
from stancedesk.services import spans as span_service
from stancedesk.services.exporting import export_with_progress
from stancedesk.services.preview import (
    Preview,
    export_preview,
    plural,
)
from stancedesk.services.study import Viewer, sees_everyone
from stancedesk.storage.engine import Database


class ExportDialog(QDialog):
    """Choose format, annotators, documents and destination; see the first spans as written;
    export off the GUI thread with progress and cancel (a cancelled export leaves no file)."""

    previewReady = Signal(object)  # Preview
    exported = Signal(object)  # (number of spans, path)
    exportFailed = Signal(str)
    exportCancelled = Signal()

    def __init__(self, database: Database, *, annotator: str, reviewer: bool,
                 current_document: tuple[str, str] | None = None, folder: str = "",
                 reporter: CrashReporter | None = None, parent: QWidget | None = None,
                 viewer: Viewer | None = None) -> None:
        super().__init__(parent)
        reporter = reporter or CrashReporter(self)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export annotations")
        self.database = database
        self.annotator = annotator
        self.reviewer = reviewer
        self.current_document = current_document
        self.folder = Path(folder) if folder else Path.home()
        self._suggested = ""
        self._destination_ok = False

        self.format_combo = QComboBox()
        self.format_combo.setObjectName("formatCombo")
        for info in formats_registry.annotation_formats():
            if info.can_export:
                where = "folder" if info.folder else info.suffix
                self.format_combo.addItem(f"{info.title} ({where})", info.name)
        self.format_description = QLabel()
        self.format_description.setObjectName("formatDescription")
        self.format_description.setWordWrap(True)

        self.annotator_list = checklist("annotatorList")
        self.viewer = viewer or Viewer(annotator)
        # a blind study: an annotator exports their own spans only ("All" is for the lead)
        self.blind = not sees_everyone(database, self.viewer)
        names = [annotator] if self.blind else span_service.list_annotator_names(database)
        self.default_annotators = list(names) if reviewer and not self.blind else [annotator]
        for name in names:
            add_check(self.annotator_list, name, name, name in self.default_annotators)
        self.annotator_default = QLabel()
        self.annotator_default.setObjectName("annotatorDefault")
        self.annotator_default.setWordWrap(True)
        self.annotator_default.setText(
            "Default (reviewer mode): all annotators." if reviewer else
            f"Default (blind mode): only {annotator}.")
        self.reset_annotators_button = QPushButton("Default")
        self.reset_annotators_button.setObjectName("defaultAnnotators")
        self.all_annotators_button = QPushButton("All")
        self.all_annotators_button.setObjectName("allAnnotators")
        if self.blind:
            self.annotator_default.setText(
                f"Blind study: only {annotator}'s spans. Everyone's are for the study lead.")
            self.all_annotators_button.setEnabled(False)
            self.all_annotators_button.setToolTip("A blind study: everyone's spans are for the "
                                                  "study lead")

        self.docs_all = QRadioButton("All documents")
        self.docs_all.setObjectName("documentsAll")
        title = current_document[1] if current_document else ""
        self.docs_current = QRadioButton(f"Current: {elide(title)}" if current_document
                                         else "Current document (none open)")
        self.docs_current.setToolTip(title)
        self.docs_current.setObjectName("documentsCurrent")
        self.docs_current.setEnabled(current_document is not None)
        self.docs_chosen = QRadioButton("Chosen documents:")
        self.docs_chosen.setObjectName("documentsChosen")
        self.docs_group = QButtonGroup(self)
        for b in (self.docs_all, self.docs_current, self.docs_chosen):
            self.docs_group.addButton(b)
        self.docs_all.setChecked(True)
        self.document_list = checklist("documentList")
        for doc in corpus.list_documents(database):
            add_check(self.document_list, doc.title or doc.source_file, doc.id, False)
        self.document_list.setEnabled(False)

        self.spreadsheet_safe = QCheckBox("Spreadsheet-safe (formula-like cells get a ')")
        self.spreadsheet_safe.setObjectName("spreadsheetSafe")
        self.destination = QLineEdit()
        self.destination.setObjectName("destinationEdit")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setObjectName("browseButton")
        self.destination_note = QLabel()
        self.destination_note.setObjectName("destinationNote")
        self.destination_note.setWordWrap(True)

        self.preview = PreviewPane("Preview")
        self.progress = QProgressBar()
        self.progress.setObjectName("exportProgress")
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.setObjectName("cancelButton")

        self._lay_out()
        self.jobs = JobControls(self, reporter, self.status, self.progress,
                                on_idle=self._check_destination)
        self.runner = PreviewRunner(self._preview_job, reporter, self)
        self.runner.ready.connect(self._show_preview)
        self.runner.failed.connect(lambda e: self.preview.show_text(
            f"No preview: {e}", "Preview failed"))

        self.format_combo.currentIndexChanged.connect(lambda _i: self._format_changed())
        self.annotator_list.itemChanged.connect(lambda _i: self._changed())
        self.document_list.itemChanged.connect(lambda _i: self._changed())
        self.docs_group.buttonToggled.connect(lambda _b, _on: self._documents_mode_changed())
        self.spreadsheet_safe.toggled.connect(lambda _on: self._changed())
        self.destination.textChanged.connect(lambda _t: self._check_destination())
        self.browse_button.clicked.connect(self.browse)
        self.reset_annotators_button.clicked.connect(
            lambda: set_checked(self.annotator_list, self.default_annotators))
        self.all_annotators_button.clicked.connect(
            lambda: set_checked(self.annotator_list, names))
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.jobs.cancel_or_close)
        self.finished.connect(lambda _r: self.runner.shutdown())
        self._format_changed()

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Format", self.format_combo)
        form.addRow("", self.format_description)
        who = QVBoxLayout()
        who.addWidget(self.annotator_list)
        who_row = QHBoxLayout()
        who_row.addWidget(self.annotator_default, 1)
        who_row.addWidget(self.reset_annotators_button)
        who_row.addWidget(self.all_annotators_button)
        who.addLayout(who_row)
        form.addRow("Annotators", who)
        docs = QVBoxLayout()
        for w in (self.docs_all, self.docs_current, self.docs_chosen, self.document_list):
            docs.addWidget(w)
        form.addRow("Documents", docs)
        form.addRow("Options", self.spreadsheet_safe)
        dest = QHBoxLayout()
        dest.addWidget(self.destination, 1)
        dest.addWidget(self.browse_button)
        form.addRow("Save to", dest)
        form.addRow("", self.destination_note)
        self.annotator_list.setMaximumHeight(110)
        self.document_list.setMaximumHeight(150)
        left = QWidget()
        left.setLayout(form)
        left.setMinimumWidth(400)
        dialog_layout(self, left, self.preview, 440,
                      button_row(self.status, self.progress, self.export_button,
                                 self.cancel_button))

    # --- choices ---------------------------------------------------------------------------

    def fmt(self) -> str:
        return str(self.format_combo.currentData())

    def set_format(self, fmt: str) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))

    def annotators(self) -> list[str]:
        return checked_values(self.annotator_list)

    def documents(self) -> list[str] | None:
        """None means every document."""
        if self.docs_current.isChecked() and self.current_document is not None:
            return [self.current_document[0]]
        if self.docs_chosen.isChecked():
            return checked_values(self.document_list)
        return None

    def path(self) -> Path | None:
        text = self.destination.text().strip()
        return Path(text).expanduser() if text else None

    def set_path(self, path: str | Path) -> None:
        self.destination.setText(str(path))

    def _suggest_path(self) -> str:
        info = formats_registry.annotation_format(self.fmt())
        if not info.folder:
            return str(self.folder / f"annotations{info.suffix}")
        base = self.folder / f"annotations-{info.name}"
        candidate, n = base, 2
        while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
            candidate, n = base.with_name(f"{base.name}-{n}"), n + 1
        return str(candidate)

    def _format_changed(self) -> None:
        info = formats_registry.annotation_format(self.fmt())
        self.format_description.setText(info.description)
        self.spreadsheet_safe.setEnabled(info.name == "csv")
        self.spreadsheet_safe.setToolTip(
            "Only CSV needs this: xlsx writes every cell as text, and the other formats are "
            "not opened by spreadsheets." if info.name != "csv" else
            "Cells starting with = + - @, tab or CR get a leading ', so a spreadsheet shows "
            "them instead of running them; such a file is for reading, not re-import.")
        if not self.destination.text() or self.destination.text() == self._suggested:
            self._suggested = self._suggest_path()
            self.destination.setText(self._suggested)
        self._check_destination()
        self._changed()

    def _documents_mode_changed(self) -> None:
        self.document_list.setEnabled(self.docs_chosen.isChecked())
        self._changed()

    def _changed(self) -> None:
        self._update_buttons()
        if self.annotators() and self.documents() != []:
            self.preview.summary.setText("Updating the preview…")
            self.runner.schedule()
        else:
            what = "annotator" if not self.annotators() else "document"
            self.preview.show_text("", f"Choose at least one {what}.")

    def _check_destination(self) -> None:
        """Cheap checks on the GUI thread; the exporter checks again when it writes."""
        path, info = self.path(), formats_registry.annotation_format(self.fmt())
        note, ok = "", path is not None
        if path is not None:
            if not path.parent.is_dir():
                note, ok = f"The folder {path.parent} does not exist.", False
            elif info.folder and path.exists() and (not path.is_dir() or any(path.iterdir())):
                note, ok = ("This folder exists and is not empty; choose a new or empty folder "
                            "(an export never mixes with older files)."), False
            elif not info.folder and path.is_dir():
                note, ok = "This is a folder; the format writes a file.", False
            elif not info.folder and path.exists():
                note = "The file exists and will be replaced."
            elif info.folder:
                note = "A new folder will be created."
        self.destination_note.setText(note)
        self._destination_ok = ok
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.jobs.busy
        self.export_button.setEnabled(not busy and self._destination_ok and bool(self.annotators())
                                      and self.documents() != [])
        self.cancel_button.setText("Cancel" if busy else "Close")
        for w in (self.format_combo, self.annotator_list, self.destination, self.browse_button):
            w.setEnabled(not busy)

    def browse(self) -> None:
        info = formats_registry.annotation_format(self.fmt())
        current = self.destination.text() or str(self.folder)
        if info.folder:
            chosen = QFileDialog.getExistingDirectory(
                self, f"Folder for the {info.title} export (new or empty)",
                str(Path(current).parent))
            if chosen:
                path = Path(chosen)
                if any(path.iterdir()):
                    path = path / f"annotations-{info.name}"
                self.set_path(path)
        else:
            chosen, _ = QFileDialog.getSaveFileName(
                self, f"Export annotations as {info.title}", current,
                f"{info.title} (*{info.suffix});;All files (*)")
            if chosen:
                self.set_path(chosen)

    # --- preview ---------------------------------------------------------------------------

    def refresh_preview(self) -> Job | None:
        return self.runner.run_now()

    def _preview_job(self) -> Callable[[], Preview] | None:
        annotators, documents = self.annotators(), self.documents()
        if not annotators or documents == []:
            return None
        database, fmt, safe = self.database, self.fmt(), self.spreadsheet_safe.isChecked()
        viewer = self.viewer
        return lambda: export_preview(database, fmt, annotators=annotators,
                                      documents=documents, spreadsheet_safe=safe,
                                      viewer=viewer)

    def _show_preview(self, preview: Preview) -> None:
        self.preview.show_preview(preview)
        self.previewReady.emit(preview)

    # --- export ----------------------------------------------------------------------------

    def start_export(self) -> Job | None:
        path = self.path()
        if path is None or self.jobs.busy:
            return None
        database, fmt = self.database, self.fmt()
        annotators, documents = self.annotators(), self.documents()
        safe, viewer = self.spreadsheet_safe.isChecked(), self.viewer

        def work(progress: Progress, cancelled: IsCancelled) -> tuple[int, Path]:
            return export_with_progress(database, fmt, path, annotators=annotators,
                                        documents=documents, spreadsheet_safe=safe,
                                        progress=progress, cancelled=cancelled,
                                        viewer=viewer), path

        return self.jobs.start(work, "exporting annotations", f"Exporting to {path}…",
                               progress=self._progress, succeeded=self._exported,
                               failed=self._failed, cancelled=self._cancelled)

    def _progress(self, done: int, total: int, _text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done:,} of {total:,} spans")

    def _exported(self, result: tuple[int, Path]) -> None:
        n, path = result
        self.status.setText(f"✓ Exported {plural(n, 'span')} to {path}.")
        self._suggested = ""
        self.exported.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Export failed; nothing was written. {exc}")
        self.exportFailed.emit(str(exc))

    def _cancelled(self) -> None:
        self.status.setText("Export cancelled; nothing was written.")
        self.exportCancelled.emit()

    def shutdown(self) -> None:
        """Stop the preview and the export, so nothing outlives the dialog's database."""
        self.runner.shutdown()
        self.jobs.shutdown()
