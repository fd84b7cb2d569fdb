"""The export and import dialogs: every format from the dialog, previews that match what is
written, cancel that leaves nothing behind, and a dry run that stores nothing."""

from __future__ import annotations

import contextlib
import csv
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QThreadPool

from stancedesk.cli import main
from stancedesk.gui.exchange import import_dialog
from stancedesk.gui.exchange.export_dialog import ExportDialog
from stancedesk.gui.exchange.import_dialog import ImportDialog
from stancedesk.gui.shell.checklist import checked_values
from stancedesk.gui.shell.jobs import Job
from stancedesk.gui.shell.main_window import MainWindow
from stancedesk.services import corpus, formats_registry
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database

FIRST = "Ostrelia will host"  # the first span (document order) of the fixture


@pytest.fixture
def annotated_path(sample_path: Path) -> Path:
    """The sample corpus with a few spans by alice and bob in one document."""
    database = open_database(str(sample_path), seed_sample=False)
    try:
        doc = next(d for d in corpus.list_documents(database) if "Ostrelia to host" in d.title)
        text = corpus.get_document(database, doc.id).text
        for who, phrase, labels in (
                ("alice", FIRST, {"stance": "favor", "sourcing": "official"}),
                ("alice", "diplomats described", {"sourcing": "diplomat"}),
                ("bob", "a cautious first step", {"stance": "neutral"})):
            start = text.index(phrase)
            span_service.create_span(database, doc.id, who, start, start + len(phrase), labels)
    finally:
        database.dispose()
    return sample_path


def _export_dialog(qtbot, window: MainWindow) -> ExportDialog:
    window.export_annotations_action.trigger()
    dialog = window.export_dialog
    assert isinstance(dialog, ExportDialog) and dialog.objectName() == "exportDialog"
    return dialog


def _settle(qtbot, dialog: ExportDialog | ImportDialog) -> None:
    """Wait for the preview of the current choices."""
    with qtbot.waitSignal(dialog.previewReady, timeout=10_000):
        dialog.runner.schedule()


@pytest.fixture
def window(make_window, annotated_path: Path) -> Iterator[MainWindow]:
    win = make_window(annotated_path)
    yield win
    for name in ("export_dialog", "import_dialog"):
        dialog = getattr(win, name, None)
        if dialog is not None:
            with contextlib.suppress(RuntimeError):  # already deleted by Qt
                dialog.shutdown()


def test_menus_offer_both_dialogs_next_to_the_old_actions(window: MainWindow) -> None:
    export_texts = [a.text() for a in window.chrome.export_menu.actions()]
    assert window.chrome.export_csv_action.text() in export_texts  # the quick CSV export stays
    assert window.export_annotations_action in window.chrome.export_menu.actions()
    file_actions = window.chrome.file_menu.actions()
    assert file_actions.index(window.chrome.import_action) < file_actions.index(
        window.import_annotations_action)


def test_default_annotators_follow_blind_and_reviewer_mode(qtbot, window: MainWindow) -> None:
    dialog = _export_dialog(qtbot, window)
    assert checked_values(dialog.annotator_list) == ["alice"]
    assert "blind" in dialog.annotator_default.text()
    _settle(qtbot, dialog)
    assert dialog.preview.summary.text() == "2 spans from 1 document by 1 annotator"
    dialog.close()
    window.set_reviewer(True)
    dialog = _export_dialog(qtbot, window)
    assert checked_values(dialog.annotator_list) == ["alice", "bob"]
    _settle(qtbot, dialog)
    assert dialog.preview.summary.text() == "3 spans from 1 document by 2 annotators"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "brat"])
def test_preview_shows_the_first_span_as_written(qtbot, window: MainWindow, fmt: str) -> None:
    dialog = _export_dialog(qtbot, window)
    with qtbot.waitSignal(dialog.previewReady, timeout=10_000) as blocker:
        dialog.set_format(fmt)
    text = dialog.preview.text.toPlainText()
    assert blocker.args[0].text == text
    assert FIRST in text
    if fmt == "csv":
        assert text.splitlines()[0].startswith("annotation_id,document_id")
    elif fmt == "jsonl":
        assert '"spans": [' in text and "characters)" in text  # the long text is cut
    else:
        assert "alice/" in text and "stance_favor" in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl", "parquet", "brat", "webanno",
                                 "labelstudio", "doccano"])
