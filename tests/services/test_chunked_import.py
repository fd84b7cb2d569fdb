"""A long annotation import commits its rows in chunks, hidden until one small commit publishes
them: readers see none of them before and all after, a desk saving meanwhile never waits long
or fails, a failure or a refusal leaves nothing, and a killed import is cleaned up by the next
import or write-opening of the database."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from stancedesk.domain.errors import Cancelled, UserError
from stancedesk.formats.errors import FormatError
from stancedesk.services import attribution, corpus, documents, exchange, formats_registry
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.storage import span_import
from stancedesk.storage.engine import Database
from tests.services.killed_midway import kill_midway, killed_script
from tests.services.saving_desk import WORDS, SavingDesk

TEXT = "Officials said the talks went well, sources said.\n"


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 50 rows: a file of a few thousand rows takes dozens of commits."""
    monkeypatch.setattr(span_import, "FIRST_CHUNK", 50)
    monkeypatch.setattr(span_import, "MIN_CHUNK", 50)
    monkeypatch.setattr(span_import, "MAX_CHUNK", 50)


def _doc(db: Database, tmp_path: Path, name: str = "a.txt", body: str = TEXT) -> str:
    (tmp_path / name).write_text(body, encoding="utf-8")
    return corpus.import_paths(db, [tmp_path / name]).added[0].id


def _csv(path: Path, doc: str, n: int, *, bad_line: int | None = None,
         source: str = "") -> Path:
    """``n`` rows by three annotators who are new to the database; ``bad_line`` (a file line)
    holds a label the scheme refuses; with ``source`` the first row is a source span naming
    that registry source."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["document_id", "annotator", "start", "end", "text", "stance", "note",
                         "role", "entity"])
        for i in range(n):
            start, end = WORDS[i % len(WORDS)]
            stance = "pro" if bad_line == i + 2 else ("favor", "against", "neutral")[i % 3]
            role = ("", "") if i or not source else ("source", source)
            writer.writerow([doc, f"imp{i % 3}", start, end, TEXT[start:end],
                             "" if role[0] else stance, f"n{i}", *role])
    return path


def _all_rows(db: Database) -> int:
    """Spans in the table, hidden ones included (what no reader may show)."""
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM spans")).scalar_one())


def _imports(db: Database, kind: str = "annotations") -> list[tuple[str, str]]:
    """The records of the imports of ``kind`` (the corpus of a test is imported too)."""
    with db.engine.connect() as conn:
        return [(str(r[0]), str(r[1])) for r in conn.execute(text(
            "SELECT kind, state FROM imports WHERE kind = :kind ORDER BY started_at"),
            {"kind": kind})]


def test_readers_see_nothing_until_the_publish_then_everything(
        db: Database, db_url: str, tmp_path: Path, small_chunks: None) -> None:
    doc = _doc(db, tmp_path)
    span_service.create_span(db, doc, "ana", 0, 9, {"stance": "favor"})
    path = _csv(tmp_path / "big.csv", doc, 2000)
    reader = open_database(db_url, seed_sample=False)  # another connection, as a desk's
    seen: list[tuple[int, int, int, list[str]]] = []

    def look() -> bool:  # called between chunks while storing (and while checking)
        seen.append((len(span_service.list_spans(reader)), _all_rows(reader),
                     len(list(exchange.stream_spans(reader))),
                     span_service.list_annotator_names(reader)))
        return False

    try:
        report = formats_registry.import_annotations(db, path, fmt="csv", cancelled=look)
        assert report.added == 2000 and report.annotators_created == ["imp0", "imp1", "imp2"]
        assert {(shown, streamed, tuple(names)) for shown, _, streamed, names in seen} == \
            {(1, 1, ("ana",))}, "nothing of the import shows before it is published"
        stored = [rows for _, rows, _, _ in seen]
        if db.is_sqlite:  # the chunks were committed (hidden) while the import went on
            assert max(stored) > 1 and stored == sorted(stored)
        assert len(span_service.list_spans(reader)) == 2001
        assert span_service.list_annotator_names(reader) == ["ana", "imp0", "imp1", "imp2"]
        assert _imports(reader) == [("annotations", "published")]
    finally:
        reader.dispose()


@pytest.mark.sqlite_only
def test_a_desk_saving_meanwhile_never_waits_long_nor_fails(
        db: Database, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A desk (its own connection) saves a span every few milliseconds while a multi-chunk
    import runs: every save succeeds and none waits more than about a second."""
    monkeypatch.setattr(span_import, "FIRST_CHUNK", 500)
    monkeypatch.setattr(span_import, "MAX_CHUNK", 2000)
    doc = _doc(db, tmp_path)
    path = _csv(tmp_path / "big.csv", doc, 20_000)
    desk = open_database(str(db_path), seed_sample=False)
    with SavingDesk(desk, doc) as saving:
        began = time.perf_counter()
        report = formats_registry.import_annotations(db, path, fmt="csv")
        took = time.perf_counter() - began
    waits = saving.waits
    assert report.added == 20_000
    assert saving.failures == []
    assert len(waits) > 20, f"the desk saved only {len(waits)} times in {took:.1f} s"
    assert max(waits) < 1.0, f"a desk save waited {max(waits):.2f} s"
    assert len(span_service.list_spans(db)) == 20_000 + len(waits)


