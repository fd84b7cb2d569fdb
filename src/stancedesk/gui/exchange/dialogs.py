"""File › Export › Annotations… and File › Import annotations…: every exchange format, with a
preview of what will be written or read, and long work off the GUI thread.

Both dialogs only call services (the CLI's ``export annotations`` and ``import annotations
[--dry-run]`` run the same functions). The export preview runs the real exporter on the first
spans; the import preview is a dry run of the real import, rolled back, so it reports exactly
what the import would store and fails with exactly the message the import would give.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

if TYPE_CHECKING:
    from stancedesk.gui.exchange.export_dialog import ExportDialog
    from stancedesk.gui.exchange.import_dialog import ImportDialog
    from stancedesk.gui.shell.main_window import MainWindow
    from stancedesk.services.exchange import AnnotationImportReport

# The dialogs (and through them every format's reader and writer) load when first opened: the
# desk's first window needs only the two menu entries.


def open_export_dialog(window: MainWindow) -> ExportDialog:
    from stancedesk.gui.exchange.export_dialog import ExportDialog
    from stancedesk.services.preview import plural

    desk = window.desk
    current = None
    if desk.document is not None:
        current = (desk.document.id, desk.document.title or desk.document.source_file)
    dialog = ExportDialog(window.database, annotator=desk.annotator, reviewer=desk.reviewer,
                          current_document=current, folder=window.settings.folder("export"),
                          reporter=window.reporter, parent=window, viewer=desk.viewer)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def exported(result: tuple[int, Path]) -> None:
        n, path = result
        window.settings.set_folder("export", str(Path(path).parent))
        window.statusBar().showMessage(f"Exported {plural(n, 'span')} to {path}.", 8000)

    dialog.exported.connect(exported)
    window.export_dialog = dialog
    dialog.open()
    return dialog


def open_import_dialog(window: MainWindow) -> ImportDialog:
    from stancedesk.gui.exchange.import_dialog import ImportDialog
    from stancedesk.services.preview import plural

    dialog = ImportDialog(window.database, folder=window.settings.folder("import"),
                          reporter=window.reporter, parent=window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def imported(report: AnnotationImportReport) -> None:
        window.desk.publish(report.changes)
        path = dialog.path()
        if path is not None:
            window.settings.set_folder("import", str(path.parent))
        window.statusBar().showMessage(
            f"Imported {plural(report.added, 'annotation')}.", 8000)

    dialog.imported.connect(imported)
    dialog.corpusRequested.connect(lambda paths: window.start_import(paths))
    window.import_dialog = dialog
    dialog.open()
    return dialog


def install(window: MainWindow) -> None:
    """File › Export › Annotations… and File › Import annotations…, next to the quick CSV
    export and the corpus import, which stay as they are."""
    export_action = QAction("&Annotations (all formats)…", window)
    export_action.setObjectName("exportAnnotationsAction")
    export_action.setShortcut("Ctrl+Shift+E")
    export_action.setStatusTip("Export annotations as CSV, xlsx, JSONL, Parquet, brat, WebAnno, "
                               "Label Studio or doccano, with a preview")
    export_action.triggered.connect(lambda: open_export_dialog(window))
    import_action = QAction("Import &annotations…", window)
    import_action.setObjectName("importAnnotationsAction")
    import_action.setShortcut("Ctrl+Shift+I")
    import_action.setStatusTip("Import annotations (or articles) in any supported format, with "
                               "a dry run first")
    import_action.triggered.connect(lambda: open_import_dialog(window))
    window.add_export_action(export_action)
    window.add_import_action(import_action)
    window.export_annotations_action = export_action
    window.import_annotations_action = import_action
    _install_bundles(window)


def _install_bundles(window: MainWindow) -> None:
    """File › Export annotator bundle… and File › Import bundles…, beside the other imports.
    The dialogs (and the bundle reader and merge behind them) load on first use, not at
    launch, like the other exchange dialogs."""

    def open_export() -> None:
        from stancedesk.gui.exchange.bundle_dialogs import open_bundle_export

        open_bundle_export(window)

    def open_import() -> None:
        from stancedesk.gui.exchange.bundle_dialogs import open_bundle_import

        open_bundle_import(window)

    export_action = QAction("Export annotator &bundle…", window)
    export_action.setObjectName("exportBundleAction")
    export_action.setStatusTip("Write one annotator's work as a bundle file, to merge into "
                               "another database of the same corpus")
    export_action.triggered.connect(open_export)
    import_action = QAction("Import &bundles…", window)
    import_action.setObjectName("importBundlesAction")
    import_action.setStatusTip("Merge annotators' bundles into this database, with a dry run "
                               "first")
    import_action.triggered.connect(open_import)
    window.add_import_action(import_action)
    window.add_import_action(export_action)
    window.export_bundle_action = export_action
    window.import_bundles_action = import_action
