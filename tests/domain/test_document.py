"""Documents get the same id from the same text on every machine."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from stancedesk.domain import Document, Span, document_id_for_text


def test_document_id_is_uuid5_of_sha256_and_stable() -> None:
    text = "Ministers met in Lindholm. 🕊️"
    doc = Document.from_text(text, title="t")
    assert doc.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert uuid.UUID(doc.id).version == 5
    assert doc.id == document_id_for_text(text) == Document.from_text(text).id
    assert doc.id != Document.from_text(text + " ").id


def test_span_rejects_impossible_offsets() -> None:
    with pytest.raises(ValueError):
        Span(id="x", document_id="d", annotator="a", start=5, end=4, text="")
    with pytest.raises(ValueError):
        Span(id="x", document_id="d", annotator="a", start=-1, end=4, text="")