def test_export_each_format_from_the_dialog(qtbot, window: MainWindow, tmp_path: Path,
                                            fmt: str) -> None:
    window.set_reviewer(True)
    dialog = _export_dialog(qtbot, window)
    dialog.set_format(fmt)
    target = tmp_path / f"out-{fmt}"
    dialog.set_path(target)
    assert dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.exported, timeout=15_000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    n, path = blocker.args[0]
    assert n == 3 and path == target
    assert target.is_dir() if fmt in ("brat", "webanno") else target.is_file()
    assert not target.with_name(target.name + ".part").exists()
    assert "Exported 3 spans" in dialog.status.text()
    assert "Exported 3 spans" in window.statusBar().currentMessage()
    if fmt == "csv":
        with target.open(encoding="utf-8") as f:
            assert [r["annotator"] for r in csv.DictReader(f)] == ["alice", "alice", "bob"]
    qtbot.waitUntil(lambda: dialog.runner.idle)  # the preview of these choices, too
    # a job reports "finished" just before its thread returns to the pool: wait for that too
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0)


def test_current_document_and_spreadsheet_safe(qtbot, window: MainWindow,
                                               tmp_path: Path) -> None:
    dialog = _export_dialog(qtbot, window)
    assert dialog.spreadsheet_safe.isEnabled()
    dialog.set_format("xlsx")
    assert not dialog.spreadsheet_safe.isEnabled()
    dialog.set_format("csv")
    dialog.docs_chosen.setChecked(True)
    assert dialog.documents() == [] and not dialog.export_button.isEnabled()
    dialog.docs_current.setChecked(True)
    assert dialog.documents() == [window.desk.document_id]
    dialog.set_path(tmp_path / "missing" / "a.csv")
    assert not dialog.export_button.isEnabled()
    assert "does not exist" in dialog.destination_note.text()
    _settle(qtbot, dialog)


def test_cancel_leaves_no_file(qtbot, window: MainWindow, tmp_path: Path,
                               held_export) -> None:  # conftest.HeldExport
    dialog = _export_dialog(qtbot, window)
    _settle(qtbot, dialog)
    held_export.armed.set()
    reached, go_on = held_export.reached, held_export.go_on
    target = tmp_path / "cancelled.csv"
    dialog.set_path(target)
    task = dialog.start_export()
    assert task is not None and dialog.cancel_button.text() == "Cancel"
    assert reached.wait(10)
    assert target.with_name("cancelled.csv.part").exists()  # written under a temporary name
    with qtbot.waitSignal(dialog.exportCancelled, timeout=10_000):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        go_on.set()
    assert not target.exists()
    assert not target.with_name("cancelled.csv.part").exists()
    assert "nothing was written" in dialog.status.text()
    qtbot.waitUntil(lambda: not dialog.jobs.busy)
    assert dialog.isVisible() and dialog.cancel_button.text() == "Close"


def _doccano_file(tmp_path: Path, window: MainWindow, label: str) -> tuple[Path, int]:
    text = window.desk.document.text
    start = text.index("diplomats described")
    path = tmp_path / "foreign.jsonl"
    line = {"text": text, "label": [[start, start + len("diplomats described"), label]],
            "annotator": "dora"}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    return path, start


