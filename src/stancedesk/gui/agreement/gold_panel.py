"""The dashboard's "Against gold" tab: each annotator against the curated gold standard, per
layer and per role, so that a lead sees who drifts.

Read from the ``gold`` section of the service's result, as ``agreement --json``, the text
summary and the HTML report are. A matrix (annotators × layers and roles) shades one chosen
figure by the same cut-offs as the other tabs, so a drifting annotator shows as a pale row; a
sortable table below gives every count and figure. A figure the service left out is "n/a" with
the service's own reason (tooltip and the last column): the tab computes nothing itself. A cell
or a row, double clicked (or Return), lists the passages where that annotator and gold differ,
each of which opens in the curation view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stancedesk.gui.agreement.charts import agreement_colour
from stancedesk.services.agreement import fmt

# (key in the service's scores, column title)
MEASURES = (("f1_exact", "F1 exact"), ("f1_overlap", "F1 overlap"),
            ("precision_exact", "Precision (exact)"), ("recall_exact", "Recall (exact)"),
            ("precision_overlap", "Precision (overlap)"), ("recall_overlap", "Recall (overlap)"))
COUNTS = (("n_annotator", "Spans"), ("n_gold", "Gold"), ("exact_matches", "Exact"),
          ("overlap_matches", "Overlap"))
TABLE_FIGURES = ("precision_exact", "recall_exact", "f1_exact", "precision_overlap",
                 "recall_overlap", "f1_overlap")
_TITLES = dict(MEASURES)
GOLD_NOTE_WIDTH = 190  # beside twelve columns: a reason wraps (stretching to the free width)
WHERE = Qt.ItemDataRole.UserRole  # (annotator, "layer" | "role", key) of a cell or row
SORT = Qt.ItemDataRole.UserRole + 1  # what a column sorts by


class _Item(QTableWidgetItem):
    """An item sorted by its SORT value (numbers as numbers; n/a after every number)."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(SORT), other.data(SORT)
        if mine is None or theirs is None:
            return super().__lt__(other)
        return bool(mine < theirs)


