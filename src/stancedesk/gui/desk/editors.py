"""Small non-blocking editors: a free layer's value (the stance target) and a span's note.

They are opened with ``open()`` (window-modal, no nested event loop), so keyboard flow stays
quick and tests drive them like any widget.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class ValueEditor(QDialog):
    """Type a value for a free layer; completes from the project's targets (key or name)."""

    valueChosen = Signal(str, str)  # layer key, value ("" clears)

    def __init__(self, layer_key: str, layer_name: str, suggestions: list[tuple[str, str]],
                 current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("valueEditor")
        self.setWindowTitle(layer_name)
        self.layer_key = layer_key
        self._by_name = {name.casefold(): key for key, name in suggestions}
        self._by_name.update({key.casefold(): key for key, _ in suggestions})
        self.edit = QLineEdit(current)
        self.edit.setObjectName("valueEdit")
        self.edit.setPlaceholderText("Type or pick; empty clears")
        words = sorted({name for _, name in suggestions} | {key for key, _ in suggestions})
        completer = QCompleter(words, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(completer)
        # picking a suggestion (Enter or a click in the list) is the choice: no second Enter
        completer.activated.connect(self._pick)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{layer_name} of the span:"))
        layout.addWidget(self.edit)
        layout.addWidget(buttons)
        self.edit.selectAll()

    def _pick(self, text: str) -> None:
        self.edit.setText(text)
        self.accept()

    def value(self) -> str:
        """A project target typed by key or name is stored as its key; anything else as is."""
        text = self.edit.text().strip()
        return self._by_name.get(text.casefold(), text)

    def accept(self) -> None:
        self.valueChosen.emit(self.layer_key, self.value())
        super().accept()


class NoteEditor(QDialog):
    noteChosen = Signal(str, str)  # span id, note

    def __init__(self, span_id: str, span_text: str, note: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteEditor")
        self.setWindowTitle("Span note")
        self.span_id = span_id
        preview = " ".join(span_text.split())
        label = QLabel(f"“{preview[:120]}{'…' if len(preview) > 120 else ''}”")
        label.setWordWrap(True)
        self.edit = QPlainTextEdit(note)
        self.edit.setObjectName("noteEdit")
        self.edit.setTabChangesFocus(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.edit)
        layout.addWidget(QLabel("Ctrl+Enter saves."))
        layout.addWidget(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.accept)
        self.resize(420, 220)

    def accept(self) -> None:
        self.noteChosen.emit(self.span_id, self.edit.toPlainText().rstrip())
        super().accept()
