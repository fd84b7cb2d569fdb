"""The Sources panel: the registry of recurring sources across the corpus, and naming a source.

The table lists each entity with its mention, claim and document counts and its current
reliability grade; the name and aliases are edited in place. Selecting an entity lists every
claim attributed to it in any document (``services.attribution.claims_of``); activating one
opens it in the reader. "Merge into" folds the selected entity into another. The naming popup
offers the entities whose name or alias matches the selected text, driven by the keyboard.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain import Span
from stancedesk.domain.attribution import SourceEntity
from stancedesk.gui.desk.attribution import short
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.services import attribution as attr_service
from stancedesk.services import corpus
from stancedesk.storage.engine import Database

COLUMNS = ("Name", "Aliases", "Sourcing", "Mentions", "Claims", "Documents", "Grade")
NAME, ALIASES = 0, 1
ID_ROLE = Qt.ItemDataRole.UserRole


def split_aliases(text: str) -> list[str]:
    return [a.strip() for a in text.split(";") if a.strip()]


class SourcesPanel(QWidget):
    """Emits ``claimOpened(document_id, span_id, annotator)`` for a claim to show, and
    ``registryEdited(record)`` with each rename, alias edit or merge written (an
    ``EntityEdit`` or ``EntityMerge``), for the desk's undo stack."""

    claimOpened = Signal(str, str, str)
    registryChanged = Signal()
    registryEdited = Signal(object)

    def __init__(self, database: Database, reporter: CrashReporter,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourcesPanel")
        self.database = database
        self.reporter = reporter
        self.entries: list[attr_service.RegistryEntry] = []
        self._filling = False
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("sourcesTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ALIASES, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Double-click a name or the aliases (separated by ';') to edit")
        self.table.itemChanged.connect(self._edited)
        self.table.itemSelectionChanged.connect(self._selected)
        self.merge_target = QComboBox()
        self.merge_target.setObjectName("mergeTarget")
        self.merge_button = QPushButton("Merge into")
        self.merge_button.setObjectName("mergeButton")
        self.merge_button.setToolTip("Fold the selected source into the chosen one: its "
                                     "mentions, name and aliases move there")
        self.merge_button.clicked.connect(self.merge_selected)
        merge_row = QHBoxLayout()
        merge_row.addWidget(self.merge_button)
        merge_row.addWidget(self.merge_target, 1)
        self.claims_title = QLabel("Select a source to list its claims.")
        self.claims_title.setObjectName("sourceClaimsTitle")
        self.claims = QListWidget()
        self.claims.setObjectName("sourceClaims")
        self.claims.setWordWrap(True)
        self.claims.itemActivated.connect(self._open_claim)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(merge_row)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.claims_title)
        bottom_layout.addWidget(self.claims, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)

    # --- the registry ----------------------------------------------------------------------

    def reload(self) -> None:
        keep = self.selected_entity()
        self.entries = sorted(attr_service.registry(self.database),
                              key=lambda e: (-e.claims, -e.mentions, e.entity.name.casefold()))
        self._filling = True
        try:
            self.table.setRowCount(len(self.entries))
            for row, entry in enumerate(self.entries):
                e = entry.entity
                cells = (e.name, "; ".join(e.aliases), e.sourcing, str(entry.mentions),
                         str(entry.claims), str(entry.documents), entry.current_grade or "")
                for col, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    item.setData(ID_ROLE, e.id)
                    if col not in (NAME, ALIASES):
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    if col >= 3:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                              | Qt.AlignmentFlag.AlignVCenter)
                    if col == NAME and entry.grades:
                        item.setToolTip("\n".join(f"{g.grade} by {g.annotator} in "
                                                  f"{g.document_title or g.document_id} "
                                                  f"({g.at[:10]})" for g in entry.grades))
                    self.table.setItem(row, col, item)
        finally:
            self._filling = False
        self.merge_target.clear()
        for entry in self.entries:
            self.merge_target.addItem(entry.entity.name, entry.entity.id)
        if keep is not None:
            self.select_entity(keep.id)
        else:
            self._selected()

    def row_of(self, entity_id: str) -> int:
        return next((i for i, e in enumerate(self.entries) if e.entity.id == entity_id), -1)

    def select_entity(self, entity_id: str) -> None:
        row = self.row_of(entity_id)
        if row >= 0:
            self.table.selectRow(row)

    def selected_entity(self) -> SourceEntity | None:
        rows = self.table.selectionModel().selectedRows() if self.entries else []
        if not rows or rows[0].row() >= len(self.entries):
            return None
        return self.entries[rows[0].row()].entity

    def _selected(self) -> None:
        entity = self.selected_entity()
        self.claims.clear()
        if entity is None:
            self.claims_title.setText("Select a source to list its claims.")
            return
        claims = attr_service.claims_of(self.database, entity.id)
        titles = {d.id: d.title for d in corpus.list_documents(self.database)}
        self.claims_title.setText(f"{len(claims)} claim{'s' * (len(claims) != 1)} "
                                  f"attributed to {entity.name}")
        for claim in claims:
            item = QListWidgetItem(f"{titles.get(claim.document_id) or 'Untitled'}: "
                                   f"“{short(claim.text, 90)}” — {claim.annotator}")
            item.setData(ID_ROLE, (claim.document_id, claim.id, claim.annotator))
            item.setToolTip(claim.text)
            self.claims.addItem(item)
        # merging into itself makes no sense: offer the first other entity
        if self.merge_target.currentData() == entity.id:
            for i in range(self.merge_target.count()):
                if self.merge_target.itemData(i) != entity.id:
                    self.merge_target.setCurrentIndex(i)
                    break

    def _open_claim(self, item: QListWidgetItem) -> None:
        document_id, span_id, annotator = item.data(ID_ROLE)
        self.claimOpened.emit(document_id, span_id, annotator)

    # --- editing ---------------------------------------------------------------------------

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        entity_id = item.data(ID_ROLE)
        row = self.row_of(entity_id)
        if row < 0:
            return
        entity = self.entries[row].entity
        edit: attr_service.EntityEdit | None = None
        with self.reporter.guarded("editing a source"):
            try:
                if item.column() == NAME and item.text().strip() != entity.name:
                    edit = attr_service.edit_entity(self.database, entity.id, name=item.text())
                elif item.column() == ALIASES:
                    new = split_aliases(item.text())
                    edit = attr_service.edit_entity(
                        self.database, entity.id, add_aliases=new,
                        remove_aliases=[a for a in entity.aliases if a not in new])
            finally:
                self.reload()  # a refused edit shows what is stored again
        if edit is not None and edit.before != edit.after:
            self.registryEdited.emit(edit)
        self.registryChanged.emit()

    def rename(self, entity_id: str, name: str) -> None:
        item = self.table.item(self.row_of(entity_id), NAME)
        if item is not None:  # None: the source is not listed (row -1)
            item.setText(name)

    def merge_selected(self) -> None:
        absorbed = self.selected_entity()
        keep = self.merge_target.currentData()
        if absorbed is None or not keep:
            return
        with self.reporter.guarded("merging sources"):
            merged = attr_service.merge(self.database, keep, absorbed.id)
            self.reload()
            self.select_entity(merged.kept_after.id)
            self.registryEdited.emit(merged)
            self.registryChanged.emit()


