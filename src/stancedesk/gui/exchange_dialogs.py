"""File › Export › Annotations… and File › Import annotations…: every exchange format, with a
preview of what will be written or read, and long work off the GUI thread.

Both dialogs only call services (the CLI's ``export annotations`` and ``import annotations
[--dry-run]`` run the same functions). The export preview runs the real exporter on the first
spans; the import preview is a dry run of the real import, rolled back, so it reports exactly
what the import would store and fails with exactly the message the import would give.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stancedesk.formats.errors import FormatError
from stancedesk.formats.labelmap import UnmappedLabelsError, load_mapping, parse_mapping_data
from stancedesk.gui import tasks
from stancedesk.gui.exchange_mapping import MappingTable
from stancedesk.gui.exchange_preview import (
    FORMATS,
    Preview,
    describe_import,
    export_preview,
    plural,
)
from stancedesk.services import annotations, corpus, exchange, formats_registry, schemes
from stancedesk.services.exchange import AnnotationImportReport
from stancedesk.storage.engine import Database

CORPUS = "corpus"


class ExportCancelled(Exception):
    """Raised from the exporter's progress callback; the exporter then removes its temp file."""


class PreviewRunner(QObject):
    """One preview task at a time, started a moment after the last change.

    A change while a preview runs asks for one more run after it, and only the newest run's
    result is reported, so the preview never shows stale choices.
    """

    ready = Signal(object)
    failed = Signal(object)

    def __init__(self, build: Callable[[], Callable[[], Any] | None], parent: QObject,
                 delay_ms: int = 200) -> None:
        super().__init__(parent)
        self._build = build
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.run_now)
        self._again = False
        self.task: tasks.Task | None = None

    def schedule(self) -> None:
        self._timer.start()

    def run_now(self) -> tasks.Task | None:
        self._timer.stop()
        if self.task is not None:
            self._again = True
            return self.task
        job = self._build()
        if job is None:
            return None
        task = tasks.Task(lambda _progress, _cancelled: job())
        task.signals.succeeded.connect(lambda r: None if self._again else self.ready.emit(r))
        task.signals.failed.connect(lambda e: None if self._again else self.failed.emit(e))
        task.signals.finished.connect(self._finished)
        self.task = tasks.start(task)
        return task

    def _finished(self) -> None:
        self.task = None
        if self._again:
            self._again = False
            self.run_now()

    def shutdown(self) -> None:
        """Stop asking for previews and wait for the one running (a preview is short)."""
        self._timer.stop()
        self._again = False
        if self.task is not None:
            self.task.done.wait(10)


def _monospace(widget: QWidget) -> None:
    widget.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))


def _checklist(name: str) -> QListWidget:
    widget = QListWidget()
    widget.setObjectName(name)
    widget.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    return widget


def _add_check(widget: QListWidget, text: str, data: str, checked: bool) -> None:
    item = QListWidgetItem(text)
    item.setData(Qt.ItemDataRole.UserRole, data)
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    widget.addItem(item)


def checked_values(widget: QListWidget) -> list[str]:
    return [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


def set_checked(widget: QListWidget, values: Sequence[str]) -> None:
    for i in range(widget.count()):
        item = widget.item(i)
        item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole)
                           in values else Qt.CheckState.Unchecked)


def _button_row(status: QLabel, progress: QProgressBar, *buttons: QPushButton) -> QHBoxLayout:
    """Status text on the left, then progress while busy, then the buttons at their size."""
    row = QHBoxLayout()
    row.addWidget(status, 1)
    progress.setFixedWidth(260)
    row.addWidget(progress)
    for button in buttons:
        button.setMinimumWidth(96)
        row.addWidget(button)
    return row


