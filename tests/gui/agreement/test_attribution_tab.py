"""The dashboard's attribution tab shows the service's link F1 and the agreement on aligned
sources, and says why a number is n/a."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from stancedesk.gui.agreement.attribution_panel import AttributionPanel
from stancedesk.gui.agreement.dashboard import AgreementDashboard
from stancedesk.services import agreement
from stancedesk.services.project import open_database
from stancedesk.services.samples import load_sample_annotations
from stancedesk.storage.engine import Database


@pytest.fixture
def attributed_db(sample_path: Path) -> Database:
    database = open_database(str(sample_path), seed_sample=False)
    load_sample_annotations(database)
    yield database
    database.dispose()


def computed(qtbot, database: Database, layers: set[str],
             min_units: int = 0) -> AgreementDashboard:
    dashboard = AgreementDashboard(database)
    qtbot.addWidget(dashboard)
    dashboard.show()
    for i in range(dashboard.layer_list.count()):
        item = dashboard.layer_list.item(i)
        item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole)
                           in layers else Qt.CheckState.Unchecked)
    dashboard.bootstrap.setValue(0)
    dashboard.min_units.setValue(min_units)
    dashboard.scope.setCurrentIndex(dashboard.scope.findData("all"))
    with qtbot.waitSignal(dashboard.computed, timeout=30_000):
        dashboard.compute()
    qtbot.waitUntil(lambda: dashboard.job is None)
    return dashboard


def attribution_tab(dashboard: AgreementDashboard) -> AttributionPanel:
    index = next(i for i in range(dashboard.tabs.count())
                 if dashboard.tabs.tabText(i) == "Attribution")
    panel = dashboard.tabs.widget(index)
    assert isinstance(panel, AttributionPanel)
    return panel


def test_the_tab_shows_the_services_link_f1_and_source_agreement(
        qtbot, attributed_db: Database) -> None:
    dashboard = computed(qtbot, attributed_db, {"sourcing"})
    expected = agreement.span_agreement(attributed_db, dashboard.settings())["attribution"]
    assert expected["link_f1"] is not None and expected["pairwise"]
    panel = attribution_tab(dashboard)
    assert panel.overall.item(0, 1).text() == f"{expected['link_f1']:.3f}"
    pooled_n = expected["coefficients"]["link_f1"]["n"]["units"]
    assert panel.overall.item(0, 2).text() == str(pooled_n)
    pair = expected["pairwise"][0]
    figures = pair["coefficients"]
    assert [panel.pairs.item(0, c).text() for c in range(7)] == [
        pair["a"], pair["b"], f"{pair['link_f1']:.3f}",
        str(figures["link_f1"]["n"]["units"]), str(pair["matches"]),
        str(pair["links_a"]), str(pair["links_b"])]
    assert panel.heatmap.value(pair["a"], pair["b"]) == pytest.approx(pair["link_f1"])
    rows = {panel.sources.item(r, 1).text(): r for r in range(panel.sources.rowCount())}
    assert set(rows) == {"Sourcing type", "Reliability", "Registry entity"}
    for key, title in (("sourcing", "Sourcing type"), ("reliability", "Reliability"),
                       ("entity", "Registry entity")):
        entry, r = figures[f"{key}_agreement"], rows[title]
        shown = panel.sources.item(r, 2)
        if entry["value"] is None:
            assert shown.text() == "n/a" and entry["reason"] in shown.toolTip()
        else:
            assert shown.text() == f"{entry['value']:.3f}"
        assert panel.sources.item(r, 4).text() == str(entry["n"]["units"]) == str(pair[key]["n"])
        kappa = panel.sources.item(r, 3)
        if key == "entity":
            assert kappa.text() == "—" and "not computed" in kappa.toolTip()
        elif figures[f"{key}_kappa"]["value"] is None:
            assert kappa.text() == "n/a"
            assert kappa.toolTip() == f"n/a: {figures[f'{key}_kappa']['reason']}"
        else:
            assert kappa.text() == f"{figures[f'{key}_kappa']['value']:.3f}"


def test_without_links_the_tab_says_why_there_is_no_number(qtbot, sample_path: Path) -> None:
    """Two annotators label spans but link nothing: link F1 is n/a, with the reason."""
    from stancedesk.services import corpus
    from stancedesk.services import spans as span_service

    database = open_database(str(sample_path), seed_sample=False)
    try:
        doc = corpus.list_documents(database)[0]
        text = corpus.get_document(database, doc.id).text
        start = text.index("said")
        for who in ("alice", "bob"):
            span_service.create_span(database, doc.id, who, start, start + 4,
                                     {"stance": "neutral"})
        dashboard = computed(qtbot, database, {"stance"})
        panel = attribution_tab(dashboard)
        cell = panel.overall.item(0, 1)
        assert cell.text() == "n/a"
        assert cell.toolTip() == "n/a: no annotator linked a claim to a source"
        assert panel.overall.item(0, 3).text() == "no annotator linked a claim to a source"
        assert panel.pairs.item(0, 2).text() == "n/a"
        assert panel.pairs.item(0, 9).text() == "neither annotator linked a claim to a source"
        sourcing = next(r for r in range(panel.sources.rowCount())
                        if panel.sources.item(r, 1).text() == "Sourcing type")
        assert panel.sources.item(sourcing, 2).text() == "n/a"
        assert panel.sources.item(sourcing, 5).text() == \
            "no aligned source where both annotators gave a value"
    finally:
        database.dispose()


def test_one_annotator_is_na_with_the_reason(qtbot, attributed_db: Database) -> None:
    """The dashboard asks for two annotators before it computes; the tab still says why when
    handed the service's result for one (as ``agreement --annotators A --json`` gives it)."""
    from dataclasses import replace

    dashboard = computed(qtbot, attributed_db, {"sourcing"})
    settings = replace(dashboard.settings(), annotators=("sample-ana",))
    panel = AttributionPanel(agreement.span_agreement(attributed_db, settings)["attribution"])
    qtbot.addWidget(panel)
    assert panel.overall.item(0, 1).text() == "n/a"
    assert panel.overall.item(0, 3).text() == "fewer than two annotators"
    assert panel.pairs.rowCount() == panel.sources.rowCount() == 0


