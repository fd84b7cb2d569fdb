"""The annotation desk's main window: document list, reader, span table, label palette.

``build_main_window(db, annotator)`` is the entry point for the app and for tests; it never opens
a blocking dialog. Other parts of the GUI add to the window through ``add_tool_action``,
``add_export_action``, ``add_import_action`` and ``add_dock`` (see the bottom of the class).
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain.errors import Cancelled
from stancedesk.formats.registry import corpus_extensions
from stancedesk.gui.desk.controller import AnnotationDesk
from stancedesk.gui.desk.document_list import DocumentFilter
from stancedesk.gui.desk.editors import NoteEditor, ValueEditor
from stancedesk.gui.desk.find_bar import FindBar
from stancedesk.gui.desk.painting import SpanStyler
from stancedesk.gui.desk.palette import LabelPalette
from stancedesk.gui.desk.reader import DocumentView
from stancedesk.gui.shell import jobs as tasks
from stancedesk.gui.shell import theme
from stancedesk.gui.shell.annotator_dialog import AnnotatorDialog
from stancedesk.gui.shell.chrome import WindowChrome
from stancedesk.gui.shell.icons import icon
from stancedesk.gui.shell.settings import DeskSettings
from stancedesk.services import formats_registry
from stancedesk.services import spans as span_service
from stancedesk.services.corpus import ImportReport, import_paths
from stancedesk.services.project import open_database
from stancedesk.services.schemes import get_scheme
from stancedesk.storage.engine import Database

NEW_ANNOTATOR = "New annotator…"


def default_annotator_name() -> str:
    try:
        return getpass.getuser() or "annotator"
    except (KeyError, OSError):
        return "annotator"


class MainWindow(WindowChrome, QMainWindow):
    def __init__(self, database: Database, annotator: str, *, owns_database: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.database = database
        self._owns_database = owns_database
        self.settings = DeskSettings(database.url)
        self.active_task: tasks.Task | None = None
        self.import_progress: QProgressDialog | None = None
        self.dark = theme.resolve_dark(self.settings.theme)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.dark = theme.apply_theme(app, self.settings.theme)

        scheme = get_scheme(database)
        colour_by = self.settings.colour_by or scheme.layer_keys[0]
        self.styler = SpanStyler(scheme, colour_by, self.dark)
        self.reader = DocumentView(self.styler)
        self.reader.set_reading_font(theme.reading_font())
        self.desk = AnnotationDesk(database, self.reader, self.styler, annotator, self)
        self.desk.watch_database()  # another desk's or a script's changes show up live
        self.scheme = self.desk.scheme

        self._build_central()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect()
        self._install_extensions()

        self.resize(1440, 900)
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

        self.desk.reload_documents()
        self._apply_reviewer_setting()
        self._open_initial_document()
        self.refresh_annotator_ui()
        self.settings.annotator = self.desk.annotator
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self._system_scheme_changed)
        # numpy backs big documents' span index; load it once the window is up, not before
        QTimer.singleShot(300, self._warm_up)

    @staticmethod
    def _warm_up() -> None:
        import numpy  # noqa: F401

    # --- construction ----------------------------------------------------------------------

    def _build_central(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.find_bar = FindBar(self.reader)
        layout.addWidget(self.reader, 1)
        layout.addWidget(self.find_bar)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        # documents
        docs = QWidget()
        docs_layout = QVBoxLayout(docs)
        docs_layout.setContentsMargins(6, 6, 6, 0)
        docs_layout.setSpacing(6)
        self.doc_filter = QLineEdit()
        self.doc_filter.setObjectName("documentFilter")
        self.doc_filter.setPlaceholderText("Filter documents")
        self.doc_filter.setClearButtonEnabled(True)
        self.doc_proxy = DocumentFilter()
        self.doc_proxy.setSourceModel(self.desk.doc_model)
        self.document_list = QTableView()
        self.document_list.setObjectName("documentList")
        self.document_list.setModel(self.doc_proxy)
        self._tidy_table(self.document_list)
        self.document_list.setSortingEnabled(True)
        self.document_list.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        header = self.document_list.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 120), (2, 84), (3, 52), (4, 86)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        header.setStretchLastSection(False)
        self.document_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        docs_layout.addWidget(self.doc_filter)
        docs_layout.addWidget(self.document_list, 1)
        self.documents_dock = self._dock("Documents", "documentsDock", docs,
                                         Qt.DockWidgetArea.LeftDockWidgetArea)

        # spans
        self.span_table = QTableView()
        self.span_table.setObjectName("spanTable")
        self.span_table.setModel(self.desk.span_model)
        self._tidy_table(self.span_table)
        self.span_table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                        | QAbstractItemView.EditTrigger.EditKeyPressed)
        span_header = self.span_table.horizontalHeader()
        span_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        span_header.resizeSection(0, 220)
        for col in range(1, self.desk.span_model.columnCount()):
            span_header.resizeSection(col, 92)
        span_header.setStretchLastSection(False)
        self.spans_dock = self._dock("Spans", "spansDock", self.span_table,
                                     Qt.DockWidgetArea.RightDockWidgetArea)

        # palette
        self.palette_widget = LabelPalette(self.scheme)
        self.palette_dock = self._dock("Labels", "labelsDock", self.palette_widget,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.palette_dock, self.spans_dock, Qt.Orientation.Vertical)
        self.resizeDocks([self.documents_dock, self.palette_dock], [470, 360],
                         Qt.Orientation.Horizontal)

    def _dock(self, title: str, name: str, widget: QWidget,
              area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    @staticmethod
    def _tidy_table(view: QTableView) -> None:
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setAlternatingRowColors(True)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.verticalHeader().hide()
        vh = view.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(view.fontMetrics().height() + 10)
        view.horizontalHeader().setHighlightSections(False)
        view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft
                                                    | Qt.AlignmentFlag.AlignVCenter)

    def _connect(self) -> None:
        d = self.desk
        self.doc_filter.textChanged.connect(self.doc_proxy.setFilterFixedString)
        self.document_list.selectionModel().currentRowChanged.connect(self._document_row_changed)
        self.document_list.customContextMenuRequested.connect(self._document_menu)
        self.span_table.selectionModel().currentRowChanged.connect(self._span_row_changed)
        self.span_table.doubleClicked.connect(self._span_double_clicked)
        d.currentSpanChanged.connect(self._current_span_changed)
        d.documentOpened.connect(self._document_opened)
        d.annotatorChanged.connect(lambda _n: self.refresh_annotator_ui())
        d.reviewerChanged.connect(lambda _on: self.refresh_annotator_ui())
        d.message.connect(lambda m: self.statusBar().showMessage(m, 5000))
        d.failed.connect(self._show_error)
        d.saved.connect(self._saved)
        d.noteRequested.connect(self._open_note_editor)
        d.targetRequested.connect(self._open_value_editor)
        d.span_model.rowsInserted.connect(self._update_counts)
        d.span_model.rowsRemoved.connect(self._update_counts)
        d.span_model.modelReset.connect(self._update_counts)
        self.palette_widget.labelChosen.connect(self._palette_label)
        self.palette_widget.freeLayerChosen.connect(self._palette_free)

    def _install_extensions(self) -> None:
        # Tool windows add themselves through the hooks at the end of this class
        # (add_tool_action, add_export_action, add_import_action, add_dock).
        from stancedesk.gui.agreement import dashboard as agreement_dashboard
        from stancedesk.gui.exchange import dialogs as exchange_dialogs

        exchange_dialogs.install(self)
        agreement_dashboard.install(self)

    # --- documents -------------------------------------------------------------------------

    def _open_initial_document(self) -> None:
        model = self.desk.doc_model
        if model.rowCount() == 0:
            self.reader.setPlaceholderText("No documents yet: use File › Import corpus…")
            return
        row = model.row_of(self.settings.last_document)
        self.select_document_row(max(row, 0))

    def select_document_row(self, source_row: int) -> None:
        proxy_index = self.doc_proxy.mapFromSource(self.desk.doc_model.index(source_row, 0))
        if proxy_index.isValid():
            self.document_list.setCurrentIndex(proxy_index)
        else:  # filtered out: open it anyway
            self.open_document(self.desk.doc_model.document_id(source_row))

    def _document_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            source = self.doc_proxy.mapToSource(current)
            self.open_document(self.desk.doc_model.document_id(source.row()))

    def open_document(self, document_id: str) -> None:
        self.desk.open_document(document_id)

    def _document_opened(self, document_id: str) -> None:
        self.settings.last_document = document_id
        summary = self.desk.doc_model.summary(document_id)
        title = summary.title if summary and summary.title else "Untitled"
        self.setWindowTitle(f"{title} — {self.desk.annotator} — StanceDesk")
        self.done_action.setChecked(self.desk.document_status() == "done")
        row = self.desk.doc_model.row_of(document_id)
        proxy = self.doc_proxy.mapFromSource(self.desk.doc_model.index(row, 0))
        if proxy.isValid() and self.document_list.currentIndex().row() != proxy.row():
            self.document_list.selectionModel().setCurrentIndex(
                proxy, self.document_list.selectionModel().SelectionFlag.ClearAndSelect
                | self.document_list.selectionModel().SelectionFlag.Rows)
        self.reader.setFocus()

    def _step_document(self, delta: int) -> None:
        current = self.document_list.currentIndex()
        row = (current.row() if current.isValid() else -1) + delta
        if 0 <= row < self.doc_proxy.rowCount():
            self.document_list.setCurrentIndex(self.doc_proxy.index(row, 0))

    def _toggle_done(self, checked: bool) -> None:
        self.desk.set_done(checked)

    def _document_menu(self, pos: QPoint) -> None:
        index = self.document_list.indexAt(pos)
        if not index.isValid():
            return
        doc_id = self.desk.doc_model.document_id(self.doc_proxy.mapToSource(index).row())
        menu = QMenu(self)
        done = self.desk.doc_model.status(doc_id) == "done"
        action = menu.addAction("Mark in progress" if done else "Mark done")
        action.triggered.connect(lambda: self._set_done_for(doc_id, not done))
        menu.popup(self.document_list.viewport().mapToGlobal(pos))

    def _set_done_for(self, doc_id: str, done: bool) -> None:
        self.desk.set_done(done, doc_id)
        if doc_id == self.desk.document_id:
            self.done_action.setChecked(done)

    # --- spans -----------------------------------------------------------------------------

    def _span_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._syncing_table:
            span = self.desk.span_model.span_at(current.row())
            if span.id != self.reader.current_span:
                self.desk.select_span(span.id, show=True)

    _syncing_table = False

    def _current_span_changed(self, span_id: str | None) -> None:
        """Reader -> table: select and reveal the row of the current span."""
        row = self.desk.store.row_of(span_id) if span_id else -1
        selection = self.span_table.selectionModel()
        self._syncing_table = True
        try:
            if row < 0:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(), selection.SelectionFlag.NoUpdate)
            else:
                index = self.desk.span_model.index(row, 0)
                selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect
                                          | selection.SelectionFlag.Rows)
                self.span_table.scrollTo(index)
        finally:
            self._syncing_table = False

    def _span_double_clicked(self, index: QModelIndex) -> None:
        if index.column() != self.desk.span_model.note_column:
            span = self.desk.span_model.span_at(index.row())
            self.desk.select_span(span.id, show=True)
            self.reader.setFocus()

    def _clear_selection(self) -> None:
        self.reader.clear_selection()
        self.desk.select_span(None)

    def _palette_label(self, layer: str, value: str) -> None:
        self.desk.label(layer, value)
        self.reader.setFocus()

    def _palette_free(self, layer: str) -> None:
        self.desk.request_free_value(layer)

    def _open_value_editor(self, layer_key: str) -> None:
        layer = self.scheme.layer(layer_key)
        editor = ValueEditor(layer_key, layer.name,
                             span_service.target_suggestions(self.database, layer_key),
                             self.desk.current_value(layer_key), self)
        editor.valueChosen.connect(lambda k, v: self.desk.label(k, v or None))
        editor.finished.connect(lambda _r: self._editor_closed(editor))
        editor.open()
        editor.activateWindow()
        self.value_editor = editor

    def _editor_closed(self, editor: QWidget) -> None:
        editor.deleteLater()
        self._back_to_reader()

    def _open_note_editor(self, span_id: str) -> None:
        span = self.desk.store.get(span_id)
        if span is None:
            return
        editor = NoteEditor(span.id, span.text, span.note, self)
        editor.noteChosen.connect(self.desk.set_note)
        editor.finished.connect(lambda _r: self._editor_closed(editor))
        editor.open()
        editor.activateWindow()
        self.note_editor = editor

    def _back_to_reader(self) -> None:
        self.activateWindow()
        self.reader.setFocus()

    def _update_counts(self) -> None:
        n = len(self.desk.store)
        whose = "all annotators" if self.desk.reviewer else self.desk.annotator
        self.count_label.setText(f"{n:,} span{'s' if n != 1 else ''} ({whose})")

    def _saved(self) -> None:
        self.saved_label.setText("✓ Saved")
        self._saved_timer.start()

    # --- annotator and view ----------------------------------------------------------------

    def _apply_reviewer_setting(self) -> None:
        on = self.settings.reviewer(self.desk.annotator)
        self.reviewer_action.setChecked(on)
        self.desk.set_reviewer(on)

    def set_annotator(self, name: str) -> None:
        self.desk.set_annotator(name)
        self.settings.annotator = self.desk.annotator
        self._apply_reviewer_setting()

    def set_reviewer(self, on: bool) -> None:
        self.reviewer_action.setChecked(on)
        self._toggle_reviewer(on)

    def _toggle_reviewer(self, on: bool) -> None:
        self.settings.set_reviewer(self.desk.annotator, on)
        self.desk.set_reviewer(on)

    def refresh_annotator_ui(self) -> None:
        names = self.desk.annotator_names()
        combo = self.annotator_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(names)
        combo.addItem(NEW_ANNOTATOR)
        combo.setCurrentIndex(combo.findText(self.desk.annotator))
        combo.blockSignals(False)
        several = len(names) > 1
        if self.desk.reviewer:
            mode = "Reviewer: all annotators"
        else:
            mode = "Blind: your spans only" if several else "Your spans"
        self.mode_label.setText(f"{self.desk.annotator} · {mode}")
        self.palette_widget.set_legend(self.styler.annotators, self.desk.reviewer)
        if self.desk.document is not None:
            self._document_opened(self.desk.document.id)
        self._update_counts()

    def _annotator_combo_activated(self, index: int) -> None:
        text = self.annotator_combo.itemText(index)
        if text == NEW_ANNOTATOR:
            self.refresh_annotator_ui()
            self.choose_annotator()
        elif text:
            self.set_annotator(text)

    def _fill_annotator_menu(self) -> None:
        menu = self.annotator_menu
        menu.clear()
        group = QActionGroup(menu)
        for name in self.desk.annotator_names():
            a = menu.addAction(name)
            a.setCheckable(True)
            a.setChecked(name == self.desk.annotator)
            group.addAction(a)
            a.triggered.connect(lambda _c=False, n=name: self.set_annotator(n))
        menu.addSeparator()
        menu.addAction(self.switch_annotator_action)
        menu.addAction(self.reviewer_action)

    def choose_annotator(self) -> AnnotatorDialog:
        dialog = AnnotatorDialog(self.desk.annotator_names(), self.desk.annotator, self)
        dialog.accepted.connect(lambda: self.set_annotator(dialog.name()))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

    def set_colour_by(self, layer_key: str) -> None:
        self.styler.colour_by = layer_key
        self.settings.colour_by = layer_key
        self.colour_combo.setCurrentIndex(self.colour_combo.findData(layer_key))
        for a in self.colour_group.actions():
            a.setChecked(a.data() == layer_key)
        self.reader.viewport().update()

    def set_theme(self, mode: str) -> None:
        self.settings.theme = mode
        self._restyle()

    def _system_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.settings.theme == "system":
            self._restyle()

    def _restyle(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.dark = theme.apply_theme(app, self.settings.theme)
        self.styler.dark = self.dark
        self.styler._cache.clear()
        colour = theme.icon_colour(self.dark)
        for action in self.findChildren(QAction):
            name = action.data()
            if isinstance(name, str) and name and not name.startswith("_"):
                try:
                    action.setIcon(icon(name, colour))
                except FileNotFoundError:
                    continue
        self.reader.viewport().update()

    def _show_palette(self) -> None:
        self.palette_dock.show()
        self.palette_dock.raise_()

    def _about(self) -> None:
        from stancedesk import __version__

        box = QMessageBox(QMessageBox.Icon.Information, "About StanceDesk",
                          f"StanceDesk {__version__}\nWho says what, with what stance, on whose "
                          f"authority.\n\nDatabase: {self.database.location.display}",
                          parent=self)
        box.open()

    def _show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)
        box = QMessageBox(QMessageBox.Icon.Warning, "StanceDesk", message, parent=self)
        box.setObjectName("errorBox")
        box.open()
        self.error_box = box

    # --- import and export -----------------------------------------------------------------

    def choose_import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import corpus", self.settings.folder("import"),
            f"Articles ({' '.join('*' + ext for ext in corpus_extensions())});;All files (*)")
        if paths:
            self.settings.set_folder("import", str(Path(paths[0]).parent))
            self.start_import(paths)

    def start_import(self, paths: list[str] | list[Path]) -> tasks.Task:
        """Import off the GUI thread, with a cancellable progress dialog (nothing is stored
        when cancelled: the service imports all or nothing)."""
        database = self.database

        def work(progress: tasks.Progress, cancelled: Callable[[], bool]) -> ImportReport:
            return import_paths(database, list(paths), progress, cancelled)

        task = tasks.Task(work, cancel_types=(Cancelled,))
        dialog = QProgressDialog("Reading files…", "Cancel", 0, 0, self)
        dialog.setObjectName("importProgress")
        dialog.setWindowTitle("Import corpus")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(task.cancel)
        task.signals.progress.connect(lambda done, total, name: (
            dialog.setMaximum(max(total, 1)), dialog.setValue(done),
            dialog.setLabelText(f"Reading {Path(name).name}…" if name else "Storing…")))
        task.signals.succeeded.connect(self._import_done)
        task.signals.failed.connect(lambda exc: self._show_error(f"Import failed: {exc}"))
        task.signals.cancelled.connect(
            lambda: self.statusBar().showMessage("Import cancelled; nothing was stored.", 8000))
        task.signals.finished.connect(lambda: self._task_finished(dialog))
        self.import_progress = dialog
        self.active_task = tasks.start(task)
        self.import_action.setEnabled(False)
        return task

    def _task_finished(self, dialog: QProgressDialog) -> None:
        dialog.canceled.disconnect()
        dialog.close()
        dialog.deleteLater()
        self.import_progress = None
        self.active_task = None
        self.import_action.setEnabled(True)

    def _import_done(self, report: ImportReport) -> None:
        self.refresh_after_import(spans_changed=False)
        dupes = f", {len(report.duplicates)} already present" if report.duplicates else ""
        self.statusBar().showMessage(f"Imported {len(report.added)} document(s){dupes}.", 8000)

    def refresh_after_import(self, *, spans_changed: bool) -> None:
        """New documents in the list and new annotators in the menus; the open document's spans
        reloaded (keeping document and scroll position) when the import brought spans."""
        self.desk.refresh_annotators()
        self.desk.reload_documents()
        if self.desk.document is None:
            if self.desk.doc_model.rowCount():
                self.select_document_row(0)
        elif spans_changed:
            self.desk.reload_spans()
        else:
            self._document_opened(self.desk.document.id)
        self.refresh_annotator_ui()

    def choose_export_csv(self) -> None:
        whose = "all annotators" if self.desk.reviewer else self.desk.annotator
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export annotations ({whose}) as CSV",
            str(Path(self.settings.folder("export") or Path.home()) / "span_service.csv"),
            "CSV (*.csv)")
        if path:
            self.settings.set_folder("export", str(Path(path).parent))
            self.export_csv(path)

    def export_csv(self, path: str | Path) -> tasks.Task:
        """Blind mode exports only the current annotator's spans; reviewer mode everyone's."""
        database = self.database
        annotators = self.desk.visible_annotators()

        def work(_progress: tasks.Progress, _cancelled: Callable[[], bool]) -> int:
            return formats_registry.export_annotations(database, "csv", Path(path),
                                               annotators=annotators)

        task = tasks.Task(work)
        task.signals.succeeded.connect(lambda n: self.statusBar().showMessage(
            f"Exported {n} span(s) to {path}.", 8000))
        task.signals.failed.connect(lambda exc: self._show_error(f"Export failed: {exc}"))
        task.signals.finished.connect(lambda: setattr(self, "active_task", None))
        self.active_task = tasks.start(task)
        return task

    # --- hooks for other parts of the GUI ---------------------------------------------------

    def add_tool_action(self, action: QAction) -> None:
        """Add an entry to the Tools menu (e.g. the agreement dashboard)."""
        self.tools_menu.addAction(action)
        self.tools_menu.menuAction().setVisible(True)

    def add_export_action(self, action: QAction) -> None:
        """Add an entry to File › Export (e.g. richer export dialogs)."""
        self.export_menu.addAction(action)

    def add_import_action(self, action: QAction) -> None:
        """Add an entry to the File menu next to Import corpus."""
        self.file_menu.insertAction(self.import_menu_anchor, action)

    def add_dock(self, dock: QDockWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea) -> None:
        """Add a dock; give it an objectName so its place is remembered."""
        self.addDockWidget(area, dock)

    # --- lifetime --------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.active_task is not None:
            self.active_task.cancel()
            self.active_task.done.wait(10)
        self.settings.save_window(self.saveGeometry(), self.saveState())
        super().closeEvent(event)
        if event.isAccepted() and self._owns_database:
            self.database.dispose()


def build_main_window(db: str, annotator: str | None = None) -> MainWindow:
    """The desk on database path or URL ``db``, ready to show, with no blocking dialog.

    The annotator is ``annotator`` (created if new), else the one remembered in the settings,
    else the project's only annotator, else the login name.
    """
    database = open_database(db)
    try:
        name = annotator or DeskSettings(database.url).annotator
        if not name:
            known = span_service.list_annotator_names(database)
            name = known[0] if len(known) == 1 else default_annotator_name()
        return MainWindow(database, name)
    except BaseException:
        database.dispose()
        raise

