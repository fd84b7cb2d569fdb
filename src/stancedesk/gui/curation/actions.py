"""Tools › Curation (Ctrl+Shift+C) in the main window, and the window's ``open_curation_at``
that the agreement view's drill-down calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

if TYPE_CHECKING:
    from stancedesk.gui.curation.window import CurationWindow
    from stancedesk.gui.shell.main_window import MainWindow


def install(window: MainWindow) -> QAction:
    action = QAction("&Curation…", window)
    action.setObjectName("curationAction")
    action.setShortcut("Ctrl+Shift+C")
    action.setToolTip("Adjudicate the annotators' disagreements into gold, by keyboard")
    holder: dict[str, CurationWindow] = {}

    def curation_window() -> CurationWindow | None:
        desk = window.desk
        desk.refresh_study()
        if not desk.sees_everyone():  # every annotator's spans: in a blind study, the lead's
            window.statusBar().showMessage(
                "This project is a blind study: curation is for the study lead "
                "(Tools › Act as study lead).", 8000)
            return None
        view = holder.get("view")
        if view is None:  # the window and the curation services load on first use
            from stancedesk.gui.curation.window import CurationWindow

            view = CurationWindow(window.database, lambda: desk.annotator, window,
                                  reporter=window.reporter, scheme=desk.scheme)
            view.viewer = lambda: desk.viewer
            window.desk.changed.connect(view.follow)
            view.published.connect(desk.publish)
            window.curation = view
            holder["view"] = view
            view.start()
        view.show()
        view.raise_()
        view.activateWindow()
        return view

    def show() -> None:
        curation_window()

    def open_at(document_id: str, start: int, end: int) -> None:
        view = curation_window()
        if view is not None:
            view.open_at(document_id, start, end)

    action.triggered.connect(show)
    window.add_tool_action(action)
    window.curation_action = action
    window.open_curation_at = open_at
    return action
