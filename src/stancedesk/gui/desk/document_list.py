"""The document list: headers only (no texts), the current annotator's span counts and status,
and a proxy that filters on any column."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from stancedesk.services.corpus import DocumentSummary

Index = QModelIndex | QPersistentModelIndex

STATUS_TEXT = {"done": "Done", "in_progress": "In progress", "": ""}
COLUMNS = ("Title", "Outlet", "Date", "Spans", "Status")
TITLE, OUTLET, DATE, SPANS, STATUS = range(5)
SortRole = Qt.ItemDataRole.UserRole + 1


class DocumentListModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._docs: list[DocumentSummary] = []
        self._counts: dict[str, int] = {}
        self._status: dict[str, str] = {}
        self._rows: dict[str, int] = {}
        # the characters of a document whose summary came without them (set by the desk)
        self.length_of: Callable[[str], int | None] = lambda _id: None
        self._lengths: dict[str, int | None] = {}

    def reset(self, docs: list[DocumentSummary], statuses: Mapping[str, str]) -> None:
        self.beginResetModel()
        self._docs = list(docs)
        self._counts = {d.id: d.spans for d in docs}
        self._status = dict(statuses)
        self._rows = {d.id: i for i, d in enumerate(self._docs)}
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._docs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def document_id(self, row: int) -> str:
        return self._docs[row].id

    def summary(self, document_id: str) -> DocumentSummary | None:
        row = self._rows.get(document_id)
        return None if row is None else self._docs[row]

    def row_of(self, document_id: str) -> int:
        return self._rows.get(document_id, -1)

    def status(self, document_id: str) -> str:
        """Stored status, else "in progress" once the annotator has made a span."""
        stored = self._status.get(document_id, "")
        if stored:
            return stored
        return "in_progress" if self._counts.get(document_id, 0) else ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        doc = self._docs[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, SortRole):
            if col == TITLE:
                return doc.title or doc.source_file or doc.id
            if col == OUTLET:
                return doc.outlet
            if col == DATE:
                return doc.published
            if col == SPANS:
                return self._counts.get(doc.id, 0)
            if col == STATUS:
                return STATUS_TEXT[self.status(doc.id)]
        if role == Qt.ItemDataRole.ToolTipRole:
            length = doc.length if doc.length is not None else self._length(doc.id)
            size = f" · {length:,} characters" if length is not None else ""
            return f"{doc.title}\n{doc.source_file}{size}"
        if role == Qt.ItemDataRole.UserRole:
            return doc.id
        if role == Qt.ItemDataRole.TextAlignmentRole and col == SPANS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _length(self, document_id: str) -> int | None:
        if document_id not in self._lengths:  # a text never changes: asked once
            self._lengths[document_id] = self.length_of(document_id)
        return self._lengths[document_id]

    def add_to_count(self, document_id: str, delta: int) -> None:
        row = self._rows.get(document_id)
        if row is None or not delta:
            return
        self._counts[document_id] = max(0, self._counts.get(document_id, 0) + delta)
        self.dataChanged.emit(self.index(row, SPANS), self.index(row, STATUS))

    def set_status(self, document_id: str, status: str) -> None:
        row = self._rows.get(document_id)
        self._status[document_id] = status
        if row is not None:
            self.dataChanged.emit(self.index(row, STATUS), self.index(row, STATUS))


class DocumentFilter(QSortFilterProxyModel):
    """Case-insensitive substring filter over every column, and over the texts: ``set_query``
    takes the ids whose title, outlet or text matched in the database (the list holds no
    texts). Sorts numbers as numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setSortRole(SortRole)
        self._matches: frozenset[str] = frozenset()

    def set_query(self, text: str, matches: set[str] | frozenset[str] = frozenset()) -> None:
        self._matches = frozenset(matches)
        self.setFilterFixedString(text)
        self.invalidate()  # the matches may change while the string stays

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if super().filterAcceptsRow(source_row, source_parent):
            return True
        model = self.sourceModel()
        if not self._matches or not isinstance(model, DocumentListModel):
            return False
        return model.document_id(source_row) in self._matches
