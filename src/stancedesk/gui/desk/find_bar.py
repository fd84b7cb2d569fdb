"""Find within the document (Ctrl+F): a slim bar under the reader. A match becomes the
selection, so it can be labelled straight away; the bar says which match of how many it is."""

from __future__ import annotations

import bisect
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QToolButton, QWidget


class FindBar(QWidget):
    closed = Signal()

    def __init__(self, reader: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self.reader = reader
        self.edit = QLineEdit()
        self.edit.setObjectName("findEdit")
        self.edit.setPlaceholderText("Find in document")
        self.edit.setClearButtonEnabled(True)
        self.status = QLabel()
        self.status.setObjectName("findStatus")
        prev_button = QToolButton(autoRaise=True)
        next_button = QToolButton(autoRaise=True)
        close_button = QToolButton(autoRaise=True)
        for button, text, tip in ((prev_button, "↑", "Previous match (Shift+Enter)"),
                                  (next_button, "↓", "Next match (Enter)"),
                                  (close_button, "✕", "Close (Esc)")):
            button.setText(text)
            button.setToolTip(tip)
        prev_button.clicked.connect(lambda: self.find_match(backward=True))
        next_button.clicked.connect(lambda: self.find_match())
        close_button.clicked.connect(self.close_bar)
        self.edit.returnPressed.connect(self.find_match)
        self.edit.textEdited.connect(lambda _t: self.find_match(from_start_of_selection=True))
        QShortcut(QKeySequence("Shift+Return"), self.edit, lambda: self.find_match(backward=True),
                  context=Qt.ShortcutContext.WidgetShortcut)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.status)
        layout.addWidget(prev_button)
        layout.addWidget(next_button)
        layout.addWidget(close_button)
        self.hide()

    def open_bar(self) -> None:
        selected = self.reader.textCursor().selectedText()
        if selected and "\u2029" not in selected and len(selected) < 100:
            self.edit.setText(selected)
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.reader.setFocus()
        self.closed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return
        super().keyPressEvent(event)

    def find_match(self, backward: bool = False, from_start_of_selection: bool = False) -> bool:
        needle = self.edit.text()
        if not needle:
            self.status.clear()
            return False
        if from_start_of_selection:
            cursor = self.reader.textCursor()
            cursor.setPosition(cursor.selectionStart())
            self.reader.setTextCursor(cursor)
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        found = self.reader.find(needle, flags)
        if not found:  # wrap around
            cursor = self.reader.textCursor()
            cursor.movePosition(cursor.MoveOperation.End if backward
                                else cursor.MoveOperation.Start)
            self.reader.setTextCursor(cursor)
            found = self.reader.find(needle, flags)
        self.status.setText(self._position_text(needle) if found else "Not found")
        return found

    def match_starts(self, needle: str) -> list[int]:
        """Where ``needle`` occurs (Python indices), case-insensitively as Qt's find matches."""
        text = getattr(self.reader, "text", None)
        if not isinstance(text, str):
            text = self.reader.toPlainText()
        return [m.start() for m in re.finditer(re.escape(needle), text, re.IGNORECASE)]

    def _position_text(self, needle: str) -> str:
        starts = self.match_starts(needle)
        if not starts:
            return ""
        qt_start = self.reader.textCursor().selectionStart()
        offsets = getattr(self.reader, "offsets", None)
        start = offsets.to_py(qt_start) if offsets is not None else qt_start
        current = bisect.bisect_left(starts, start) + 1
        return f"{min(current, len(starts))} of {len(starts)}"
