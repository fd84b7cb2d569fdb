"""The paths that make agreement fast at scale give the numbers of the plain paths: span columns
read from the database, character codes painted in chunks, string arrays coded without a loop."""

from __future__ import annotations

import numpy as np
import pytest

from stancedesk.agreement import charalpha, data, krippendorff_alpha, layer_agreement
from stancedesk.agreement.spanprep import SpanColumns, prepare_layer
from stancedesk.domain import Document, Span
from stancedesk.services import agreement as agreement_service
from stancedesk.services import spans as span_service
from stancedesk.storage import repositories as repo

LABELS = ("favor", "against", "neutral")


def random_corpus(seed: int, n_docs: int = 12) -> tuple[list[Span], dict[str, str]]:
    rng = np.random.default_rng(seed)
    texts = {f"d{i:02d}": " ".join("wörd" * int(rng.integers(1, 4)) for _ in range(60))
             for i in range(n_docs)}
    spans = []
    for doc, text in texts.items():
        for ann in ("ana", "ben", "cy"):
            for j in range(int(rng.integers(0, 9))):
                start = int(rng.integers(0, len(text) - 20))
                end = start + int(rng.integers(1, 20))
                labels = {"stance": LABELS[int(rng.integers(0, 3))]} if rng.random() < 0.9 \
                    else {"sourcing": "media"}
                spans.append(Span(f"{doc}-{ann}-{j}", doc, ann, start, end, text[start:end],
                                  labels))
    return spans, texts


def test_columns_give_the_same_report_as_span_objects():
    spans, texts = random_corpus(1)
    columns = SpanColumns.from_spans(spans, ["stance", "sourcing"])
    assert len(columns) == len(spans)
    assert [(s.id, s.labels) for s in columns] == [(s.id, s.labels) for s in spans]
    for docs in (None, ["d03", "d01", "d07"]):
        expected = layer_agreement(spans, texts, "stance", documents=docs, labels=LABELS,
                                   bootstrap=50, seed=3)
        assert layer_agreement(columns, texts, "stance", documents=docs, labels=LABELS,
                               bootstrap=50, seed=3) == expected


def test_prepared_layer_keeps_order_ids_and_scope():
    spans, texts = random_corpus(2)
    columns = SpanColumns.from_spans(spans, ["stance"])
    a = prepare_layer(spans, texts, "stance", annotators=["cy", "ana"])
    b = prepare_layer(columns, texts, "stance", annotators=["cy", "ana"])
    assert a.annotators == b.annotators == ("cy", "ana")
    assert a.span_ids == b.span_ids and a.labels == b.labels
    for field in ("ann", "doc", "start", "end", "value", "doc_lengths"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


def test_service_reads_columns_from_the_database(db, monkeypatch: pytest.MonkeyPatch):
    """``stancedesk agreement`` reads columns with SQLite's json_extract; the report equals the
    one computed from the spans as the desk reads them (``Span`` objects)."""
    spans, texts = random_corpus(3, n_docs=4)
    ids = {}
    with db.session() as session:
        for doc, text in texts.items():
            document = Document.from_text(text, title=doc)
            repo.add_document(session, document)
            ids[doc] = document.id
    for s in spans:
        span_service.create_span(db, ids[s.document_id], s.annotator, s.start, s.end, s.labels)
    settings = agreement_service.AgreementSettings(layers=["stance", "sourcing"], bootstrap=20,
                                                   seed=4)
    from_columns = agreement_service.span_agreement(db, settings)

    def from_span_objects(database, layers, documents, annotators, collect):
        return SpanColumns.from_spans(span_service.list_spans(database, documents, annotators),
                                      layers)

    monkeypatch.setattr(span_service, "span_columns", from_span_objects)
    from_objects = agreement_service.span_agreement(db, settings)
    assert from_columns["layers"]["stance"]["n_documents"] > 0
    assert from_columns["layers"] == from_objects["layers"]
    assert from_columns["scope"] == from_objects["scope"]


def test_character_codes_in_chunks_equal_one_pass(monkeypatch: pytest.MonkeyPatch):
    spans, texts = random_corpus(4, n_docs=20)
    ls = prepare_layer(spans, texts, "stance", labels=LABELS)
    whole = charalpha.char_codes(ls, texts)
    monkeypatch.setattr(charalpha, "_CHUNK_CHARACTERS", 300)  # a few documents per chunk
    chunked = charalpha.char_codes(ls, texts)
    assert np.array_equal(whole.profiles, chunked.profiles)
    assert np.array_equal(whole.doc_profile_counts, chunked.doc_profile_counts)
    assert charalpha.char_alpha_from_codes(whole) == charalpha.char_alpha_from_codes(chunked)


@pytest.mark.parametrize("few", [64, 2])
def test_string_arrays_code_like_label_lists(monkeypatch: pytest.MonkeyPatch, few: int):
    monkeypatch.setattr(data, "_FEW_LABELS", few)  # 2: the sorted fallback takes the rest
    rng = np.random.default_rng(5)
    names = np.array(["zeta", "alpha", "mü", "beta", "", "nan"])
    arr = names[rng.integers(0, len(names), size=(4, 300))]
    as_list = [[None if v in ("", "nan") else str(v) for v in row] for row in arr]
    for categories in (None, ["zeta", "mü", "beta", "alpha", "unused"]):
        fast = data.encode(arr, categories)
        slow = data.encode(np.array(as_list, dtype=object), categories)
        assert fast.categories == slow.categories
        assert np.array_equal(fast.codes, slow.codes)
    assert krippendorff_alpha(arr) == pytest.approx(krippendorff_alpha(
        np.array(as_list, dtype=object)), rel=1e-12)
    with pytest.raises(ValueError, match="not among the given categories"):
        data.encode(arr, ["zeta"])
