"""The span inspector: everything the current span holds, editable in place.

The span table cannot show every layer at a readable width, and a label key only shows its
effect in colour; the inspector lists each layer's value by name, the note, the role (when spans
carry one), the author and the times, and changes go through the desk's undo stack like a key
press (the window connects ``labelChosen`` and ``noteChosen``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain import LayerKind, Scheme, Span
from stancedesk.domain.span_summary import span_facts

NONE_TEXT = "—"


class SpanInspector(QScrollArea):
    labelChosen = Signal(str, str)  # layer key, value ("" clears the layer)
    noteChosen = Signal(str, str)  # span id, note

    def __init__(self, scheme: Scheme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spanInspector")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scheme = scheme
        self.span: Span | None = None
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(10, 8, 10, 8)
        self.quote = QLabel()
        self.quote.setObjectName("inspectorQuote")
        self.quote.setWordWrap(True)
        self.quote.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel()
        self.hint.setObjectName("inspectorHint")
        self.hint.setWordWrap(True)
        outer.addWidget(self.quote)
        outer.addWidget(self.hint)
        form = self._form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QComboBox] = {}
        for layer in scheme.layers:
            combo = QComboBox()
            combo.setObjectName(f"inspector_{layer.key}")
            # a narrow dock must not scroll sideways: long label names are elided instead
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.setToolTip(layer.description)
            if layer.kind is LayerKind.CLOSED:
                combo.addItem(NONE_TEXT, "")
                for label in layer.labels:
                    text = f"{label.name}   ({label.shortcut})" if label.shortcut else label.name
                    combo.addItem(text, label.key)
            else:
                combo.setEditable(True)
                combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
                line = combo.lineEdit()
                assert line is not None  # an editable combo has one
                line.setPlaceholderText("type or pick; empty clears")
                line.returnPressed.connect(lambda k=layer.key: self._free_chosen(k))
                line.installEventFilter(self)
            combo.activated.connect(lambda _i, k=layer.key: self._chosen(k))
            self.fields[layer.key] = combo
            form.addRow(layer.name, combo)
        self.note = QPlainTextEdit()
        self.note.setObjectName("inspectorNote")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("Note")
        self.note.setMaximumHeight(90)
        self.note.textChanged.connect(self._note_edited)
        self.note.installEventFilter(self)
        self.save_note = QPushButton("Save note")
        self.save_note.setObjectName("inspectorSaveNote")
        self.save_note.setToolTip("Ctrl+Enter in the note")
        self.save_note.clicked.connect(self._note_chosen)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self.note, self._note_chosen,
                      context=Qt.ShortcutContext.WidgetShortcut)
        note_row = QVBoxLayout()
        note_row.addWidget(self.note)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_note)
        note_row.addLayout(buttons)
        form.addRow("Note", note_row)
        self.role = QLabel()
        self.author = QLabel()
        self.created = QLabel()
        self.updated = QLabel()
        for name, field in (("inspectorRole", self.role), ("inspectorAuthor", self.author),
                            ("inspectorCreated", self.created),
                            ("inspectorUpdated", self.updated)):
            field.setObjectName(name)
        self.role_row_label = QLabel("Role")
        form.addRow(self.role_row_label, self.role)
        form.addRow("Author", self.author)
        form.addRow("Created", self.created)
        form.addRow("Updated", self.updated)
        outer.addLayout(form)
        outer.addStretch(1)
        self.setWidget(body)
        self._editable = False
        self.show_span(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Return belongs to the field being typed in, not to the window's Return shortcut
        # (edit the span's note): claim it before shortcuts are matched
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return True
        return super().eventFilter(watched, event)

    # --- showing ---------------------------------------------------------------------------

    def set_suggestions(self, layer_key: str, suggestions: list[tuple[str, str]]) -> None:
        """Values offered for a free layer (the project's targets, and used values)."""
        combo = self.fields[layer_key]
        current = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        for key, name in suggestions:
            combo.addItem(name, key)
        combo.setEditText(current)
        combo.blockSignals(False)

    def show_span(self, span: Span | None, *, editable: bool = True, hint: str = "") -> None:
        self.span = span
        self._editable = editable and span is not None
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        if span is None:
            self.quote.setText("<i>No span selected. Click a span, or select text and press a "
                               "label key.</i>")
        facts = span_facts(span, self.scheme) if span is not None else None
        if facts is not None:
            self.quote.setText(f"“{facts.quote}”")
        for layer in self.scheme.layers:
            combo = self.fields[layer.key]
            value = span.labels.get(layer.key, "") if span is not None else ""
            combo.blockSignals(True)
            if combo.isEditable():
                found = combo.findData(value) if value else -1
                combo.setCurrentIndex(found)
                combo.setEditText(combo.itemText(found) if found >= 0 else value)
            else:
                found = combo.findData(value)
                combo.setCurrentIndex(found if found >= 0 else 0)
            combo.setEnabled(self._editable)
            combo.blockSignals(False)
            # only the layers the scheme gives to this span's role (all, for a span without)
            self._form.setRowVisible(combo, layer.applies_to(span.role if span else None))
        note = span.note if span is not None else ""
        if self.note.toPlainText() != note:  # most spans have none: nothing to lay out
            self.note.blockSignals(True)
            self.note.setPlainText(note)
            self.note.blockSignals(False)
        self.note.setReadOnly(not self._editable)
        self.note.setEnabled(span is not None)
        self.save_note.setEnabled(False)
        role = facts.role if facts else ""
        self.role.setText(role)
        self.role.setVisible(bool(role))
        self.role_row_label.setVisible(bool(role))
        self.author.setText(facts.author if facts else "")
        self.created.setText(facts.created if facts else "")
        self.updated.setText(facts.updated if facts else "")
        # lay the new texts out now: left to Qt's posted request, the layout would run after
        # the window has painted this key, and the panel would be painted a second time
        body = self.widget()
        layout = body.layout() if body is not None else None
        if layout is not None:
            layout.activate()

    def value_shown(self, layer_key: str) -> str:
        combo = self.fields[layer_key]
        return combo.currentText() if combo.isEditable() else str(combo.currentData() or "")

    # --- editing ---------------------------------------------------------------------------

    def _chosen(self, layer_key: str) -> None:
        if not self._editable:
            return
        combo = self.fields[layer_key]
        if combo.isEditable():
            self._free_chosen(layer_key)
            return
        value = str(combo.currentData() or "")
        if self.span is not None and value != self.span.labels.get(layer_key, ""):
            self.labelChosen.emit(layer_key, value)

    def _free_chosen(self, layer_key: str) -> None:
        if not self._editable or self.span is None:
            return
        combo = self.fields[layer_key]
        text = combo.currentText().strip()
        found = combo.findText(text, Qt.MatchFlag.MatchFixedString)
        value = str(combo.itemData(found)) if found >= 0 else text
        if value != self.span.labels.get(layer_key, ""):
            self.labelChosen.emit(layer_key, value)

    def _note_edited(self) -> None:
        self.save_note.setEnabled(self._editable and self.span is not None
                                  and self.note.toPlainText().rstrip() != self.span.note)

    def _note_chosen(self) -> None:
        if self._editable and self.span is not None and self.save_note.isEnabled():
            self.noteChosen.emit(self.span.id, self.note.toPlainText().rstrip())
