"""The agreement dashboard: computes off the GUI thread, shows the service's numbers, exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QTableWidget

from stancedesk.gui.agreement.dashboard import AgreementDashboard
from stancedesk.gui.agreement.panel import LayerPanel
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.services import agreement, corpus
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.storage.engine import Database

ROOT = Path(__file__).resolve().parents[3]


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
    dashboard.min_units.setValue(2)  # three passages: below the default minimum of 30
    with qtbot.waitSignal(dashboard.computed, timeout=20_000) as blocker:
        qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
        assert not dashboard.compute_button.isEnabled(), "busy while the task runs"
    result = blocker.args[0]
    expected = agreement.span_agreement(two_annotator_db, dashboard.settings())
    assert result["layers"]["stance"]["char_alpha"] == expected["layers"]["stance"]["char_alpha"]
    assert dashboard.tabs.count() == 4  # the two layers, then attribution and gold
    assert dashboard.tabs.tabText(2) == "Attribution"
    assert dashboard.tabs.tabText(3) == "Against gold"
    panel = dashboard.tabs.widget(0)
    assert isinstance(panel, LayerPanel)
    table = panel.findChild(QTableWidget, "coefficientTable")
    assert table.item(0, 1).text() == f"{expected['layers']['stance']['char_alpha']:.3f}"
    # one document cannot be resampled, and characters are not: no interval, and the reason
    assert table.item(0, 2).text() == ""
    assert "fewer than the 10 needed to resample documents" in table.item(0, 5).text()
    aligned = next(r for r in range(table.rowCount())
               if table.item(r, 0).text() == "Aligned α (nominal)")
    assert table.item(aligned, 2).text().startswith("[")  # aligned units resampled instead
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
    with qtbot.waitSignal(dashboard.jobs.started) as started:
        job = dashboard.compute()
    assert job is not None and started.args == [job]
    job.cancel()  # before the first layer: the progress callback sees it
    with qtbot.waitSignal(job.finished, timeout=20_000):
        pass
    assert dashboard.result is None
    assert dashboard.status.text() == "Cancelled; nothing was computed."
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


def test_close_button_and_escape_close_the_window(qtbot, two_annotator_db: Database) -> None:
    dashboard = AgreementDashboard(two_annotator_db)
    qtbot.addWidget(dashboard)
    dashboard.show()
    qtbot.waitExposed(dashboard)
    qtbot.mouseClick(dashboard.close_button, Qt.MouseButton.LeftButton)
    assert not dashboard.isVisible()
    dashboard.show()
    qtbot.waitExposed(dashboard)
    qtbot.keyClick(dashboard, Qt.Key.Key_Escape)
    assert not dashboard.isVisible()


def test_numbers_show_their_n_scope_and_why_they_are_na(qtbot,
                                                       two_annotator_db: Database) -> None:
    dashboard = AgreementDashboard(two_annotator_db)
    qtbot.addWidget(dashboard)
    _uncheck_all_but(dashboard.layer_list, {"stance"})
    dashboard.bootstrap.setValue(0)
    assert dashboard.min_units.value() == 30
    with qtbot.waitSignal(dashboard.computed, timeout=20_000) as blocker:
        dashboard.compute()
    result = blocker.args[0]
    # nobody marked a document done: the fallback is announced in a banner
    assert not dashboard.scope_banner.isHidden()
    assert "No document is marked done by every compared annotator" in \
        dashboard.scope_banner.text()
    assert "where every compared annotator (alice, bob) has a span" in \
        dashboard.scope_label.text()
    panel = dashboard.tabs.widget(0)
    table = panel.findChild(QTableWidget, "coefficientTable")
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["Coefficient", "Value", "95% CI", "n", "n counts", "Note"]
    row = next(r for r in range(table.rowCount())
               if table.item(r, 0).text() == "Aligned α (nominal)")
    reason = result["layers"]["stance"]["coefficients"]["aligned_alpha"]["reason"]
    assert reason == "3 pairable aligned units, fewer than the minimum of 30"
    assert table.item(row, 1).text() == "n/a"
    assert table.item(row, 1).toolTip() == f"n/a: {reason}"
    assert table.item(row, 5).text() == reason
    assert table.item(row, 3).text() == "3"
    assert table.item(row, 4).text() == "pairable aligned units; 2 coders, 1 docs"
    pairs = panel.findChild(QTableWidget, "pairTable")
    assert pairs.item(0, 4).text() == "n/a"
    assert "fewer than the minimum of 30" in pairs.item(0, 4).toolTip()

    for i in range(dashboard.document_list.count()):  # now both mark the document done
        item = dashboard.document_list.item(i)
        if item.checkState() == Qt.CheckState.Checked:
            item.setCheckState(Qt.CheckState.Unchecked)
    doc = result["layers"]["stance"]["scope"]["documents"][0]
    for name in ("alice", "bob"):
        span_service.set_document_status(two_annotator_db, doc, name, "done")
    dashboard.min_units.setValue(2)
    dashboard.count_no_grade.setChecked(True)
    dashboard.ci_method.setCurrentIndex(dashboard.ci_method.findData("bca"))
    settings = dashboard.settings()
    assert (settings.scope, settings.min_units, settings.count_no_grade, settings.ci_method) \
        == ("done", 2, True, "bca")
    with qtbot.waitSignal(dashboard.computed, timeout=20_000):
        dashboard.compute()
    assert dashboard.scope_banner.isHidden()
    assert "marked done" in dashboard.scope_label.text()
    table = dashboard.tabs.widget(0).findChild(QTableWidget, "coefficientTable")
    assert table.item(row, 1).text() != "n/a" and not table.item(row, 1).toolTip()


def test_the_report_is_of_the_result_on_screen_not_a_recomputation(
        qtbot, two_annotator_db: Database, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dashboard = AgreementDashboard(two_annotator_db)
    qtbot.addWidget(dashboard)
    dashboard.bootstrap.setValue(0)
    assert not dashboard.report_button.isEnabled()
    with qtbot.waitSignal(dashboard.computed, timeout=20_000):
        dashboard.compute()
    assert dashboard.report_button.isEnabled()

    def recompute(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the report recomputed agreement on the GUI thread")

    monkeypatch.setattr(agreement, "span_agreement", recompute)
    path = tmp_path / "report.html"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(path), ""))
    qtbot.mouseClick(dashboard.report_button, Qt.MouseButton.LeftButton)
    assert dashboard.status.text() == f"Saved the report to {path}."
    html = path.read_text(encoding="utf-8")
    assert "alice" in html and "bob" in html


def test_an_unwritable_export_is_a_message_not_a_crash(
        qtbot, two_annotator_db: Database, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    reporter = CrashReporter(show_message=lambda message, _parent: shown.append(message),
                             show_crash=lambda report, _parent: shown.append(report.summary))
    dashboard = AgreementDashboard(two_annotator_db, reporter=reporter)
    qtbot.addWidget(dashboard)
    dashboard.bootstrap.setValue(0)
    with qtbot.waitSignal(dashboard.computed, timeout=20_000):
        dashboard.compute()
    path = tmp_path / "missing" / "tables.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(path), ""))
    with qtbot.waitSignal(reporter.userError):
        qtbot.mouseClick(dashboard.export_button, Qt.MouseButton.LeftButton)
    assert len(shown) == 1 and shown[0].startswith(f"{path}: cannot write")


def test_an_open_dashboard_marks_itself_stale_when_a_span_changes(
        qtbot, make_window, two_annotator_db: Database, sample_path: Path) -> None:
    window = make_window(sample_path)
    window.agreement_dashboard_action.trigger()
    dashboard = window.findChild(AgreementDashboard, "agreementDashboard")
    dashboard.bootstrap.setValue(0)
    _uncheck_all_but(dashboard.layer_list, {"stance"})
    with qtbot.waitSignal(dashboard.computed, timeout=20_000):
        qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    assert not dashboard.stale
    # alice labels a passage in the desk: the numbers on screen no longer hold
    window.desk.select_span(window.desk.store.spans()[0].id)
    with qtbot.waitSignal(window.desk.changed) as changed:
        window.desk.label("stance", "against")
    assert changed.args[0].spans_changed
    assert dashboard.stale and dashboard.stale_banner.isVisible()
    assert "changed" in dashboard.stale_label.text()
    with qtbot.waitSignal(dashboard.computed, timeout=20_000) as blocker:
        qtbot.mouseClick(dashboard.recompute_button, Qt.MouseButton.LeftButton)
    assert not dashboard.stale
    expected = agreement.span_agreement(window.database, dashboard.settings())
    assert blocker.args[0]["layers"]["stance"]["char_alpha"] == pytest.approx(
        expected["layers"]["stance"]["char_alpha"], nan_ok=True)
    dashboard.close()
