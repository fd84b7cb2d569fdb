"""What the desk's reader and the curation view share as read-only views of one article: how
the view is set up, and the laid-out lines they paint spans on."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextLine
from PySide6.QtWidgets import QPlainTextEdit

DOCUMENT_MARGIN = 18


def set_up_reading_view(view: QPlainTextEdit, object_name: str) -> None:
    """Read-only but selectable by mouse and keyboard (selections become spans), no undo
    history of its own, wrapped to the widget and framed by the same margin in both views."""
    view.setObjectName(object_name)
    view.setReadOnly(True)
    view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                 | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    view.setUndoRedoEnabled(False)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    view.document().setDocumentMargin(DOCUMENT_MARGIN)


@dataclass(frozen=True, slots=True)
class VisibleLine:
    """One laid-out line on screen, in Qt positions and viewport coordinates."""

    start: int
    end: int
    top: float
    x: float
    line: QTextLine

    @property
    def y(self) -> float:
        return self.top + self.line.y()
