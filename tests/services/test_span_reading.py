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