def _cell(text: str, sort: Any = None, *, right: bool = True) -> _Item:
    item = _Item(text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    item.setData(SORT, text.casefold() if sort is None else sort)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _figure(value: float | None, reason: str | None, *, shade: bool) -> _Item:
    """A figure as the service gave it: a number, or n/a with its reason; never a number the
    service did not give."""
    if value is None:
        item = _cell("n/a", (1, 0.0))
        item.setToolTip(f"n/a: {reason}" if reason else "n/a")
        item.setForeground(QBrush(QColor("#6b6f76")))
        return item
    item = _cell(fmt(value), (0, value))
    if shade:
        item.setBackground(QBrush(agreement_colour(value).lighter(115)))
        item.setForeground(QBrush(QColor("#1f2328")))
    return item


def figure_reason(scores: Mapping[str, Any], measure: str) -> str | None:
    """The service's reason for one None figure (its per-figure ``reasons``, else the
    scores' ``reason``)."""
    if scores.get(measure) is not None:
        return None
    return (scores.get("reasons") or {}).get(measure) or scores.get("reason")


class GoldPanel(QWidget):
    """Everything about the annotators against gold in one computed result."""

    # annotator, "layer" or "role", the layer key or role: list the passages behind it
    goldChosen = Signal(str, str, str)

    def __init__(self, section: Mapping[str, Any], layer_names: Mapping[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("goldPanel")
        self.section = section
        self.layer_names = dict(layer_names)
        body = QVBoxLayout(self)
        n_docs = section.get("n_documents", 0)
        gold = section.get("annotator", "gold")
        summary = QLabel(
            f"Each annotator's spans against the curated gold standard ({gold}) over the "
            f"{n_docs} document(s) gold has spans in. Exact: same offsets and value; "
            "overlap: one-to-one overlapping spans of the same value; per role, the role is the "
            "value. Precision counts matches among the annotator's spans, recall among gold's. "
            "Double click a cell or a row (or press Return) to list the passages where the "
            "annotator differs from gold and open them in the curation view.")
        summary.setObjectName("goldSummary")
        summary.setWordWrap(True)
        body.addWidget(summary)
        self.unavailable: QLabel | None = None
        self.matrix: QTableWidget | None = None
        self.table: QTableWidget | None = None
        self.measure = QComboBox()
        self.measure.setObjectName("goldMeasure")
        for key, title in MEASURES:
            self.measure.addItem(title, key)
        if not section.get("available"):
            self.unavailable = QLabel(f"No comparison with gold: {section.get('reason')}")
            self.unavailable.setObjectName("goldUnavailable")
            self.unavailable.setWordWrap(True)
            self.unavailable.setStyleSheet("background:#fff4ce; color:#3d3000; padding:6px;"
                                           "border:1px solid #e0c46c; border-radius:3px")
            self.measure.setVisible(False)
            body.addWidget(self.unavailable)
            body.addStretch(1)
            return
        self.annotators: list[str] = list(section.get("annotators") or {})
        first: Mapping[str, Any] = next(iter((section.get("annotators") or {}).values()), {})
        self.columns: list[tuple[str, str]] = (
            [("layer", key) for key in first.get("layers") or {}]
            + [("role", key) for key in first.get("roles") or {}])
        self.matrix = QTableWidget(len(self.annotators), len(self.columns))
        self.matrix.setObjectName("goldMatrix")
        self.matrix.setHorizontalHeaderLabels([self.title(kind, key)
                                               for kind, key in self.columns])
        self.matrix.setVerticalHeaderLabels(self.annotators)
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.setToolTip("Double click a cell (or press Return) to list the passages where "
                               "that annotator differs from gold")
        self.matrix.activated.connect(self._matrix_chosen)
        self.matrix.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        self.matrix.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.measure.currentIndexChanged.connect(lambda _i: self.show_measure())
        self.show_measure()
        self.table = self._detail_table()
        top = QHBoxLayout()
        top.addWidget(QLabel("Shaded by"))
        top.addWidget(self.measure)
        top.addStretch(1)
        body.addLayout(top)
        body.addWidget(self.matrix)
        body.addWidget(QLabel("Every count and figure (click a header to sort)"))
        body.addWidget(self.table)
        body.addStretch(1)

    def title(self, kind: str, key: str) -> str:
        return self.layer_names.get(key, key) if kind == "layer" else f"role: {key}"

    def scores(self, annotator: str, kind: str, key: str) -> Mapping[str, Any]:
        parts = (self.section.get("annotators") or {}).get(annotator) or {}
        return (parts.get("layers" if kind == "layer" else "roles") or {}).get(key) or {}

    def show_measure(self) -> None:
        """Shade the matrix by the measure chosen."""
        if self.matrix is None:
            return
        measure = self.measure.currentData()
        for r, who in enumerate(self.annotators):
            for c, (kind, key) in enumerate(self.columns):
                s = self.scores(who, kind, key)
                item = _figure(s.get(measure), figure_reason(s, measure), shade=True)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if s.get(measure) is not None:
                    item.setToolTip(
                        f"{who}, {self.title(kind, key)}: {_TITLES[measure]} "
                        f"{fmt(s.get(measure))} — {s.get('exact_matches')} exact and "
                        f"{s.get('overlap_matches')} overlap matches; {s.get('n_annotator')} "
                        f"spans, gold {s.get('n_gold')}")
                item.setData(WHERE, (who, kind, key))
                self.matrix.setItem(r, c, item)
        self.matrix.resizeColumnsToContents()
        for c in range(self.matrix.columnCount()):
            self.matrix.setColumnWidth(c, max(self.matrix.columnWidth(c), 72))
        # the whole matrix in view, no scroll bar of its own: it is the at-a-glance part
        self.matrix.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.matrix.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        width = (self.matrix.verticalHeader().sizeHint().width()
                 + sum(self.matrix.columnWidth(c) for c in range(self.matrix.columnCount()))
                 + 2 * self.matrix.frameWidth())
        self.matrix.setFixedWidth(width)

    def _detail_table(self) -> QTableWidget:
        # two-line headers keep thirteen columns within the window
        headers = ["Annotator", "Layer / role", *[title for _k, title in COUNTS],
                   *[_TITLES[m].replace(" (", "\n(") for m in TABLE_FIGURES], "n/a because"]
        rows: list[list[_Item]] = []
        for who in self.annotators:
            for kind, key in self.columns:
                s = self.scores(who, kind, key)
                reasons = [figure_reason(s, m) for m in TABLE_FIGURES]
                why = "; ".join(dict.fromkeys(r for r in reasons if r))
                note = _cell(why, right=False)
                note.setToolTip(why)
                row = [_cell(who, right=False), _cell(self.title(kind, key), right=False),
                       *[_cell(str(s.get(m, "")), s.get(m, 0)) for m, _t in COUNTS],
                       *[_figure(s.get(m), r, shade=m.startswith("f1"))
                         for m, r in zip(TABLE_FIGURES, reasons, strict=True)],
                       note]
                for item in row:
                    item.setData(WHERE, (who, kind, key))
                rows.append(row)
        table = QTableWidget(len(rows), len(headers))
        table.setObjectName("goldTable")
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        for r, row in enumerate(rows):
            for c, item in enumerate(row):
                table.setItem(r, c, item)
        table.setSortingEnabled(True)
        table.sortItems(0, Qt.SortOrder.AscendingOrder)
        table.resizeColumnsToContents()
        # number columns as wide as their widest header line or number, not wider (the
        # header reserves room for the sort arrow in every column otherwise)
        metrics = table.fontMetrics()
        widest_number = metrics.horizontalAdvance("0.000")
        for c in range(2, len(headers) - 1):
            lines = headers[c].split("\n")
            table.setColumnWidth(c, max(widest_number, *map(metrics.horizontalAdvance, lines))
                                 + 12)
        last = len(headers) - 1
        table.setColumnWidth(last, min(max(table.columnWidth(last), 120), GOLD_NOTE_WIDTH))
        table.horizontalHeader().setStretchLastSection(True)
        table.setWordWrap(True)
        table.resizeRowsToContents()
        table.setToolTip("Double click a row (or press Return) to list the passages where that "
                         "annotator differs from gold")
        table.activated.connect(self._table_chosen)
        table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        # every row visible: the tab scrolls as a whole, as the other tabs do
        table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return table

    def _matrix_chosen(self, index: QModelIndex) -> None:
        if self.matrix is not None:
            self._chosen(self.matrix.item(index.row(), index.column()))

    def _table_chosen(self, index: QModelIndex) -> None:
        if self.table is not None:
            self._chosen(self.table.item(index.row(), index.column()))

    def _chosen(self, item: QTableWidgetItem | None) -> None:
        where = item.data(WHERE) if item is not None else None
        if where:
            who, kind, key = where
            self.goldChosen.emit(who, kind, key)
