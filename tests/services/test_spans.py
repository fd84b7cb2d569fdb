"""Clearing a span's last label deletes it instead of leaving an empty "ghost" span."""

from __future__ import annotations

from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database


def test_clearing_the_last_label_deletes_and_restore_brings_it_back(
        sample_db: Database) -> None:
    doc = corpus.list_documents(sample_db)[0].id
    span = span_service.create_span(sample_db, doc, "ana", 0, 5,
                                    {"stance": "favor", "credibility": "2"})
    change = span_service.update_span(sample_db, span.id, labels={"stance": None})
    assert change.after is not None and dict(change.after.labels) == {"credibility": "2"}
    change = span_service.update_span(sample_db, span.id, labels={"credibility": ""})
    assert change.after is None and change.before is not None
    assert span_service.list_spans(sample_db) == []
    span_service.restore_span(sample_db, change.before)
    assert [s.id for s in span_service.list_spans(sample_db)] == [span.id]


def test_a_span_with_a_note_is_kept_without_labels(sample_db: Database) -> None:
    doc = corpus.list_documents(sample_db)[0].id
    span = span_service.create_span(sample_db, doc, "ana", 0, 5, {"stance": "favor"},
                                    note="check this quote")
    change = span_service.update_span(sample_db, span.id, labels={"stance": None})
    assert change.after is not None and change.after.note == "check this quote"
    assert dict(change.after.labels) == {}
    assert len(span_service.list_spans(sample_db)) == 1
