"""The documents dock: a filter over the list, which opens the chosen document in the desk and
follows the desk's changes (new documents, span counts, statuses)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QHeaderView, QLineEdit, QMenu, QTableView, QVBoxLayout, QWidget

from stancedesk.gui.desk.controller import AnnotationDesk
from stancedesk.gui.desk.document_list import DocumentFilter
from stancedesk.gui.desk.tables import tidy_table
from stancedesk.services.changes import Changes


class DocumentsPanel(QWidget):
    def __init__(self, desk: AnnotationDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        # others add entries to a document's context menu (details, delete: corpus_actions)
        self.menu_hooks: list[Callable[[QMenu, str], None]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("documentFilter")
        self.filter_edit.setPlaceholderText("Filter documents")
        self.filter_edit.setClearButtonEnabled(True)
        self.proxy = DocumentFilter()
        self.proxy.setSourceModel(desk.doc_model)
        self.view = QTableView()
        self.view.setObjectName("documentList")
        self.view.setModel(self.proxy)
        tidy_table(self.view)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 120), (2, 84), (3, 52), (4, 86)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        header.setStretchLastSection(False)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view, 1)

        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.view.customContextMenuRequested.connect(self._menu)
        desk.documentOpened.connect(self.show_current)
        desk.changed.connect(self.follow)

    def select_row(self, source_row: int) -> None:
        """Open the document on that row of the model (even when the filter hides it)."""
        proxy_index = self.proxy.mapFromSource(self.desk.doc_model.index(source_row, 0))
        if proxy_index.isValid():
            self.view.setCurrentIndex(proxy_index)
        else:
            self.desk.open_document(self.desk.doc_model.document_id(source_row))

    def step(self, delta: int) -> None:
        """The next or previous document in the list as shown (filtered and sorted)."""
        current = self.view.currentIndex()
        row = (current.row() if current.isValid() else -1) + delta
        if 0 <= row < self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(row, 0))

    def show_current(self, document_id: str) -> None:
        """Select the open document's row, without opening it again."""
        row = self.desk.doc_model.row_of(document_id)
        proxy = self.proxy.mapFromSource(self.desk.doc_model.index(row, 0))
        selection = self.view.selectionModel()
        if proxy.isValid() and self.view.currentIndex().row() != proxy.row():
            selection.setCurrentIndex(proxy, selection.SelectionFlag.ClearAndSelect
                                      | selection.SelectionFlag.Rows)

    def follow(self, changes: Changes) -> None:
        """New documents listed (keeping the open one selected); span counts moved in place."""
        desk = self.desk
        if changes.touches_documents:
            desk.reload_documents()
            if desk.document is None:
                if desk.doc_model.rowCount():
                    self.select_row(0)
            else:
                self.show_current(desk.document.id)
            return
        for doc_id in changes.span_documents:
            desk.doc_model.add_to_count(doc_id, changes.count_delta(doc_id, desk.annotator))

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            source = self.proxy.mapToSource(current)
            self.desk.open_document(self.desk.doc_model.document_id(source.row()))

    def _menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        doc_id = self.desk.doc_model.document_id(self.proxy.mapToSource(index).row())
        menu = QMenu(self)
        done = self.desk.doc_model.status(doc_id) == "done"
        action = menu.addAction("Mark in progress" if done else "Mark done")
        action.triggered.connect(lambda: self.desk.set_done(not done, doc_id))
        for extend in self.menu_hooks:
            extend(menu, doc_id)
        self.menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))
