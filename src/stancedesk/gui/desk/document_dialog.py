"""Edit a document's headers (title, outlet, date, URL); the text itself never changes.

Opened with ``open()`` like the other small editors; the window applies ``headersChosen``
through the documents service (which checks the date) as one undoable step.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain import Document


class DocumentEditor(QDialog):
    headersChosen = Signal(str, dict)  # document id, {"title", "outlet", "date", "url"}

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentEditor")
        self.setWindowTitle("Document details")
        self.document_id = document.id
        self.title = QLineEdit(document.title)
        self.outlet = QLineEdit(document.outlet)
        self.date = QLineEdit(document.published)
        self.date.setPlaceholderText("YYYY-MM-DD")
        self.url = QLineEdit(document.url)
        for name, edit in (("title", self.title), ("outlet", self.outlet), ("date", self.date),
                           ("url", self.url)):
            edit.setObjectName(f"document_{name}")
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("Outlet", self.outlet)
        form.addRow("Date", self.date)
        form.addRow("URL", self.url)
        note = QLabel(f"<small>{document.source_file or document.id} · "
                      f"{len(document.text):,} characters. The text cannot be edited: spans "
                      "point into it.</small>")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def headers(self) -> dict[str, str]:
        return {"title": self.title.text(), "outlet": self.outlet.text(),
                "date": self.date.text(), "url": self.url.text()}

    def accept(self) -> None:
        self.headersChosen.emit(self.document_id, self.headers())
        super().accept()
