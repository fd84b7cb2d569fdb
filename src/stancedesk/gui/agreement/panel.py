"""One layer's agreement in the dashboard: coefficients with their n and intervals, pairs, a
heat map, per-label bars and confusion matrices, all read from the service's JSON-ready result.
An n/a cell says why, in its text (the Note column) and in its tooltip."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stancedesk.gui.agreement.charts import HeatMap, LabelBars, agreement_colour
from stancedesk.services.agreement import (
    COEFFICIENT_NAMES,
    ci_text,
    fmt,
    n_text,
    resampling_text,
)

COEFFICIENT_TITLES = {
    "char_alpha": "Character α (nominal)",
    "unitized_alpha": "Unitized α (αu)",
    "gamma": "Mathet's γ",
    "aligned_alpha": "Aligned α (nominal)",
    "aligned_alpha_ordinal": "Aligned α (ordinal)",
    "fleiss_kappa": "Aligned Fleiss' κ",
    "gwet_ac1": "Aligned Gwet's AC1",
    "percent_agreement": "Aligned percent agreement",
}


def _item(text: str, value: float | None = None, align_right: bool = True,
          reason: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem("n/a" if reason else text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if reason:
        item.setToolTip(f"n/a: {reason}")
        item.setForeground(QBrush(QColor("#6b6f76")))
    elif value is not None and not math.isnan(value):
        item.setBackground(QBrush(agreement_colour(value).lighter(115)))
        item.setForeground(QBrush(QColor("#1f2328")))
    return item


def _value(value: Any, reason: str | None) -> QTableWidgetItem:
    return _item(fmt(value), value, reason=reason)


def _why(reasons: dict[str, str | None]) -> QTableWidgetItem:
    text = "; ".join(dict.fromkeys(r for r in reasons.values() if r))
    item = _item(text, align_right=False)
    item.setToolTip(text)
    return item


NOTE_WIDTH = 360  # a reason wraps onto more lines rather than widening the table off-screen


def _table(headers: list[str], rows: list[list[QTableWidgetItem]], name: str,
           note_column: bool = False) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    for r, row in enumerate(rows):
        for c, item in enumerate(row):
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    if note_column and headers:
        last = len(headers) - 1
        table.setColumnWidth(last, min(table.columnWidth(last), NOTE_WIDTH))
        table.setWordWrap(True)
        table.resizeRowsToContents()
    table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
    # every row visible: the panel scrolls as a whole, so no table hides rows behind its own bar
    table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return table


class LayerPanel(QWidget):
    """Everything about one layer: coefficients, pairs, labels, confusion."""

    # layer key, "a|b" pair, row label, column label (None: the "none" row or column): the
    # passages behind a confusion cell are asked for (double click or Return on the cell)
    cellChosen = Signal(str, str, object, object)

    def __init__(self, key: str, layer: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"layerPanel_{key}")
        self.key = key
        coefficient_rows = []
        for name, entry in (layer.get("coefficients") or {}).items():
            reason = entry.get("reason")
            ci = entry.get("ci") or {}
            bounds = ci.get("bounds")
            ci_item = _item(f"[{bounds[0]:.3f}, {bounds[1]:.3f}]" if bounds else "")
            ci_item.setToolTip(ci_text(ci))
            note = reason or (resampling_text(ci) if bounds else ci.get("reason")) or ""
            note_item = _item(note, align_right=False)
            note_item.setToolTip(f"n/a: {reason}" if reason else note)
            n = entry.get("n") or {}
            n_item = _item(f"{n.get('units', 0):,}")
            n_item.setToolTip(n_text(n))
            of_item = _item(f"{n.get('unit', '')}; {n.get('coders', 0)} coders, "
                            f"{n.get('documents', 0)} docs" if n else "", align_right=False)
            title = _item(COEFFICIENT_TITLES.get(name, COEFFICIENT_NAMES.get(name, name)),
                          align_right=False)
            coefficient_rows.append([title, _value(entry.get("value"), reason), ci_item,
                                     n_item, of_item, note_item])
        confidence = (layer.get("ci") or {}).get("confidence", 0.95)
        self.coefficients = _table(
            ["Coefficient", "Value", f"{confidence:.0%} CI", "n", "n counts", "Note"],
            coefficient_rows, "coefficientTable", note_column=True)
        pairs = layer.get("pairwise") or []
        ordered = bool(pairs) and "cohen_kappa_linear" in pairs[0]
        metrics = ["f1_exact", "f1_overlap", "cohen_kappa"] + (
            ["cohen_kappa_linear", "cohen_kappa_quadratic"] if ordered else [])
        self.pairs = _table(
            ["A", "B", "F1 exact", "F1 overlap", "Cohen's κ",
             *(["κ linear", "κ quadratic"] if ordered else []), "n", "n/a because"],
            [[_item(p["a"], align_right=False), _item(p["b"], align_right=False),
              *[_value(p[m], (p.get("reasons") or {}).get(m)) for m in metrics],
              _item(str((p.get("n") or {}).get("units", ""))),
              _why(p.get("reasons") or {})] for p in pairs], "pairTable", note_column=True)
        self.heatmap = HeatMap()
        self.heatmap.setObjectName("pairHeatMap")
        names = list(layer.get("annotators") or [])
        self.heat_measure = QComboBox()
        self.heat_measure.setObjectName("heatMeasure")
        for key_, text in (("f1_overlap", "F1 overlap"), ("f1_exact", "F1 exact"),
                           ("cohen_kappa", "Cohen's κ"),
                           *((("cohen_kappa_linear", "κ, linear weights"),
                              ("cohen_kappa_quadratic", "κ, quadratic weights"))
                             if ordered else ())):
            self.heat_measure.addItem(text, key_)

        def show_heat() -> None:
            measure = self.heat_measure.currentData()
            self.heatmap.set_data(names, {(p["a"], p["b"]): p[measure] for p in pairs},
                                  self.heat_measure.currentText())

        self.heat_measure.currentIndexChanged.connect(lambda _i: show_heat())
        show_heat()
        labels = layer.get("labels") or {}
        label_metrics = ("char_alpha", "f1_exact", "f1_overlap", "unitized_alpha",
                         "aligned_specific_agreement")
        self.label_table = _table(
            ["Label", "Spans", "char α", "F1 exact", "F1 overlap", "αu", "Specific agr.",
             "n/a because"],
            [[_item(lab, align_right=False), _item(str(v.get("n_spans", 0))),
              *[_value(v.get(m), (v.get("reasons") or {}).get(m)) for m in label_metrics],
              _why(v.get("reasons") or {})]
             for lab, v in labels.items()], "labelTable", note_column=True)
        self.bars = LabelBars()
        self.bars.setObjectName("labelBars")
        self.bars.set_data([(lab, v.get("char_alpha")) for lab, v in labels.items()],
                           "Character α per label")
        self.confusion_pair = QComboBox()
        self.confusion_pair.setObjectName("confusionPair")
        self.confusion = QTableWidget()
        self.confusion.setObjectName("confusionTable")
        self.confusion.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusion.setToolTip("Double click a cell (or press Return) to list the passages "
                                  "it counts and open them in the curation view")
        self.confusion.activated.connect(self.choose_cell)
        self._confusion = layer.get("confusion") or {}
        for pair in self._confusion:
            a, _, b = pair.partition("|")
            self.confusion_pair.addItem(f"{a} (rows) × {b} (columns)", pair)
        self.confusion_pair.currentIndexChanged.connect(lambda _i: self._show_confusion())
        self._show_confusion()

        scope = layer.get("scope") or {}
        summary = QLabel(
            f"Scope: {scope.get('description', 'the documents chosen')} · "
            f"{layer.get('n_documents', 0)} document(s), {layer.get('n_characters', 0):,} "
            "characters · spans: " + ", ".join(f"{a} {n}" for a, n in
                                               (layer.get("n_spans") or {}).items()))
        summary.setObjectName("layerSummary")
        summary.setWordWrap(True)
        body = QVBoxLayout()
        body.addWidget(summary)
        if scope.get("notice"):
            notice = QLabel(scope["notice"])
            notice.setObjectName("layerScopeNotice")
            notice.setWordWrap(True)
            notice.setStyleSheet("background:#fff4ce; color:#3d3000; padding:4px;"
                                 "border:1px solid #e0c46c; border-radius:3px")
            body.addWidget(notice)
        body.addWidget(self.coefficients)
        pairs_row = QHBoxLayout()
        pairs_box = QVBoxLayout()
        pairs_box.addWidget(QLabel("Pairs of annotators"))
        pairs_box.addWidget(self.pairs)
        pairs_box.addStretch(1)
        pairs_row.addLayout(pairs_box, 2)
        heat_box = QVBoxLayout()
        heat_box.addWidget(self.heat_measure)
        heat_box.addWidget(self.heatmap)
        heat_box.addStretch(1)
        pairs_row.addLayout(heat_box, 1)
        body.addLayout(pairs_row)
        labels_row = QHBoxLayout()
        labels_row.addWidget(self.label_table, 2)
        labels_row.addWidget(self.bars, 1)
        body.addWidget(QLabel("Per label"))
        body.addLayout(labels_row)
        body.addWidget(QLabel("Confusion on aligned spans"))
        body.addWidget(self.confusion_pair)
        body.addWidget(self.confusion)
        body.addStretch(1)
        self.setLayout(body)

    def choose_cell(self, index: QModelIndex) -> None:
        pair = self.confusion_pair.currentData()
        data = self._confusion.get(pair) if pair else None
        if not data or not index.isValid():
            return
        labels = data["labels"]
        none = len(labels) - 1  # the last row and column are "no span"
        row, column = index.row(), index.column()
        self.cellChosen.emit(self.key, pair, None if row == none else labels[row],
                             None if column == none else labels[column])

    def _show_confusion(self) -> None:
        pair = self.confusion_pair.currentData()
        data = self._confusion.get(pair) if pair else None
        if not data:
            self.confusion.setRowCount(0)
            self.confusion.setColumnCount(0)
            return
        labels, matrix = data["labels"], data["matrix"]
        self.confusion.setRowCount(len(labels))
        self.confusion.setColumnCount(len(labels))
        self.confusion.setHorizontalHeaderLabels(labels)
        self.confusion.setVerticalHeaderLabels(labels)
        top = max(1.0, max((max(row) for row in matrix), default=1.0))
        for r, row in enumerate(matrix):
            for c, count in enumerate(row):
                item = _item(f"{count:g}")
                shade = int(235 - 150 * (count / top))
                item.setBackground(QBrush(QColor(shade, shade + 8, min(255, shade + 20))))
                item.setForeground(QBrush(QColor("#ffffff" if count / top > 0.6 else "#1f2328")))
                self.confusion.setItem(r, c, item)
        self.confusion.resizeColumnsToContents()