def test_a_bad_record_late_in_the_file_stores_nothing(
        db: Database, tmp_path: Path, small_chunks: None) -> None:
    doc = _doc(db, tmp_path)
    path = _csv(tmp_path / "bad.csv", doc, 3000, bad_line=2990)
    with pytest.raises(exchange.AnnotationImportError, match="line 2990: label 'pro'"):
        formats_registry.import_annotations(db, path, fmt="csv")
    assert _all_rows(db) == 0 and _imports(db) == []
    assert span_service.list_annotator_names(db) == []


def test_a_failure_while_storing_discards_the_committed_chunks(
        db: Database, db_url: str, tmp_path: Path, small_chunks: None) -> None:
    """The document is deleted (by someone else) after some chunks were committed: the
    import is refused, and what it had stored is gone, its new annotators with it."""
    keep = _doc(db, tmp_path, "keep.txt", "Kept text.\n")
    span_service.create_span(db, keep, "ana", 0, 4, {"stance": "favor"})
    doc = _doc(db, tmp_path)
    path = _csv(tmp_path / "big.csv", doc, 1000)
    other = open_database(db_url, seed_sample=False)
    calls = 0

    def delete_midway() -> bool:
        nonlocal calls
        calls += 1
        if _all_rows(other) > 200 and corpus.count_documents(other) == 2:
            documents.delete_documents(other, [doc])
        return False

    try:
        if db.is_sqlite:
            with pytest.raises(FormatError, match="changed while this file was being checked"):
                formats_registry.import_annotations(db, path, fmt="csv", cancelled=delete_midway)
            assert _all_rows(other) == 1 and _imports(other) == []
            assert span_service.list_annotator_names(other) == ["ana"]
        else:  # one transaction: nothing is committed before the end, nothing to race with
            formats_registry.import_annotations(db, path, fmt="csv", cancelled=delete_midway)
    finally:
        other.dispose()


def test_a_cancel_while_storing_discards_the_committed_chunks(
        db: Database, tmp_path: Path, small_chunks: None) -> None:
    doc = _doc(db, tmp_path)
    path = _csv(tmp_path / "big.csv", doc, 1000)
    asked = 0

    def cancel_late() -> bool:
        nonlocal asked
        asked += 1
        # 4 checkpoints while checking; then, chunked, after the first chunk stored (one
        # transaction: at the last check before its commit)
        return asked > 4

    with pytest.raises(Cancelled):
        formats_registry.import_annotations(db, path, fmt="csv", cancelled=cancel_late)
    assert _all_rows(db) == 0 and _imports(db) == []
    assert span_service.list_annotator_names(db) == []


_KILLED_IMPORT = killed_script(
    "from stancedesk.services import formats_registry\n"
    "from stancedesk.storage import span_import\n"
    "span_import.FIRST_CHUNK = span_import.MIN_CHUNK = span_import.MAX_CHUNK = 50",
    "20",  # past the 12 checks of checking, 8 chunks committed
    "formats_registry.import_annotations(database, Path(source), fmt='csv',\n"
    "                                    cancelled=wait_to_be_killed)")


def _killed_import(db_path: Path, csv_path: Path, tmp_path: Path) -> None:
    """Run an import in a process, SIGKILL it in the middle of its chunks; the import is
    left pending (the process is gone, its lock with it)."""
    marker = tmp_path / "chunks-stored"

    def while_alive() -> None:  # a write-opening leaves its pending rows alone
        alive = open_database(str(db_path), seed_sample=False)
        assert _imports(alive) == [("annotations", "pending")] and _all_rows(alive) > 1
        alive.dispose()

    kill_midway(_KILLED_IMPORT, [str(db_path), str(csv_path), str(marker)], marker,
                while_alive)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("cleaner", ["next import", "next write-opening"])
