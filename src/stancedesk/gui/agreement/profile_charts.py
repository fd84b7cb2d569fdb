"""Painted charts of the sourcing profile: a stacked bar per group (claims by sourcing type) and
a stance × sourcing heat map. Both say their numbers in tooltips and report a click on a
segment or cell, so the view can list the claims behind it.

QPainter, as for the agreement charts: PySide6-Essentials ships no QtCharts, and a few dozen
rectangles need no chart engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget


@dataclass(frozen=True, slots=True)
class Category:
    """A sourcing type (or stance) as charted: its key in the data, its name and colour."""

    key: str
    name: str
    colour: str


@dataclass(frozen=True, slots=True)
class BarRow:
    group: str  # the profile's group key
    label: str  # what the reader sees: a title, an outlet, an annotator
    counts: Mapping[str, int]  # category key -> claims
    total: int


def _text_colour(fill: QColor) -> QColor:
    return QColor("#1f2328") if fill.lightnessF() > 0.55 else QColor("#ffffff")


def _plural(n: int, word: str = "claim") -> str:
    return f"{n} {word}{'s' * (n != 1)}"


class StackedBars(QWidget):
    """One horizontal bar per group, split by category; as shares of the group (100%) or as
    counts on a common scale."""

    segmentClicked = Signal(str, str)  # group, category key

    ROW = 26
    LABEL_W = 220
    PLOT_W = 460
    TOP = 56  # title and legend

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[BarRow] = []
        self.categories: list[Category] = []
        self.shares = True
        self.title = ""
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_data(self, rows: Sequence[BarRow], categories: Sequence[Category], *,
                 shares: bool, title: str) -> None:
        self.rows, self.categories = list(rows), list(categories)
        self.shares, self.title = shares, title
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.LABEL_W + self.PLOT_W + 90, self.TOP + max(1, len(self.rows)) * self.ROW
                     + 8)

    def _scale(self) -> int:
        return max((row.total for row in self.rows), default=1) or 1

    def segment_rect(self, index: int, key: str) -> QRectF | None:
        """Where the segment of ``key`` in row ``index`` is drawn (None: it has no claims)."""
        row = self.rows[index]
        if not row.counts.get(key) or not row.total:
            return None
        x = float(self.LABEL_W)
        per_claim = self.PLOT_W / (row.total if self.shares else self._scale())
        for category in self.categories:
            width = row.counts.get(category.key, 0) * per_claim
            if category.key == key:
                return QRectF(x, self.TOP + index * self.ROW, width, self.ROW - 6)
            x += width
        return None

    def segment_at(self, pos: QPointF) -> tuple[int, str] | None:
        index = int((pos.y() - self.TOP) // self.ROW)
        if pos.y() < self.TOP or not 0 <= index < len(self.rows):
            return None
        for category in self.categories:
            rect = self.segment_rect(index, category.key)
            if rect is not None and rect.contains(pos):
                return index, category.key
        return None

    def segment_text(self, index: int, key: str) -> str:
        row = self.rows[index]
        n = row.counts.get(key, 0)
        name = next((c.name for c in self.categories if c.key == key), key)
        share = n / row.total if row.total else 0.0
        return (f"{row.label}\n{name}: {_plural(n)} of {row.total} ({share:.0%})\n"
                "Click to list them")

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self.segment_at(QPointF(event.pos()))
            if hit is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.segment_text(*hit), self)
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self.segment_at(event.position())
        if hit is not None and event.button() == Qt.MouseButton.LeftButton:
            self.segmentClicked.emit(self.rows[hit[0]].group, hit[1])
            return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        text_colour = self.palette().windowText().color()
        painter.setPen(text_colour)
        painter.drawText(QRectF(0, 0, self.width(), 20), Qt.AlignmentFlag.AlignLeft, self.title)
        x = 0.0
        metrics = painter.fontMetrics()
        for category in self.categories:  # the legend
            painter.fillRect(QRectF(x, 28, 12, 12), QColor(category.colour))
            painter.setPen(text_colour)
            width = metrics.horizontalAdvance(category.name)
            painter.drawText(QRectF(x + 16, 24, width + 4, 20), Qt.AlignmentFlag.AlignVCenter,
                             category.name)
            x += width + 32
        for index, row in enumerate(self.rows):
            y = self.TOP + index * self.ROW
            painter.setPen(text_colour)
            label = metrics.elidedText(row.label, Qt.TextElideMode.ElideRight,
                                       self.LABEL_W - 10)
            painter.drawText(QRectF(0, y, self.LABEL_W - 8, self.ROW - 6),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            end = float(self.LABEL_W)
            for category in self.categories:
                rect = self.segment_rect(index, category.key)
                if rect is None:
                    continue
                fill = QColor(category.colour)
                painter.fillRect(rect, fill)
                painter.setPen(QPen(self.palette().base().color(), 1))
                painter.drawLine(rect.topRight(), rect.bottomRight())
                n = row.counts[category.key]
                if rect.width() > metrics.horizontalAdvance(str(n)) + 6:
                    painter.setPen(_text_colour(fill))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(n))
                end = rect.right()
            painter.setPen(text_colour)
            painter.drawText(QRectF(end + 6, y, 90, self.ROW - 6),
                             Qt.AlignmentFlag.AlignVCenter, _plural(row.total))
        painter.end()


class StanceHeatMap(QWidget):
    """Claims by stance (rows) and sourcing type (columns); shaded by share of all claims."""

    cellClicked = Signal(str, str)  # stance key, sourcing key

    CELL_W = 92
    CELL_H = 34
    LEFT = 110
    TOP = 64

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stances: list[Category] = []
        self.sourcings: list[Category] = []
        self.counts: dict[tuple[str, str], int] = {}
        self.title = ""
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_data(self, stances: Sequence[Category], sourcings: Sequence[Category],
                 counts: Mapping[tuple[str, str], int], title: str) -> None:
        self.stances, self.sourcings = list(stances), list(sourcings)
        self.counts, self.title = dict(counts), title
        self.updateGeometry()
        self.update()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def sizeHint(self) -> QSize:
        return QSize(self.LEFT + max(1, len(self.sourcings)) * self.CELL_W + 8,
                     self.TOP + max(1, len(self.stances)) * self.CELL_H + 8)

    def cell_rect(self, row: int, column: int) -> QRectF:
        return QRectF(self.LEFT + column * self.CELL_W, self.TOP + row * self.CELL_H,
                      self.CELL_W - 2, self.CELL_H - 2)

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        if pos.x() < self.LEFT or pos.y() < self.TOP:
            return None
        column = int((pos.x() - self.LEFT) // self.CELL_W)
        row = int((pos.y() - self.TOP) // self.CELL_H)
        if 0 <= row < len(self.stances) and 0 <= column < len(self.sourcings):
            return row, column
        return None

    def count(self, row: int, column: int) -> int:
        return self.counts.get((self.stances[row].key, self.sourcings[column].key), 0)

    def cell_text(self, row: int, column: int) -> str:
        n = self.count(row, column)
        of_sourcing = sum(self.counts.get((s.key, self.sourcings[column].key), 0)
                          for s in self.stances)
        share = n / of_sourcing if of_sourcing else 0.0
        return (f"{self.stances[row].name} × {self.sourcings[column].name}: {_plural(n)}\n"
                f"{share:.0%} of the {of_sourcing} claims resting on "
                f"{self.sourcings[column].name}; {n / self.total if self.total else 0:.0%} "
                f"of all {self.total}" + ("\nClick to list them" if n else ""))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self.cell_at(QPointF(event.pos()))
            if hit is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.cell_text(*hit), self)
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self.cell_at(event.position())
        if hit is not None and event.button() == Qt.MouseButton.LeftButton and self.count(*hit):
            self.cellClicked.emit(self.stances[hit[0]].key, self.sourcings[hit[1]].key)
            return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        text_colour = self.palette().windowText().color()
        metrics = painter.fontMetrics()
        painter.setPen(text_colour)
        painter.drawText(QRectF(0, 0, self.width(), 20), Qt.AlignmentFlag.AlignLeft, self.title)
        top = max(self.counts.values(), default=0) or 1
        for column, sourcing in enumerate(self.sourcings):
            painter.setPen(text_colour)
            rect = QRectF(self.LEFT + column * self.CELL_W, self.TOP - 40, self.CELL_W - 2, 36)
            painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
                             | Qt.TextFlag.TextWordWrap, sourcing.name)
        for row, stance in enumerate(self.stances):
            painter.setPen(text_colour)
            painter.drawText(QRectF(0, self.TOP + row * self.CELL_H, self.LEFT - 8,
                                    self.CELL_H - 2),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(stance.name, Qt.TextElideMode.ElideRight,
                                                self.LEFT - 10))
            for column in range(len(self.sourcings)):
                n = self.count(row, column)
                rect = self.cell_rect(row, column)
                # white to the stance's colour, by the cell's share of the busiest cell
                base = QColor(stance.colour)
                weight = n / top
                fill = QColor(int(255 + (base.red() - 255) * weight),
                              int(255 + (base.green() - 255) * weight),
                              int(255 + (base.blue() - 255) * weight)) if n else QColor("#f1f0ec")
                painter.fillRect(rect, fill)
                painter.setPen(_text_colour(fill) if n else QColor("#8a8d91"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(n))
        painter.end()
