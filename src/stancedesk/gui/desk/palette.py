"""The label palette: every layer's labels with their keys and descriptions, clickable.

It doubles as the key reference (what each key does) and, in reviewer mode, as the legend of
annotator styles.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from stancedesk.domain import LayerKind, Scheme
from stancedesk.gui.desk.painting import AnnotatorStyle


def swatch(colour: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(0, 0, size, size, 3, 3)
    painter.end()
    return QIcon(pixmap)


class LabelPalette(QScrollArea):
    """Emits ``labelChosen(layer, value)`` for closed labels and ``freeLayerChosen(layer)`` for
    free layers (the window opens the value editor)."""

    labelChosen = Signal(str, str)
    freeLayerChosen = Signal(str)

    def __init__(self, scheme: Scheme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelPalette")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("paletteBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(2)
        self.buttons: dict[tuple[str, str], PaletteRow] = {}
        self.scheme = scheme
        self.heads: dict[str, QLabel] = {}
        self._role_shown: str | None = None  # every layer is shown at first, as for no role
        for layer in scheme.layers:
            head = self.heads[layer.key] = QLabel(layer.name)
            head.setObjectName("paletteLayer")
            head.setToolTip(layer.description)
            layout.addSpacing(6)
            layout.addWidget(head)
            if layer.kind is LayerKind.FREE:
                self._add(layout, layer.key, "", f"{layer.name}…", layer.shortcut,
                          layer.description, layer.color)
            for label in layer.labels:
                self._add(layout, layer.key, label.key, label.name, label.shortcut,
                          label.description, label.color)
        self.legend = QLabel()
        self.legend.setObjectName("paletteLegend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        layout.addSpacing(8)
        layout.addWidget(self.legend)
        layout.addStretch(1)
        self.setWidget(body)
        self.set_legend({}, False)

    def _add(self, layout: QVBoxLayout, layer: str, value: str, name: str, key: str,
             description: str, colour: str) -> None:
        row = PaletteRow(name, key, description, colour)
        if value:
            row.clicked.connect(lambda: self.labelChosen.emit(layer, value))
        else:
            row.clicked.connect(lambda: self.freeLayerChosen.emit(layer))
        layout.addWidget(row)
        self.buttons[(layer, value)] = row

    def show_current(self, labels: dict[str, str] | None) -> None:
        """Mark the rows of the current span's values (none when no span is current)."""
        labels = labels or {}
        for (layer, value), row in self.buttons.items():
            on = bool(labels.get(layer)) and (value == labels[layer] or not value)
            if row.property("current") != on:
                row.setProperty("current", on)
                # the style sheet restyles the row and its name (desk.qss), nothing else in it
                for widget in (row, row.name_label):
                    widget.style().unpolish(widget)
                    widget.style().polish(widget)

    def show_role(self, role: str | None) -> None:
        """Show only the layers that apply to the current span's role (every layer when the
        span has no role or no span is current). Asked after every key (current span, saved):
        the same role as last time changes nothing and costs nothing."""
        if role == self._role_shown:
            return
        self._role_shown = role
        for layer in self.scheme.layers:
            on = layer.applies_to(role)
            self.heads[layer.key].setVisible(on)
            for (key, _value), row in self.buttons.items():
                if key == layer.key:
                    row.setVisible(on)

    def visible_layers(self) -> list[str]:
        return [key for key, head in self.heads.items() if not head.isHidden()]

    def current_rows(self) -> list[tuple[str, str]]:
        return [key for key, row in self.buttons.items() if row.property("current")]

    def set_legend(self, styles: dict[str, AnnotatorStyle], shown: bool) -> None:
        if not shown or not styles:
            self.legend.setText("<small>Blind mode: only your spans are shown.</small>")
            return
        rows = "".join(f"<div><span style='color:{s.colour}'>■</span> {name} "
                       f"<small>({s.pattern_name})</small></div>"
                       for name, s in styles.items())
        self.legend.setText(f"<b>Annotators</b>{rows}")


class PaletteRow(QFrame):
    """One label: colour swatch, name, and its key in a key cap; the whole row is a button."""

    clicked = Signal()

    def __init__(self, name: str, key: str, description: str, colour: str) -> None:
        super().__init__()
        self.setObjectName("paletteRow")
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"<b>{name}</b>" + (f" &nbsp;<code>{key}</code>" if key else "")
                        + (f"<br>{description}" if description else ""))
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a click keeps the reader's selection
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(8)
        chip = QLabel()
        chip.setPixmap(swatch(colour).pixmap(12, 12))
        text = QLabel(name)
        text.setObjectName("paletteName")
        self.name_label = text
        cap = QLabel(key)
        cap.setObjectName("keyCap")
        cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cap.setVisible(bool(key))
        layout.addWidget(chip)
        layout.addWidget(text, 1)
        layout.addWidget(cap)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.clicked.emit()