def test_a_killed_import_shows_nothing_and_is_cleaned_up(db: Database, db_path: Path,
                                                         tmp_path: Path, cleaner: str) -> None:
    doc = _doc(db, tmp_path)
    span_service.create_span(db, doc, "ana", 0, 9, {"stance": "favor"})
    path = _csv(tmp_path / "big.csv", doc, 3000)
    _killed_import(db_path, path, tmp_path)
    assert _all_rows(db) > 50, "chunks were committed before the kill"
    assert _imports(db) == [("annotations", "pending")]
    assert [s.annotator for s in span_service.list_spans(db)] == ["ana"]
    assert span_service.list_annotator_names(db) == ["ana"]
    if cleaner == "next import":
        report = formats_registry.import_annotations(db, path, fmt="csv")
        assert report.added == 3000
        assert _all_rows(db) == 3001 and _imports(db) == [("annotations", "published")]
    else:
        open_database(str(db_path), seed_sample=False).dispose()
        assert _all_rows(db) == 1 and _imports(db) == []
        assert span_service.list_annotator_names(db) == ["ana"]


def _desk_labels_midway(desk: Database, doc: str, name: str, *, cancel: bool,
                        source: str = "") -> tuple[Callable[[], bool], dict[str, Any]]:
    """A ``cancelled`` callback for an import of ``_csv(..., 2000)``: at its first call after
    the checks (SQLite: a chunk stored; a server: every row stored, before the commit), a desk
    labels a span as ``name`` in its own thread (with ``source``: adds that registry source
    instead) and looks at what it sees; ``cancel`` then cancels the import."""
    seen: dict[str, Any] = {}
    calls = 0

    def save() -> None:
        try:
            if source:
                try:
                    seen["source"] = attribution.create_entity(desk, source, notes="desk")
                except UserError as exc:
                    seen["source"] = exc
                seen["registry"] = attribution.registry(desk)
                return
            span_service.create_span(desk, doc, name, 0, 9, {"stance": "favor"})
            seen["names"] = span_service.list_annotator_names(desk)
            seen["per annotator"] = span_service.spans_per_annotator(desk)
        except Exception as exc:  # a busy database: the import held the lock
            seen["error"] = exc

    def midway() -> bool:
        nonlocal calls
        calls += 1
        if calls == 9:  # 8 checkpoints while checking 2,000 records
            worker = threading.Thread(target=save)
            worker.start()
            # The import waits here, so the save can only go through if the import holds no
            # lock now: a blocked save fails after the busy timeout (SQLite, 5 s) or is still
            # waiting (a server's row lock). Whether it went through, not how fast, is the
            # test: a figure of seconds failed on a loaded machine.
            worker.join(20.0)
            seen["in time"] = not worker.is_alive() and "error" not in seen
            seen["worker"] = worker
        return cancel and calls >= 9

    return midway, seen


def test_a_desk_labels_at_once_under_a_name_a_pending_import_created(
        db: Database, db_url: str, tmp_path: Path, small_chunks: None) -> None:
    """An annotator created by an import still running was hidden from a desk that started
    labelling under the same name (SQLite: the name missing from the desk's lists while its
    span was saved; a server: the desk's save waited for the whole import to commit)."""
    doc = _doc(db, tmp_path)
    path = _csv(tmp_path / "big.csv", doc, 2000)
    desk = open_database(db_url, seed_sample=False)
    midway, seen = _desk_labels_midway(desk, doc, "imp0", cancel=False)
    try:
        report = formats_registry.import_annotations(db, path, fmt="csv", cancelled=midway)
        seen["worker"].join()
    finally:
        desk.dispose()
    assert seen["in time"], seen.get("error", "the desk's save waited for the import")
    assert seen["names"] == ["imp0"], "the desk sees its annotator at once"
    assert seen["per annotator"] == {"imp0": 1}, "and its span, not the import's"
    assert report.added == 2000
    assert span_service.spans_per_annotator(db) == {"imp0": 667 + 1, "imp1": 667, "imp2": 666}
    assert _imports(db) == [("annotations", "published")]


def test_a_name_a_desk_took_from_a_cancelled_import_stays_with_the_desk_span(
        db: Database, db_url: str, tmp_path: Path, small_chunks: None) -> None:
    doc = _doc(db, tmp_path)
    path = _csv(tmp_path / "big.csv", doc, 2000)
    desk = open_database(db_url, seed_sample=False)
    midway, seen = _desk_labels_midway(desk, doc, "imp1", cancel=True)
    try:
        with pytest.raises(Cancelled):
            formats_registry.import_annotations(db, path, fmt="csv", cancelled=midway)
        seen["worker"].join()
    finally:
        desk.dispose()
    assert seen["in time"] and seen["names"] == ["imp1"]
    assert span_service.spans_per_annotator(db) == {"imp1": 1}, \
        "the import's rows are gone, the desk's annotator and span stay"
    assert _all_rows(db) == 1 and _imports(db) == []


