"""The dashboard's Against gold tab: the service's numbers (as ``agreement --json`` gives them),
n/a with the service's reason, the no-gold message, sorting, and the drill-down into the
curation view; stale after a curation, and the lead's in a blind study."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QTableWidget

from stancedesk.cli import main
from stancedesk.gui.agreement.charts import agreement_colour
from stancedesk.gui.agreement.dashboard import AgreementDashboard
from stancedesk.gui.agreement.gold_panel import MEASURES, TABLE_FIGURES, GoldPanel
from stancedesk.services import corpus, curation, study
from stancedesk.services import spans as span_service
from stancedesk.services.agreement import AgreementSettings, fmt, gold_passages
from stancedesk.services.project import open_database
from stancedesk.services.study import BlindStudyError, Viewer
from stancedesk.storage.engine import Database

WAIT = 20_000
SOURCE = "the Ostrelian foreign ministry"
CLAIM = "Ostrelia will host the first direct contacts"
LONE = "cautious first step"
LEAD = Viewer("lead", lead=True)


def _span(database: Database, doc: str, text: str, who: str, phrase: str,
          labels: dict[str, str], role: str | None = None) -> str:
    start = text.index(phrase)
    return span_service.create_span(database, doc, who, start, start + len(phrase), labels,
                                    role=role).id


def _annotate(database: Database) -> dict[str, str]:
    """ana and ben on the first sample article: they agree on the source; ben calls the claim
    neutral (ana: favor, toward "talks") and misses the lone passage ana marked."""
    doc = corpus.list_documents(database)[0].id
    text = corpus.get_document(database, doc).text
    ids = {"doc": doc}
    for who in ("ana", "ben"):
        ids[f"source-{who}"] = _span(database, doc, text, who, SOURCE,
                                     {"sourcing": "official"}, "source")
    ids["claim-ana"] = _span(database, doc, text, "ana", CLAIM,
                             {"stance": "favor", "target": "talks"}, "claim")
    ids["claim-ben"] = _span(database, doc, text, "ben", CLAIM, {"stance": "neutral"}, "claim")
    ids["lone-ana"] = _span(database, doc, text, "ana", LONE, {"stance": "favor"})
    return ids


@pytest.fixture
def curated(sample_path: Path) -> Iterator[Path]:
    """The lead took ana's version of each passage into gold."""
    database = open_database(str(sample_path), seed_sample=False)
    ids = _annotate(database)
    for key in ("source-ana", "claim-ana", "lone-ana"):
        curation.accept_span(database, ids[key], curator="lead")
    database.dispose()
    yield sample_path


def _json_gold(capsys: pytest.CaptureFixture[str], path: Path) -> dict:
    capsys.readouterr()
    assert main(["--db", str(path), "agreement", "--json", "--bootstrap", "0"]) == 0
    return json.loads(capsys.readouterr().out)["gold"]


def _compute(qtbot, dashboard: AgreementDashboard) -> GoldPanel:
    dashboard.bootstrap.setValue(0)
    with qtbot.waitSignal(dashboard.computed, timeout=WAIT):
        qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    titles = [dashboard.tabs.tabText(i) for i in range(dashboard.tabs.count())]
    assert titles[-1] == "Against gold"
    dashboard.tabs.setCurrentIndex(len(titles) - 1)
    panel = dashboard.tabs.currentWidget()
    assert isinstance(panel, GoldPanel)
    return panel


def _column(table: QTableWidget, title: str) -> int:
    return next(c for c in range(table.columnCount())
                if table.horizontalHeaderItem(c).text() == title)


