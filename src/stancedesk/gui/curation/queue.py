"""The conflict queue: open conflicts across documents, by document and position (as
``services.curation.conflict_queue`` orders them), and the filters that narrow it (layer, label,
role). A list model over the service's passages: thousands of rows cost nothing to show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from stancedesk.domain import LayerKind, Scheme
from stancedesk.domain.curation import Passage

EXCERPT = 60
ROLES = (("source", "Sources"), ("claim", "Claims"), ("cue", "Cues"))
_Index = QModelIndex | QPersistentModelIndex


def passage_text(passage: Passage) -> str:
    text = passage.versions[0].span.text if passage.versions else ""
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT - 1] + "…"


class QueueModel(QAbstractListModel):
    def __init__(self, scheme: Scheme) -> None:
        super().__init__()
        self.scheme = scheme
        self.passages: list[Passage] = []
        self.titles: dict[str, str] = {}

    def reset(self, passages: Sequence[Passage], titles: dict[str, str]) -> None:
        self.beginResetModel()
        self.passages = list(passages)
        self.titles = titles
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.passages)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.passages):
            return None
        p = self.passages[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            layers = p.conflict_layers(self.scheme.layer_keys)
            what = ", ".join(self.scheme.layer(k).name for k in layers) or "boundaries"
            return f"“{passage_text(p)}” · {what}\n    {self.titles.get(p.document_id, '')}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{self.titles.get(p.document_id, '')}: "
                    f"{p.agreement} of {len(p.annotators)} annotators agree; "
                    f"{len(p.versions)} version(s) at {p.start}–{p.end}")
        if role == Qt.ItemDataRole.UserRole:
            return p.id
        return None

    def row_of(self, passage_id: str | None) -> int:
        for i, p in enumerate(self.passages):
            if p.id == passage_id:
                return i
        return -1


class QueueFilters(QWidget):
    """Layer, label and role choices; ``changed`` when any of them moves."""

    changed = Signal()

    def __init__(self, scheme: Scheme) -> None:
        super().__init__()
        self.layer = QComboBox()
        self.layer.setObjectName("queueLayer")
        self.layer.addItem("Any layer", None)
        for layer in scheme.layers:
            self.layer.addItem(layer.name, layer.key)
        self.label = QComboBox()
        self.label.setObjectName("queueLabel")
        self.label.addItem("Any label", None)
        for layer in scheme.layers:
            if layer.kind is LayerKind.FREE:
                continue
            for label in layer.labels:
                self.label.addItem(f"{layer.name}: {label.name}", f"{layer.key}:{label.key}")
        self.role = QComboBox()
        self.role.setObjectName("queueRole")
        self.role.addItem("Any role", None)
        for key, text in ROLES:
            self.role.addItem(text, key)
        for combo in (self.layer, self.label, self.role):
            combo.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # letters stay the window's keys
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Conflicts in"))
        row.addWidget(self.layer)
        row.addWidget(self.label)
        row.addWidget(self.role)

    def values(self) -> tuple[str | None, str | None, str | None]:
        return self.layer.currentData(), self.label.currentData(), self.role.currentData()

    def choose(self, layer: str | None = None, label: str | None = None,
               role: str | None = None) -> None:
        """Set all three at once, with one ``changed``."""
        self.blockSignals(True)
        for combo, value in ((self.layer, layer), (self.label, label), (self.role, role)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)
        self.blockSignals(False)
        self.changed.emit()