def _elide(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class PreviewPane(QGroupBox):
    """A summary line, then text (monospace) or a table, then a caption."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.summary = QLabel()
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.text = QPlainTextEdit()
        self.text.setObjectName("previewText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        _monospace(self.text)
        self.table = QTableWidget()
        self.table.setObjectName("previewTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.text)
        self.stack.addWidget(self.table)
        self.caption = QLabel()
        self.caption.setObjectName("previewCaption")
        self.caption.setWordWrap(True)
        self.body = QVBoxLayout(self)
        self.body.addWidget(self.summary)
        self.body.addWidget(self.stack, 1)
        self.body.addWidget(self.caption)

    def show_text(self, text: str, summary: str = "", caption: str = "", *,
                  wrap: bool = False) -> None:
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth if wrap
                                  else QPlainTextEdit.LineWrapMode.NoWrap)
        self.summary.setText(summary)
        self.text.setPlainText(text)
        self.caption.setText(caption)
        self.stack.setCurrentWidget(self.text)

    def show_preview(self, preview: Preview) -> None:
        if not preview.headers:
            self.show_text(preview.text, preview.summary, preview.caption)
            return
        self.summary.setText(preview.summary)
        self.caption.setText(preview.caption)
        self.table.clear()
        self.table.setColumnCount(len(preview.headers))
        self.table.setRowCount(len(preview.rows))
        self.table.setHorizontalHeaderLabels(preview.headers)
        for r, row in enumerate(preview.rows):
            for c, value in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        for c in range(self.table.columnCount()):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), 260))
        self.stack.setCurrentWidget(self.table)


# --- export ---------------------------------------------------------------------------------


class ExportDialog(QDialog):
    """Choose format, annotators, documents and destination; see the first spans as written;
    export off the GUI thread with progress and cancel (a cancelled export leaves no file)."""

    previewReady = Signal(object)  # Preview
    exported = Signal(object)  # (number of spans, path)
    exportFailed = Signal(str)
    exportCancelled = Signal()

    def __init__(self, database: Database, *, annotator: str, reviewer: bool,
                 current_document: tuple[str, str] | None = None, folder: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export annotations")
        self.database = database
        self.annotator = annotator
        self.reviewer = reviewer
        self.current_document = current_document
        self.folder = Path(folder) if folder else Path.home()
        self.task: tasks.Task | None = None
        self._suggested = ""
        self._destination_ok = False

        self.format_combo = QComboBox()
        self.format_combo.setObjectName("formatCombo")
        for key, info in FORMATS.items():
            where = "folder" if info.folder else info.suffix
            self.format_combo.addItem(f"{info.title} ({where})", key)
        self.format_description = QLabel()
        self.format_description.setObjectName("formatDescription")
        self.format_description.setWordWrap(True)

        self.annotator_list = _checklist("annotatorList")
        names = annotations.list_annotator_names(database)
        self.default_annotators = list(names) if reviewer else [annotator]
        for name in names:
            _add_check(self.annotator_list, name, name, name in self.default_annotators)
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

        self.docs_all = QRadioButton("All documents")
        self.docs_all.setObjectName("documentsAll")
        title = current_document[1] if current_document else ""
        self.docs_current = QRadioButton(f"Current: {_elide(title)}" if current_document
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
        self.document_list = _checklist("documentList")
        for doc in corpus.list_documents(database):
            _add_check(self.document_list, doc.title or doc.source_file, doc.id, False)
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
        self.runner = PreviewRunner(self._preview_job, self)
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
        self.cancel_button.clicked.connect(self._cancel_or_close)
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
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setStretchFactor(1, 1)
        split.setSizes([440, 640])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(_button_row(self.status, self.progress, self.export_button,
                                     self.cancel_button))
        self.resize(1120, 700)

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
        info = FORMATS[self.fmt()]
        if not info.folder:
            return str(self.folder / f"annotations{info.suffix}")
        base = self.folder / f"annotations-{info.key}"
        candidate, n = base, 2
        while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
            candidate, n = base.with_name(f"{base.name}-{n}"), n + 1
        return str(candidate)

    def _format_changed(self) -> None:
        info = FORMATS[self.fmt()]
        self.format_description.setText(info.description)
        self.spreadsheet_safe.setEnabled(info.key == "csv")
        self.spreadsheet_safe.setToolTip(
            "Only CSV needs this: xlsx writes every cell as text, and the other formats are "
            "not opened by spreadsheets." if info.key != "csv" else
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
        path, info = self.path(), FORMATS[self.fmt()]
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
        busy = self.task is not None
        self.export_button.setEnabled(not busy and self._destination_ok and bool(self.annotators())
                                      and self.documents() != [])
        self.cancel_button.setText("Cancel" if busy else "Close")
        for w in (self.format_combo, self.annotator_list, self.destination, self.browse_button):
            w.setEnabled(not busy)

    def browse(self) -> None:
        info = FORMATS[self.fmt()]
        current = self.destination.text() or str(self.folder)
        if info.folder:
            chosen = QFileDialog.getExistingDirectory(
                self, f"Folder for the {info.title} export (new or empty)",
                str(Path(current).parent))
            if chosen:
                path = Path(chosen)
                if any(path.iterdir()):
                    path = path / f"annotations-{info.key}"
                self.set_path(path)
        else:
            chosen, _ = QFileDialog.getSaveFileName(
                self, f"Export annotations as {info.title}", current,
                f"{info.title} (*{info.suffix});;All files (*)")
            if chosen:
                self.set_path(chosen)

    # --- preview ---------------------------------------------------------------------------

    def refresh_preview(self) -> tasks.Task | None:
        return self.runner.run_now()

    def _preview_job(self) -> Callable[[], Preview] | None:
        annotators, documents = self.annotators(), self.documents()
        if not annotators or documents == []:
            return None
        database, fmt, safe = self.database, self.fmt(), self.spreadsheet_safe.isChecked()
        return lambda: export_preview(database, fmt, annotators=annotators,
                                      documents=documents, spreadsheet_safe=safe)

    def _show_preview(self, preview: Preview) -> None:
        self.preview.show_preview(preview)
        self.previewReady.emit(preview)

    # --- export ----------------------------------------------------------------------------

    def start_export(self) -> tasks.Task | None:
        path = self.path()
        if path is None or self.task is not None:
            return None
        database, fmt = self.database, self.fmt()
        annotators, documents = self.annotators(), self.documents()
        safe = self.spreadsheet_safe.isChecked()
        total = 0

        def work(progress: tasks.Progress, cancelled: Callable[[], bool]) -> tuple[int, Path]:
            nonlocal total
            total = exchange.selection_counts(database, annotators, documents)[0]
            progress(0, total, "")
            last = 0.0

            def on_span(n: int) -> None:
                nonlocal last
                if cancelled():
                    raise ExportCancelled
                now = time.monotonic()
                if now - last > 0.05:
                    last = now
                    progress(n, total, "")

            if cancelled():
                raise ExportCancelled
            n = formats_registry.export_annotations(database, fmt, path, annotators=annotators,
                                                    documents=documents,
                                                    spreadsheet_safe=safe, progress=on_span)
            return n, path

        task = tasks.Task(work, cancel_types=(ExportCancelled,))
        task.signals.progress.connect(self._progress)
        task.signals.succeeded.connect(self._exported)
        task.signals.failed.connect(self._failed)
        task.signals.cancelled.connect(self._cancelled)
        task.signals.finished.connect(self._finished)
        self.task = task
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(f"Exporting to {path}…")
        self._update_buttons()
        return tasks.start(task)

    def cancel_export(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status.setText("Cancelling…")

    def _cancel_or_close(self) -> None:
        if self.task is not None:
            self.cancel_export()
        else:
            self.reject()

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

    def _finished(self) -> None:
        self.task = None
        self.progress.setVisible(False)
        self._check_destination()

    # --- lifetime --------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel and wait for work in flight, so nothing outlives the dialog's database."""
        self.runner.shutdown()
        if self.task is not None:
            self.task.cancel()
            self.task.done.wait(10)

    def done(self, result: int) -> None:
        if self.task is not None:  # Esc while exporting cancels the export, not the dialog
            self.cancel_export()
            return
        self.shutdown()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.task is not None:
            self.cancel_export()
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)


