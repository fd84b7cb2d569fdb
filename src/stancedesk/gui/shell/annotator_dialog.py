"""Choose who you are: pick a known annotator or type a new name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)


class AnnotatorDialog(QDialog):
    def __init__(self, names: list[str], current: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotatorDialog")
        self.setWindowTitle("Who is annotating?")
        self.list = QListWidget()
        self.list.setObjectName("annotatorList")
        self.list.addItems(names)
        self.edit = QLineEdit(current)
        self.edit.setObjectName("annotatorName")
        self.edit.setPlaceholderText("Your name or initials (new names are created)")
        self.list.currentTextChanged.connect(self.edit.setText)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        matches = self.list.findItems(current, Qt.MatchFlag.MatchExactly) if current else []
        if matches:
            self.list.setCurrentItem(matches[0])
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.edit.textChanged.connect(self._update_ok)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Your spans are stored under this name. With several annotators "
                                "each one sees only their own spans (blind mode)."))
        if names:
            layout.addWidget(self.list)
        layout.addWidget(self.edit)
        layout.addWidget(self.buttons)
        self._update_ok()
        self.edit.setFocus()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.name()))

    def name(self) -> str:
        return self.edit.text().strip()