def test_below_the_minimum_the_tab_shows_the_services_na_and_reason(
        qtbot, attributed_db: Database) -> None:
    """The sample at the default minimum n, as a new user first sees it: the service says n/a
    and why, and the tab shows exactly that (it applies no rule of its own)."""
    dashboard = computed(qtbot, attributed_db, {"sourcing"}, min_units=30)
    expected = agreement.span_agreement(attributed_db, dashboard.settings())["attribution"]
    pair = expected["pairwise"][0]
    links = "11 links made by either annotator, fewer than the minimum of 30"
    assert expected["link_f1"] is None and expected["link_f1_reason"] == links
    panel = attribution_tab(dashboard)
    cell = panel.overall.item(0, 1)
    assert cell.text() == "n/a" and cell.toolTip() == f"n/a: {links}"
    assert panel.overall.item(0, 2).text() == "11"
    assert panel.overall.item(0, 3).text() == links
    assert panel.pairs.item(0, 2).text() == "n/a"
    assert panel.pairs.item(0, 9).text() == links
    assert panel.heatmap.value(pair["a"], pair["b"]) is None
    rows = {panel.sources.item(r, 1).text(): r for r in range(panel.sources.rowCount())}
    sourcing = rows["Sourcing type"]
    assert panel.sources.item(sourcing, 2).text() == panel.sources.item(sourcing, 3).text() \
        == "n/a"
    assert panel.sources.item(sourcing, 5).text() == pair["sourcing"]["reason"] == (
        f"{pair['sourcing']['n']} aligned sources with a sourcing value from both annotators, "
        "fewer than the minimum of 30")
    assert panel.sources.item(rows["Registry entity"], 5).text() == pair["entity"]["reason"]
    assert "Minimum n" in panel.findChild(QLabel, "attributionSummary").text()


def test_the_tab_follows_the_result_not_the_minimum_box(qtbot, attributed_db: Database) -> None:
    """The tab is drawn from the service's verdict alone: a result computed with a low minimum
    shows its figures however the box is set afterwards."""
    dashboard = computed(qtbot, attributed_db, {"sourcing"}, min_units=5)
    dashboard.min_units.setValue(30)
    section = dashboard.result["attribution"]
    panel = AttributionPanel(section)
    qtbot.addWidget(panel)
    assert panel.overall.item(0, 1).text() == f"{section['link_f1']:.3f}"
    assert section["link_f1"] == pytest.approx(14 / 18)
