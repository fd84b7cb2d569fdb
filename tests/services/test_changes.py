"""Every service write says what it changed: spans per document and annotator, documents,
the scheme, annotators."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from stancedesk.services import corpus, formats_registry, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.changes import Changes
from stancedesk.storage.engine import Database


def _article(db: Database, tmp_path: Path, text: str = "Officials said the talks resumed.\n"
             ) -> str:
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    report = corpus.import_paths(db, [path])
    assert report.changes == Changes(documents_added=frozenset({report.added[0].id}))
    return report.added[0].id


def test_span_writes_name_their_document_and_annotator(db: Database, tmp_path: Path) -> None:
    doc = _article(db, tmp_path)
    span = span_service.create_span(db, doc, "ana", 0, 9, {"sourcing": "official"})
    created = span_service.SpanChange(None, span)
    assert created.changes == Changes(spans_added={doc: {"ana": 1}})
    changed = span_service.update_span(db, span.id, note="who")
    assert changed.changes == Changes(spans_changed={doc: {"ana": 1}})
    cleared = span_service.update_span(db, span.id, labels={"sourcing": None}, note="")
    assert cleared.after is None  # the last label gone: the span is deleted
    assert cleared.changes == Changes(spans_removed={doc: {"ana": 1}})
    both = created.changes | cleared.changes
    assert both.span_documents == {doc} and both.count_delta(doc, "ana") == 0
    assert created.changes.count_delta(doc, "bob") == 0
    assert created.changes.count_delta(doc, None) == 1
    assert not Changes() and bool(created.changes)


def test_annotators_are_added_once(db: Database) -> None:
    assert span_service.add_annotator(db, " zoe ").changes == \
        Changes(annotators_added=frozenset({"zoe"}))
    again = span_service.add_annotator(db, "zoe")
    assert again.name == "zoe" and not again.changes


def test_an_annotation_import_counts_spans_per_document_and_annotator(
        db: Database, tmp_path: Path) -> None:
    doc = _article(db, tmp_path)
    path = tmp_path / "spans.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["document_id", "annotator", "start", "end", "text"])
        writer.writerows([[doc, "ana", 0, 9, "Officials"], [doc, "ana", 10, 14, "said"],
                          [doc, "ben", 0, 9, "Officials"]])
    report = formats_registry.import_annotations(db, path)
    assert report.changes == Changes(spans_added={doc: {"ana": 2, "ben": 1}},
                                     annotators_added=frozenset({"ana", "ben"}))
    again = formats_registry.import_annotations(db, path)  # all present: nothing changed
    assert not again.changes


def test_a_scheme_import_says_the_scheme_changed(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "scheme.json"
    path.write_text(json.dumps(schemes.get_scheme(db).to_dict()), encoding="utf-8")
    imported = schemes.import_scheme_file(db, path)
    assert imported.changes == Changes(scheme_changed=True)
    assert imported.scheme.layer_keys == schemes.get_scheme(db).layer_keys
