"""The agreement dashboard: computes off the GUI thread, shows the service's numbers, exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget

from stancedesk.gui.agreement.dashboard import AgreementDashboard
from stancedesk.gui.agreement.panel import LayerPanel
from stancedesk.services import agreement, corpus
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.storage.engine import Database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_annotator_db(sample_path: Path) -> Database:
    database = open_database(str(sample_path), seed_sample=False)
    doc = corpus.list_documents(database)[0]
    text = corpus.get_document(database, doc.id).text
    for needle, alice, bob in (("said", "neutral", "neutral"), ("diplomat", "favor", "against"),
                               ("talks", "favor", "favor")):
        start = text.index(needle)
        span_service.create_span(database, doc.id, "alice", start, start + len(needle),
                                {"stance": alice, "sourcing": "official"})
        span_service.create_span(database, doc.id, "bob", start, start + len(needle),
                                {"stance": bob, "sourcing": "official"})
    yield database
    database.dispose()


def _uncheck_all_but(widget, keep: set[str]) -> None:
    for i in range(widget.count()):
        item = widget.item(i)
        keep_it = item.data(Qt.ItemDataRole.UserRole) in keep
        item.setCheckState(Qt.CheckState.Checked if keep_it else Qt.CheckState.Unchecked)


def test_dashboard_computes_in_the_background_and_matches_the_service(
        qtbot, two_annotator_db: Database, tmp_path: Path) -> None:
    dashboard = AgreementDashboard(two_annotator_db)
    qtbot.addWidget(dashboard)
    dashboard.show()
    _uncheck_all_but(dashboard.layer_list, {"stance", "sourcing"})
    dashboard.bootstrap.setValue(200)
    with qtbot.waitSignal(dashboard.computed, timeout=20_000) as blocker:
        qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
        assert not dashboard.compute_button.isEnabled(), "busy while the task runs"
    result = blocker.args[0]
    expected = agreement.span_agreement(two_annotator_db, dashboard.settings())
    assert result["layers"]["stance"]["char_alpha"] == expected["layers"]["stance"]["char_alpha"]
    assert dashboard.tabs.count() == 2
    panel = dashboard.tabs.widget(0)
    assert isinstance(panel, LayerPanel)
    table = panel.findChild(QTableWidget, "coefficientTable")
    assert table.item(0, 1).text() == f"{expected['layers']['stance']['char_alpha']:.3f}"
    assert table.item(0, 2).text().startswith("[")  # a bootstrap interval is shown
    pairs = panel.findChild(QTableWidget, "pairTable")
    assert (pairs.item(0, 0).text(), pairs.item(0, 1).text()) == ("alice", "bob")
    assert panel.heatmap.value("alice", "bob") == pytest.approx(
        expected["layers"]["stance"]["pairwise"][0]["f1_overlap"])
    confusion = panel.findChild(QTableWidget, "confusionTable")
    assert confusion.rowCount() == len(expected["layers"]["stance"]["confusion"]["alice|bob"]
                                       ["labels"])
    assert dashboard.export_button.isEnabled()
    path = tmp_path / "tables.csv"
    n = dashboard.export_tables(path)
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n > 0
    assert {"layer", "table", "metric", "value", "ci_low", "ci_high"} <= set(rows[0])
    assert any(r["metric"] == "char_alpha" and r["layer"] == "sourcing" for r in rows)


def test_dashboard_needs_two_annotators(qtbot, two_annotator_db: Database) -> None:
    dashboard = AgreementDashboard(two_annotator_db)
    qtbot.addWidget(dashboard)
    _uncheck_all_but(dashboard.annotator_list, {"alice"})
    assert dashboard.compute() is None
    assert "two annotators" in dashboard.status.text()


def test_dashboard_cancel_stops_between_layers(qtbot, two_annotator_db: Database) -> None:
    dashboard = AgreementDashboard(two_annotator_db)
    qtbot.addWidget(dashboard)
    dashboard.bootstrap.setValue(0)
    task = dashboard.compute()
    assert task is not None
    task.cancel()  # before the first layer: the progress callback sees it
    with qtbot.waitSignal(task.signals.finished, timeout=20_000):
        pass
    assert dashboard.result is None or dashboard.status.text()
    assert dashboard.compute_button.isEnabled()


def test_tools_menu_opens_the_dashboard(qtbot, make_window, two_annotator_db: Database,
                                        sample_path: Path) -> None:
    window = make_window(sample_path)
    action = window.agreement_dashboard_action
    action.trigger()
    dashboard = window.findChild(AgreementDashboard, "agreementDashboard")
    assert dashboard is not None and dashboard.isVisible()
    names = [dashboard.annotator_list.item(i).text()
             for i in range(dashboard.annotator_list.count())]
    assert {"alice", "bob"} <= set(names)
    dashboard.close()
