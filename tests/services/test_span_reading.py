"""The fast paths of writing and reading spans keep the data contract: the covered text cut from
the text the desk holds, label sets parsed once per distinct JSON, times parsed once."""

from __future__ import annotations

from datetime import UTC

import pytest

from stancedesk.domain import Document
from stancedesk.services import spans as span_service
from stancedesk.services.spans import AnnotationError
from stancedesk.storage import repositories as repo

TEXT = "Zoe\u0301 said 😀 the «deal» was off.\nThe envoy denied it."


def test_covered_text_from_the_held_text_equals_the_stored_one(db) -> None:
    doc = Document.from_text(TEXT, title="t")
    with db.session() as session:
        repo.add_document(session, doc)
    held = span_service.create_span(db, doc.id, "al", 10, 20, {"stance": "favor"},
                                    document_text=TEXT)
    read = span_service.create_span(db, doc.id, "al", 10, 20, {"stance": "against"})
    assert held.text == read.text == TEXT[10:20]
    assert span_service.get_span(db, held.id).text == TEXT[10:20]
    with pytest.raises(AnnotationError, match="runs past the end of the document"):
        span_service.create_span(db, doc.id, "al", 10, len(TEXT) + 1, document_text=TEXT)


def test_streamed_spans_have_their_own_labels_and_utc_times(db) -> None:
    doc = Document.from_text(TEXT, title="t")
    with db.session() as session:
        repo.add_document(session, doc)
    made = [span_service.create_span(db, doc.id, "al", i, i + 3, {"stance": "favor"})
            for i in range(0, 12, 4)]
    spans = span_service.spans_for_document(db, doc.id)
    assert [s.labels for s in spans] == [{"stance": "favor"}] * 3
    spans[0].labels["stance"] = "against"  # type: ignore[index]
    assert spans[1].labels == {"stance": "favor"}, "one parsed label set is not shared"
    for stored, read in zip(made, spans, strict=True):
        assert read.created_at == stored.created_at and read.created_at.tzinfo is UTC
        assert read.updated_at == stored.updated_at


def test_an_opened_store_reads_its_other_rows_in_the_transaction_of_its_positions(
        db, monkeypatch) -> None:
    """The desk's open reads every span's position and the whole rows of the first page; the
    other rows come when it calls ``finish`` (or when a span needs them), from the same read
    transaction: a change committed meanwhile shows at the next reload, never half in this
    store. ``finish`` ends the transaction (the connection goes back to the pool)."""
    monkeypatch.setattr(span_service, "LEADING_ROWS", 2)
    text = TEXT * 3
    doc = Document.from_text(text, title="t")
    with db.session() as session:
        repo.add_document(session, doc)
    made = [span_service.create_span(db, doc.id, "al", i, i + 4, {"stance": "favor"},
                                     note=f"n{i}") for i in range(0, len(text) - 4, 7)]
    span_service.create_span(db, doc.id, "bo", 1, 5, {"stance": "against"})  # not shown
    before = span_service.document_store(db, doc.id, ["al"]).spans()
    assert [s.id for s in before] == [s.id for s in made]

    store, finish = span_service.open_document_store(db, doc.id, ["al"])
    assert store.at(0) == before[0]  # a leading row: built without reading the rest
    held = db.engine.pool.checkedout()  # type: ignore[attr-defined]
    assert held == (1 if db.is_sqlite else 0)
    span_service.update_labels(db, made[-1].id, {"stance": "against"})  # another desk
    span_service.delete_span(db, made[-2].id)
    finish()
    assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert store.spans() == before
    finish()  # once is enough
    again, finish_again = span_service.open_document_store(db, doc.id, ["al"])
    assert store.get(made[-1].id) == before[-1]
    assert again.get(made[-1].id).labels == {"stance": "against"}  # type: ignore[union-attr]
    assert made[-2].id not in again
    assert len(again) == len(before) - 1
    finish_again()


def test_a_span_asked_for_before_finish_reads_the_rest_itself(db, monkeypatch) -> None:
    monkeypatch.setattr(span_service, "LEADING_ROWS", 1)
    doc = Document.from_text(TEXT, title="t")
    with db.session() as session:
        repo.add_document(session, doc)
    made = [span_service.create_span(db, doc.id, "al", i, i + 3, {"stance": "favor"})
            for i in range(0, 12, 4)]
    store, finish = span_service.open_document_store(db, doc.id, None)
    assert store.at(2) == made[2]
    assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finish()
    assert store.spans() == made
