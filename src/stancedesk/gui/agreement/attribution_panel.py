"""The dashboard's attribution tab: do annotators link the same claims to the same sources, and
do they type, grade and name the sources they share alike?

Read from the ``attribution`` section of the service's result, as ``agreement --json``, the
text output and the HTML report are: pooled and pairwise claim→source link F1, then, on aligned
sources, agreement on the sourcing type, the reliability grade and the registry entity. Each
figure is shown as the service judged it (its ``coefficients`` entry): a number with its n, or
"n/a" with the reason in its tooltip and in the Note column. The tab applies no rule of its own,
so it never disagrees with the JSON or the report.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from stancedesk.gui.agreement.charts import HeatMap
from stancedesk.gui.agreement.panel import _item, _table, _value
from stancedesk.services.agreement import n_text

PAIR_NOTE_WIDTH = 170
SOURCE_MEASURES = (("sourcing", "Sourcing type"), ("reliability", "Reliability"),
                   ("entity", "Registry entity"))
NO_KAPPA_FOR_ENTITIES = ("Cohen's κ is not computed for the registry entity: names are an open "
                         "set, with no chance model (as in agreement --json and the report)")


def _figure(entry: dict[str, Any] | None) -> tuple[Any, str | None, dict[str, Any]]:
    """(value, reason, n) of one of the service's figures; a figure it did not give is n/a."""
    if entry is None:
        return None, "not computed by this version of the agreement service", {}
    return entry.get("value"), entry.get("reason"), entry.get("n") or {}


def _note(text: str) -> QTableWidgetItem:
    item = _item(text, align_right=False)
    item.setToolTip(text)
    return item


def _count(n: dict[str, Any]) -> QTableWidgetItem:
    item = _item(f"{n.get('units', 0):,}" if n else "")
    item.setToolTip(f"{n.get('units', 0):,} {n.get('unit', '')}" if n else "")
    return item


class AttributionPanel(QWidget):
    """Everything about attribution in one computed result."""

    def __init__(self, section: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attributionPanel")
        pairs = section.get("pairwise") or []
        links = section.get("links") or {}
        minimum = (section.get("minimums") or {}).get("units")
        summary = QLabel(
            f"{section.get('n_documents', 0)} document(s) in scope · claim→source links: "
            + (", ".join(f"{a} {n}" for a, n in links.items()) or "none")
            + ". Claims and sources are aligned between two annotators by the most shared "
              "characters; a link matches when both its claim and its source are aligned. "
              "The pooled F1 counts every pair's matches and links together."
            + (f" As for every coefficient, a figure resting on fewer than {minimum} units "
               "(Minimum n) is n/a." if minimum else ""))
        summary.setObjectName("attributionSummary")
        summary.setWordWrap(True)
        value, reason, n = _figure((section.get("coefficients") or {}).get("link_f1"))
        self.overall = _table(
            ["Measure", "Value", "n", "Note"],
            [[_item("Claim→source link F1 (pooled)", align_right=False), _value(value, reason),
              _count(n), _note(reason or n_text(n))]],
            "attributionOverall", note_column=True)
        pair_rows = []
        shown: dict[tuple[str, str], float | None] = {}
        for p in pairs:
            figures = p.get("coefficients") or {}
            value, reason, n = _figure(figures.get("link_f1"))
            shown[(p["a"], p["b"])] = None if reason else value
            pair_rows.append([
                _item(p["a"], align_right=False), _item(p["b"], align_right=False),
                _value(value, reason), _count(n), _item(str(p["matches"])),
                _item(str(p["links_a"])), _item(str(p["links_b"])),
                _item(str(p.get("aligned_claims", ""))),
                _item(str(p.get("aligned_sources", ""))), _note(reason or "")])
        self.pairs = _table(
            ["A", "B", "Link F1", "n", "Matches", "Links A", "Links B", "Aligned claims",
             "Aligned sources", "n/a because"], pair_rows, "attributionPairs", note_column=True)
        # nine columns of counts beside the heat map: the reason wraps rather than scrolls
        self.pairs.setColumnWidth(9, min(self.pairs.columnWidth(9), PAIR_NOTE_WIDTH))
        self.pairs.resizeRowsToContents()
        self.pairs.setMinimumWidth(sum(self.pairs.columnWidth(c) for c in range(10))
                                   + 2 * self.pairs.frameWidth())
        source_rows = []
        for p in pairs:
            figures = p.get("coefficients") or {}
            for key, title in SOURCE_MEASURES:
                agreement, why, n = _figure(figures.get(f"{key}_agreement"))
                notes = [why] if why else []
                if key == "entity":
                    kappa = _item("—")
                    kappa.setToolTip(NO_KAPPA_FOR_ENTITIES)
                else:
                    k_value, k_why, _ = _figure(figures.get(f"{key}_kappa"))
                    kappa = _value(k_value, k_why)
                    if k_why and k_why != why:
                        notes.append(f"κ: {k_why}")
                source_rows.append([_item(f"{p['a']} ~ {p['b']}", align_right=False),
                                    _item(title, align_right=False), _value(agreement, why),
                                    kappa, _count(n), _note("; ".join(notes))])
        self.sources = _table(["Pair", "On aligned sources", "Agreement", "Cohen's κ", "n",
                               "n/a because"], source_rows, "attributionSources",
                              note_column=True)
        self.heatmap = HeatMap()
        self.heatmap.setObjectName("linkHeatMap")
        self.heatmap.set_data(list(section.get("annotators") or []), shown,
                              "Claim→source link F1")

        body = QVBoxLayout(self)
        body.addWidget(summary)
        body.addWidget(self.overall)
        row = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Pairs of annotators: claim→source links"))
        left.addWidget(self.pairs)
        left.addStretch(1)
        row.addLayout(left, 3)
        right = QVBoxLayout()
        right.addWidget(self.heatmap)
        right.addStretch(1)
        row.addLayout(right, 1)
        body.addLayout(row)
        body.addWidget(QLabel("Aligned sources: do the two annotators type, grade and name "
                              "them alike? (only where both gave a value)"))
        body.addWidget(self.sources)
        body.addStretch(1)
