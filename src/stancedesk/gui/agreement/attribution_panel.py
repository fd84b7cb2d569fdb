"""The dashboard's attribution tab: do annotators link the same claims to the same sources, and
do they type, grade and name the sources they share alike?

Read from the ``attribution`` section of the service's result (as ``agreement --json`` and the
HTML report): pooled and pairwise claim→source link F1, then, on aligned sources, agreement on
the sourcing type, the reliability grade and the registry entity. As in the layer tabs, a
number that cannot be given is "n/a", with the reason in its tooltip and in the Note column.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from stancedesk.gui.agreement.charts import HeatMap
from stancedesk.gui.agreement.panel import _item, _table, _value

SOURCE_MEASURES = (("sourcing", "Sourcing type"), ("reliability", "Reliability"),
                   ("entity", "Registry entity"))
NO_KAPPA_FOR_ENTITIES = ("Cohen's κ is not computed for the registry entity: agreement only, "
                         "as in agreement --json and the report")


def gated(value: float | None, reason: str | None, n: int, unit: str,
          minimum: int) -> tuple[float | None, str | None]:
    """The dashboard's rule for every number: n/a below the minimum n, with the reason. The
    JSON and the report give attribution figures at any n, so the reason names the figure."""
    if reason or value is None:
        return None, reason
    if n < minimum:
        return None, (f"{n} {unit}, fewer than the minimum of {minimum} (agreement --json "
                      f"gives {value:.3f})")
    return value, None


def _note(text: str) -> QTableWidgetItem:
    item = _item(text, align_right=False)
    item.setToolTip(text)
    return item


class AttributionPanel(QWidget):
    """Everything about attribution in one computed result."""

    def __init__(self, section: dict[str, Any], parent: QWidget | None = None, *,
                 min_units: int = 0) -> None:
        super().__init__(parent)
        self.setObjectName("attributionPanel")
        pairs = section.get("pairwise") or []
        links = section.get("links") or {}
        summary = QLabel(
            f"{section.get('n_documents', 0)} document(s) in scope · claim→source links: "
            + (", ".join(f"{a} {n}" for a, n in links.items()) or "none")
            + ". Claims and sources are aligned between two annotators by the most shared "
              "characters; a link matches when both its claim and its source are aligned. "
              "The pooled F1 counts every pair's matches and links together.")
        summary.setObjectName("attributionSummary")
        summary.setWordWrap(True)
        n_links = sum(p["links_a"] + p["links_b"] for p in pairs)
        value, reason = gated(section.get("link_f1"), section.get("link_f1_reason"), n_links,
                              "links", min_units)
        self.overall = _table(
            ["Measure", "Value", "n", "Note"],
            [[_item("Claim→source link F1 (pooled)", align_right=False),
              _value(value, reason),
              _item(f"{n_links:,}"), _note(reason or f"{n_links} links over {len(pairs)} "
                                          f"pair{'s' * (len(pairs) != 1)} of annotators")]],
            "attributionOverall", note_column=True)
        pair_rows = []
        shown: dict[tuple[str, str], float | None] = {}
        for p in pairs:
            value, reason = gated(p.get("link_f1"), p.get("link_f1_reason"),
                                  p["links_a"] + p["links_b"], "links", min_units)
            shown[(p["a"], p["b"])] = value
            pair_rows.append([
                _item(p["a"], align_right=False), _item(p["b"], align_right=False),
                _value(value, reason), _item(str(p["matches"])), _item(str(p["links_a"])),
                _item(str(p["links_b"])), _item(str(p.get("aligned_claims", ""))),
                _item(str(p.get("aligned_sources", ""))), _note(reason or "")])
        self.pairs = _table(
            ["A", "B", "Link F1", "Matches", "Links A", "Links B", "Aligned claims",
             "Aligned sources", "n/a because"], pair_rows, "attributionPairs", note_column=True)
        source_rows = []
        for p in pairs:
            for key, title in SOURCE_MEASURES:
                entry = p.get(key) or {}
                n = int(entry.get("n", 0))
                unit = "aligned sources both gave a value"
                # the entry's one reason is the agreement's when there is none, else κ's
                agreement, why = gated(entry.get("agreement"), None if entry.get("agreement")
                                       is not None else entry.get("reason"), n, unit,
                                       min_units)
                notes = [why] if why else []
                if key == "entity":
                    kappa = _item("—")
                    kappa.setToolTip(NO_KAPPA_FOR_ENTITIES)
                else:
                    if entry.get("kappa") is None:
                        k_value, k_why = None, entry.get("reason") or "undefined on these data"
                    else:
                        k_value, k_why = gated(entry["kappa"], None, n, unit, min_units)
                    kappa = _value(k_value, k_why)
                    if k_why and k_why != why:
                        notes.append(f"κ: {k_why}")
                source_rows.append([_item(f"{p['a']} ~ {p['b']}", align_right=False),
                                    _item(title, align_right=False), _value(agreement, why),
                                    kappa, _item(str(n)), _note("; ".join(notes))])
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
        row.addLayout(left, 2)
        right = QVBoxLayout()
        right.addWidget(self.heatmap)
        right.addStretch(1)
        row.addLayout(right, 1)
        body.addLayout(row)
        body.addWidget(QLabel("Aligned sources: do the two annotators type, grade and name "
                              "them alike? (only where both gave a value)"))
        body.addWidget(self.sources)
        body.addStretch(1)
