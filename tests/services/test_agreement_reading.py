"""What agreement reads from the database equals the spans read whole: packed runs of span
columns (SQLite), their row fallback and the rows of other databases; and the gold section
reads only the documents gold has spans in."""

from __future__ import annotations

import numpy as np
import pytest

from stancedesk.agreement.gold import gold_agreement
from stancedesk.agreement.spanprep import SpanColumns, SpanIds, take_ids
from stancedesk.domain import Document
from stancedesk.domain.span_pack import SEPARATOR, PackedSpans
from stancedesk.services import agreement, corpus
from stancedesk.services import spans as span_service
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

TEXTS = ("Zoë said the «deal» was off; the envoy denied it on Tuesday. " * 3,
         "Officials, speaking anonymously, said the plan was dead. " * 3,
         "Le ministre a démenti: «aucun accord». " * 3)
LAYERS = ["stance", "target", "sourcing"]


def corpus_of(db: Database) -> list[str]:
    """Three documents; three annotators with roles, two layers a span, a free layer with
    non-ASCII values, the same passage twice by one annotator (the ids decide their order),
    ids that are no UUIDs, one holding the packing separator."""
    docs = []
    with db.session() as session:
        for text in TEXTS:
            doc = Document.from_text(text, title=text[:10])
            repo.add_document(session, doc)
            docs.append(doc.id)
    rng = np.random.default_rng(7)
    made = 0
    for d, doc in enumerate(docs):
        for who in ("ana", "ben", "cy"):
            for _ in range(int(rng.integers(4, 9))):
                start = int(rng.integers(0, 60))
                end = start + int(rng.integers(1, 30))
                kind = int(rng.integers(0, 4))
                role, labels = [
                    ("claim", {"stance": ["favor", "against"][made % 2],
                               "target": ["Zürich", "la «paix»"][made % 2]}),
                    ("source", {"sourcing": "official"}),
                    (None, {"stance": "neutral"}),
                    (None, {}),
                ][kind]
                made += 1
                span_service.create_span(db, doc, who, start, end, labels, role=role,
                                         span_id=f"{who}-{d}-{made:03d}" if made % 3 else None)
        for span_id in (f"zz-{d}", f"aa-{d}"):  # one passage twice; "aa" first in export order
            span_service.create_span(db, doc, "ben", 5, 12, {"stance": "against"},
                                     span_id=span_id)
    span_service.create_span(db, docs[1], "cy", 2, 9, {"stance": "favor"},
                             span_id=f"odd{SEPARATOR}id ✓")
    return docs


def assert_same_columns(got: SpanColumns, want: SpanColumns) -> None:
    assert list(got.ids) == list(want.ids)
    assert got.document_ids == want.document_ids and got.annotators == want.annotators
    assert got.roles == want.roles
    for field in ("doc", "ann", "start", "end", "role"):
        assert np.array_equal(getattr(got, field), getattr(want, field)), field
    assert got.values.keys() == want.values.keys()
    for layer, (names, codes) in want.values.items():
        assert got.values[layer][0] == names, layer
        assert np.array_equal(got.values[layer][1], codes), layer


@pytest.mark.parametrize("run", [4, 65536])
def test_columns_read_equal_the_spans_read_whole(db: Database, monkeypatch: pytest.MonkeyPatch,
                                                 run: int) -> None:
    docs = corpus_of(db)
    monkeypatch.setattr(repo, "PACKED_RUN", run)  # 4: runs end inside documents and ties
    monkeypatch.setattr(repo, "_DOCUMENTS_PER_QUERY", 2 if run == 4 else 2000)
    selections = [(None, None), ([docs[2], docs[0]], None), (None, ["cy", "ana"]),
                  ([docs[1]], ["ben", "nobody"]), ([], None), (None, [])]
    for documents, annotators in selections:
        got = span_service.span_columns(db, LAYERS, documents, annotators,
                                        SpanColumns.from_batches)
        want = SpanColumns.from_spans(span_service.list_spans(db, documents, annotators),
                                      LAYERS)
        assert_same_columns(got, want)
    assert len(got) == 0 and len(want) == 0


