"""A blind study in the desk: the lead role is taken explicitly and confirmed; while the study is
on, an annotator gets no reviewer mode, no dashboard, no "All" export and no other annotator's
targets; the lead gets all of them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from stancedesk.gui.exchange.dialogs import open_export_dialog
from stancedesk.gui.shell.main_window import MainWindow
from stancedesk.services import corpus, study
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.services.study import Viewer


def _two_annotators(path: Path) -> str:
    database = open_database(str(path))
    try:
        doc = corpus.list_documents(database)[0].id
        span_service.create_span(database, doc, "alice", 0, 8,
                                 {"stance": "favor", "target": "alice-only target"})
        span_service.create_span(database, doc, "bob", 10, 20, {"stance": "against",
                                                                "target": "bob's target"})
        return doc
    finally:
        database.dispose()


def _take_lead(qtbot, window: MainWindow) -> None:
    actions = window.study_actions
    actions.lead_action.trigger()
    box = actions.box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert not window.desk.lead, "nothing until confirmed"
    assert "Act as the study lead?" in box.text()
    with qtbot.waitSignal(window.desk.studyChanged):
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert window.desk.lead and actions.lead_action.isChecked()


def test_lead_role_needs_confirmation_and_switches_the_study(qtbot, sample_path,
                                                             make_window) -> None:
    window = make_window(sample_path, "alice")
    actions = window.study_actions
    assert not actions.blind_action.isEnabled(), "only the lead switches the study"
    actions.lead_action.trigger()
    qtbot.mouseClick(actions.box.button(QMessageBox.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert not window.desk.lead and not actions.lead_action.isChecked()
    _take_lead(qtbot, window)
    assert actions.blind_action.isEnabled()
    actions.blind_action.trigger()
    assert window.desk.blind and study.is_blind(window.database)
    assert "Blind study · lead" in window.chrome.mode_label.text()
    assert window.chrome.reviewer_action.isEnabled(), "the lead keeps reviewer mode"
    actions.lead_action.trigger()  # leaving needs no confirmation
    assert not window.desk.lead and not window.chrome.reviewer_action.isEnabled()
    assert not actions.blind_action.isEnabled()


def test_blind_study_is_enforced_for_an_annotator(qtbot, sample_path, make_window,
                                                  tmp_path) -> None:
    _two_annotators(sample_path)
    database = open_database(str(sample_path))
    study.set_blind(database, True, Viewer("lee", lead=True))
    database.dispose()
    window = make_window(sample_path, "bob")
    desk = window.desk
    assert desk.blind and not desk.lead
    assert "Blind study" in window.chrome.mode_label.text()

    # reviewer mode: the action is off and greyed; the shortcut and the slot refuse
    assert not window.chrome.reviewer_action.isEnabled()
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not desk.reviewer
    window.set_reviewer(True)
    assert not desk.reviewer and not window.chrome.reviewer_action.isChecked()
    assert {s.annotator for s in desk.store.spans()} == {"bob"}
    assert "reviewer mode is for the study lead" in window.statusBar().currentMessage()

    # the dashboard does not open
    assert not window.agreement_dashboard_action.isEnabled()
    window.agreement_dashboard_action.setEnabled(True)  # even if something re-enabled it
    window.agreement_dashboard_action.trigger()
    assert getattr(window, "agreement_dashboard", None) is None
    assert "dashboard is for the study lead" in window.statusBar().currentMessage()
    # nor does the sourcing profile (it counts every annotator's claims)
    assert not window.profile_view_action.isEnabled()
    window.profile_view_action.setEnabled(True)
    window.profile_view_action.trigger()
    assert getattr(window, "profile_view", None) is None
    assert "sourcing profile is for the study lead" in window.statusBar().currentMessage()

    # target completion: the project's list and bob's own, never alice's
    values = [v for v, _ in desk.target_suggestions("target")]
    assert "bob's target" in values and "alice-only target" not in values
    window._open_value_editor("target")
    completions = window.value_editor.edit.completer().model()
    words = [completions.index(i, 0).data() for i in range(completions.rowCount())]
    assert "alice-only target" not in words and "bob's target" in words
    window.value_editor.reject()

    # the export dialog: no "All", only bob listed, and the export holds bob's spans only
    dialog = open_export_dialog(window)
    assert not dialog.all_annotators_button.isEnabled()
    assert dialog.annotators() == ["bob"] and dialog.annotator_list.count() == 1
    assert "Blind study" in dialog.annotator_default.text()
    dialog.set_format("csv")
    target = tmp_path / "mine.csv"
    dialog.set_path(target)
    with qtbot.waitSignal(dialog.exported, timeout=15_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    text = target.read_text(encoding="utf-8")
    assert "bob's target" in text and "alice" not in text
    qtbot.waitUntil(lambda: dialog.runner.idle)
    dialog.close()

    # the lead sees everything again
    _take_lead(qtbot, window)
    assert window.chrome.reviewer_action.isEnabled()
    assert window.agreement_dashboard_action.isEnabled()
    window.set_reviewer(True)
    assert {s.annotator for s in desk.store.spans()} == {"alice", "bob"}
    assert "alice-only target" in [v for v, _ in desk.target_suggestions("target")]
    # switching annotator drops the lead role (it is taken again, explicitly)
    window.set_annotator("alice")
    assert not desk.lead and not desk.reviewer


def test_a_study_switched_in_another_desk_reaches_this_one(qtbot, sample_path,
                                                           make_window) -> None:
    _two_annotators(sample_path)
    annotator = make_window(sample_path, "bob")
    annotator.set_reviewer(True)
    assert annotator.desk.reviewer
    lead = make_window(sample_path, "alice")
    _take_lead(qtbot, lead)
    lead.study_actions.blind_action.trigger()
    with qtbot.waitSignal(annotator.desk.studyChanged):
        assert annotator.desk.check_for_changes()
    assert annotator.desk.blind and not annotator.desk.reviewer
    assert not annotator.chrome.reviewer_action.isEnabled()
    assert {s.annotator for s in annotator.desk.store.spans()} == {"bob"}
