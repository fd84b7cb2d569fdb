"""The blind study and the lead role in the desk (Tools menu), and what a label key does on
another annotator's span (View menu).

Taking the lead role asks for a confirmation every time; only the lead can switch the blind
study, and while it is on, everything that shows other annotators' work (reviewer mode, the
agreement dashboard, everyone's exports) is closed to everyone else. The services enforce the
same rules, so a path the desk forgot still refuses; on a shared file this guards the workflow
and is not security (see README).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

if TYPE_CHECKING:
    from stancedesk.gui.shell.main_window import MainWindow

LEAD_QUESTION = (
    "Act as the study lead?\n\nThe lead sees every annotator's spans, targets, notes and "
    "agreement, and can switch the blind study. In a blind study annotators must not do this: "
    "take the lead role only if you run the study.")


class StudyActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.desk = window.desk
        self.lead_action = QAction("Act as study &lead…", window)
        self.lead_action.setObjectName("leadAction")
        self.lead_action.setCheckable(True)
        self.lead_action.setStatusTip("Take the study lead role (asks first)")
        self.lead_action.toggled.connect(self._lead_toggled)
        self.blind_action = QAction("&Blind study", window)
        self.blind_action.setObjectName("blindStudyAction")
        self.blind_action.setCheckable(True)
        self.blind_action.setStatusTip("Annotators see only their own work (switched by the "
                                       "study lead)")
        self.blind_action.toggled.connect(self._blind_toggled)
        self.copy_action = QAction("Label keys &copy others' spans", window)
        self.copy_action.setObjectName("copyOthersAction")
        self.copy_action.setCheckable(True)
        self.copy_action.setStatusTip("In reviewer mode, a label key on another annotator's "
                                      "span copies it as your own (off: does nothing)")
        self.copy_action.toggled.connect(self._copy_toggled)
        window.add_tool_action(self.lead_action)
        window.add_tool_action(self.blind_action)
        window.chrome.view_menu.addAction(self.copy_action)
        self.box: QMessageBox | None = None
        self._updating = False
        self.desk.studyChanged.connect(self.update)
        self.desk.annotatorChanged.connect(lambda _n: self.update())
        self.update()

    def _set_checked(self, action: QAction, on: bool) -> None:
        self._updating = True
        try:
            action.setChecked(on)
        finally:
            self._updating = False

    def update(self) -> None:
        """Every control that depends on the study follows it."""
        desk, window = self.desk, self.window
        self._set_checked(self.lead_action, desk.lead)
        self._set_checked(self.blind_action, desk.blind)
        self.blind_action.setEnabled(desk.lead)
        self.blind_action.setToolTip("" if desk.lead else
                                     "Only the study lead can switch the blind study")
        sees = desk.sees_everyone()
        window.chrome.reviewer_action.setEnabled(sees)
        if not sees and window.chrome.reviewer_action.isChecked():
            window.chrome.reviewer_action.setChecked(False)
        window.chrome.reviewer_action.setToolTip(
            "Reviewer mode: show every annotator's spans" if sees else
            "A blind study: reviewer mode is for the study lead")
        # the agreement dashboard and the sourcing profile show every annotator's work
        for action_name, tool_name in (("agreement_dashboard_action", "agreement_dashboard"),
                                       ("profile_view_action", "profile_view")):
            tool_action = getattr(window, action_name, None)
            if tool_action is not None:
                tool_action.setEnabled(sees)
            tool = getattr(window, tool_name, None)
            if tool is not None and not sees:
                tool.hide()
        window.refresh_annotator_ui()

    # --- the lead role ---------------------------------------------------------------------

    def _lead_toggled(self, on: bool) -> None:
        if self._updating:
            return
        if not on:
            self.desk.set_lead(False)
            self.window.statusBar().showMessage("You left the study lead role.", 5000)
            return
        self._set_checked(self.lead_action, False)  # checked only once confirmed
        self.ask_lead()

    def ask_lead(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, "Study lead", LEAD_QUESTION,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self.window)
        box.setObjectName("leadConfirmBox")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Act as study lead")
        box.accepted.connect(self._lead_confirmed)
        self.box = box
        box.open()
        return box

    def _lead_confirmed(self) -> None:
        self.desk.set_lead(True)
        self.window.statusBar().showMessage(
            f"{self.desk.annotator} acts as the study lead until the role is left or the "
            "annotator changes.", 8000)

    # --- the blind study -------------------------------------------------------------------

    def _blind_toggled(self, on: bool) -> None:
        if self._updating:
            return
        with self.window.reporter.guarded("switching the blind study"):
            self.desk.set_blind(on)
            self.window.statusBar().showMessage(
                "Blind study on: annotators see only their own spans, targets and notes." if on
                else "Blind study off: annotators may look at each other's work.", 8000)
        self.update()

    def _copy_toggled(self, on: bool) -> None:
        self.desk.copy_others = on
        self.desk.currentSpanChanged.emit(self.desk.reader.current_span)


def install(window: MainWindow) -> StudyActions:
    actions = StudyActions(window)
    window.study_actions = actions
    return actions