class NameSourcePopup(QDialog):
    """Type or keep the selected text; Up/Down pick among the matching entities, Enter names
    the source (the last row creates a new entity with the typed name)."""

    chosen = Signal(object)  # an entity id, ("new", name), or None for no entity

    def __init__(self, database: Database, span: Span, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nameSourcePopup")
        self.setWindowTitle("Name source")
        self.database = database
        self.span = span
        self.edit = QLineEdit(" ".join(span.text.split()))
        self.edit.setObjectName("nameSourceText")
        self.list = QListWidget()
        self.list.setObjectName("nameSourceMatches")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Name the source “{short(span.text)}”:"))
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.edit.textChanged.connect(self.refresh)
        self.list.itemActivated.connect(lambda _i: self.accept_current())
        self.edit.installEventFilter(self)
        self.resize(380, 260)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        text = self.edit.text().strip()
        for entity in attr_service.matching(self.database, text) if text else []:
            extra = f" ({'; '.join(entity.aliases)})" if entity.aliases else ""
            item = QListWidgetItem(f"{entity.name}{extra}")
            item.setData(ID_ROLE, entity.id)
            self.list.addItem(item)
        if text:
            item = QListWidgetItem(f"New source “{text}”")
            item.setData(ID_ROLE, ("new", text))
            self.list.addItem(item)
        if self.span.entity_id:
            item = QListWidgetItem("No registry source")
            item.setData(ID_ROLE, None)
            self.list.addItem(item)
        self.list.setCurrentRow(0)

    def matches(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.edit or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        keys = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in keys:
            event.accept()  # the window's Return (edit note) must not take the key
            return True
        if event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_current()
            return True
        if event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
            self.list.setCurrentRow(row)
            return True
        return super().eventFilter(watched, event)

    def accept_current(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.chosen.emit(item.data(ID_ROLE))
        self.accept()
