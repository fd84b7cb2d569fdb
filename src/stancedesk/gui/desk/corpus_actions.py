"""Corpus management in the desk: document details, delete documents, remove the samples, and
the document filter that also searches the texts.

Deleting is all or nothing and asks first, naming how many spans of how many annotators go with
the documents; the services do the work (the CLI's ``documents delete``, ``documents set`` and
``documents remove-samples`` run the same functions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox

from stancedesk.services import corpus, documents
from stancedesk.services import spans as span_service
from stancedesk.services.changes import Changes, span_counts
from stancedesk.services.documents import RemovedDocuments

if TYPE_CHECKING:
    from stancedesk.gui.desk.document_dialog import DocumentEditor
    from stancedesk.gui.shell.main_window import MainWindow

FILTER_DELAY_MS = 200  # the text search runs once typing pauses, not on every key


def removal_changes(removed: RemovedDocuments) -> Changes:
    return Changes(spans_removed=span_counts(removed.spans),
                   documents_removed=frozenset(removed.ids))


class CorpusActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.desk = window.desk
        self.details_action = QAction("Document &details…", window)
        self.details_action.setObjectName("documentDetailsAction")
        self.details_action.setStatusTip("Edit the open document's title, outlet, date and URL")
        self.details_action.triggered.connect(lambda: self.edit_details())
        self.delete_action = QAction("De&lete document…", window)
        self.delete_action.setObjectName("deleteDocumentAction")
        self.delete_action.setStatusTip("Delete the open document with every annotator's spans")
        self.delete_action.triggered.connect(lambda: self.confirm_delete())
        self.samples_action = QAction("Remove the &sample articles…", window)
        self.samples_action.setObjectName("removeSamplesAction")
        self.samples_action.setStatusTip("Delete the ten fictional sample articles (and any "
                                         "spans on them)")
        self.samples_action.triggered.connect(lambda: self.confirm_remove_samples())
        menu = window.chrome.document_menu
        menu.addSeparator()
        menu.addAction(self.details_action)
        menu.addAction(self.delete_action)
        window.chrome.file_menu.insertAction(window.chrome.import_menu_anchor, self.samples_action)
        window.documents.menu_hooks.append(self.extend_menu)
        self.box: QMessageBox | None = None
        self.editor: DocumentEditor | None = None

        self.filter_timer = QTimer(window)
        self.filter_timer.setSingleShot(True)
        self.filter_timer.setInterval(FILTER_DELAY_MS)
        self.filter_timer.timeout.connect(self.apply_filter)
        window.documents.filter_edit.textChanged.connect(lambda _t: self.filter_timer.start())
        window.documents.filter_edit.setPlaceholderText("Filter documents (title, outlet, text)")

    # --- the filter ------------------------------------------------------------------------

    def apply_filter(self) -> None:
        self.filter_timer.stop()
        text = self.window.documents.filter_edit.text()
        matches = corpus.documents_matching(self.window.database, text) if text.strip() \
            else set()
        self.window.documents.proxy.set_query(text, matches)

    # --- details ---------------------------------------------------------------------------

    def extend_menu(self, menu: QMenu, document_id: str) -> None:
        menu.addSeparator()
        menu.addAction("Details…").triggered.connect(lambda: self.edit_details(document_id))
        menu.addAction("Delete…").triggered.connect(lambda: self.confirm_delete([document_id]))

    def edit_details(self, document_id: str | None = None) -> DocumentEditor | None:
        doc_id = document_id or self.desk.document_id
        if doc_id is None:
            return None
        from stancedesk.gui.desk.document_dialog import DocumentEditor  # a dialog: on first use

        editor = DocumentEditor(corpus.get_document(self.window.database, doc_id), self.window)
        editor.headersChosen.connect(self.save_details)
        editor.finished.connect(lambda _r: editor.deleteLater())
        self.editor = editor
        editor.open()
        return editor

    def save_details(self, document_id: str, headers: dict[str, str]) -> None:
        with self.window.reporter.guarded("editing a document's details"):
            documents.update_document(self.window.database, document_id, **headers)
            self.desk.reload_documents()
            if self.desk.document_id is not None:
                self.window._document_opened(self.desk.document_id)
            self.window.statusBar().showMessage("Document details saved.", 5000)

    # --- delete ----------------------------------------------------------------------------

    def _with_spans(self, ids: list[str]) -> str:
        spans = span_service.list_spans(self.window.database, ids)
        if not spans:
            return " (no spans)"
        people = sorted({s.annotator for s in spans})
        return (f", with {len(spans)} span(s) of {len(people)} annotator(s) "
                f"({', '.join(people)})")

    def confirm_delete(self, ids: list[str] | None = None) -> QMessageBox | None:
        chosen = ids or ([self.desk.document_id] if self.desk.document_id else [])
        if not chosen:
            return None
        summary = self.desk.doc_model.summary(chosen[0])
        what = f"“{summary.title if summary else chosen[0]}”" if len(chosen) == 1 \
            else f"{len(chosen)} documents"
        return self._ask(f"Delete {what}{self._with_spans(chosen)}? This cannot be undone.",
                         lambda: self.delete(chosen))

    def confirm_remove_samples(self) -> QMessageBox | None:
        ids = documents.sample_document_ids(self.window.database)
        if not ids:
            self.window.statusBar().showMessage("No sample articles are stored.", 5000)
            return None
        return self._ask(f"Remove the {len(ids)} fictional sample articles"
                         f"{self._with_spans(ids)}? This cannot be undone.",
                         lambda: self.delete(ids))

    def _ask(self, question: str, then: Any) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete documents", question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self.window)
        box.setObjectName("deleteDocumentsBox")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.accepted.connect(then)
        self.box = box
        box.open()
        return box

    def delete(self, ids: list[str]) -> RemovedDocuments | None:
        with self.window.reporter.guarded("deleting documents"):
            removed = documents.delete_documents(self.window.database, ids, self.desk.viewer)
            if self.desk.document_id in removed.ids:
                self.desk.close_document()
            self.desk.publish(removal_changes(removed))
            self.window.statusBar().showMessage(
                f"Deleted {len(removed.documents)} document(s) with {len(removed.spans)} "
                "span(s).", 8000)
            return removed
        return None


def install(window: MainWindow) -> CorpusActions:
    actions = CorpusActions(window)
    window.corpus_actions = actions
    return actions
