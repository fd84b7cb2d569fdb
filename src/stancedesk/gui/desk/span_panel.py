"""The spans dock: the open document's spans as a table, kept in step with the reader (the
current span is the selected row, and a chosen row becomes the current span)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from stancedesk.gui.desk.controller import AnnotationDesk
from stancedesk.gui.desk.tables import tidy_table


class SpanTableView(QTableView):
    def __init__(self, desk: AnnotationDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._syncing = False  # True while the reader moves the selection
        self.setObjectName("spanTable")
        self.setModel(desk.span_model)
        tidy_table(self)
        # the header highlights no section (tidy_table), yet it repaints itself whole at every
        # selection change, since a selected row spans every column: a selection of its own,
        # never changed, spares that repaint at every label key and every row chosen
        header_selection = QItemSelectionModel(desk.span_model, self)
        self.horizontalHeader().setSelectionModel(header_selection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 220)
        for col in range(1, desk.span_model.columnCount()):
            header.resizeSection(col, 92)
        header.setStretchLastSection(False)
        self.selectionModel().currentRowChanged.connect(self._row_changed)
        self.doubleClicked.connect(self._double_clicked)
        desk.currentSpanChanged.connect(self.show_span)

    def show_span(self, span_id: str | None) -> None:
        """Reader -> table: select and reveal the row of the current span."""
        row = self.desk.store.row_of(span_id) if span_id else -1
        selection = self.selectionModel()
        self._syncing = True
        try:
            if row < 0:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(), selection.SelectionFlag.NoUpdate)
            else:
                index = self.desk.span_model.index(row, 0)
                selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect
                                          | selection.SelectionFlag.Rows)
                self.scrollTo(index)
        finally:
            self._syncing = False

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._syncing:
            span = self.desk.span_model.span_at(current.row())
            if span.id != self.desk.reader.current_span:
                self.desk.select_span(span.id, show=True)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.column() != self.desk.span_model.note_column:
            span = self.desk.span_model.span_at(index.row())
            self.desk.select_span(span.id, show=True)
            self.desk.reader.setFocus()
