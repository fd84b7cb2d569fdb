"""The curator's two dialogs: a merged gold span (boundaries and labels edited), and "Accept
all agreeing" with its threshold and a preview of exactly what it will take.

Both open with ``open()`` (window-modal, no nested event loop) and only collect choices; the
curation window writes through ``services.curation``. The preview is the service's dry run
(``preview_auto``), computed off the GUI thread, so it lists what a real run would store."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain import LayerKind, Scheme
from stancedesk.services.curation import AutoReport
from stancedesk.services.preview import plural

ROLE_CHOICES = (("", "no role"), ("source", "source"), ("claim", "claim"), ("cue", "cue"))


class MergeDialog(QDialog):
    """The gold span as the curator wants it: the range (the reader's selection, snapped to
    words, or the picked version's), the role and a value per layer (prefilled from the picked
    version; every annotator's value of that layer is offered)."""

    mergeChosen = Signal(int, int, object, dict)  # start, end, role (None), labels

    def __init__(self, scheme: Scheme, text: str, start: int, end: int, role: str | None,
                 labels: dict[str, str], offered: dict[str, Sequence[str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.setWindowTitle("Merge into gold")
        self.text = text
        self.start = QSpinBox()
        self.start.setObjectName("mergeStart")
        self.end = QSpinBox()
        self.end.setObjectName("mergeEnd")
        for box in (self.start, self.end):
            box.setRange(0, len(text))
        self.start.setValue(start)
        self.end.setValue(end)
        self.quote = QLabel()
        self.quote.setObjectName("mergeQuote")
        self.quote.setWordWrap(True)
        self.role = QComboBox()
        self.role.setObjectName("mergeRole")
        for key, name in ROLE_CHOICES:
            self.role.addItem(name, key)
        self.role.setCurrentIndex(max(0, self.role.findData(role or "")))
        self.values: dict[str, QComboBox | QLineEdit] = {}
        form = QFormLayout()
        form.addRow("Start", self.start)
        form.addRow("End", self.end)
        form.addRow("Text", self.quote)
        form.addRow("Role", self.role)
        for layer in scheme.layers:
            current = labels.get(layer.key, "")
            if layer.kind is LayerKind.FREE:
                edit = QLineEdit(current)
                edit.setObjectName(f"mergeValue_{layer.key}")
                choices = [v for v in offered.get(layer.key, ()) if v]
                if choices:
                    edit.setPlaceholderText(" / ".join(dict.fromkeys(choices)))
                self.values[layer.key] = edit
                form.addRow(layer.name, edit)
                continue
            combo = QComboBox()
            combo.setObjectName(f"mergeValue_{layer.key}")
            combo.addItem("—", "")
            said = set(offered.get(layer.key, ()))
            for label in layer.labels:
                mark = " •" if label.key in said else ""
                combo.addItem(f"{label.name}{mark}", label.key)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.setToolTip("• marks the values the annotators gave here")
            self.values[layer.key] = combo
            form.addRow(layer.name, combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Merge into gold")
        buttons.accepted.connect(self._chosen)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.start.valueChanged.connect(lambda _v: self._quote())
        self.end.valueChanged.connect(lambda _v: self._quote())
        self._quote()

    def _quote(self) -> None:
        s, e = self.start.value(), self.end.value()
        self.quote.setText(f"“{self.text[s:e]}”" if e > s else "(empty: end must follow start)")

    def labels(self) -> dict[str, str]:
        out = {}
        for key, widget in self.values.items():
            value = widget.currentData() if isinstance(widget, QComboBox) else \
                widget.text().strip()
            if value:
                out[key] = value
        return out

    def _chosen(self) -> None:
        self.mergeChosen.emit(self.start.value(), self.end.value(),
                              self.role.currentData() or None, self.labels())
        self.accept()


class AcceptAgreeingDialog(QDialog):
    """Threshold K, where (this document, or every document whose agreement reaches a share),
    Preview (a dry run), then Accept. ``previewRequested`` and ``acceptRequested`` carry
    (K, this document only, minimum document agreement or None); the window runs them."""

    previewRequested = Signal(int, bool, object)
    acceptRequested = Signal(int, bool, object)

    def __init__(self, annotators: int, document_title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("acceptAgreeingDialog")
        self.setWindowTitle("Accept all agreeing")
        self.report: AutoReport | None = None
        self.k = QSpinBox()
        self.k.setObjectName("agreeingK")
        self.k.setRange(1, max(1, annotators) if annotators else 99)
        self.k.setValue(max(1, annotators))
        self.k.setToolTip("A passage is taken when at least this many annotators marked it in "
                          "exactly the same way (boundaries, labels, role, links)")
        self.this_document = QRadioButton(f"This document ({document_title})")
        self.this_document.setObjectName("agreeingThisDocument")
        self.all_documents = QRadioButton("Every document whose agreement is at least")
        self.all_documents.setObjectName("agreeingAllDocuments")
        group = QButtonGroup(self)
        group.addButton(self.this_document)
        group.addButton(self.all_documents)
        self.this_document.setChecked(True)
        self.min_document = QDoubleSpinBox()
        self.min_document.setObjectName("agreeingMinDocument")
        self.min_document.setRange(0, 100)
        self.min_document.setSuffix(" %")
        self.min_document.setValue(80)
        self.min_document.setToolTip("A document's agreement: the share of its passages on "
                                     "which every annotator agrees exactly")
        where = QHBoxLayout()
        where.addWidget(self.all_documents)
        where.addWidget(self.min_document)
        where.addStretch(1)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setObjectName("agreeingPreview")
        self.summary = QLabel("Preview shows what will be taken; nothing is stored until you "
                              "accept.")
        self.summary.setObjectName("agreeingSummary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("agreeingTable")
        self.table.setHorizontalHeaderLabels(["Document", "Passage", "Decision", "From"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.accept_button = self.buttons.addButton("Accept",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.accept_button.setObjectName("agreeingAccept")
        self.accept_button.setEnabled(False)  # only what a preview showed is taken
        form = QFormLayout()
        form.addRow("At least K annotators agree, K =", self.k)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.this_document)
        layout.addLayout(where)
        layout.addWidget(self.preview_button)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(860, 480)
        self.preview_button.clicked.connect(
            lambda: self.previewRequested.emit(*self.choice()))
        self.accept_button.clicked.connect(lambda: self.acceptRequested.emit(*self.choice()))
        self.buttons.rejected.connect(self.reject)
        for widget in (self.k, self.min_document):
            widget.valueChanged.connect(lambda _v: self._stale())
        self.this_document.toggled.connect(lambda _on: self._stale())

    def choice(self) -> tuple[int, bool, float | None]:
        here = self.this_document.isChecked()
        return self.k.value(), here, None if here else self.min_document.value() / 100

    def _stale(self) -> None:
        self.accept_button.setEnabled(False)
        self.summary.setText("The choice changed: Preview again.")

    def show_preview(self, report: AutoReport, titles: dict[str, str]) -> None:
        self.report = report
        self.table.setRowCount(len(report.taken))
        for r, item in enumerate(report.taken):
            for c, text in enumerate((titles.get(item.document_id, item.document_id),
                                      " ".join(item.text.split()), item.decision or "",
                                      ", ".join(item.annotators))):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnToContents(0)
        skipped = f"; {plural(len(report.skipped_documents), 'document')} below the " \
            "agreement threshold left unopened" if report.skipped_documents else ""
        self.summary.setText(
            f"Will take {plural(len(report.taken), 'passage')} into gold; "
            f"{plural(len(report.left), 'passage')} left for you{skipped}.")
        self.accept_button.setEnabled(bool(report.taken))
        self.accept_button.setText(f"Accept {len(report.taken)}")
        self.accept_button.setFocus(Qt.FocusReason.OtherFocusReason)