@pytest.mark.sqlite_only
def test_sqlite_reads_packed_runs_and_rows_where_an_id_holds_the_separator(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = corpus_of(db)
    monkeypatch.setattr(repo, "PACKED_RUN", 4)
    with db.read() as session:
        runs = list(repo.span_value_batches(session, LAYERS))
    packed = [r for r in runs if isinstance(r, PackedSpans)]
    rows = [r for r in runs if not isinstance(r, PackedSpans)]
    assert packed and all(r.count <= 4 and r.well_separated() for r in packed)
    assert len(rows) == 1 and any(row[0] == f"odd{SEPARATOR}id ✓" for row in rows[0])
    assert sum(r.count for r in packed) + len(rows[0]) == len(span_service.list_spans(db))
    assert {r.document_ids.split(SEPARATOR)[0] for r in packed} <= set(docs)


def test_packed_spans_say_where_the_next_run_begins() -> None:
    run = PackedSpans(2, f"d1{SEPARATOR}d2", "1,2", {1: "ana", 2: "ben"}, "0,5", "3,9",
                      f"claim{SEPARATOR}", f'{{"stance": "favor"}}{SEPARATOR}{{}}',
                      f"s1{SEPARATOR}s2")
    assert run.well_separated() and run.last_key() == ("d2", 5, 9, "s2")
    columns = SpanColumns.from_batches([run], ["stance"])
    assert list(columns.ids) == ["s1", "s2"] and columns.annotators == ("ana", "ben")
    assert columns.roles == ("claim",) and columns.role.tolist() == [0, -1]
    assert columns.values["stance"][0] == ("favor",)
    assert columns.values["stance"][1].tolist() == [0, -1]
    broken = PackedSpans(2, f"d1{SEPARATOR}d2", "1,2", {1: "ana", 2: "ben"}, "0,5", "3,9",
                         f"claim{SEPARATOR}", f"{{}}{SEPARATOR}{{}}", f"s{SEPARATOR}1{SEPARATOR}s2")
    assert not broken.well_separated()
    backwards = PackedSpans(2, f"d1{SEPARATOR}d1", "1,2", {1: "ana", 2: "ben"}, "5,0", "9,3",
                            SEPARATOR, f"{{}}{SEPARATOR}{{}}", f"s1{SEPARATOR}s2")
    with pytest.raises(ValueError, match="order"):
        SpanColumns.from_batches([backwards], ["stance"])


def test_span_ids_split_a_run_only_when_asked() -> None:
    ids = SpanIds()
    ids.add(SEPARATOR.join(["a", "b", "c"]), 3)
    ids.add(["d"], 1)
    ids.add("", 0)  # an empty run adds nothing
    ids.add(SEPARATOR.join(["e", "f"]), 2)
    assert len(ids) == 6 and ids[3] == "d"
    assert [isinstance(run, str) for run in ids._runs] == [True, False, True]
    assert ids[-1] == "f" and isinstance(ids._runs[2], list) and isinstance(ids._runs[0], str)
    assert ids[4] == "e"
    assert ids[1:5] == ["b", "c", "d", "e"] and list(ids) == ["a", "b", "c", "d", "e", "f"]
    assert take_ids(ids, [5, 0, 2]) == ["f", "a", "c"] == take_ids(list(ids), [5, 0, 2])
    with pytest.raises(IndexError):
        ids[6]


def test_gold_section_reads_only_curated_documents(db: Database,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    docs = corpus_of(db)
    settings = agreement.AgreementSettings(layers=["stance"], scope="all", bootstrap=0)
    assert "no gold standard" in agreement.span_agreement(db, settings)["gold"]["reason"]
    span_service.create_span(db, docs[2], "gold", 5, 12, {"stance": "against"}, role="claim")
    span_service.create_span(db, docs[2], "gold", 30, 40, {"stance": "favor"})
    read: list[list[str] | None] = []
    list_spans = span_service.list_spans

    def spy(database, documents=None, annotators=None):  # type: ignore[no-untyped-def]
        read.append(None if documents is None else list(documents))
        return list_spans(database, documents, annotators)

    everything = list_spans(db)
    monkeypatch.setattr(span_service, "list_spans", spy)
    section = agreement.gold_section(db, settings, ["stance"], ["ana", "ben", "cy"])
    assert read == [[docs[2]]]
    texts = corpus.get_texts(db, [docs[2]])
    assert section == gold_agreement(everything, texts, ["stance"], ["ana", "ben", "cy"])
    assert section["available"] and section["documents"] == [docs[2]]
    named = agreement.AgreementSettings(layers=["stance"], documents=[docs[0]], bootstrap=0)
    assert "no gold standard" in agreement.gold_section(db, named, ["stance"], ["ana"])["reason"]
