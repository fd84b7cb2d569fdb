"""Table model over the open document's spans: rows follow the span store, cells are built
lazily and cached per span, and a change touches only its own row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QMenu, QTableView

from stancedesk.domain import LayerKind, Scheme, Span
from stancedesk.domain.span_store import SpanStore

Index = QModelIndex | QPersistentModelIndex
# (display texts, label colour per column, the span they were made from)
_Row = tuple[tuple[str, ...], dict[int, QColor], Span]
# roles as plain ints, compared without an enum look-up on every call of data()
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_DECORATION = Qt.ItemDataRole.DecorationRole.value
_FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
_EDIT = Qt.ItemDataRole.EditRole.value
_USER = Qt.ItemDataRole.UserRole.value
_ANSWERED = frozenset({_DISPLAY, _TOOLTIP, _DECORATION, _FOREGROUND, _EDIT, _USER})
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
# what QAbstractTableModel.flags gives a valid cell, and the note column's
_CELL_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled \
    | Qt.ItemFlag.ItemNeverHasChildren
_NOTE_FLAGS = _CELL_FLAGS | Qt.ItemFlag.ItemIsEditable
TEXT_PREVIEW = 80
# the offsets say little at a glance and cost two columns: hidden until asked for
DEFAULT_HIDDEN = ("start", "end")


class SpanTableModel(QAbstractTableModel):
    """Columns: text, one per layer, note, annotator, start, end, source. The note is editable
    in place (the edit goes through the undo stack via ``noteEdited``); a claim's source cell
    comes from the desk's link index (``source_of``), not from the cached cells, because a link
    change does not change the span."""

    noteEdited = Signal(str, str)  # span id, new note

    def __init__(self, scheme: Scheme, store: SpanStore | None = None) -> None:
        super().__init__()
        self.scheme = scheme
        self.store = store or SpanStore()
        self._cache: dict[str, _Row] = {}
        self._muted = QBrush(QColor("#8a8f98"))
        self._columns = ["Text", *(layer.name for layer in scheme.layers), "Note", "Annotator",
                         "Start", "End", "Source"]
        # stable names for remembering which columns are shown (layer keys, not titles)
        self.column_keys = ["text", *scheme.layer_keys, "note", "annotator", "start", "end",
                            "source"]
        self.note_column = 1 + len(scheme.layers)
        self.annotator_column = self.note_column + 1
        self.source_column = len(self._columns) - 1
        self.source_of: Callable[[Span], str] = lambda _span: ""

    # --- structure ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.store)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        # asked for every painted cell: the two answers are made once, not per call
        if not index.isValid():
            return _NO_FLAGS
        return _NOTE_FLAGS if index.column() == self.note_column else _CELL_FLAGS

    def span_at(self, row: int) -> Span:
        return self.store.at(row)

    # --- cells ----------------------------------------------------------------------------

    def _cells(self, span: Span) -> tuple[str, ...]:
        return self._row(span)[0]

    def _row(self, span: Span) -> _Row:
        """The span's display texts and label colours, built once per span version: a view
        asks for several roles of every visible cell on each repaint (after a label, about
        two hundred calls), so each answer is a look-up."""
        row = self._cache.get(span.id)
        if row is None or row[2] is not span:
            text = " ".join(span.text.split())
            if len(text) > TEXT_PREVIEW:
                text = text[:TEXT_PREVIEW - 1] + "…"
            values = []
            colours: dict[int, QColor] = {}
            for col, layer in enumerate(self.scheme.layers, start=1):
                value = span.labels.get(layer.key, "")
                label = layer.label(value) if value else None
                if label is not None:
                    colours[col] = QColor(label.color)
                if value and layer.kind is LayerKind.CLOSED:
                    value = label.name if label else value
                values.append(value)
            cells = (text, *values, span.note, span.annotator, str(span.start), str(span.end))
            row = self._cache[span.id] = (cells, colours, span)
        return row

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # a view asks seven roles per painted cell; font, alignment, check state and
        # background are never set here: answered before looking the span up
        if role not in _ANSWERED or not index.isValid():
            return None
        span = self.store.at(index.row())
        col = index.column()
        if role in (_DISPLAY, _TOOLTIP):
            if role == _TOOLTIP and col == 0:
                return span.text
            if col == self.source_column:
                return self.source_of(span)
            return self._row(span)[0][col]
        if role == _DECORATION:
            return self._row(span)[1].get(col)
        if role == _FOREGROUND:
            return self._muted if self.annotator_column <= col < self.source_column else None
        if role == _EDIT and col == self.note_column:
            return span.note
        if role == _USER:
            return span.id
        return None

    def setData(self, index: Index, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != self.note_column:
            return False
        span = self.store.at(index.row())
        if str(value) != span.note:
            self.noteEdited.emit(span.id, str(value))
        return True

    # --- changes --------------------------------------------------------------------------

    def reset(self, store: SpanStore) -> None:
        self.beginResetModel()
        self.store = store
        self._cache.clear()
        self.endResetModel()

    def refresh_sources(self) -> None:
        """The links changed: only the source column is repainted."""
        if len(self.store):
            self.dataChanged.emit(self.index(0, self.source_column),
                                  self.index(len(self.store) - 1, self.source_column))

    def apply(self, before: Span | None, after: Span | None) -> None:
        """Mirror one service change (created, changed, moved or deleted) with row signals."""
        if before is not None:
            self._cache.pop(before.id, None)
        if before is not None and after is not None:
            row = self.store.replace_same_place(after) if before.id in self.store else -1
            if row >= 0:
                self._cache.pop(after.id, None)
                self.dataChanged.emit(self.index(row, 0),
                                      self.index(row, self.columnCount() - 1))
                return
        if before is not None and before.id in self.store:
            row = self.store.row_of(before.id)
            self.beginRemoveRows(QModelIndex(), row, row)
            self.store.remove(before.id)
            self.endRemoveRows()
        if after is not None:
            row = self.store.insertion_row(after)
            self.beginInsertRows(QModelIndex(), row, row)
            self.store.insert(after)
            self.endInsertRows()


class ColumnChooser:
    """Show or hide a table's columns from its header's context menu; ``on_change`` receives
    the hidden column keys so the window can remember them."""

    def __init__(self, view: QTableView, keys: list[str], titles: list[str],
                 hidden: Iterable[str], on_change: Callable[[list[str]], None]) -> None:
        self.view = view
        self.keys = keys
        self.titles = titles
        self.on_change = on_change
        header = view.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._menu)
        self.menu: QMenu | None = None
        self.set_hidden(hidden)

    def hidden(self) -> list[str]:
        return [k for i, k in enumerate(self.keys) if self.view.isColumnHidden(i)]

    def set_hidden(self, hidden: Iterable[str]) -> None:
        wanted = set(hidden)
        if len(wanted & set(self.keys)) >= len(self.keys):
            wanted.discard(self.keys[0])  # never hide every column
        for i, key in enumerate(self.keys):
            self.view.setColumnHidden(i, key in wanted)

    def set_shown(self, key: str, shown: bool) -> None:
        hidden = set(self.hidden())
        if shown:
            hidden.discard(key)
        else:
            hidden.add(key)
        self.set_hidden(hidden)
        self.on_change(self.hidden())

    def build_menu(self) -> QMenu:
        menu = QMenu(self.view)
        menu.setObjectName("columnMenu")
        shown = len(self.keys) - len(self.hidden())
        for i, (key, title) in enumerate(zip(self.keys, self.titles, strict=True)):
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(i))
            action.setEnabled(self.view.isColumnHidden(i) or shown > 1)
            action.setData(key)
            action.toggled.connect(lambda on, k=key: self.set_shown(k, on))
        self.menu = menu
        return menu

    def _menu(self, pos: QPoint) -> None:
        self.build_menu().popup(self.view.horizontalHeader().mapToGlobal(pos))
