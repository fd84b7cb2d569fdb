"""The current passage, version by version: one row per lane (the key that picks it, whose it
is, the text it covers, its role, its value in every layer and the sources a claim names), then
the gold row with its provenance. The row the curator picked is the one Return accepts."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from stancedesk.domain import Scheme
from stancedesk.domain.curation import Passage, Version
from stancedesk.gui.curation.text import GOLD, Lane, provenance_text, version_colour

ROLE_TEXT = {"source": "source", "claim": "claim", "cue": "cue"}
LINK_TITLES = (("attributed_to", "Source"), ("via", "Via"))
EXCERPT = 90


def excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


class VersionsTable(QTableWidget):
    """Read-only: decisions are made with the keys (or buttons) of the curation window."""

    FIXED = ("Key", "Annotator", "Passage", "Role")

    def __init__(self, scheme: Scheme) -> None:
        super().__init__()
        self.setObjectName("versionsTable")
        self.scheme = scheme
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().setVisible(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys belong to the window
        self.lanes: list[Lane] = []
        self.row_versions: list[Version | None] = []
        headers = [*self.FIXED, *(layer.name for layer in scheme.layers),
                   *(title for _k, title in LINK_TITLES), "State"]
        self.setColumnCount(len(headers))
        self.setHorizontalHeaderLabels(headers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)

    def show_passage(self, passage: Passage | None, lanes: Sequence[Lane],
                     others: dict[str, Passage], alias: dict[str, str]) -> None:
        """``others`` are the document's passages by id: a claim's source is named by the text
        of the passage its link points into."""
        self.lanes = [lane for lane in lanes if lane.key != "gold"]
        self.row_versions = []
        self.setRowCount(0)
        if passage is None:
            return
        by = passage.version_by_annotator
        rows: list[tuple[Lane | None, Version | None, str]] = []
        for annotator_lane in self.lanes:
            version = by.get(annotator_lane.key)
            state = "missed it" if version is None else self._state(passage, version)
            rows.append((annotator_lane, version, state))
        gold_state = provenance_text(passage.decision, alias) if passage.decided \
            else "not decided"
        rows.append((None, passage.gold, gold_state))
        self.setRowCount(len(rows))
        for r, (lane, version, state) in enumerate(rows):
            self.row_versions.append(version)
            span = version.span if version is not None else None
            cells = [lane.number if lane else "G", lane.title if lane else "gold",
                     excerpt(span.text) if span else "—",
                     ROLE_TEXT.get(span.role or "", "") if span else ""]
            for layer in self.scheme.layers:
                value = span.labels.get(layer.key, "") if span else ""
                label = layer.label(value) if value else None
                cells.append(label.name if label else value)
            for kind, _title in LINK_TITLES:
                cells.append(self._linked(version, kind, others))
            cells.append(state)
            colour = GOLD if lane is None else (
                version_colour(passage, version) if version is not None else None)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 2 and span is not None:
                    item.setToolTip(f"{span.start}–{span.end}: {span.text}")
                if c == len(cells) - 1:
                    item.setToolTip(text)
                if colour is not None and c in (0, len(cells) - 1):
                    tint = QColor(colour)
                    tint.setAlpha(70)
                    item.setBackground(QBrush(tint))
                self.setItem(r, c, item)
        # only the layers (and links) someone gave a value here: the rest would push the
        # sources off the table
        for c in range(len(self.FIXED), len(cells) - 1):
            self.setColumnHidden(c, not any(self._text(r, c) for r in range(len(rows))))
        self.resizeColumnsToContents()
        self.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

    def _text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""

    @staticmethod
    def _linked(version: Version | None, kind: str, others: dict[str, Passage]) -> str:
        """The text of the span this version's ``kind`` link points to: the annotator's own
        version in the target passage (the source *they* chose), else the passage's first."""
        target = others.get(version.links.get(kind, "")) if version is not None else None
        if version is None or target is None:
            return ""
        own = target.version_by_annotator.get(version.annotator)
        chosen = own or (target.gold if target.gold is not None else None) or \
            (target.versions[0] if target.versions else None)
        return f"“{excerpt(chosen.span.text, 40)}”" if chosen is not None else ""

    @staticmethod
    def _state(passage: Passage, version: Version) -> str:
        agreeing = len(passage.agreeing_with(version.span.id))
        total = len(passage.annotators)
        if agreeing == total:
            return f"all {total} agree"
        return f"{agreeing} of {total} agree" if agreeing > 1 else "alone"

    def pick(self, lane_index: int) -> Version | None:
        """Select the row of lane ``lane_index`` (0-based); its version, or None if missed."""
        if not 0 <= lane_index < len(self.lanes):
            return None
        self.selectRow(lane_index)
        return self.row_versions[lane_index]

    def picked(self) -> tuple[Lane, Version] | None:
        row = self.currentRow()
        if 0 <= row < len(self.lanes) and self.row_versions[row] is not None:
            version = self.row_versions[row]
            assert version is not None
            return self.lanes[row], version
        return None
