"""The sourcing profile as a dashboard: on whose authority the claims of each article, outlet or
annotator rest.

A stacked bar per group shows its claims by sourcing type; a heat map crosses stance with
sourcing; a table gives each group's anonymous and relayed-via-media counts. Every number
comes from ``services.profile`` (the same counting as ``stancedesk profile --json``), computed
off the GUI thread by the desk's job runner. Clicking a bar segment or a heat-map cell lists
those claims; activating one opens it in the reader.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from stancedesk.attribution.profile import GROUPINGS, NO_VALUE, UNATTRIBUTED, UNTYPED, ClaimRecord
from stancedesk.domain.scheme import Scheme
from stancedesk.gui.agreement.profile_charts import BarRow, Category, StackedBars, StanceHeatMap
from stancedesk.gui.shell.checklist import add_check, checked_values, checklist
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.gui.shell.jobs import IsCancelled, Job, JobRunner, Progress
from stancedesk.services import profile as profile_service
from stancedesk.services import schemes
from stancedesk.services import spans as span_service
from stancedesk.services.changes import Changes
from stancedesk.services.profile import SourcingProfile
from stancedesk.storage.engine import Database

GROUP_NAMES = {"document": "Article", "outlet": "Outlet", "annotator": "Annotator"}
ALL_GROUPS = ""  # the heat map's choice of every group together
CLAIM_ROLE = Qt.ItemDataRole.UserRole
FOLLOW_DELAY_MS = 400


def categories(scheme: Scheme, layer: str, keys: set[str],
               extra: tuple[tuple[str, str, str], ...]) -> list[Category]:
    """The keys found in the data, in the scheme's order, with its names and colours; values
    the scheme does not know (an old label, an import) after them, then ``extra``."""
    known = scheme.layer(layer).labels if scheme.has_layer(layer) else ()
    out = [Category(label.key, label.name, label.color) for label in known if label.key in keys]
    seen = {c.key for c in out} | {key for key, _, _ in extra}
    out += [Category(key, key, "#9e9e9e") for key in sorted(keys - seen)]
    out += [Category(key, name, colour) for key, name, colour in extra if key in keys]
    return out


def short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _cell(text: str, right: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class ProfileView(QWidget):
    """A tool window over one database; ``claimOpened(document_id, span_id, annotator)``."""

    computed = Signal(object)  # the SourcingProfile shown
    claimOpened = Signal(str, str, str)

    def __init__(self, database: Database, parent: QWidget | None = None, *,
                 reporter: CrashReporter | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("profileView")
        self.setWindowTitle("Sourcing profile — StanceDesk")
        self.database = database
        self.scheme = schemes.get_scheme(database)
        self.reporter = reporter or CrashReporter(self)
        self.jobs = JobRunner(self.reporter, self)
        self.result: SourcingProfile | None = None
        self.job: Job | None = None
        self._again = False  # asked to compute while a computation ran: once more after it
        # a burst of edits in the desk (labelling at speed) is counted once, after it
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(FOLLOW_DELAY_MS)
        self._follow_timer.timeout.connect(self.compute)

        self.group_by = QComboBox()
        self.group_by.setObjectName("profileGroupBy")
        for by in GROUPINGS:
            self.group_by.addItem(GROUP_NAMES[by], by)
        self.annotator_list = checklist("profileAnnotators")
        self.annotator_list.setMaximumHeight(160)
        self.annotator_list.setToolTip("Whose claims count (as --annotators in the CLI)")
        self.scale = QComboBox()
        self.scale.setObjectName("profileScale")
        self.scale.addItem("Shares of each group's claims", "shares")
        self.scale.addItem("Claim counts", "counts")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("profileRefresh")
        self.status = QLabel("")
        self.status.setObjectName("profileStatus")
        self.status.setWordWrap(True)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closeButton")

        self.bars = StackedBars()
        self.bars.setObjectName("profileBars")
        self.heat_group = QComboBox()
        self.heat_group.setObjectName("profileHeatGroup")
        self.heat_group.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.heat_group.setMinimumContentsLength(32)
        self.heat = StanceHeatMap()
        self.heat.setObjectName("profileHeatMap")
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("profileTable")
        self.table.setHorizontalHeaderLabels(["", "Claims", "On anonymous sources",
                                              "Relayed via media", "Unattributed"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.claims_title = QLabel("Click a bar segment or a heat-map cell to list its claims.")
        self.claims_title.setObjectName("profileClaimsTitle")
        self.claims_title.setWordWrap(True)
        self.claims = QListWidget()
        self.claims.setObjectName("profileClaims")
        self.claims.setWordWrap(True)
        self.claims.setToolTip("Double-click or Return: open the claim in the reader")

        controls = QWidget()
        form = QFormLayout()
        controls_box = QVBoxLayout(controls)
        controls_box.addLayout(form)
        controls_box.addStretch(1)
        form.addRow("Group by", self.group_by)
        form.addRow("Annotators", self.annotator_list)
        form.addRow("Bars", self.scale)
        form.addRow(self.refresh_button)
        form.addRow(self.status)
        charts = QWidget()
        charts_box = QVBoxLayout(charts)
        charts_box.addWidget(self.bars)
        heat_row = QHBoxLayout()
        heat_row.addWidget(QLabel("Stance × sourcing for"))
        heat_row.addWidget(self.heat_group)
        heat_row.addStretch(1)
        charts_box.addLayout(heat_row)
        charts_box.addWidget(self.heat)
        charts_box.addWidget(self.table)
        charts_box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(charts)
        listing = QWidget()
        listing_box = QVBoxLayout(listing)
        listing_box.setContentsMargins(0, 0, 0, 0)
        listing_box.addWidget(self.claims_title)
        listing_box.addWidget(self.claims, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(scroll)
        right.addWidget(listing)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        split = QSplitter()
        split.addWidget(controls)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([240, 960])
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        self.resize(1240, 860)

        self.group_by.currentIndexChanged.connect(lambda _i: self.compute())
        self.annotator_list.itemChanged.connect(lambda _item: self.compute())
        self.scale.currentIndexChanged.connect(lambda _i: self._show_bars())
        self.heat_group.currentIndexChanged.connect(lambda _i: self._show_heat())
        self.refresh_button.clicked.connect(self.compute)
        self.close_button.clicked.connect(self.close)
        self.bars.segmentClicked.connect(self.list_segment)
        self.heat.cellClicked.connect(self.list_cell)
        self.claims.itemActivated.connect(self._open_claim)
        self.reload_choices()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc closes the window, as in a dialog."""
        if event.key() == Qt.Key.Key_Escape and \
                event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.close()
            return
        super().keyPressEvent(event)

    # --- choices and computing -------------------------------------------------------------

    def reload_choices(self) -> None:
        """Every annotator, keeping what was checked (new annotators count)."""
        before = {self.annotator_list.item(i).data(CLAIM_ROLE):
                  self.annotator_list.item(i).checkState() == Qt.CheckState.Checked
                  for i in range(self.annotator_list.count())}
        self.annotator_list.blockSignals(True)
        try:
            self.annotator_list.clear()
            for name in span_service.list_annotator_names(self.database):
                add_check(self.annotator_list, name, name, before.get(name, True))
        finally:
            self.annotator_list.blockSignals(False)

    @property
    def by(self) -> str:
        return str(self.group_by.currentData())

    def annotators(self) -> list[str]:
        return checked_values(self.annotator_list)

    def compute(self) -> Job | None:
        """Count again with the chosen grouping and annotators (a computation under way is
        followed by one more, so the view never shows numbers for choices since changed)."""
        if self.job is not None:
            self._again = True
            return self.job
        annotators = self.annotators()
        if not annotators:
            self.status.setText("Choose at least one annotator.")
            return None
        database, by = self.database, self.by

        def work(progress: Progress, cancelled: IsCancelled) -> SourcingProfile:
            return profile_service.profile_with_claims(database, by, annotators)

        job = self.jobs.start(work, "computing the sourcing profile")
        job.succeeded.connect(self._show)
        job.failed.connect(lambda exc: self.status.setText(f"Could not count: {exc}"))
        job.finished.connect(self._finished)
        self.job = job
        self.status.setText("Counting…")
        return job

    def _finished(self) -> None:
        self.job = None
        if self._again:
            self._again = False
            self.compute()

    def follow(self, changes: Changes) -> None:
        """After a write in the desk: new annotators become choices; changed spans (a role, a
        link, a label) are counted again while the view is open."""
        if changes.annotators_added:
            self.reload_choices()
        if (changes.touches_spans or changes.touches_documents or changes.scheme_changed) \
                and self.isVisible():
            self._follow_timer.start()

    # --- showing ---------------------------------------------------------------------------

    def _show(self, result: SourcingProfile) -> None:
        self.result = result
        self.scheme = schemes.get_scheme(self.database)
        total = sum(row["claims"] for row in result.groups)
        noun = GROUP_NAMES[result.by].lower()
        self.status.setText(
            f"{total} claim{'s' * (total != 1)} in {len(result.groups)} {noun}"
            f"{'s' * (len(result.groups) != 1)}." if result.groups else
            "No claims yet: mark spans as claims (Alt+C) and link them to their sources "
            "(Alt+K).")
        self.heat_group.blockSignals(True)
        try:
            keep = self.heat_group.currentData()
            self.heat_group.clear()
            self.heat_group.addItem(f"every {noun}", ALL_GROUPS)
            for row in result.groups:
                self.heat_group.addItem(self.group_label(row), row["group"])
            found = self.heat_group.findData(keep)
            self.heat_group.setCurrentIndex(max(found, 0))
        finally:
            self.heat_group.blockSignals(False)
        self._show_bars()
        self._show_heat()
        self._show_table()
        self.claims.clear()
        self.claims_title.setText("Click a bar segment or a heat-map cell to list its claims.")
        self.computed.emit(result)

    def group_label(self, row: dict) -> str:
        if self.result is not None and self.result.by == "document":
            return row.get("title") or row["group"]
        return str(row["group"])

    def sourcing_categories(self, keys: set[str]) -> list[Category]:
        return categories(self.scheme, "sourcing", keys,
                          ((UNTYPED, "No sourcing type", "#c9c6bf"),
                           (UNATTRIBUTED, "No source linked", "#e6e3dc")))

    def _show_bars(self) -> None:
        if self.result is None:
            return
        rows = [BarRow(row["group"], self.group_label(row),
                       {k: v["count"] for k, v in row["by_sourcing"].items()}, row["claims"])
                for row in self.result.groups]
        keys = {k for row in rows for k in row.counts}
        shares = self.scale.currentData() == "shares"
        self.bars.set_data(rows, self.sourcing_categories(keys), shares=shares,
                           title=f"Claims by the sourcing type of their source, per "
                                 f"{GROUP_NAMES[self.result.by].lower()}"
                                 f"{' (shares)' if shares else ''}")

    def heat_counts(self) -> dict[tuple[str, str], int]:
        """(stance, sourcing) -> claims, for the chosen group or all of them."""
        assert self.result is not None
        chosen = self.heat_group.currentData()
        counts: Counter[tuple[str, str]] = Counter()
        for row in self.result.groups:
            if chosen and row["group"] != chosen:
                continue
            for sourcing, stances in row["stance_by_sourcing"].items():
                for stance, n in stances.items():
                    counts[(stance, sourcing)] += n
        return dict(counts)

    def _show_heat(self) -> None:
        if self.result is None:
            return
        counts = self.heat_counts()
        stances = categories(self.scheme, "stance", {s for s, _ in counts},
                             ((NO_VALUE, "No stance", "#8a8d91"),))
        sourcings = self.sourcing_categories({s for _, s in counts})
        self.heat.set_data(stances, sourcings, counts,
                           "Claims by stance (rows) and the sourcing type of their source "
                           "(columns)")

    def _show_table(self) -> None:
        assert self.result is not None
        groups = self.result.groups
        self.table.setRowCount(len(groups))
        self.table.setHorizontalHeaderItem(0, QTableWidgetItem(GROUP_NAMES[self.result.by]))
        for r, row in enumerate(groups):
            unattributed = row["by_sourcing"].get(UNATTRIBUTED, {"count": 0, "share": 0.0})
            cells = [self.group_label(row), str(row["claims"])] + [
                f"{cell['count']} ({cell['share']:.0%})"
                for cell in (row["anonymous"], row["relayed_via_media"], unattributed)]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, _cell(text, right=c > 0))
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), 320))
        height = self.table.horizontalHeader().height() + sum(
            self.table.rowHeight(r) for r in range(len(groups))) + 4
        self.table.setFixedHeight(min(height, 420))
        # as wide as its columns: no empty band to the right of the numbers
        self.table.setFixedWidth(sum(self.table.columnWidth(c) for c in
                                     range(self.table.columnCount()))
                                 + 2 * self.table.frameWidth()
                                 + self.table.verticalScrollBar().sizeHint().width()
                                 * (height > 420))

    # --- the claims behind a number --------------------------------------------------------

    def list_segment(self, group: str, sourcing: str) -> None:
        assert self.result is not None
        name = next((c.name for c in self.bars.categories if c.key == sourcing), sourcing)
        label = next((self.group_label(r) for r in self.result.groups if r["group"] == group),
                     group)
        self.show_claims(self.result.claims(group, sourcing=sourcing), f"{label} · {name}")

    def list_cell(self, stance: str, sourcing: str) -> None:
        assert self.result is not None
        group = self.heat_group.currentData() or None
        names = {c.key: c.name for c in (*self.heat.stances, *self.heat.sourcings)}
        self.show_claims(self.result.claims(group, sourcing=sourcing, stance=stance),
                         f"{self.heat_group.currentText()} · {names.get(stance, stance)} × "
                         f"{names.get(sourcing, sourcing)}")

    def show_claims(self, claims: list[ClaimRecord], title: str) -> None:
        self.claims.clear()
        n = len(claims)
        self.claims_title.setText(f"{n} claim{'s' * (n != 1)}: {title}")
        for claim in claims:
            item = QListWidgetItem(f"{claim.document_title or 'Untitled'}: "
                                   f"“{short(claim.claim_text, 90)}” — {claim.annotator}")
            item.setData(CLAIM_ROLE, (claim.document_id, claim.claim_id, claim.annotator))
            item.setToolTip(claim.claim_text)
            self.claims.addItem(item)

    def _open_claim(self, item: QListWidgetItem) -> None:
        document_id, span_id, annotator = item.data(CLAIM_ROLE)
        self.claimOpened.emit(document_id, span_id, annotator)
