"""Tools › Agreement dashboard (Ctrl+Shift+G) and Tools › Sourcing profile (Ctrl+Shift+P) in the
main window. Only the menu actions are made at launch: each window, with the agreement and
profile services behind it, is imported when its action is first used, so the desk's first
window does not wait for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

if TYPE_CHECKING:
    from stancedesk.gui.agreement.dashboard import AgreementDashboard
    from stancedesk.gui.agreement.profile_view import ProfileView
    from stancedesk.gui.shell.main_window import MainWindow


def install_dashboard(window: MainWindow) -> QAction:
    """Add Tools > Agreement dashboard to a main window that offers ``add_tool_action``."""
    action = QAction("&Agreement dashboard…", window)
    action.setObjectName("agreementDashboardAction")
    action.setShortcut("Ctrl+Shift+G")
    holder: dict[str, AgreementDashboard] = {}

    def show() -> None:
        desk = window.desk
        desk.refresh_study()
        if not desk.sees_everyone():  # a blind study: statistics are for the lead
            window.statusBar().showMessage(
                "This project is a blind study: the agreement dashboard is for the study lead "
                "(Tools › Act as study lead).", 8000)
            return
        dashboard = holder.get("dashboard")
        if dashboard is None:
            from stancedesk.gui.agreement.dashboard import AgreementDashboard

            dashboard = AgreementDashboard(window.database, window,
                                           reporter=window.reporter)
            dashboard.viewer = lambda: desk.viewer
            window.agreement_dashboard = dashboard
            window.desk.changed.connect(dashboard.follow)
            # a passage behind a confusion cell opens in the curation view (gui/curation)
            dashboard.passageRequested.connect(
                lambda doc, start, end: window.open_curation_at(doc, start, end))
            holder["dashboard"] = dashboard
        else:  # another process (the CLI) may have added annotators or documents
            dashboard.reload_choices()
        dashboard.show()
        dashboard.raise_()
        dashboard.activateWindow()

    action.triggered.connect(show)
    window.add_tool_action(action)
    window.agreement_dashboard_action = action
    return action


def install_profile_view(window: MainWindow) -> QAction:
    """Add Tools > Sourcing profile to the main window."""
    action = QAction("Sourcing &profile…", window)
    action.setObjectName("profileViewAction")
    action.setShortcut("Ctrl+Shift+P")
    holder: dict[str, ProfileView] = {}

    def show() -> None:
        desk = window.desk
        desk.refresh_study()
        if not desk.sees_everyone():  # a blind study: other annotators' claims are the lead's
            window.statusBar().showMessage(
                "This project is a blind study: the sourcing profile is for the study lead "
                "(Tools › Act as study lead).", 8000)
            return
        view = holder.get("view")
        if view is None:
            from stancedesk.gui.agreement.profile_view import ProfileView

            view = ProfileView(window.database, window, reporter=window.reporter)
            view.claimOpened.connect(window.open_span)
            window.desk.changed.connect(view.follow)
            window.profile_view = view
            holder["view"] = view
        else:  # another process (the CLI) may have added annotators
            view.reload_choices()
        view.show()
        view.raise_()
        view.activateWindow()
        view.compute()

    action.triggered.connect(show)
    window.add_tool_action(action)
    window.profile_view_action = action
    return action
