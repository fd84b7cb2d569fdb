"""Small painted charts for the agreement dashboard: a pairwise heat map and per-label bars.

Painted with QPainter rather than QtCharts, which PySide6-Essentials does not ship, and because
two dozen cells and bars need no chart engine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


def agreement_colour(value: float | None) -> QColor:
    """Krippendorff's cut-offs: below 0.4 poor, 0.667 tentative, 0.8 firm."""
    if value is None or math.isnan(value):
        return QColor("#d9d6cf")
    if value < 0:
        return QColor("#e57373")
    if value < 0.4:
        return QColor("#f4a582")
    if value < 0.667:
        return QColor("#fddc8b")
    if value < 0.8:
        return QColor("#a6d96a")
    return QColor("#4dac26")


class HeatMap(QWidget):
    """Annotator × annotator matrix of one pairwise measure."""

    CELL = 52
    MARGIN = 90

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.values: dict[tuple[str, str], float | None] = {}
        self.title = ""
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_data(self, names: Sequence[str], values: Mapping[tuple[str, str], float | None],
                 title: str) -> None:
        self.names, self.values, self.title = list(names), dict(values), title
        self.setToolTip(title)
        self.updateGeometry()
        self.update()

    def value(self, a: str, b: str) -> float | None:
        if a == b:
            return 1.0
        return self.values.get((a, b), self.values.get((b, a)))

    def sizeHint(self) -> QSize:
        n = max(1, len(self.names))
        return QSize(self.MARGIN + n * self.CELL + 8, 24 + self.MARGIN // 2 + n * self.CELL + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_colour = self.palette().windowText().color()
        painter.setPen(text_colour)
        painter.drawText(QRectF(0, 0, self.width(), 20), Qt.AlignmentFlag.AlignLeft, self.title)
        top = 24 + self.MARGIN // 2
        for i, name in enumerate(self.names):
            painter.setPen(text_colour)
            painter.drawText(QRectF(self.MARGIN + i * self.CELL, top - 22, self.CELL, 20),
                             Qt.AlignmentFlag.AlignCenter, name[:8])
            painter.drawText(QRectF(0, top + i * self.CELL, self.MARGIN - 6, self.CELL),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             name[:14])
            for j, other in enumerate(self.names):
                v = self.value(name, other)
                rect = QRectF(self.MARGIN + j * self.CELL, top + i * self.CELL,
                              self.CELL - 2, self.CELL - 2)
                painter.fillRect(rect, agreement_colour(v))
                painter.setPen(QColor("#1f2328"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter,
                                 "n/a" if v is None else f"{v:.2f}")
        painter.end()


class LabelBars(QWidget):
    """Horizontal bars from -1 to 1, one per label."""

    ROW = 24
    LABEL_W = 120
    PLOT_W = 260

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[tuple[str, float | None]] = []
        self.title = ""
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_data(self, items: Sequence[tuple[str, float | None]], title: str) -> None:
        self.items, self.title = list(items), title
        self.setToolTip(title)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.LABEL_W + self.PLOT_W + 60, 28 + max(1, len(self.items)) * self.ROW)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        text_colour = self.palette().windowText().color()
        painter.setPen(text_colour)
        painter.drawText(QRectF(0, 0, self.width(), 20), Qt.AlignmentFlag.AlignLeft, self.title)
        zero = self.LABEL_W + self.PLOT_W / 2
        painter.setPen(QPen(QColor("#9e9e9e"), 1))
        painter.drawLine(int(zero), 24, int(zero), self.height())
        for i, (name, value) in enumerate(self.items):
            y = 26 + i * self.ROW
            painter.setPen(text_colour)
            painter.drawText(QRectF(0, y, self.LABEL_W - 6, self.ROW - 4),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             name[:18])
            if value is None or math.isnan(value):
                painter.drawText(QRectF(zero + 4, y, 60, self.ROW - 4),
                                 Qt.AlignmentFlag.AlignVCenter, "n/a")
                continue
            v = max(-1.0, min(1.0, value))
            width = v * self.PLOT_W / 2
            rect = QRectF(zero, y, width, self.ROW - 6) if v >= 0 else \
                QRectF(zero + width, y, -width, self.ROW - 6)
            painter.fillRect(rect, agreement_colour(value))
            painter.drawText(QRectF(self.LABEL_W + self.PLOT_W + 6, y, 60, self.ROW - 4),
                             Qt.AlignmentFlag.AlignVCenter, f"{value:.3f}")
        painter.end()
