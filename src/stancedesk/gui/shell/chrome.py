"""Menus, actions, toolbar and status bar of the main window.

The base class of MainWindow, so that main_window.py keeps the behaviour and this module the
chrome; every method reads state the window set up before calling it (desk, reader, scheme,
settings), and that state is declared below so the type checker holds both sides to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QTableView,
    QWidget,
)

from stancedesk.domain import LayerKind
from stancedesk.gui.shell import theme
from stancedesk.gui.shell.icons import icon

if TYPE_CHECKING:
    from stancedesk.domain import Scheme
    from stancedesk.gui.desk.controller import AnnotationDesk
    from stancedesk.gui.desk.find_bar import FindBar
    from stancedesk.gui.desk.painting import SpanStyler
    from stancedesk.gui.desk.reader import DocumentView
    from stancedesk.gui.shell.settings import DeskSettings


class WindowChrome(QMainWindow):
    """MainWindow's base: builds the actions, menus, toolbar and status bar."""

    # set up by MainWindow before it builds the chrome
    dark: bool
    desk: AnnotationDesk
    reader: DocumentView
    span_table: QTableView
    find_bar: FindBar
    scheme: Scheme
    styler: SpanStyler
    settings: DeskSettings
    documents_dock: QDockWidget
    palette_dock: QDockWidget
    spans_dock: QDockWidget
    # MainWindow's slots that the actions, menus and combo boxes call
    choose_import: Callable[[], None]
    choose_export_csv: Callable[[], None]
    choose_annotator: Callable[[], object]
    set_colour_by: Callable[[str], None]
    set_theme: Callable[[str], None]
    _clear_selection: Callable[[], None]
    _step_document: Callable[[int], None]
    _toggle_done: Callable[[bool], None]
    _toggle_reviewer: Callable[[bool], None]
    _fill_annotator_menu: Callable[[], None]
    _show_palette: Callable[[], None]
    _about: Callable[[], None]
    _annotator_combo_activated: Callable[[int], None]

    def _action(self, text: str, slot: object = None,
                shortcut: str | QKeySequence | QKeySequence.StandardKey | None = None,
                icon_name: str = "", tip: str = "", *, context: Qt.ShortcutContext | None = None,
                checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if icon_name:
            action.setIcon(icon(icon_name, theme.icon_colour(self.dark)))
            action.setData(icon_name)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        if context is not None:
            action.setShortcutContext(context)
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _reader_scoped(self, action: QAction) -> QAction:
        """Single-key actions work where annotating happens (reader and span table), never
        while typing in the filter or a dialog."""
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.removeAction(action)
        self.reader.addAction(action)
        self.span_table.addAction(action)
        return action

    def _build_actions(self) -> None:
        d = self.desk
        self.import_action = self._action("&Import corpus…", self.choose_import, "Ctrl+I",
                                          "import", "Import articles (Markdown, HTML, text, "
                                          "JSONL) into the project")
        self.export_csv_action = self._action("Annotations as &CSV…", self.choose_export_csv,
                                              "Ctrl+E", "export",
                                              "Export annotations to a CSV file")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = d.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.undo_action.setIcon(icon("undo", theme.icon_colour(self.dark)))
        self.undo_action.setData("undo")
        self.redo_action = d.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setIcon(icon("redo", theme.icon_colour(self.dark)))
        self.redo_action.setData("redo")
        self.addActions([self.undo_action, self.redo_action])
        self.find_action = self._action("&Find…", self.find_bar.open_bar,
                                        QKeySequence.StandardKey.Find, "find",
                                        "Find in the document")
        self.find_next_action = self._action("Find &next", lambda: self.find_bar.find_match(),
                                             QKeySequence.StandardKey.FindNext)
        self.find_prev_action = self._action(
            "Find p&revious", lambda: self.find_bar.find_match(backward=True),
            QKeySequence.StandardKey.FindPrevious)
        self.delete_action = self._reader_scoped(self._action(
            "&Delete span", d.delete_current, "Del", "delete", "Delete the selected span"))
        self.delete_action.setShortcuts([QKeySequence("Del"), QKeySequence("Backspace")])
        self.note_action = self._reader_scoped(self._action(
            "Edit &note…", d.request_note, "Return", "note", "Edit the selected span's note"))
        self.note_action.setShortcuts([QKeySequence("Return"), QKeySequence("Enter")])
        self.fit_action = self._action("&Fit span to selection", d.fit_to_selection, "Ctrl+R",
                                       tip="Resize the selected span to the selected text")
        self.next_action = self._reader_scoped(self._action(
            "&Next span", lambda: d.step(True), "]", "next", "Next span (])"))
        self.prev_action = self._reader_scoped(self._action(
            "&Previous span", lambda: d.step(False), "[", "previous", "Previous span ([)"))
        self.clear_action = self._reader_scoped(self._action(
            "Clear selection", self._clear_selection, "Esc"))
        self.next_doc_action = self._action("Next &document", lambda: self._step_document(1),
                                            "Ctrl+PgDown")
        self.prev_doc_action = self._action("Previous d&ocument",
                                            lambda: self._step_document(-1), "Ctrl+PgUp")
        self.done_action = self._action("Mark document &done", self._toggle_done, "Ctrl+D",
                                        "done", "Mark the document done (or in progress again)",
                                        checkable=True)
        self.reviewer_action = self._action(
            "Show &all annotators (reviewer)", self._toggle_reviewer, "Ctrl+Shift+R",
            "reviewer", "Reviewer mode: show every annotator's spans. Off (blind mode): only "
            "yours.", checkable=True)
        self.switch_annotator_action = self._action("&Switch annotator…",
                                                    self.choose_annotator, "Ctrl+Shift+U",
                                                    "annotator", "Choose who is annotating")
        self.label_actions: dict[tuple[str, str], QAction] = {}
        for layer in self.scheme.layers:
            if layer.kind is LayerKind.FREE:
                a = self._action(f"{layer.name}…", lambda _c=False, k=layer.key:
                                 self.desk.request_free_value(k), layer.shortcut or None,
                                 tip=layer.description)
                self.label_actions[(layer.key, "")] = self._reader_scoped(a)
            for label in layer.labels:
                a = self._action(label.name, lambda _c=False, k=layer.key, v=label.key:
                                 self.desk.label(k, v), label.shortcut or None,
                                 tip=label.description)
                self.label_actions[(layer.key, label.key)] = self._reader_scoped(a)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.file_menu.addAction(self.import_action)
        self.import_menu_anchor = self.file_menu.addSeparator()
        self.export_menu = self.file_menu.addMenu(icon("export", theme.icon_colour(self.dark)),
                                                  "&Export")
        self.export_menu.addAction(self.export_csv_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action])
        edit.addSeparator()
        edit.addActions([self.find_action, self.find_next_action, self.find_prev_action])
        edit.addSeparator()
        edit.addActions([self.note_action, self.fit_action, self.delete_action])

        label_menu = bar.addMenu("&Label")
        for layer in self.scheme.layers:
            sub = label_menu.addMenu(layer.name)
            for (layer_key, _value), action in self.label_actions.items():
                if layer_key == layer.key:
                    sub.addAction(action)

        go = bar.addMenu("&Go")
        go.addActions([self.next_action, self.prev_action])
        go.addSeparator()
        go.addActions([self.next_doc_action, self.prev_doc_action])

        doc_menu = bar.addMenu("&Document")
        doc_menu.addAction(self.done_action)

        view = bar.addMenu("&View")
        view.addAction(self.reviewer_action)
        colour_menu = view.addMenu("&Colour spans by")
        self.colour_group = QActionGroup(self)
        for layer in self.scheme.layers:
            a = colour_menu.addAction(layer.name)
            a.setCheckable(True)
            a.setData(layer.key)
            a.setChecked(layer.key == self.styler.colour_by)
            self.colour_group.addAction(a)
        self.colour_group.triggered.connect(lambda a: self.set_colour_by(a.data()))
        theme_menu = view.addMenu("&Theme")
        self.theme_group = QActionGroup(self)
        for mode in theme.THEMES:
            a = theme_menu.addAction(mode.capitalize() if mode != "system" else "Follow system")
            a.setCheckable(True)
            a.setData(mode)
            a.setChecked(mode == self.settings.theme)
            self.theme_group.addAction(a)
        self.theme_group.triggered.connect(lambda a: self.set_theme(a.data()))
        view.addSeparator()
        for dock in (self.documents_dock, self.palette_dock, self.spans_dock):
            view.addAction(dock.toggleViewAction())

        self.annotator_menu = bar.addMenu("&Annotator")
        self.annotator_menu.aboutToShow.connect(self._fill_annotator_menu)

        self.tools_menu = bar.addMenu("&Tools")
        self.tools_menu.menuAction().setVisible(False)  # shown once someone adds a tool

        help_menu = bar.addMenu("&Help")
        help_menu.addAction("&Keyboard and labels", self._show_palette)
        help_menu.addAction("&About StanceDesk", self._about)

    def _build_toolbar(self) -> None:
        tb = self.addToolBar("Main")
        tb.setObjectName("mainToolBar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        tb.addActions([self.import_action, self.export_csv_action])
        tb.addSeparator()
        tb.addActions([self.undo_action, self.redo_action])
        tb.addSeparator()
        tb.addActions([self.prev_action, self.next_action, self.note_action, self.delete_action,
                       self.find_action])
        tb.addSeparator()
        tb.addAction(self.done_action)
        tb.addAction(self.reviewer_action)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().Policy.Expanding,
                             spacer.sizePolicy().Policy.Preferred)
        tb.addWidget(spacer)
        tb.addWidget(QLabel("Colour by "))
        self.colour_combo = QComboBox()
        self.colour_combo.setObjectName("colourBy")
        for layer in self.scheme.layers:
            self.colour_combo.addItem(layer.name, layer.key)
        self.colour_combo.setCurrentIndex(self.colour_combo.findData(self.styler.colour_by))
        self.colour_combo.activated.connect(
            lambda i: self.set_colour_by(self.colour_combo.itemData(i)))
        self.colour_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        tb.addWidget(self.colour_combo)
        tb.addSeparator()
        tb.addAction(self.switch_annotator_action)
        self.annotator_combo = QComboBox()
        self.annotator_combo.setObjectName("annotatorCombo")
        self.annotator_combo.setMinimumContentsLength(10)
        self.annotator_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.annotator_combo.activated.connect(self._annotator_combo_activated)
        tb.addWidget(self.annotator_combo)
        self.toolbar = tb

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.mode_label = QLabel()
        self.mode_label.setObjectName("modeLabel")
        self.count_label = QLabel()
        self.saved_label = QLabel("All changes saved")
        self.saved_label.setObjectName("savedLabel")
        self.saved_label.setToolTip("Every change is written to the database as you make it.")
        self._saved_timer = QTimer(self)
        self._saved_timer.setSingleShot(True)
        self._saved_timer.setInterval(1500)
        self._saved_timer.timeout.connect(lambda: self.saved_label.setText("All changes saved"))
        sb.addPermanentWidget(self.count_label)
        sb.addPermanentWidget(self.mode_label)
        sb.addPermanentWidget(self.saved_label)
