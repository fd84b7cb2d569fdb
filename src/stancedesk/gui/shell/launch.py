"""Start the desk: the Qt application, the theme, who is annotating, the main window."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from stancedesk.gui.shell import theme
from stancedesk.gui.shell.errors import CrashReporter
from stancedesk.gui.shell.paint_thread import paint_on_this_thread
from stancedesk.gui.shell.settings import APPLICATION, ORGANISATION, DeskSettings
from stancedesk.gui.shell.sources import forget_module_sources


def _application(argv: Sequence[str]) -> QApplication:
    paint_on_this_thread()
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv) or ["stancedesk"])
    app.setApplicationDisplayName("StanceDesk")
    app.setDesktopFileName("stancedesk")
    return app


# the longest wait for the first paint before ``started`` is called anyway (a window restored
# minimised paints only when shown)
STARTED_AT_LATEST_MS = 3000


def launch(db: str | None, annotator: str | None, argv: Sequence[str],
           started: Callable[[], None] | None = None) -> int:
    """Run the desk until its window closes; returns the exit status. ``started`` is called
    when the first window has painted (at the latest after a few seconds, and before a dialog
    waits for the person): it may be called more than once."""
    app = _application(argv)
    from stancedesk.gui.shell.main_window import MainWindow
    from stancedesk.services import spans as span_service
    from stancedesk.services.project import open_database
    from stancedesk.storage.errors import StorageError

    forget_module_sources()  # before opening: a first migration then reuses that memory
    try:
        database = open_database(db)
    except StorageError as exc:
        QMessageBox.critical(None, "StanceDesk", f"Cannot open the database:\n{exc}")
        return 1
    settings = DeskSettings(database.url)
    theme.apply_theme(app, settings.theme)
    name = annotator or settings.annotator
    if not name:
        from stancedesk.gui.shell.annotator_dialog import AnnotatorDialog  # a first start only

        if started is not None:
            started()
        dialog = AnnotatorDialog(span_service.list_annotator_names(database))
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.name():
            database.dispose()
            return 0
        name = dialog.name()
    # the application's one reporter: every action, command and job reports to it, and it
    # stands in for sys.excepthook (exceptions escaping Qt slots) while the desk runs
    reporter = CrashReporter(app)
    reporter.install()
    try:
        window = MainWindow(database, name, reporter=reporter)
        if started is not None:
            window.after_first_paint(started)
            QTimer.singleShot(STARTED_AT_LATEST_MS, window, started)
        window.show()
        return app.exec()
    finally:
        reporter.uninstall()
