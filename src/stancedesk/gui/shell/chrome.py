"""Menus, actions, toolbar and status bar of the main window.

A plain object the window owns (``window.chrome``): it builds the chrome from what the window
has set up (desk, reader, docks, settings) and holds every action and menu as a declared
attribute; the actions call the window's slots, so the behaviour stays in main_window.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMenu,
    QToolBar,
    QWidget,
)

from stancedesk.domain import LayerKind
from stancedesk.gui.shell import theme
from stancedesk.gui.shell.icons import icon
from stancedesk.gui.shell.steady import SteadyLabel, add_steady_twin

if TYPE_CHECKING:
    from stancedesk.gui.shell.main_window import MainWindow


class WindowChrome:
    """The window's actions, menus, toolbar and status bar."""

    import_action: QAction
    export_csv_action: QAction
    quit_action: QAction
    undo_action: QAction
    redo_action: QAction
    find_action: QAction
    find_next_action: QAction
    find_prev_action: QAction
    delete_action: QAction
    note_action: QAction
    fit_action: QAction
    next_action: QAction
    prev_action: QAction
    clear_action: QAction
    next_doc_action: QAction
    prev_doc_action: QAction
    done_action: QAction
    reviewer_action: QAction
    switch_annotator_action: QAction
    label_actions: dict[tuple[str, str], QAction]
    file_menu: QMenu
    import_menu_anchor: QAction
    export_menu: QMenu
    annotator_menu: QMenu
    tools_menu: QMenu
    colour_group: QActionGroup
    theme_group: QActionGroup
    colour_combo: QComboBox
    toolbar: QToolBar
    mode_label: QLabel
    count_label: QLabel
    saved_label: QLabel
    saved_timer: QTimer

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

    def _action(self, text: str, slot: object = None,
                shortcut: str | QKeySequence | QKeySequence.StandardKey | None = None,
                icon_name: str = "", tip: str = "", *, context: Qt.ShortcutContext | None = None,
                checkable: bool = False) -> QAction:
        w = self.window
        action = QAction(text, w)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if icon_name:
            action.setIcon(icon(icon_name, theme.icon_colour(w.dark)))
            action.setData(icon_name)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        if context is not None:
            action.setShortcutContext(context)
        if slot is not None:
            action.triggered.connect(slot)
        w.addAction(action)
        return action

    def _reader_scoped(self, action: QAction) -> QAction:
        """Single-key actions work where annotating happens (reader and span table), never
        while typing in the filter or a dialog."""
        w = self.window
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        w.removeAction(action)
        w.reader.addAction(action)
        w.span_table.addAction(action)
        return action

    def _build_actions(self) -> None:
        w = self.window
        d = w.desk
        self.import_action = self._action("&Import corpus…", w.choose_import, "Ctrl+I",
                                          "import", "Import articles (Markdown, HTML, text, "
                                          "JSONL) into the project")
        self.export_csv_action = self._action("Annotations as &CSV…", w.choose_export_csv,
                                              "Ctrl+E", "export",
                                              "Export annotations to a CSV file")
        self.quit_action = self._action("&Quit", w.close, QKeySequence.StandardKey.Quit)
        self.undo_action = d.undo_group.createUndoAction(w, "&Undo")
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.undo_action.setIcon(icon("undo", theme.icon_colour(w.dark)))
        self.undo_action.setData("undo")
        self.redo_action = d.undo_group.createRedoAction(w, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setIcon(icon("redo", theme.icon_colour(w.dark)))
        self.redo_action.setData("redo")
        w.addActions([self.undo_action, self.redo_action])
        self.find_action = self._action("&Find…", w.find_bar.open_bar,
                                        QKeySequence.StandardKey.Find, "find",
                                        "Find in the document")
        self.find_next_action = self._action("Find &next", lambda: w.find_bar.find_match(),
                                             QKeySequence.StandardKey.FindNext)
        self.find_prev_action = self._action(
            "Find p&revious", lambda: w.find_bar.find_match(backward=True),
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
            "Clear selection", w._clear_selection, "Esc"))
        self.next_doc_action = self._action("Next &document", lambda: w.documents.step(1),
                                            "Ctrl+PgDown")
        self.prev_doc_action = self._action("Previous d&ocument",
                                            lambda: w.documents.step(-1), "Ctrl+PgUp")
        self.done_action = self._action("Mark document &done", w._toggle_done, "Ctrl+D",
                                        "done", "Mark the document done (or in progress again)",
                                        checkable=True)
        self.reviewer_action = self._action(
            "Show &all annotators (reviewer)", w._toggle_reviewer, "Ctrl+Shift+R",
            "reviewer", "Reviewer mode: show every annotator's spans. Off (blind mode): only "
            "yours.", checkable=True)
        self.switch_annotator_action = self._action("&Switch annotator…",
                                                    w.choose_annotator, "Ctrl+Shift+U",
                                                    "annotator", "Choose who is annotating")
        self.label_actions: dict[tuple[str, str], QAction] = {}
        for layer in w.scheme.layers:
            if layer.kind is LayerKind.FREE:
                a = self._action(f"{layer.name}…", lambda _c=False, k=layer.key:
                                 w.desk.request_free_value(k), layer.shortcut or None,
                                 tip=layer.description)
                self.label_actions[(layer.key, "")] = self._reader_scoped(a)
            for label in layer.labels:
                a = self._action(label.name, lambda _c=False, k=layer.key, v=label.key:
                                 w.desk.label(k, v), label.shortcut or None,
                                 tip=label.description)
                self.label_actions[(layer.key, label.key)] = self._reader_scoped(a)

    def _build_menus(self) -> None:
        w = self.window
        bar = w.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.file_menu.addAction(self.import_action)
        self.import_menu_anchor = self.file_menu.addSeparator()
        self.export_menu = self.file_menu.addMenu(icon("export", theme.icon_colour(w.dark)),
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
        for layer in w.scheme.layers:
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
        self.document_menu = doc_menu  # extensions add to it (details, delete)

        view = bar.addMenu("&View")
        view.addAction(self.reviewer_action)
        self.view_menu = view
        colour_menu = view.addMenu("&Colour spans by")
        self.colour_group = QActionGroup(w)
        for layer in w.scheme.layers:
            a = colour_menu.addAction(layer.name)
            a.setCheckable(True)
            a.setData(layer.key)
            a.setChecked(layer.key == w.styler.colour_by)
            self.colour_group.addAction(a)
        self.colour_group.triggered.connect(lambda a: w.set_colour_by(a.data()))
        theme_menu = view.addMenu("&Theme")
        self.theme_group = QActionGroup(w)
        for mode in theme.THEMES:
            a = theme_menu.addAction(mode.capitalize() if mode != "system" else "Follow system")
            a.setCheckable(True)
            a.setData(mode)
            a.setChecked(mode == w.settings.theme)
            self.theme_group.addAction(a)
        self.theme_group.triggered.connect(lambda a: w.set_theme(a.data()))
        view.addSeparator()
        for dock in (w.documents_dock, w.palette_dock, w.spans_dock):
            view.addAction(dock.toggleViewAction())

        self.annotator_menu = bar.addMenu("&Annotator")

        self.tools_menu = bar.addMenu("&Tools")
        self.tools_menu.menuAction().setVisible(False)  # shown once someone adds a tool

        help_menu = bar.addMenu("&Help")
        help_menu.addAction("&Keyboard and labels", w._show_palette)
        help_menu.addAction("&About StanceDesk", w._about)

    def _build_toolbar(self) -> None:
        w = self.window
        tb = w.addToolBar("Main")
        tb.setObjectName("mainToolBar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        tb.addActions([self.import_action, self.export_csv_action])
        tb.addSeparator()
        # the undo and redo actions' texts name the last step and change with every key:
        # the toolbar shows copies with one text (their tooltips still name the step)
        add_steady_twin(tb, self.undo_action, "Undo")
        add_steady_twin(tb, self.redo_action, "Redo")
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
        for layer in w.scheme.layers:
            self.colour_combo.addItem(layer.name, layer.key)
        self.colour_combo.setCurrentIndex(self.colour_combo.findData(w.styler.colour_by))
        self.colour_combo.activated.connect(
            lambda i: w.set_colour_by(self.colour_combo.itemData(i)))
        self.colour_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        tb.addWidget(self.colour_combo)
        tb.addSeparator()
        tb.addAction(self.switch_annotator_action)
        self.toolbar = tb  # the window adds the annotator switcher's combo at the end

    def _build_status_bar(self) -> None:
        w = self.window
        sb = w.statusBar()
        self.mode_label = QLabel()
        self.mode_label.setObjectName("modeLabel")
        # the count and "Saved" change with every key: steady, so the window is not laid out
        self.count_label = SteadyLabel()
        self.saved_label = SteadyLabel("All changes saved")
        self.saved_label.setObjectName("savedLabel")
        self.saved_label.setToolTip("Every change is written to the database as you make it.")
        self.saved_timer = QTimer(w)
        self.saved_timer.setSingleShot(True)
        self.saved_timer.setInterval(1500)
        self.saved_timer.timeout.connect(lambda: self.saved_label.setText("All changes saved"))
        sb.addPermanentWidget(self.count_label)
        sb.addPermanentWidget(self.mode_label)
        sb.addPermanentWidget(self.saved_label)
