"""The label-mapping editor of the import dialog: foreign label -> ``layer:value`` rows.

The table is the one place a mapping lives while the dialog is open: a mapping file is loaded
into it (and can be saved from it, for ``stancedesk import annotations --mapping``), and labels a
dry run could not map are added to it as rows to fill in.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain import LayerKind, Scheme
from stancedesk.formats.labelmap import MAPPING_FORMAT, LabelMapping, parse_mapping_data

DROP = "(drop the label)"
WHERE = "the mapping table"


def scheme_targets(scheme: Scheme) -> list[tuple[str, str]]:
    """(shown text, ``layer:value``) for every value a label can be mapped onto."""
    choices: list[tuple[str, str]] = []
    for layer in scheme.layers:
        if layer.kind is LayerKind.FREE:
            choices.append((f"{layer.name}: keep the value ({layer.key}:*)", f"{layer.key}:*"))
        for label in layer.labels:
            choices.append((f"{layer.name}: {label.name} ({layer.key}:{label.key})",
                            f"{layer.key}:{label.key}"))
    return choices


class MappingTable(QWidget):
    """Rows of foreign label and target; ``changed`` fires on every edit."""

    changed = Signal()

    def __init__(self, scheme: Scheme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mappingEditor")
        self._targets = scheme_targets(scheme)
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("mappingTable")
        self.table.setHorizontalHeaderLabels(["Label in the file", "Becomes (layer:value)"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 150)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        self.add_button = QPushButton("Add row")
        self.add_button.setObjectName("addMappingRow")
        self.remove_button = QPushButton("Remove row")
        self.remove_button.setObjectName("removeMappingRow")
        self.load_button = QPushButton("Load…")
        self.load_button.setObjectName("loadMapping")
        self.load_button.setToolTip("Load a label mapping file (JSON, as for --mapping)")
        self.save_button = QPushButton("Save…")
        self.save_button.setObjectName("saveMapping")
        self.save_button.setToolTip("Save these rows as a mapping file for the command line")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self.remove_current)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.load_button, self.save_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    # --- rows ------------------------------------------------------------------------------

    def add_row(self, foreign: str = "", target: str | None = "") -> int:
        """``target`` is ``layer:value``, None to drop the label, or "" for not yet chosen."""
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(foreign))
        self.table.blockSignals(False)
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItem("", "")
        combo.addItem(DROP, None)
        for shown, value in self._targets:
            combo.addItem(shown, value)
        edit = combo.lineEdit()
        assert edit is not None, "an editable combo box has a line edit"
        edit.setPlaceholderText("choose, or type layer:value")
        self.table.setCellWidget(row, 1, combo)
        self.set_target(row, target)
        combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        edit.editingFinished.connect(self.changed.emit)
        self.changed.emit()
        return row

    def set_target(self, row: int, target: str | None) -> None:
        combo = self._combo(row)
        if target is None:
            combo.setCurrentIndex(combo.findText(DROP))
            return
        index = combo.findData(target)
        if index >= 0:
            combo.setCurrentIndex(index)
        else:
            combo.setEditText(target)

    def _combo(self, row: int) -> QComboBox:
        combo = self.table.cellWidget(row, 1)
        assert isinstance(combo, QComboBox)
        return combo

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()

    def foreign_labels(self) -> list[str]:
        return [self._foreign(r) for r in range(self.table.rowCount())]

    def _foreign(self, row: int) -> str:
        item = self.table.item(row, 0)
        return item.text().strip() if item is not None else ""

    def _target(self, row: int) -> str | None:
        """``layer:value``, None for drop, "" for none chosen (typed text wins over a choice)."""
        combo = self._combo(row)
        text = combo.currentText().strip()
        index = combo.findText(text)
        if index >= 0:
            return combo.itemData(index)
        return text

    def mark_unmapped(self, labels: list[str]) -> None:
        """Add a row for each label the dry run could not map, highlighted until chosen."""
        present = set(self.foreign_labels())
        for label in labels:
            if label not in present:
                self.add_row(label, "")
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None:
                unmapped = item.text() in labels
                self.table.blockSignals(True)
                item.setBackground(QBrush(QColor("#f8d7a8")) if unmapped else QBrush())
                item.setForeground(QBrush(QColor("#1f2328")) if unmapped else QBrush())
                item.setToolTip("Not mapped yet: choose what it becomes" if unmapped else "")
                self.table.blockSignals(False)

    # --- as a mapping ----------------------------------------------------------------------

    def data(self) -> dict[str, list[str] | None]:
        """The rows as mapping-file JSON (``{foreign: [targets]}``, None to drop); rows with no
        label or no target yet are left out."""
        out: dict[str, list[str] | None] = {}
        for row in range(self.table.rowCount()):
            foreign, target = self._foreign(row), self._target(row)
            if not foreign or target == "":
                continue
            if target is None:
                out[foreign] = None
            else:
                targets = out.get(foreign) or []
                out[foreign] = [*targets, target]
        return out

    def mapping(self) -> LabelMapping | None:
        """The rows as a LabelMapping; a malformed target raises FormatError naming it."""
        data = self.data()
        return parse_mapping_data(data, WHERE) if data else None

    def set_mapping(self, mapping: LabelMapping) -> None:
        self.table.setRowCount(0)
        for foreign, targets in mapping.rules.items():
            if not targets:
                self.add_row(foreign, None)
            for layer, value in targets:
                self.add_row(foreign, f"{layer}:{value}")
        self.changed.emit()

    def save(self, path: Path) -> None:
        payload = {"format": MAPPING_FORMAT, "labels": {
            k: (v[0] if v and len(v) == 1 else v) for k, v in self.data().items()}}
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")