@pytest.mark.parametrize("cancel", [False, True])
def test_a_desk_adds_at_once_a_source_a_pending_import_created(
        db: Database, db_url: str, tmp_path: Path, small_chunks: None, cancel: bool) -> None:
    """A registry source created by an import still running (committed at once, hidden until
    the import publishes) was refused to a desk adding the same name, as "already in the
    registry" though no list showed it: the desk takes it up instead, with its own values,
    and the import's spans name the same source; were the import cancelled, it stays."""
    doc = _doc(db, tmp_path)
    path = _csv(tmp_path / "big.csv", doc, 2000, source="Reuters")
    desk = open_database(db_url, seed_sample=False)
    midway, seen = _desk_labels_midway(desk, doc, "", cancel=cancel, source="Reuters")
    try:
        if cancel:
            with pytest.raises(Cancelled):
                formats_registry.import_annotations(db, path, fmt="csv", cancelled=midway)
        else:
            report = formats_registry.import_annotations(db, path, fmt="csv",
                                                         cancelled=midway)
            assert report.added == 2000 and report.entities_created == ["Reuters"]
        seen["worker"].join()
    finally:
        desk.dispose()
    assert seen["in time"] and not isinstance(seen["source"], UserError), seen["source"]
    assert [(e.entity.name, e.entity.notes) for e in seen["registry"]] == [("Reuters", "desk")]
    (source,) = [e.entity for e in attribution.registry(db)]
    assert (source.id, source.name, source.notes) == (seen["source"].id, "Reuters", "desk")
    named = [s.entity_id for s in span_service.list_spans(db) if s.entity_id]
    assert named == ([] if cancel else [source.id])
    assert _imports(db) == ([] if cancel else [("annotations", "published")])


@pytest.mark.sqlite_only
def test_a_dry_run_stores_in_hidden_chunks_blocks_no_desk_and_leaves_nothing(
        db: Database, db_url: str, tmp_path: Path, small_chunks: None) -> None:
    """The import dialog's preview was one write transaction rolled back: on SQLite a desk
    could not save for the whole length of the preview of a long file."""
    doc = _doc(db, tmp_path)
    path = _csv(tmp_path / "big.csv", doc, 2000)
    desk = open_database(db_url, seed_sample=False)
    midway, seen = _desk_labels_midway(desk, doc, "desk", cancel=False)
    try:
        preview = formats_registry.import_annotations(db, path, fmt="csv", dry_run=True,
                                                      cancelled=midway)
        seen["worker"].join()
    finally:
        desk.dispose()
    assert seen["in time"], seen.get("error", "the desk's save waited for the preview")
    assert _all_rows(db) == 1 and _imports(db) == [], "the preview left nothing behind"
    assert span_service.list_annotator_names(db) == ["desk"]
    report = formats_registry.import_annotations(db, path, fmt="csv")
    assert (preview.added, preview.per_annotator, preview.annotators_created,
            preview.unchanged, preview.links_added) == \
        (report.added, report.per_annotator, report.annotators_created, report.unchanged,
         report.links_added) == (2000, {"imp0": 667, "imp1": 667, "imp2": 666},
                                 report.annotators_created, 0, 0)


@pytest.mark.sqlite_only
def test_a_desk_saving_meanwhile_does_not_keep_the_import_from_starting_the_wal_over(
        db: Database, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite starts its WAL over only at a write that begins when every frame was copied; a
    desk saving right after each chunk's commit overlapped the import's checkpoint each time,
    so the WAL was never started over and kept every chunk (3.2 GB for 1M rows, each chunk at
    half the pace). Each start-over adds one to the checkpoint sequence in the WAL's header
    (bytes 12-15): the chunks must start the WAL over as they go, the desk saving or not."""
    monkeypatch.setattr(span_import, "FIRST_CHUNK", 500)
    monkeypatch.setattr(span_import, "MIN_CHUNK", 500)
    monkeypatch.setattr(span_import, "MAX_CHUNK", 500)
    doc = _doc(db, tmp_path)
    path = _csv(tmp_path / "big.csv", doc, 20_000)
    wal = Path(str(db_path) + "-wal")
    checked: list[int] = []
    storing: list[int] = []  # the WAL's checkpoint sequence between two chunks

    def look() -> bool:  # while checking (after a progress report) and between chunks
        if checked and checked[-1] == -1:
            with wal.open("rb") as header:
                header.seek(12)
                storing.append(int.from_bytes(header.read(4), "big"))
        checked.append(-1)
        return False

    desk = open_database(str(db_path), seed_sample=False)
    with SavingDesk(desk, doc) as saving:
        report = formats_registry.import_annotations(
            db, path, fmt="csv", cancelled=look, progress=lambda done, *_: checked.append(done))
    assert report.added == 20_000 and saving.failures == []
    assert len(storing) >= 35  # 40 chunks
    restarts = storing[-1] - storing[0]
    assert restarts >= len(storing) // 4, (
        f"the WAL was started over {restarts} times in {len(storing)} chunks")