def test_the_tab_shows_the_numbers_of_agreement_json_and_why_each_na(
        qtbot, curated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = _json_gold(capsys, curated)
    database = open_database(str(curated))
    dashboard = AgreementDashboard(database)
    qtbot.addWidget(dashboard)
    # gold is what everyone is compared with, not one of them (as agreement's default)
    assert dashboard.settings().annotators == ["ana", "ben"]
    panel = _compute(qtbot, dashboard)
    assert dashboard.result["gold"] == expected
    assert expected["available"] and expected["n_documents"] == 1
    assert "over the 1 document(s) gold has spans in" in \
        panel.findChild(QLabel, "goldSummary").text()

    matrix = panel.matrix
    assert [matrix.verticalHeaderItem(r).text() for r in range(matrix.rowCount())] == \
        ["ana", "ben"]
    headers = [matrix.horizontalHeaderItem(c).text() for c in range(matrix.columnCount())]
    assert headers[:2] == ["Stance", "Target"]
    assert headers[-3:] == ["role: source", "role: claim", "role: cue"]
    checked_na = 0
    for index, (measure, _title) in enumerate(MEASURES):
        panel.measure.setCurrentIndex(index)
        for r, who in enumerate(["ana", "ben"]):
            for c, (kind, key) in enumerate(panel.columns):
                scores = expected["annotators"][who][f"{kind}s"][key]
                item = matrix.item(r, c)
                if scores[measure] is None:
                    reason = scores["reasons"][measure]
                    assert reason, (who, key, measure)
                    assert (item.text(), item.toolTip()) == ("n/a", f"n/a: {reason}")
                    checked_na += 1
                else:
                    assert item.text() == fmt(scores[measure])
                    assert item.background().color() == \
                        agreement_colour(scores[measure]).lighter(115)
    assert checked_na
    # ben gave no target: precision is n/a with the service's reason, recall and F1 are 0
    target = expected["annotators"]["ben"]["layers"]["target"]
    assert target["precision_exact"] is None and target["f1_exact"] == 0.0
    assert target["reasons"]["precision_exact"].startswith("ben has no span here")
    # nobody marked a cue: every figure n/a, for the reason the service gives
    assert expected["annotators"]["ben"]["roles"]["cue"]["reason"].startswith(
        "neither ben nor gold")

    table = panel.table
    rows = {(table.item(r, 0).text(), table.item(r, 1).text()): r
            for r in range(table.rowCount())}
    assert len(rows) == 2 * len(panel.columns)
    note = table.columnCount() - 1
    for who in ("ana", "ben"):
        for kind, key in panel.columns:
            scores = expected["annotators"][who][f"{kind}s"][key]
            r = rows[(who, panel.title(kind, key))]
            counts = [table.item(r, c).text() for c in range(2, 6)]
            assert counts == [str(scores[k]) for k in ("n_annotator", "n_gold",
                                                       "exact_matches", "overlap_matches")]
            for offset, measure in enumerate(TABLE_FIGURES):
                value = scores[measure]
                assert table.item(r, 6 + offset).text() == ("n/a" if value is None
                                                             else fmt(value))
            reasons = [scores["reasons"][m] for m in TABLE_FIGURES if scores["reasons"][m]]
            assert table.item(r, note).text() == "; ".join(dict.fromkeys(reasons))
    assert table.item(rows[("ben", "Target")], note).text() == \
        target["reasons"]["precision_exact"]

    # sorted by F1 exact: the lowest first, n/a after every number
    f1 = _column(table, "F1 exact")
    table.sortItems(f1, Qt.SortOrder.AscendingOrder)
    shown = [table.item(r, f1).text() for r in range(table.rowCount())]
    numbers = [float(x) for x in shown if x != "n/a"]
    assert numbers == sorted(numbers) and shown[len(numbers):] == \
        ["n/a"] * (len(shown) - len(numbers))
    dashboard.close()
    database.dispose()


def test_without_gold_the_tab_says_why(qtbot, sample_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    database = open_database(str(sample_path))
    _annotate(database)
    expected = _json_gold(capsys, sample_path)
    dashboard = AgreementDashboard(database)
    qtbot.addWidget(dashboard)
    panel = _compute(qtbot, dashboard)
    assert not expected["available"]
    assert panel.matrix is None and panel.table is None
    assert panel.unavailable is not None
    assert panel.unavailable.text() == f"No comparison with gold: {expected['reason']}"
    assert "no gold standard" in panel.unavailable.text()
    dashboard.close()
    database.dispose()


def test_the_tables_csv_of_the_dashboard_holds_the_gold_table(
        qtbot, curated: Path, tmp_path: Path) -> None:
    database = open_database(str(curated))
    dashboard = AgreementDashboard(database)
    qtbot.addWidget(dashboard)
    _compute(qtbot, dashboard)
    path = tmp_path / "tables.csv"
    dashboard.export_tables(path)
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["table"] == "gold" and r["a"] == "ben"
                and r["layer"] == "target"]
    by_metric = {r["metric"]: r for r in rows}
    scores = dashboard.result["gold"]["annotators"]["ben"]["layers"]["target"]
    assert by_metric["precision_exact"]["value"] == ""
    assert by_metric["precision_exact"]["reason"] == scores["reasons"]["precision_exact"]
    assert float(by_metric["recall_exact"]["value"]) == scores["recall_exact"]
    dashboard.close()
    database.dispose()


def test_a_cell_opens_its_passages_in_the_curation_view_and_a_curation_makes_it_stale(
        qtbot, make_window, curated: Path) -> None:
    window = make_window(curated, "lead")
    window.agreement_dashboard_action.trigger()
    dashboard = window.findChild(AgreementDashboard, "agreementDashboard")
    panel = _compute(qtbot, dashboard)
    matrix = panel.matrix
    row = [matrix.verticalHeaderItem(r).text() for r in range(matrix.rowCount())].index("ben")
    column = panel.columns.index(("layer", "stance"))
    matrix.setFocus()
    matrix.setCurrentCell(row, column)
    with qtbot.waitSignal(dashboard.passagesListed, timeout=WAIT) as listed:
        qtbot.keyClick(matrix, Qt.Key.Key_Return)
    dialog = listed.args[0]
    expected = gold_passages(window.database, dashboard.computed_settings, "ben",
                             layer="stance")
    assert dialog.passages == expected
    assert [(p.text, p.note) for p in dialog.passages] == [
        (CLAIM, "value differs"), (LONE, "missed")]
    headers = [dialog.table.horizontalHeaderItem(c).text()
               for c in range(dialog.table.columnCount())]
    assert headers == ["Document", "Passage", "ben", "gold", "Difference"]
    assert [dialog.table.item(1, c).text() for c in (2, 3, 4)] == \
        ["(no span)", "favor", "missed"]

    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.table.selectRow(1)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    view = window.curation
    qtbot.waitUntil(lambda: view.current is not None and
                    view.doc.text[view.current.start:view.current.end] == LONE, timeout=WAIT)
    assert view.isVisible() and view.doc.document_id == expected[1].document_id

    # a row of the table asks for the same list (here ben's claims: they match gold's)
    table = panel.table
    claim_row = next(r for r in range(table.rowCount())
                     if (table.item(r, 0).text(), table.item(r, 1).text()) ==
                     ("ben", "role: claim"))
    with qtbot.waitSignal(dashboard.passagesListed, timeout=WAIT) as listed:
        table.activated.emit(table.model().index(claim_row, 3))
    assert listed.args[0].passages == []

    # the lead takes back the lone passage's decision: the numbers on screen no longer hold
    assert not dashboard.stale
    result = curation.undo_last(window.database)
    window.desk.publish(result.changes)  # as the curation view does after each action
    assert dashboard.stale and dashboard.stale_banner.isVisible()
    with qtbot.waitSignal(dashboard.computed, timeout=WAIT):
        qtbot.mouseClick(dashboard.recompute_button, Qt.MouseButton.LeftButton)
    assert not dashboard.stale
    stance = dashboard.result["gold"]["annotators"]["ben"]["layers"]["stance"]
    assert stance["n_gold"] == 1  # the lone passage is no longer gold's
    panel = dashboard.tabs.widget(dashboard.tabs.count() - 1)
    assert panel.matrix.item(row, column).text() == fmt(stance["f1_exact"])
    view.jobs.shutdown()
    dashboard.close()


def test_in_a_blind_study_the_tab_and_its_passages_are_the_leads(
        qtbot, curated: Path) -> None:
    database = open_database(str(curated))
    study.set_blind(database, True, LEAD)
    dashboard = AgreementDashboard(database)
    qtbot.addWidget(dashboard)
    dashboard.viewer = lambda: LEAD
    panel = _compute(qtbot, dashboard)
    assert panel.matrix is not None
    with qtbot.waitSignal(dashboard.passagesListed, timeout=WAIT) as listed:
        dashboard.list_gold_passages("ben", "layer", "stance")
    assert [p.note for p in listed.args[0].passages] == ["value differs", "missed"]
    # outside the lead role the passages are refused (the service's guard, which the
    # dashboard's drill-down calls with its viewer); the dashboard itself is not opened for
    # an annotator in a blind study (Tools menu)
    with pytest.raises(BlindStudyError):
        gold_passages(database, AgreementSettings(), "ben", layer="stance",
                      viewer=Viewer("ana"))
    assert gold_passages(database, AgreementSettings(), "ben", layer="stance", viewer=LEAD)
    dashboard.close()
    database.dispose()
