"""The passages behind one confusion-matrix cell, or behind one annotator's row against gold: a
list the lead reads, and from which each passage opens in the curation view at its place
(Return or a double click)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stancedesk.services.agreement import CellPassage

EXCERPT = 120  # characters of a passage shown in its row (the curation view shows it whole)
NONE_TEXT = "(no span)"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT - 1] + "…"


class CellPassages(QDialog):
    """Lists the passages one cell counts; ``passageChosen(document, start, end)`` asks the
    window to open one in the curation view."""

    passageChosen = Signal(str, int, int)

    def __init__(self, title: str, row_name: str, column_name: str,
                 passages: Sequence[CellPassage], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cellPassages")
        self.setWindowTitle(f"Passages — {title}")
        self.passages = list(passages)
        heading = QLabel(f"{title}: {len(self.passages)} passage(s). Return or a double click "
                         "opens one in the curation view.")
        heading.setObjectName("cellPassagesHeading")
        heading.setWordWrap(True)
        # a list mixing kinds of passages (against gold: missed, not in gold, ...) says which
        noted = any(p.note for p in self.passages)
        self.table = QTableWidget(len(self.passages), 5 if noted else 4)
        self.table.setObjectName("cellPassagesTable")
        self.table.setHorizontalHeaderLabels(["Document", "Passage", row_name, column_name,
                                              *(["Difference"] if noted else [])])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for r, p in enumerate(self.passages):
            cells = (p.title, _excerpt(p.text), p.row_value or NONE_TEXT,
                     p.column_value or NONE_TEXT, *((p.note,) if noted else ()))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 1:
                    item.setToolTip(p.text)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        if self.passages:
            self.table.selectRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 420)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.passages):
            p = self.passages[row]
            self.passageChosen.emit(p.document_id, p.start, p.end)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_row(self.table.currentRow())
            return
        super().keyPressEvent(event)
