"""The span inspector as a dock of the main window, kept in step with the desk; and the span
table's column chooser (both are about seeing what a span holds).

It follows the current span (and every change to it, undo included), is editable only for the
annotator's own spans in a document that is not marked done, and says why otherwise; the label
palette marks the same span's values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget

from stancedesk.domain import LayerKind
from stancedesk.gui.desk.inspector import SpanInspector
from stancedesk.gui.desk.span_table import DEFAULT_HIDDEN, ColumnChooser
from stancedesk.services import project

if TYPE_CHECKING:
    from stancedesk.gui.shell.main_window import MainWindow


class InspectorLink:
    """Connects one inspector to one window's desk."""

    def __init__(self, window: MainWindow, inspector: SpanInspector) -> None:
        self.window = window
        self.desk = window.desk
        self.inspector = inspector
        self._hinted: str | None = None
        self._shown: tuple[object, bool, str] | None = None  # what refresh() last showed
        self._suggested: tuple[object, ...] | None = None  # the state suggestions were read in
        desk = self.desk
        # Refreshed once per turn of the event loop, after the window has painted what the
        # change did in the reader and the span table: a label key asks three times (current
        # span, change, saved), and filling and laying out the panel and marking the palette
        # cost as much as the reader's repaint; they follow in the next frame.
        self._soon = QTimer(inspector)
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self.refresh)
        desk.currentSpanChanged.connect(lambda _id: self._soon.start())
        desk.changed.connect(lambda _c: self._soon.start())
        desk.saved.connect(self._soon.start)  # after a write, and after Mark done
        desk.documentOpened.connect(lambda _id: self.refresh_suggestions(unless_unchanged=True))
        desk.studyChanged.connect(self.refresh_suggestions)
        desk.studyChanged.connect(self.refresh)
        desk.annotatorChanged.connect(lambda _n: self.refresh_suggestions())
        inspector.labelChosen.connect(self._label)
        inspector.noteChosen.connect(desk.set_note)
        # the suggestions read every span's value in the project (a tenth of a second at
        # 50,000 spans): the first window is painted without them, they come right after
        self._waiting = True
        window.after_first_paint(self._first_fill)
        self.refresh()

    def _first_fill(self) -> None:
        self._waiting = False
        self.refresh_suggestions()

    def refresh_suggestions(self, *, unless_unchanged: bool = False) -> None:
        """The free layers' suggestions read every span's value in the project: opening a
        document asks again only when something was committed since (or the viewer changed)."""
        if self._waiting:
            return  # the first fill, after the first paint, reads them as they are then
        desk = self.desk
        state = (project.data_version(desk.database), desk.annotator, desk.lead, desk.blind)
        # (an in-memory database's counter does not count this desk's own commits)
        counts_own = desk.database.location.path is not None or not desk.database.is_sqlite
        if unless_unchanged and counts_own and state == self._suggested:
            return
        self._suggested = state
        for layer in self.desk.scheme.layers:
            if layer.kind is LayerKind.FREE:
                self.inspector.set_suggestions(layer.key, self.desk.target_suggestions(layer.key))

    def refresh(self) -> None:
        self._soon.stop()  # whatever was asked for until now is shown now
        desk = self.desk
        span = desk.current_span()
        own = span is not None and span.annotator == desk.annotator
        done = desk.done_hint() if span is not None else ""
        other = desk.other_span_hint(span)
        hint = other or done
        # one label key reaches here three or four times (current span, change, saved) with
        # nothing new after the first: filling every field again costs milliseconds each time
        shown = (span, own and not done, hint)
        if self._shown is not None and self._shown[0] is span and self._shown[1:] == shown[1:]:
            return
        self._shown = shown
        self.inspector.show_span(span, editable=own and not done, hint=hint)
        if other and span is not None and span.id != self._hinted:
            self.window.statusBar().showMessage(other, 8000)  # what a label key will do
        self._hinted = span.id if span is not None else None
        self.window.palette_widget.show_current(dict(span.labels) if span else None)

    def _label(self, layer_key: str, value: str) -> None:
        span = self.inspector.span
        if span is not None:
            self.desk.set_span_value(span.id, layer_key, value or None)


def install(window: MainWindow) -> SpanInspector:
    """Add the "Span" dock (the inspector) under the document list."""
    inspector = SpanInspector(window.scheme)
    dock = QDockWidget("Span", window)
    dock.setObjectName("inspectorDock")
    dock.setWidget(inspector)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
    # under the document list: the left column has the room (a corpus list is short where a
    # palette and a span table are not)
    window.add_dock(dock, Qt.DockWidgetArea.LeftDockWidgetArea)
    window.splitDockWidget(window.documents_dock, dock, Qt.Orientation.Vertical)
    window.inspector = inspector
    window.inspector_dock = dock
    window.inspector_link = InspectorLink(window, inspector)
    window.chrome.view_menu.addAction(dock.toggleViewAction())
    install_column_chooser(window)
    return inspector


def install_column_chooser(window: MainWindow) -> ColumnChooser:
    """The span table's header menu shows and hides columns; the choice is remembered."""
    model = window.desk.span_model
    titles = [str(model.headerData(i, Qt.Orientation.Horizontal))
              for i in range(model.columnCount())]
    hidden = window.settings.hidden_columns("spanTable")
    chooser = ColumnChooser(window.span_table, model.column_keys, titles,
                            DEFAULT_HIDDEN if hidden is None else hidden,
                            lambda keys: window.settings.set_hidden_columns("spanTable", keys))
    window.span_columns = chooser
    return chooser
