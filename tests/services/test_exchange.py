"""Annotation import with progress and cancel: one transaction, so a cancel stores nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from stancedesk.domain.errors import Cancelled
from stancedesk.services import corpus, formats_registry
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database

SPANS = 3000
TEXT = "".join(chr(ord("a") + i % 26) for i in range(SPANS + 10)) + "\n"


def write_span_csv(path: Path, document_id: str, text: str, annotator: str, n: int) -> int:
    """``n`` distinct spans over ``text`` (two characters each, one start after another)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["document_id", "annotator", "start", "end", "text"])
        for i in range(n):
            writer.writerow([document_id, annotator, i, i + 2, text[i:i + 2]])
    return n


@pytest.fixture
def big_csv(tmp_path: Path, db: Database) -> Path:
    article = tmp_path / "long.txt"
    article.write_text(TEXT, encoding="utf-8", newline="")
    doc_id = corpus.import_paths(db, [article]).added[0].id
    path = tmp_path / "many.csv"
    write_span_csv(path, doc_id, TEXT, "zed", SPANS)
    return path


def _nothing_stored(db: Database) -> None:
    assert span_service.list_spans(db) == []
    assert "zed" not in span_service.list_annotator_names(db)


def test_cancel_after_the_first_progress_stores_nothing(db: Database, big_csv: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    with pytest.raises(Cancelled, match="nothing was stored"):
        formats_registry.import_annotations(db, big_csv, progress=lambda *a: calls.append(a),
                                            cancelled=lambda: bool(calls))
    assert len(calls) == 1 and 0 < calls[0][0] < SPANS and calls[0][1] == SPANS
    _nothing_stored(db)


def test_progress_counts_up_to_the_total(db: Database, big_csv: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    report = formats_registry.import_annotations(db, big_csv,
                                                 progress=lambda *a: calls.append(a),
                                                 cancelled=lambda: False)
    assert report.added == SPANS and report.annotators_created == ["zed"]
    done = [d for d, _t, _s in calls]
    assert len(done) > 2 and done == sorted(set(done))  # strictly increasing
    assert done[-1] == SPANS and {t for _d, t, _s in calls} == {SPANS}
    assert len(span_service.list_spans(db)) == SPANS


def test_cancel_just_before_the_commit_stores_nothing(db: Database, big_csv: Path) -> None:
    asked = 0

    def count() -> bool:
        nonlocal asked
        asked += 1
        return False

    formats_registry.import_annotations(db, big_csv, dry_run=True, cancelled=count)
    last, asked = asked, 0

    def at_the_last_check() -> bool:
        nonlocal asked
        asked += 1
        return asked == last  # the check after the spans are added, before the commit

    with pytest.raises(Cancelled):
        formats_registry.import_annotations(db, big_csv, cancelled=at_the_last_check)
    assert asked == last
    _nothing_stored(db)


def test_cancel_rolls_back_documents_of_corpus_carrying_formats(db: Database,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "new.jsonl"
    label = [[i, i + 2, "stance:favor"] for i in range(600)]
    path.write_text(json.dumps({"text": TEXT, "label": label, "annotator": "zed"}) + "\n",
                    encoding="utf-8")
    calls: list[tuple[int, int, str]] = []
    with pytest.raises(Cancelled):
        formats_registry.import_annotations(db, path, fmt="doccano",
                                            progress=lambda *a: calls.append(a),
                                            cancelled=lambda: bool(calls))
    assert corpus.list_documents(db) == []
    _nothing_stored(db)


def test_without_callbacks_the_import_is_unchanged(db: Database, big_csv: Path) -> None:
    report = formats_registry.import_annotations(db, big_csv)  # what the CLI calls
    assert report.added == SPANS
