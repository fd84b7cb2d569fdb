"""Drill-down: a confusion-matrix cell of the agreement dashboard lists the passages behind it,
and each opens in the curation view at its place."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from stancedesk.gui.agreement.dashboard import AgreementDashboard
from stancedesk.gui.agreement.panel import LayerPanel

from .conftest import CLAIM, LONE, Study

WAIT = 20_000


def test_a_confusion_cell_opens_its_passages_in_the_curation_view(
        qtbot, make_window, study: Study) -> None:
    window = make_window(study.path, "lead")
    window.agreement_dashboard_action.trigger()
    dashboard = window.findChild(AgreementDashboard, "agreementDashboard")
    for i in range(dashboard.layer_list.count()):
        item = dashboard.layer_list.item(i)
        item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole)
                           == "stance" else Qt.CheckState.Unchecked)
    dashboard.scope.setCurrentIndex(dashboard.scope.findData("all"))
    dashboard.bootstrap.setValue(0)
    dashboard.min_units.setValue(0)
    with qtbot.waitSignal(dashboard.computed, timeout=WAIT):
        qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    panel = dashboard.tabs.widget(0)
    assert isinstance(panel, LayerPanel)
    panel.confusion_pair.setCurrentIndex(panel.confusion_pair.findData("ana|cy"))
    table = panel.confusion
    labels = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    row, column = labels.index("favor"), labels.index("neutral")
    assert table.item(row, column).text() == "1"
    table.setFocus()
    table.setCurrentCell(row, column)
    with qtbot.waitSignal(dashboard.passagesListed, timeout=WAIT) as listed:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    dialog = listed.args[0]
    assert [p.text for p in dialog.passages] == [CLAIM]
    assert dialog.table.item(0, 2).text() == "favor"
    assert dialog.table.item(0, 3).text() == "neutral"

    # the "none" column: what ana marked and cy did not
    none = len(labels) - 1
    table.setCurrentCell(row, none)
    with qtbot.waitSignal(dashboard.passagesListed, timeout=WAIT) as listed:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    dialog = listed.args[0]
    assert [p.text for p in dialog.passages] == [LONE]
    assert dialog.table.item(0, 3).text() == "(no span)"

    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    view = window.curation
    qtbot.waitUntil(lambda: view.current is not None and
                    view.doc.text[view.current.start:view.current.end] == LONE, timeout=WAIT)
    assert view.isVisible()
    assert view.doc.document_id == study.docs[0]
    view.jobs.shutdown()
    dashboard.close()
