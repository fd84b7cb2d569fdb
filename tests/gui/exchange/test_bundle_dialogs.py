"""File › Export annotator bundle… and File › Import bundles…: real dialogs over real databases,
driven with qtbot; the merge's dry run first, then the merge, with the desk told what changed."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool

from stancedesk.gui.exchange.bundle_dialogs import BundleExportDialog, BundleImportDialog
from stancedesk.gui.shell.main_window import MainWindow
from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.services.bundle_export import export_bundle
from stancedesk.services.project import open_database

PHRASES = ("Ostrelia will host", "a cautious first step")


@pytest.fixture
def laptop(tmp_path: Path) -> Path:
    """Another database of the sample corpus, where alice labelled two passages."""
    path = tmp_path / "laptop.sqlite"
    database = open_database(str(path), seed_sample=True)
    try:
        doc = next(d for d in corpus.list_documents(database) if "Ostrelia to host" in d.title)
        text = corpus.get_document(database, doc.id).text
        for phrase in PHRASES:
            start = text.index(phrase)
            span_service.create_span(database, doc.id, "alice", start, start + len(phrase),
                                     {"stance": "favor"})
    finally:
        database.dispose()
    return path


@pytest.fixture
def bundle(laptop: Path, tmp_path: Path) -> Path:
    path = tmp_path / "alice.stancedesk-bundle.json"
    database = open_database(str(laptop), seed_sample=False)
    try:
        export_bundle(database, "alice", path)
    finally:
        database.dispose()
    return path


def _idle(qtbot) -> None:
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0)


@pytest.fixture
def closing() -> Iterator[list[BundleExportDialog | BundleImportDialog]]:
    dialogs: list[BundleExportDialog | BundleImportDialog] = []
    yield dialogs
    for dialog in dialogs:
        with contextlib.suppress(RuntimeError):  # already deleted by Qt
            dialog.jobs.shutdown()
            if isinstance(dialog, BundleImportDialog):
                dialog.runner.shutdown()


def test_both_actions_are_in_the_file_menu(make_window, sample_path: Path) -> None:
    window: MainWindow = make_window(sample_path)
    actions = window.chrome.file_menu.actions()
    assert window.import_bundles_action in actions and window.export_bundle_action in actions
    assert window.import_bundles_action.text() == "Import &bundles…"
    assert window.export_bundle_action.text() == "Export annotator &bundle…"


def test_export_writes_the_annotators_bundle(qtbot, make_window, laptop: Path,
                                             tmp_path: Path, closing) -> None:
    window: MainWindow = make_window(laptop, "alice")
    window.export_bundle_action.trigger()
    dialog = window.bundle_export_dialog
    closing.append(dialog)
    assert dialog.annotator.currentText() == "alice"
    target = tmp_path / "out" / "alice.json"
    target.parent.mkdir()
    dialog.target.setText(str(target))
    with qtbot.waitSignal(dialog.exported, timeout=15_000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].spans == 2
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written["annotator"] == "alice" and len(written["spans"]) == 2
    assert "2 span(s)" in dialog.status.text()
    assert "alice's bundle" in window.statusBar().currentMessage()
    assert not list(target.parent.glob("*.part"))
    _idle(qtbot)


def test_import_shows_the_dry_run_then_merges(qtbot, make_window, sample_path: Path,
                                              bundle: Path, stored_spans, closing) -> None:
    window: MainWindow = make_window(sample_path, "lead")
    window.import_bundles_action.trigger()
    dialog = window.bundle_import_dialog
    closing.append(dialog)
    assert not dialog.merge_button.isEnabled()
    with qtbot.waitSignal(dialog.previewReady, timeout=15_000) as blocker:
        dialog.add_paths([bundle])
    assert blocker.args[0].report is not None
    text = dialog.preview.text.toPlainText()
    assert text.startswith("would merge 1 bundle(s): 2 span(s) added")
    assert "dry run: nothing was stored" in text and stored_spans() == []
    assert dialog.merge_button.isEnabled()
    with qtbot.waitSignals([dialog.merged, window.desk.changed], timeout=15_000):
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    assert sorted(s.text for s in stored_spans(annotator="alice")) == sorted(PHRASES)
    assert dialog.preview.text.toPlainText().startswith("merged 1 bundle(s): 2 span(s) added")
    assert "alice" in window.desk.annotator_names()
    _idle(qtbot)


def test_a_refused_merge_says_why_and_cannot_start(qtbot, make_window, sample_path: Path,
                                                   bundle: Path, stored_spans,
                                                   closing) -> None:
    data = json.loads(bundle.read_text(encoding="utf-8"))
    data["documents"][0]["sha256"] = "0" * 64
    bundle.write_text(json.dumps(data), encoding="utf-8")
    window: MainWindow = make_window(sample_path, "lead")
    window.import_bundles_action.trigger()
    dialog = window.bundle_import_dialog
    closing.append(dialog)
    with qtbot.waitSignal(dialog.previewReady, timeout=15_000):
        dialog.add_paths([bundle])
    assert "differs from this database's" in dialog.preview.text.toPlainText()
    assert dialog.preview.summary.text().startswith("The merge would be refused")
    assert not dialog.merge_button.isEnabled()
    assert stored_spans() == []
    _idle(qtbot)
