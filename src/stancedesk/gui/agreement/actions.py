"""Tools › Agreement dashboard (Ctrl+Shift+G) and Tools › Sourcing profile (Ctrl+Shift+P) in the
main window. Only the menu actions are made at launch: each window, with the agreement and
profile services behind it, is imported when its action is first used, so the desk's first
window does not wait for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

if TYPE_CHECKING:
    from stancedesk.gui.agreement.dashboard import AgreementDashboard
    from stancedesk.gui.agreement.profile_view import ProfileView
    from stancedesk.gui.shell.main_window import MainWindow


def _lead_tool(window: MainWindow, text: str, name: str, shortcut: str, what: str,
               show_tool: Callable[[], None]) -> QAction:
    """A Tools menu action for a window that shows every annotator's work: in a blind study
    only the lead may open it; anyone else is told why on the status bar."""
    action = QAction(text, window)
    action.setObjectName(name)
    action.setShortcut(shortcut)

    def triggered() -> None:
        desk = window.desk
        desk.refresh_study()
        if not desk.sees_everyone():
            window.statusBar().showMessage(
                f"This project is a blind study: {what} is for the study lead "
                "(Tools › Act as study lead).", 8000)
            return
        show_tool()

    action.triggered.connect(triggered)
    window.add_tool_action(action)
    return action


def install_dashboard(window: MainWindow) -> QAction:
    """Add Tools > Agreement dashboard to a main window that offers ``add_tool_action``."""
    holder: dict[str, AgreementDashboard] = {}

    def show() -> None:
        desk = window.desk
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

    action = _lead_tool(window, "&Agreement dashboard…", "agreementDashboardAction",
                        "Ctrl+Shift+G", "the agreement dashboard", show)
    window.agreement_dashboard_action = action
    return action


def install_profile_view(window: MainWindow) -> QAction:
    """Add Tools > Sourcing profile to the main window."""
    holder: dict[str, ProfileView] = {}

    def show() -> None:
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

    # other annotators' claims are the lead's in a blind study
    action = _lead_tool(window, "Sourcing &profile…", "profileViewAction", "Ctrl+Shift+P",
                        "the sourcing profile", show)
    window.profile_view_action = action
    return action
