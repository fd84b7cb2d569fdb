"""The annotation desk's main window: document list, reader, span table, label palette.

``build_main_window(db, annotator)`` is the entry point for the app and for tests; it never opens
a blocking dialog. Other parts of the GUI add to the window through ``add_tool_action``,
``add_export_action``, ``add_import_action`` and ``add_dock`` (see the bottom of the class).
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QGuiApplication,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from stancedesk.gui.desk.controller import AnnotationDesk
from stancedesk.gui.desk.documents_panel import DocumentsPanel
from stancedesk.gui.desk.find_bar import FindBar
from stancedesk.gui.desk.painting import SpanStyler
from stancedesk.gui.desk.palette import LabelPalette
from stancedesk.gui.desk.reader import DocumentView, after_next_paint
from stancedesk.gui.desk.span_panel import SpanTableView
from stancedesk.gui.shell import theme
from stancedesk.gui.shell.annotator_switcher import AnnotatorSwitcher
from stancedesk.gui.shell.chrome import WindowChrome
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.gui.shell.icons import icon
from stancedesk.gui.shell.jobs import IsCancelled, Job, JobRunner, Progress
from stancedesk.gui.shell.paint_thread import paint_on_this_thread
from stancedesk.gui.shell.progress import follow
from stancedesk.gui.shell.settings import DeskSettings
from stancedesk.gui.shell.sources import forget_module_sources
from stancedesk.services import spans as span_service
from stancedesk.services.changes import Changes
from stancedesk.services.corpus import ImportReport, corpus_extensions, import_paths
from stancedesk.services.project import open_database
from stancedesk.services.schemes import get_scheme
from stancedesk.storage.engine import Database

if TYPE_CHECKING:
    from stancedesk.gui.agreement.dashboard import AgreementDashboard
    from stancedesk.gui.agreement.profile_view import ProfileView
    from stancedesk.gui.curation.window import CurationWindow
    from stancedesk.gui.desk.corpus_actions import CorpusActions
    from stancedesk.gui.desk.editors import NoteEditor, ValueEditor
    from stancedesk.gui.desk.inspector import SpanInspector
    from stancedesk.gui.desk.inspector_dock import InspectorLink
    from stancedesk.gui.desk.sources_panel import NameSourcePopup, SourcesPanel
    from stancedesk.gui.desk.span_table import ColumnChooser
    from stancedesk.gui.exchange.bundle_dialogs import BundleExportDialog, BundleImportDialog
    from stancedesk.gui.exchange.export_dialog import ExportDialog
    from stancedesk.gui.exchange.import_dialog import ImportDialog
    from stancedesk.gui.shell.annotator_dialog import AnnotatorDialog
    from stancedesk.gui.shell.study_actions import StudyActions


def default_annotator_name() -> str:
    try:
        return getpass.getuser() or "annotator"
    except (KeyError, OSError):
        return "annotator"


class MainWindow(QMainWindow):
    """Composition: the reader in the middle, docks around it, the chrome on top; each part is
    its own widget over the one desk controller, and listens to its signals."""

    # added by the tools installed at the end of __init__ (see _install_extensions)
    export_annotations_action: QAction
    import_annotations_action: QAction
    agreement_dashboard_action: QAction
    agreement_dashboard: AgreementDashboard
    profile_view_action: QAction
    profile_view: ProfileView
    curation_action: QAction
    curation: CurationWindow
    open_curation_at: Callable[[str, int, int], None]  # the drill-down's way in (gui/curation)
    inspector: SpanInspector
    inspector_dock: QDockWidget
    inspector_link: InspectorLink
    span_columns: ColumnChooser
    corpus_actions: CorpusActions
    study_actions: StudyActions
    export_dialog: ExportDialog
    import_dialog: ImportDialog
    export_bundle_action: QAction
    import_bundles_action: QAction
    bundle_export_dialog: BundleExportDialog
    bundle_import_dialog: BundleImportDialog
    # the editors last opened (tests drive them)
    value_editor: ValueEditor
    note_editor: NoteEditor
    sources_menu: QMenu
    attribution_actions: dict[str, QAction]
    suggestions_action: QAction
    suggestion_actions: dict[str, QAction]
    sources_panel: SourcesPanel
    sources_dock: QDockWidget
    name_popup: NameSourcePopup

    def __init__(self, database: Database, annotator: str, *, owns_database: bool = True,
                 reporter: CrashReporter | None = None) -> None:
        paint_on_this_thread()  # before the first paint: Qt reads it once
        super().__init__()
        forget_module_sources()  # what the imports and a first migration left behind
        self.setObjectName("mainWindow")
        self.database = database
        self._owns_database = owns_database
        self.settings = DeskSettings(database.url)
        self.reporter = reporter or CrashReporter(self)
        self.reporter.window = self
        self.jobs = JobRunner(self.reporter, self)
        self.dark = theme.resolve_dark(self.settings.theme)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.dark = theme.apply_theme(app, self.settings.theme)

        scheme = get_scheme(database)
        colour_by = self.settings.colour_by or scheme.layer_keys[0]
        self.styler = SpanStyler(scheme, colour_by, self.dark)
        self.reader = DocumentView(self.styler)
        self.reader.set_reading_font(theme.reading_font())
        self._first_painted = False
        self._after_paint: list[Callable[[], None]] = []  # see after_first_paint
        self.reader.painted.connect(self._reader_painted)
        self._unsaved_document: str | None = None  # opened, not yet in the settings
        self.desk = AnnotationDesk(database, self.reader, self.styler, annotator, self.reporter,
                                   self)
        self.desk.watch_database()  # another desk's or a script's changes show up live
        self.scheme = self.desk.scheme

        self._build_central()
        self._build_docks()
        self.chrome = WindowChrome(self)
        self.annotators = AnnotatorSwitcher(
            self.desk, self.chrome.annotator_menu,
            [self.chrome.switch_annotator_action, self.chrome.reviewer_action], self)
        self.chrome.toolbar.addWidget(self.annotators.combo)
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
        forget_module_sources()  # and what the tools' imports added

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
        self.documents = DocumentsPanel(self.desk)
        self.documents_dock = self._dock("Documents", "documentsDock", self.documents,
                                         Qt.DockWidgetArea.LeftDockWidgetArea)
        self.span_table = SpanTableView(self.desk)
        self.spans_dock = self._dock("Spans", "spansDock", self.span_table,
                                     Qt.DockWidgetArea.RightDockWidgetArea)
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

    def _connect(self) -> None:
        d = self.desk
        d.documentOpened.connect(self._document_opened)
        d.statusChanged.connect(self._status_changed)
        d.annotatorChanged.connect(lambda _n: self.refresh_annotator_ui())
        d.reviewerChanged.connect(lambda _on: self.refresh_annotator_ui())
        d.message.connect(lambda m: self.statusBar().showMessage(m, 5000))
        d.saved.connect(self._saved)
        d.changed.connect(self._follow_changes)
        self.annotators.chosen.connect(self.set_annotator)
        self.annotators.newRequested.connect(self.choose_annotator)
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
        from stancedesk.gui.agreement import actions as agreement_actions
        from stancedesk.gui.curation import actions as curation_actions
        from stancedesk.gui.desk import (
            attribution_ui,
            corpus_actions,
            inspector_dock,
            suggestions_ui,
        )
        from stancedesk.gui.exchange import dialogs as exchange_dialogs
        from stancedesk.gui.shell import study_actions

        exchange_dialogs.install(self)
        agreement_actions.install_dashboard(self)
        agreement_actions.install_profile_view(self)
        curation_actions.install(self)
        inspector_dock.install(self)
        corpus_actions.install(self)
        study_actions.install(self)
        attribution_ui.install(self)
        suggestions_ui.install(self)

    # --- documents -------------------------------------------------------------------------

    def _open_initial_document(self) -> None:
        model = self.desk.doc_model
        if model.rowCount() == 0:
            self.reader.setPlaceholderText("No documents yet: use File › Import corpus…")
            return
        row = model.row_of(self.settings.last_document)
        self.documents.select_row(max(row, 0))

    def open_document(self, document_id: str) -> None:
        self.desk.open_document(document_id)

    def _document_opened(self, document_id: str) -> None:
        # remembered once the article is on screen: writing the settings rewrites and fsyncs
        # their file (about 10 ms of waiting per open, more on a busy disk)
        if self._unsaved_document is None:
            after_next_paint(self.reader, self._remember_document, self)
        self._unsaved_document = document_id
        summary = self.desk.doc_model.summary(document_id)
        title = summary.title if summary and summary.title else "Untitled"
        self.setWindowTitle(f"{title} — {self.desk.annotator} — StanceDesk")
        self.chrome.done_action.setChecked(self.desk.document_status() == "done")
        self.reader.setFocus()

    def _remember_document(self) -> None:
        if self._unsaved_document is not None:
            self.settings.last_document = self._unsaved_document
            self._unsaved_document = None

    def _status_changed(self, document_id: str, status: str) -> None:
        if document_id == self.desk.document_id:
            self.chrome.done_action.setChecked(status == "done")

    def _toggle_done(self, checked: bool) -> None:
        self.desk.set_done(checked)

    def _follow_changes(self, changes: Changes) -> None:
        """The window's own views after any write: the title, the mode line and the legend
        when annotators arrive (the docks and the switcher follow the desk themselves)."""
        if changes.annotators_added:
            self.refresh_annotator_ui()

    # --- spans -----------------------------------------------------------------------------

    def _clear_selection(self) -> None:
        self.reader.clear_selection()
        self.desk.select_span(None)

    def _palette_label(self, layer: str, value: str) -> None:
        self.desk.label(layer, value)
        self.reader.setFocus()

    def _palette_free(self, layer: str) -> None:
        self.desk.request_free_value(layer)

    def _open_value_editor(self, layer_key: str) -> None:
        from stancedesk.gui.desk.editors import ValueEditor  # a dialog: loaded when first used

        layer = self.scheme.layer(layer_key)
        editor = ValueEditor(layer_key, layer.name,
                             self.desk.target_suggestions(layer_key),
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
        from stancedesk.gui.desk.editors import NoteEditor

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
        self.chrome.count_label.setText(f"{n:,} span{'s' if n != 1 else ''} ({whose})")

    def _saved(self) -> None:
        self.chrome.saved_label.setText("✓ Saved")
        self.chrome.saved_timer.start()

    # --- annotator and view ----------------------------------------------------------------

    def _apply_reviewer_setting(self) -> None:
        on = self.settings.reviewer(self.desk.annotator) and self.desk.sees_everyone()
        self.chrome.reviewer_action.setChecked(on)
        self.desk.set_reviewer(on)

    def set_annotator(self, name: str) -> None:
        self.desk.set_annotator(name)
        self.settings.annotator = self.desk.annotator
        self._apply_reviewer_setting()

    def set_reviewer(self, on: bool) -> None:
        self.chrome.reviewer_action.setChecked(on)
        self._toggle_reviewer(on)

    def _toggle_reviewer(self, on: bool) -> None:
        if not self.desk.set_reviewer(on):  # a blind study keeps it for the lead
            self.chrome.reviewer_action.setChecked(self.desk.reviewer)
            return
        self.settings.set_reviewer(self.desk.annotator, on)

    def refresh_annotator_ui(self) -> None:
        self.annotators.refresh()
        several = len(self.desk.annotator_names()) > 1
        if self.desk.reviewer:
            mode = "Reviewer: all annotators"
        else:
            mode = "Blind: your spans only" if several else "Your spans"
        if self.desk.blind:
            mode = "Blind study · " + ("lead · " if self.desk.lead else "") + \
                (mode if self.desk.reviewer else "your spans only")
        elif self.desk.lead:
            mode = "Study lead · " + mode
        self.chrome.mode_label.setText(f"{self.desk.annotator} · {mode}")
        self.palette_widget.set_legend(self.styler.annotators, self.desk.reviewer)
        if self.desk.document is not None:
            self._document_opened(self.desk.document.id)
        self._update_counts()

    def choose_annotator(self) -> AnnotatorDialog:
        from stancedesk.gui.shell.annotator_dialog import AnnotatorDialog

        dialog = AnnotatorDialog(self.desk.annotator_names(), self.desk.annotator, self)
        dialog.accepted.connect(lambda: self.set_annotator(dialog.name()))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

    def set_colour_by(self, layer_key: str) -> None:
        self.styler.colour_by = layer_key
        self.settings.colour_by = layer_key
        self.chrome.colour_combo.setCurrentIndex(self.chrome.colour_combo.findData(layer_key))
        for a in self.chrome.colour_group.actions():
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

    # --- import and export -----------------------------------------------------------------

    def choose_import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import corpus", self.settings.folder("import"),
            f"Articles ({' '.join('*' + ext for ext in corpus_extensions())});;All files (*)")
        if paths:
            self.settings.set_folder("import", str(Path(paths[0]).parent))
            self.start_import(paths)

    def start_import(self, paths: list[str] | list[Path]) -> Job:
        """Import off the GUI thread, with a cancellable progress dialog (nothing is stored
        when cancelled: the service imports all or nothing)."""
        database = self.database

        def work(progress: Progress, cancelled: IsCancelled) -> ImportReport:
            return import_paths(database, list(paths), progress, cancelled)

        job = self.jobs.start(work, "importing articles")
        follow(job, self, title="Import corpus", name="importProgress", label="Reading files…",
               describe=lambda _d, _t, name: f"Reading {Path(name).name}…" if name
               else "Storing…")
        job.succeeded.connect(self._import_done)
        job.failed.connect(lambda exc: self.reporter.report(exc, "importing articles"))
        job.cancelled.connect(
            lambda: self.statusBar().showMessage("Import cancelled; nothing was stored.", 8000))
        job.finished.connect(lambda: self.chrome.import_action.setEnabled(True))
        self.chrome.import_action.setEnabled(False)
        return job

    def _import_done(self, report: ImportReport) -> None:
        self.desk.publish(report.changes)
        dupes = f", {len(report.duplicates)} already present" if report.duplicates else ""
        self.statusBar().showMessage(f"Imported {len(report.added)} document(s){dupes}.", 8000)

    def choose_export_csv(self) -> None:
        whose = "all annotators" if self.desk.reviewer else self.desk.annotator
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export annotations ({whose}) as CSV",
            str(Path(self.settings.folder("export") or Path.home()) / "annotations.csv"),
            "CSV (*.csv)")
        if path:
            self.settings.set_folder("export", str(Path(path).parent))
            self.export_csv(path)

    def export_csv(self, path: str | Path) -> Job:
        """Blind mode exports only the current annotator's spans; reviewer mode everyone's.
        Off the GUI thread with a cancellable progress dialog; a cancelled export leaves no
        file."""
        from stancedesk.services.exporting import export_with_progress  # the writers, on use

        database, target = self.database, Path(path)
        annotators, viewer = self.desk.visible_annotators(), self.desk.viewer

        def work(progress: Progress, cancelled: IsCancelled) -> int:
            return export_with_progress(database, "csv", target, annotators=annotators,
                                        progress=progress, cancelled=cancelled,
                                        viewer=viewer)

        job = self.jobs.start(work, "exporting annotations as CSV")
        follow(job, self, title="Export annotations", name="exportProgress",
               label="Exporting…", describe=lambda done, total, _t:
               f"Exported {done:,} of {total:,} spans…")
        job.succeeded.connect(lambda n: self.statusBar().showMessage(
            f"Exported {n} span(s) to {target}.", 8000))
        job.failed.connect(lambda exc: self.reporter.report(exc, "exporting annotations"))
        job.cancelled.connect(lambda: self.statusBar().showMessage(
            "Export cancelled; nothing was written.", 8000))
        return job

    # --- hooks for other parts of the GUI ---------------------------------------------------

    def add_tool_action(self, action: QAction) -> None:
        """Add an entry to the Tools menu (e.g. the agreement dashboard)."""
        self.chrome.tools_menu.addAction(action)
        self.chrome.tools_menu.menuAction().setVisible(True)

    def add_export_action(self, action: QAction) -> None:
        """Add an entry to File › Export (e.g. richer export dialogs)."""
        self.chrome.export_menu.addAction(action)

    def add_import_action(self, action: QAction) -> None:
        """Add an entry to the File menu next to Import corpus."""
        self.chrome.file_menu.insertAction(self.chrome.import_menu_anchor, action)

    def open_span(self, document_id: str, span_id: str, annotator: str) -> None:
        """Show a span that a tool window lists (a claim in the sourcing profile) in the
        reader, as the Sources panel does."""
        from stancedesk.gui.desk.attribution_ui import open_claim

        open_claim(self, document_id, span_id, annotator)

    def after_first_paint(self, work: Callable[[], None]) -> None:
        """Run ``work`` once the reader has painted for the first time (at once if it has):
        what the first window does not show waits until it is on screen."""
        if self._first_painted:
            work()
            return
        self._after_paint.append(work)

    def _reader_painted(self) -> None:
        self.reader.painted.disconnect(self._reader_painted)
        self._first_painted = True
        # after the paint has returned to the event loop, not inside it
        QTimer.singleShot(0, self._run_after_paint)

    def _run_after_paint(self) -> None:
        pending, self._after_paint = self._after_paint, []
        for work in pending:
            work()

    def add_dock(self, dock: QDockWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea) -> None:
        """Add a dock; give it an objectName so its place is remembered."""
        self.addDockWidget(area, dock)

    # --- lifetime --------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        for runner in self.findChildren(JobRunner):  # the window's, its dialogs', its tools'
            runner.shutdown(cancel=True, timeout_s=10)
        self._remember_document()
        self.desk.finish_reading()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        super().closeEvent(event)
        if event.isAccepted() and self._owns_database:
            self.database.dispose()


def build_main_window(db: str, annotator: str | None = None, *,
                      reporter: CrashReporter | None = None) -> MainWindow:
    """The desk on database path or URL ``db``, ready to show, with no blocking dialog.

    The annotator is ``annotator`` (created if new), else the one remembered in the settings,
    else the project's only annotator, else the login name.
    """
    forget_module_sources()  # before opening: a first migration then reuses that memory
    database = open_database(db)
    try:
        name = annotator or DeskSettings(database.url).annotator
        if not name:
            known = span_service.list_annotator_names(database)
            name = known[0] if len(known) == 1 else default_annotator_name()
        return MainWindow(database, name, reporter=reporter)
    except BaseException:
        database.dispose()
        raise

