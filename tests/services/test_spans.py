"""Clearing a span's last label deletes it instead of leaving an empty "ghost" span."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from stancedesk.domain.errors import StaleEditError
from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.services.schemes import get_scheme
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


def test_a_desk_label_is_one_insert_and_reads_back_as_returned(sample_db: Database) -> None:
    """The desk holds the text and its annotator is known once committed: a new span is one
    INSERT in its write transaction (no SELECT of the text, the annotator or the new row),
    and what comes back is exactly what is stored, version 1, still checked by later edits."""
    doc = corpus.get_document(sample_db, corpus.list_documents(sample_db)[0].id)
    scheme = get_scheme(sample_db)  # the desk loads it once
    span_service.create_span(sample_db, doc.id, "ana", 0, 5, {"stance": "favor"})
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(" ".join(statement.split()).upper())

    event.listen(sample_db.engine, "before_cursor_execute", seen)
    try:
        made = span_service.create_span(sample_db, doc.id, "ana", 6, 14,
                                        {"stance": "against", "sourcing": "official"},
                                        note="n", scheme=scheme, document_text=doc.text)
    finally:
        event.remove(sample_db.engine, "before_cursor_execute", seen)
    work = [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "SAVEPOINT"))]
    assert len(work) == 1 and work[0].startswith("INSERT INTO SPANS"), statements
    assert made.text == doc.text[6:14] and made.version == 1
    assert span_service.get_span(sample_db, made.id) == made
    change = span_service.update_span(sample_db, made.id, labels={"stance": "neutral"},
                                      expected_version=1)
    assert change.after is not None and change.after.version == 2
    with pytest.raises(StaleEditError):
        span_service.update_span(sample_db, made.id, note="stale", expected_version=1)