def test_import_lists_unmapped_labels_and_stores_nothing(qtbot, window: MainWindow,
                                                         tmp_path: Path, stored_spans) -> None:
    path, _ = _doccano_file(tmp_path, window, "Diplomatic")
    window.import_annotations_action.trigger()
    dialog = window.import_dialog
    assert isinstance(dialog, ImportDialog) and dialog.objectName() == "importDialog"
    with qtbot.waitSignal(dialog.previewReady, timeout=10_000) as blocker:
        dialog.set_path(path)
    result = blocker.args[0]
    assert result.fmt == "doccano" and result.unmapped == ["Diplomatic"]
    database = open_database(str(window.database.location.path), seed_sample=False)
    try:
        with pytest.raises(Exception) as real:
            formats_registry.import_annotations(database, path)
    finally:
        database.dispose()
    assert dialog.preview.text.toPlainText() == str(real.value)  # the import's own words
    assert [dialog.unmapped_list.item(i).text() for i in range(dialog.unmapped_list.count())] \
        == ["Diplomatic"]
    assert dialog.mapping.foreign_labels() == ["Diplomatic"]  # a row to fill in
    assert not dialog.import_button.isEnabled()
    assert [s for s in stored_spans() if s.annotator == "dora"] == []
    assert "dora" not in span_service.list_annotator_names(window.database)


def test_import_with_a_mapping_row_stores_and_refreshes(qtbot, window: MainWindow,
                                                         tmp_path: Path, stored_spans) -> None:
    path, start = _doccano_file(tmp_path, window, "Diplomatic")
    window.set_reviewer(True)
    before = len(window.desk.store)
    window.import_annotations_action.trigger()
    dialog = window.import_dialog
    with qtbot.waitSignal(dialog.previewReady, timeout=10_000):
        dialog.set_path(path)
    with qtbot.waitSignal(dialog.previewReady, timeout=10_000) as blocker:
        dialog.mapping.set_target(0, "sourcing:diplomat")
    report = blocker.args[0].report
    assert report is not None and report.per_annotator == {"dora": 1}
    assert "dora: 1 span" in dialog.preview.text.toPlainText()
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    spans = [s for s in stored_spans() if s.annotator == "dora"]
    assert [(s.start, s.labels) for s in spans] == [(start, {"sourcing": "diplomat"})]
    assert len(window.desk.store) == before + 1  # the open document shows the new span
    assert window.chrome.count_label.text().startswith(f"{before + 1} spans")
    assert "dora" in [window.annotators.combo.itemText(i)
                      for i in range(window.annotators.combo.count())]
    qtbot.waitUntil(lambda: dialog.runner.idle and dialog.last is not None)
    assert "Already present (skipped): 1 span" in dialog.preview.text.toPlainText()


def test_mapping_file_round_trips_through_the_table(qtbot, window: MainWindow,
                                                    tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Favour": "stance:favor", "Person": None,
                                   "Anon": ["sourcing:anonymous", "reliability:F"]}))
    window.import_annotations_action.trigger()
    dialog = window.import_dialog
    dialog.load_mapping(mapping)
    assert dialog.mapping.data() == {"Favour": ["stance:favor"], "Person": None,
                                     "Anon": ["sourcing:anonymous", "reliability:F"]}
    saved = tmp_path / "saved.json"
    dialog.mapping.save(saved)
    assert json.loads(saved.read_text())["labels"]["Favour"] == "stance:favor"


def test_corpus_import_is_offered_in_the_same_dialog(qtbot, window: MainWindow,
                                                     tmp_path: Path) -> None:
    article = tmp_path / "new.txt"
    article.write_text("A new article about the talks.\n", encoding="utf-8")
    window.import_annotations_action.trigger()
    dialog = window.import_dialog
    dialog.kind_corpus.setChecked(True)
    with qtbot.waitSignal(dialog.previewReady, timeout=10_000):
        dialog.set_path(article)
    assert "New documents: 1" in dialog.preview.text.toPlainText()
    count = window.desk.doc_model.rowCount()
    assert count == len(corpus.list_documents(window.database))  # the dry run stored nothing
    with qtbot.waitSignal(dialog.corpusRequested, timeout=10_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.jobs.busy
                    and window.desk.doc_model.rowCount() == count + 1, timeout=10_000)