# --- import ---------------------------------------------------------------------------------


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
        report = corpus.import_paths(formats_registry.RolledBack(database), [path])
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
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import")
        self.database = database
        self.folder = Path(folder) if folder else Path.home()
        self.task: tasks.Task | None = None
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
        for key, info in FORMATS.items():
            self.format_combo.addItem(f"{info.title} ({key})", key)
        self.format_note = QLabel(
            "As the command line detects it: .ann brat, .tsv WebAnno, .json Label Studio, "
            ".jsonl JSONL or doccano, a folder brat or WebAnno.")
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

        self.runner = PreviewRunner(self._preview_job, self, delay_ms=250)
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
        self.close_button.clicked.connect(self._cancel_or_close)
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
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setStretchFactor(1, 1)
        split.setSizes([500, 580])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(_button_row(self.status, self.progress, self.import_button,
                                     self.close_button))
        self.resize(1120, 700)

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
        busy = self.task is not None
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
            filters = ("Annotations (*.csv *.xlsx *.parquet *.jsonl *.json *.ann *.tsv)")
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

    def refresh_preview(self) -> tasks.Task | None:
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
        if result.fmt in FORMATS and self.fmt() is None:
            self.format_combo.setItemText(0, f"Detect from the name: {FORMATS[result.fmt].title}")
        self._update_buttons()
        self.previewReady.emit(result)

    # --- import ----------------------------------------------------------------------------

    def start_import(self) -> tasks.Task | None:
        path = self.path()
        if path is None or self.task is not None:
            return None
        if self.is_corpus():
            self.corpusRequested.emit([path])
            self.accept()
            return None
        database, fmt, mapping = self.database, self.fmt(), self._table_mapping()
        annotator = self.annotator.text().strip() or None

        def work(progress: tasks.Progress, cancelled: Callable[[], bool]) -> Any:
            if cancelled():
                raise corpus.ImportCancelled(exchange.CANCELLED_MESSAGE)
            return formats_registry.import_annotations(database, path, fmt=fmt,
                                                       annotator=annotator,
                                                       label_mapping=mapping(),
                                                       progress=progress, cancelled=cancelled)

        task = tasks.Task(work, cancel_types=(corpus.ImportCancelled,))
        task.signals.progress.connect(self._progress)
        task.signals.succeeded.connect(self._imported)
        task.signals.failed.connect(self._failed)
        task.signals.cancelled.connect(self._cancelled)
        task.signals.finished.connect(self._finished)
        self.task = task
        self.progress.setRange(0, 0)  # busy while reading, then n of N spans checked
        self.progress.setVisible(True)
        self.status.setText(f"Importing {path.name}…")
        self._update_buttons()
        return tasks.start(task)

    def cancel_import(self) -> None:
        """Thread-safe request; the import stops at its next check and rolls back."""
        if self.task is not None:
            self.task.cancel()
            self.status.setText("Cancelling…")

    def _cancel_or_close(self) -> None:
        if self.task is not None:
            self.cancel_import()
        else:
            self.reject()

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

    def _finished(self) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.progress.resetFormat()
        self._update_buttons()

    # --- lifetime --------------------------------------------------------------------------

    def shutdown(self) -> None:
        self.runner.shutdown()
        if self.task is not None:
            self.task.done.wait(30)  # an import is one transaction: let it finish

    def done(self, result: int) -> None:
        if self.task is not None:  # Esc while importing cancels the import, not the dialog
            self.cancel_import()
            return
        self.shutdown()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.task is not None:
            self.cancel_import()
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)


