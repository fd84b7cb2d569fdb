"""One layer's agreement in the dashboard: coefficients with intervals, pairs, a heat map,
per-label bars and confusion matrices, all read from the service's JSON-ready result."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stancedesk.gui.agreement.charts import HeatMap, LabelBars, agreement_colour
from stancedesk.services.agreement import fmt


def _item(text: str, value: float | None = None, align_right: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if value is not None and not math.isnan(value):
        item.setBackground(QBrush(agreement_colour(value).lighter(115)))
        item.setForeground(QBrush(QColor("#1f2328")))
    return item


def _table(headers: list[str], rows: list[list[QTableWidgetItem]], name: str) -> QTableWidget:
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
    table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
    return table


class LayerPanel(QWidget):
    """Everything about one layer: coefficients, pairs, labels, confusion."""

    def __init__(self, key: str, layer: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"layerPanel_{key}")
        ci = layer.get("ci") or {}
        aligned = layer.get("aligned") or {}

        def ci_text(name: str) -> str:
            bounds = ci.get(name)
            if not bounds or any(b is None for b in bounds):
                return ""
            return f"[{bounds[0]:.3f}, {bounds[1]:.3f}]"

        coefficient_rows = [
            ("Character α (nominal)", layer.get("char_alpha"), ci_text("char_alpha")),
            ("Unitized α (αu)", layer.get("unitized_alpha"), ""),
            *([("Mathet's γ", (layer.get("gamma") or {}).get("gamma"), "")]
              if "gamma" in layer else []),
            ("Aligned α (nominal)", aligned.get("alpha"), ci_text("aligned_alpha")),
            ("Aligned Fleiss' κ", aligned.get("fleiss_kappa"), ""),
            ("Aligned Gwet's AC1", aligned.get("gwet_ac1"), ""),
            ("Aligned percent agreement", aligned.get("percent_agreement"), ""),
        ]
        self.coefficients = _table(
            ["Coefficient", "Value", "95% CI"],
            [[_item(n, align_right=False), _item(fmt(v), v), _item(c)]
             for n, v, c in coefficient_rows], "coefficientTable")
        pairs = layer.get("pairwise") or []
        self.pairs = _table(
            ["A", "B", "F1 exact", "F1 overlap", "Cohen's κ"],
            [[_item(p["a"], align_right=False), _item(p["b"], align_right=False),
              _item(fmt(p["f1_exact"]), p["f1_exact"]),
              _item(fmt(p["f1_overlap"]), p["f1_overlap"]),
              _item(fmt(p["cohen_kappa"]), p["cohen_kappa"])] for p in pairs], "pairTable")
        self.heatmap = HeatMap()
        self.heatmap.setObjectName("pairHeatMap")
        names = list(layer.get("annotators") or [])
        self.heat_measure = QComboBox()
        self.heat_measure.setObjectName("heatMeasure")
        for key_, text in (("f1_overlap", "F1 overlap"), ("f1_exact", "F1 exact"),
                           ("cohen_kappa", "Cohen's κ")):
            self.heat_measure.addItem(text, key_)

        def show_heat() -> None:
            measure = self.heat_measure.currentData()
            self.heatmap.set_data(names, {(p["a"], p["b"]): p[measure] for p in pairs},
                                  self.heat_measure.currentText())

        self.heat_measure.currentIndexChanged.connect(lambda _i: show_heat())
        show_heat()
        labels = layer.get("labels") or {}
        self.label_table = _table(
            ["Label", "Spans", "char α", "F1 exact", "F1 overlap", "αu", "Specific agr."],
            [[_item(lab, align_right=False), _item(str(v.get("n_spans", 0))),
              _item(fmt(v.get("char_alpha")), v.get("char_alpha")),
              _item(fmt(v.get("f1_exact")), v.get("f1_exact")),
              _item(fmt(v.get("f1_overlap")), v.get("f1_overlap")),
              _item(fmt(v.get("unitized_alpha")), v.get("unitized_alpha")),
              _item(fmt(v.get("aligned_specific_agreement")),
                    v.get("aligned_specific_agreement"))]
             for lab, v in labels.items()], "labelTable")
        self.bars = LabelBars()
        self.bars.setObjectName("labelBars")
        self.bars.set_data([(lab, v.get("char_alpha")) for lab, v in labels.items()],
                           "Character α per label")
        self.confusion_pair = QComboBox()
        self.confusion_pair.setObjectName("confusionPair")
        self.confusion = QTableWidget()
        self.confusion.setObjectName("confusionTable")
        self.confusion.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._confusion = layer.get("confusion") or {}
        for pair in self._confusion:
            a, _, b = pair.partition("|")
            self.confusion_pair.addItem(f"{a} (rows) × {b} (columns)", pair)
        self.confusion_pair.currentIndexChanged.connect(lambda _i: self._show_confusion())
        self._show_confusion()

        summary = QLabel(
            f"{layer.get('n_documents', 0)} document(s), {layer.get('n_characters', 0):,} "
            "characters · spans: " + ", ".join(f"{a} {n}" for a, n in
                                               (layer.get("n_spans") or {}).items()))
        summary.setObjectName("layerSummary")
        summary.setWordWrap(True)
        body = QVBoxLayout()
        body.addWidget(summary)
        top = QHBoxLayout()
        top.addWidget(self.coefficients, 2)
        heat_box = QVBoxLayout()
        heat_box.addWidget(self.heat_measure)
        heat_box.addWidget(self.heatmap)
        heat_box.addStretch(1)
        top.addLayout(heat_box, 1)
        body.addLayout(top)
        body.addWidget(QLabel("Pairs of annotators"))
        body.addWidget(self.pairs)
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
