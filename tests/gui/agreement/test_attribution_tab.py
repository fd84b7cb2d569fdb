"""The dashboard's attribution tab shows the service's link F1 and the agreement on aligned
sources, and says why a number is n/a."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

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
    pair = expected["pairwise"][0]
    assert [panel.pairs.item(0, c).text() for c in range(6)] == [
        pair["a"], pair["b"], f"{pair['link_f1']:.3f}", str(pair["matches"]),
        str(pair["links_a"]), str(pair["links_b"])]
    assert panel.heatmap.value(pair["a"], pair["b"]) == pytest.approx(pair["link_f1"])
    rows = {panel.sources.item(r, 1).text(): r for r in range(panel.sources.rowCount())}
    assert set(rows) == {"Sourcing type", "Reliability", "Registry entity"}
    for key, title in (("sourcing", "Sourcing type"), ("reliability", "Reliability"),
                       ("entity", "Registry entity")):
        entry, r = pair[key], rows[title]
        shown = panel.sources.item(r, 2)
        if entry["agreement"] is None:
            assert shown.text() == "n/a" and entry["reason"] in shown.toolTip()
        else:
            assert shown.text() == f"{entry['agreement']:.3f}"
        assert panel.sources.item(r, 4).text() == str(entry["n"])
        kappa = panel.sources.item(r, 3)
        if key == "entity":
            assert kappa.text() == "—" and "not computed" in kappa.toolTip()
        elif entry["kappa"] is None:
            assert kappa.text() == "n/a" and kappa.toolTip() == f"n/a: {entry['reason']}"
        else:
            assert kappa.text() == f"{entry['kappa']:.3f}"


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
        assert panel.pairs.item(0, 8).text() == "neither annotator linked a claim to a source"
        sourcing = next(r for r in range(panel.sources.rowCount())
                        if panel.sources.item(r, 1).text() == "Sourcing type")
        assert panel.sources.item(sourcing, 2).text() == "n/a"
        assert "no aligned pair" in panel.sources.item(sourcing, 5).text()
    finally:
        database.dispose()


def test_a_figure_below_the_minimum_n_is_na_naming_the_figure(
        qtbot, attributed_db: Database) -> None:
    """As every other number of the dashboard: below the minimum n it is n/a, with its n; the
    reason names what agreement --json gives, which applies no minimum to attribution."""
    dashboard = computed(qtbot, attributed_db, {"sourcing"}, min_units=30)
    expected = agreement.span_agreement(attributed_db, dashboard.settings())["attribution"]
    pair = expected["pairwise"][0]
    n_links = pair["links_a"] + pair["links_b"]
    assert n_links < 30
    panel = attribution_tab(dashboard)
    cell = panel.overall.item(0, 1)
    assert cell.text() == "n/a"
    assert cell.toolTip() == (f"n/a: {n_links} links, fewer than the minimum of 30 "
                              f"(agreement --json gives {expected['link_f1']:.3f})")
    assert panel.pairs.item(0, 2).text() == "n/a"
    assert panel.heatmap.value(pair["a"], pair["b"]) is None
    sourcing = next(r for r in range(panel.sources.rowCount())
                    if panel.sources.item(r, 1).text() == "Sourcing type")
    assert panel.sources.item(sourcing, 2).text() == panel.sources.item(sourcing, 3).text() \
        == "n/a"
    assert f"{pair['sourcing']['n']} aligned sources both gave a value, fewer than the " \
        "minimum of 30" in panel.sources.item(sourcing, 5).text()