def test_cli_dry_run_stores_nothing(annotated_path: Path, tmp_path: Path, capsys) -> None:
    db = str(annotated_path)
    out = tmp_path / "export.jsonl"
    assert main(["--db", db, "export", "annotations", "--format", "jsonl", "-o", str(out)]) == 0
    fresh = tmp_path / "fresh.sqlite"
    open_database(str(fresh), seed_sample=False).dispose()
    capsys.readouterr()
    assert main(["--db", str(fresh), "import", "annotations", str(out), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "would import 3 annotation(s)" in printed and "nothing was stored" in printed
    database = open_database(str(fresh), seed_sample=False)
    try:
        assert span_service.list_spans(database) == []
        assert corpus.list_documents(database) == []
    finally:
        database.dispose()
    assert main(["--db", str(fresh), "import", "annotations", str(out)]) == 0
    assert "imported 3 annotation(s)" in capsys.readouterr().out


def _many_spans_csv(path: Path, document_id: str, text: str, annotator: str, n: int) -> None:
    """``n`` distinct spans over ``text``: every span of one length, then of the next."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["document_id", "annotator", "start", "end", "text"])
        written, length = 0, 1
        while written < n:
            for start in range(len(text) - length):
                writer.writerow([document_id, annotator, start, start + length,
                                 text[start:start + length]])
                written += 1
                if written == n:
                    break
            length += 1


def test_import_cancel_shows_progress_and_stores_nothing(
        qtbot, window: MainWindow, tmp_path: Path, stored_spans,
        monkeypatch: pytest.MonkeyPatch) -> None:
    doc = window.desk.document
    path = tmp_path / "many.csv"
    _many_spans_csv(path, doc.id, doc.text, "zed", 3000)
    before = stored_spans()
    window.import_annotations_action.trigger()
    dialog = window.import_dialog
    with qtbot.waitSignal(dialog.previewReady, timeout=20_000) as blocker:
        dialog.set_path(path)
    assert blocker.args[0].report.added == 3000

    # Hold the worker in its first "n of N spans checked" report until Cancel has been clicked,
    # so the cancel always lands mid-import, however fast the machine.
    clicked = threading.Event()
    started: list[tuple[Job, object]] = []
    real_import = formats_registry.import_annotations

    def held_import(*args: Any, **kwargs: Any) -> Any:
        progress = kwargs["progress"]

        def hold(done: int, total: int, text: str) -> None:
            progress(done, total, text)
            if done > 0 and not clicked.is_set():
                clicked.wait(10)

        return real_import(*args, **{**kwargs, "progress": hold})

    def watch(job: Job) -> None:  # listen before the import runs, so no report is missed
        started.append((job, qtbot.waitSignal(job.progress, timeout=20_000,
                                              check_params_cb=lambda done, _t, _s: done > 0)))

    monkeypatch.setattr(import_dialog.formats_registry, "import_annotations", held_import)
    dialog.jobs.runner.started.connect(watch)
    try:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        job, first = started[0]
        assert dialog.jobs.job is job and dialog.close_button.text() == "Cancel"
        first.wait()
        assert dialog.progress.isVisible() and dialog.progress.maximum() == 3000
        assert 0 < dialog.progress.value() < 3000
        assert dialog.progress.format().endswith("of 3,000 spans checked")
        with qtbot.waitSignal(job.finished, timeout=20_000), \
                qtbot.waitSignal(dialog.importCancelled, timeout=20_000):
            qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
            assert job.is_cancelled()
            clicked.set()
    finally:
        clicked.set()
    assert dialog.status.text() == "Cancelled; nothing was stored."
    qtbot.waitUntil(lambda: not dialog.jobs.busy)
    assert not dialog.progress.isVisible() and dialog.isVisible()
    assert dialog.import_button.isEnabled() and dialog.close_button.text() == "Close"
    assert stored_spans() == before
    assert "zed" not in span_service.list_annotator_names(window.database)


def test_the_import_file_chooser_filter_comes_from_the_registry(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args: (asked.append(args[3]), ("", ""))[1])
    window.import_annotations_action.trigger()
    dialog = window.import_dialog
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    assert asked == [f"{formats_registry.import_file_filter()};;All files (*)"]
    assert dialog.format_note.text() == formats_registry.detection_note()
    offered = [dialog.format_combo.itemData(i) for i in range(1, dialog.format_combo.count())]
    assert offered == formats_registry.import_formats()