# --- the main window --------------------------------------------------------------------------


def refresh_window(window: Any) -> None:
    """After an import: new documents in the list, new spans in the reader and span table, new
    annotators in the annotator menu."""
    desk = window.desk
    desk.refresh_annotators()
    desk.reload_documents()
    if desk.document is not None:
        desk.reload_spans()  # the desk's own reload: keeps the document and scroll position
    elif desk.doc_model.rowCount():
        window.select_document_row(0)
    window.refresh_annotator_ui()


def open_export_dialog(window: Any) -> ExportDialog:
    desk = window.desk
    current = None
    if desk.document is not None:
        current = (desk.document.id, desk.document.title or desk.document.source_file)
    dialog = ExportDialog(window.database, annotator=desk.annotator, reviewer=desk.reviewer,
                          current_document=current, folder=window.settings.folder("export"),
                          parent=window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def exported(result: tuple[int, Path]) -> None:
        n, path = result
        window.settings.set_folder("export", str(Path(path).parent))
        window.statusBar().showMessage(f"Exported {plural(n, 'span')} to {path}.", 8000)

    dialog.exported.connect(exported)
    window.export_dialog = dialog
    dialog.open()
    return dialog


def open_import_dialog(window: Any) -> ImportDialog:
    dialog = ImportDialog(window.database, folder=window.settings.folder("import"),
                          parent=window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def imported(report: AnnotationImportReport) -> None:
        refresh_window(window)
        path = dialog.path()
        if path is not None:
            window.settings.set_folder("import", str(path.parent))
        window.statusBar().showMessage(
            f"Imported {plural(report.added, 'annotation')}.", 8000)

    dialog.imported.connect(imported)
    dialog.corpusRequested.connect(lambda paths: window.start_import(paths))
    window.import_dialog = dialog
    dialog.open()
    return dialog


def install(window: QMainWindow) -> None:
    """File › Export › Annotations… and File › Import annotations…, next to the quick CSV
    export and the corpus import, which stay as they are."""
    export_action = QAction("&Annotations (all formats)…", window)
    export_action.setObjectName("exportAnnotationsAction")
    export_action.setShortcut("Ctrl+Shift+E")
    export_action.setStatusTip("Export annotations as CSV, xlsx, JSONL, Parquet, brat, WebAnno, "
                               "Label Studio or doccano, with a preview")
    export_action.triggered.connect(lambda: open_export_dialog(window))
    import_action = QAction("Import &annotations…", window)
    import_action.setObjectName("importAnnotationsAction")
    import_action.setShortcut("Ctrl+Shift+I")
    import_action.setStatusTip("Import annotations (or articles) in any supported format, with "
                               "a dry run first")
    import_action.triggered.connect(lambda: open_import_dialog(window))
    window.add_export_action(export_action)  # type: ignore[attr-defined]
    window.add_import_action(import_action)  # type: ignore[attr-defined]
    window.export_annotations_action = export_action  # type: ignore[attr-defined]
    window.import_annotations_action = import_action  # type: ignore[attr-defined]
