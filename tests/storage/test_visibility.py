"""Rows of a pending import are in the tables but hidden from every reader until it is published
(``storage.visibility``): spans, the annotators, entities and documents it created."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from stancedesk.agreement.spanprep import SpanColumns
from stancedesk.domain.annotation_table import PackedCells
from stancedesk.domain.attribution import LinkKind, SpanRole
from stancedesk.domain.errors import UserError
from stancedesk.services import (
    agreement,
    corpus,
    curation,
    documents,
    exchange,
    profile,
    suggestions,
)
from stancedesk.services import attribution as attribution_service
from stancedesk.services import spans as span_service
from stancedesk.storage import repositories
from stancedesk.storage.engine import Database
from stancedesk.storage.tables import AnnotatorRow, DocumentRow, EntityRow, ImportRow, SpanRow

TEXT = "Officials said the talks went well, a diplomat added.\n"
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _stored(db: Database, tmp_path: Path) -> str:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    doc = corpus.import_paths(db, [tmp_path / "a.txt"]).added[0].id
    for who in ("ana", "ben"):
        span_service.create_span(db, doc, who, 0, 9, {"stance": "favor", "target": "talks"})
    source = span_service.create_span(db, doc, "ana", 38, 48, {"sourcing": "diplomat"})
    claim = span_service.create_span(db, doc, "ana", 19, 34, {"stance": "favor"})
    attribution_service.set_role(db, source.id, SpanRole.SOURCE)
    attribution_service.set_role(db, claim.id, SpanRole.CLAIM)
    attribution_service.link(db, claim.id, LinkKind.ATTRIBUTED_TO, source.id)
    attribution_service.create_entity(db, "Kessa ministry")
    attribution_service.name_source(db, source.id, "Kessa ministry")
    return doc


def _pending(db: Database, doc: str, state: str = "pending") -> None:
    """An import stored as the chunked writer leaves it before publishing: its annotator,
    entity, document and spans (in a stored document and in its own) all marked."""
    with db.engine.begin() as conn:
        conn.execute(insert(ImportRow).values(id="imp1", kind="annotations", state=state,
                                              source="big.csv", started_at=NOW, pid=1,
                                              host="h"))
        conn.execute(insert(AnnotatorRow).values(id="a-imp", name="importer", is_reviewer=False,
                                                 created_at=NOW, import_id="imp1"))
        conn.execute(insert(EntityRow).values(id="e-imp", name="Imported agency",
                                              name_key="imported agency", sourcing="",
                                              aliases=[], notes="", created_at=NOW,
                                              updated_at=NOW, import_id="imp1"))
        conn.execute(insert(DocumentRow).values(
            id="d-imp", title="Imported", text="Imported text here.", sha256="f" * 64,
            source_file="imp.txt", outlet="", published="", url="", meta={},
            imported_at=NOW, import_id="imp1"))
        rows = [("s-imp1", doc, "a-imp", 0, 9, "Officials", {"stance": "against"}, None),
                ("s-imp2", doc, "a-imp", 38, 48, "a diplomat", {"reliability": "B"}, "e-imp"),
                ("s-imp3", "d-imp", "a-imp", 0, 8, "Imported", {"stance": "neutral"}, None),
                # a known annotator's span: hidden too, though the annotator is not
                ("s-imp4", doc, _annotator_id(db, "ben"), 19, 34, "the talks went",
                 {"stance": "against", "target": "imported-target"}, None)]
        conn.execute(insert(SpanRow.__table__), [
            {"id": i, "document_id": d, "annotator_id": a, "start": s, "end": e, "text": t,
             "note": "", "created_at": NOW, "updated_at": NOW, "labels": labels,
             "role": "source" if entity else None, "entity_id": entity, "version": 1,
             "import_id": "imp1"}
            for i, d, a, s, e, t, labels, entity in rows])


def _annotator_id(db: Database, name: str) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(AnnotatorRow.__table__.select()
                                .where(AnnotatorRow.name == name)).one().id)


def _readings(db: Database, doc: str) -> dict[str, Any]:
    """What every kind of reader shows: desk, corpus, exports, agreement, registry, curation,
    profile, scheme usage, suggestions."""
    scheme = span_service.get_scheme(db)
    out: dict[str, Any] = {
        "spans": [s.id for s in span_service.list_spans(db)],
        "document spans": [s.id for s in span_service.spans_for_document(db, doc)],
        "per annotator": span_service.spans_per_annotator(db),
        "annotators": span_service.list_annotator_names(db),
        "documents": [d.id for d in corpus.list_documents(db)],
        "document count": corpus.count_documents(db),
        "matching": corpus.documents_matching(db, "Imported"),
        "selection": exchange.selection_counts(db),
        "streamed": [s.id for s in exchange.stream_spans(db)],
        "table": list(exchange.annotation_rows(db, scheme)),
        "agreement rows": sorted(span_service.span_columns(
            db, ["stance"], None, None, SpanColumns.from_batches).ids),

        "entities": attribution_service.entity_names(db),
        "registry": [(e.entity.name, e.mentions, e.claims, e.documents)
                     for e in attribution_service.registry(db)],
        "links": attribution_service.links_in(db),
        "curation status": curation.status(db),
        "conflicts": [p.id for p in curation.conflict_queue(db)],
        "profile": profile.claim_records(db),
        "targets": span_service.target_suggestions(db),
    }
    report = agreement.span_agreement(db, agreement.AgreementSettings(
        layers=("stance",), bootstrap=20, scope="all", documents=(doc,)))
    del report["settings"]["computed_at"]
    out["agreement"] = report
    with db.read() as session:
        out["usage"] = repositories.label_usage(session)
    blocks = exchange.annotation_csv_blocks(db, scheme, lambda cells: ",".join(map(str, cells)),
                                            ",\"\n")
    out["csv"] = None if blocks is None else list(blocks)
    batches = exchange.annotation_table_batches(db, scheme)
    out["columns"] = None if batches is None else [
        (b.size, {k: v if isinstance(v, PackedCells) else list(v) for k, v in b.values.items()},
         {k: keys if isinstance(keys, PackedCells) else
          [cells[key] for key in keys if key is not None] for k, (keys, cells) in b.keyed.items()})
        for b in batches]
    return out


def test_a_pending_import_is_invisible_until_published(db: Database, tmp_path: Path) -> None:
    doc = _stored(db, tmp_path)
    before = _readings(db, doc)
    assert len(before["spans"]) == 4 and before["annotators"] == ["ana", "ben"]
    _pending(db, doc)
    during = _readings(db, doc)
    for what, value in before.items():
        assert during[what] == value, what
    with db.engine.begin() as conn:
        conn.execute(update(ImportRow).where(ImportRow.id == "imp1")
                     .values(state="published", published_at=NOW))
    after = _readings(db, doc)
    assert set(after["spans"]) - set(before["spans"]) == {f"s-imp{i}" for i in range(1, 5)}
    assert after["annotators"] == ["ana", "ben", "importer"]
    assert "d-imp" in after["documents"] and after["document count"] == 2
    assert after["per annotator"]["importer"] == 3 and after["per annotator"]["ben"] == 2
    assert "Imported agency" in after["entities"].values()
    assert len(after["table"]) == 8 and len(after["agreement rows"]) == 8
    assert ("imported-target", "imported-target") in after["targets"]
    assert after["curation status"] != before["curation status"]


def _by_id(db: Database, doc: str) -> dict[str, Any]:
    """What the readers that take a document id give for ``doc`` (the error when they refuse
    it)."""
    def outcome(read: Callable[[], Any]) -> Any:
        try:
            return read()
        except UserError as exc:
            return f"{type(exc).__name__}: {exc}"

    return {
        "document": outcome(lambda: corpus.get_document(db, doc).title),
        "length": corpus.document_length(db, doc),
        "texts": corpus.get_texts(db, [doc]),
        "loader": getattr(exchange.document_loader(db)(doc), "title", None),
        "curation": outcome(lambda: curation.document_curation(db, doc).title),
        "suggestions": outcome(lambda: suggestions.unreject(db, doc, "ana", "k1")),
        "label": outcome(lambda: span_service.create_span(db, doc, "ana", 0, 8,
                                                          {"stance": "favor"}).text),
        "edit": outcome(lambda: documents.update_document(db, doc, outlet="Wire").after.outlet),
    }


def test_a_pending_document_is_not_there_for_readers_by_id(db: Database, tmp_path: Path
                                                           ) -> None:
    """A document a corpus import has stored but not published is unknown to whoever asks
    for it by id (CLI commands take ids): not shown, labelled, curated or edited."""
    _pending(db, _stored(db, tmp_path))
    assert _by_id(db, "d-imp") == {
        "document": "NotFoundError: no document with id d-imp", "length": None, "texts": {},
        "loader": None, "curation": "NotFoundError: no document with id d-imp",
        "suggestions": "NotFoundError: unknown document id(s): d-imp",
        "label": "AnnotationError: no document with id d-imp",
        "edit": "NotFoundError: no document with id d-imp"}
    with db.engine.begin() as conn:
        conn.execute(update(ImportRow).where(ImportRow.id == "imp1")
                     .values(state="published", published_at=NOW))
    shown = _by_id(db, "d-imp")
    assert shown["document"] == "Imported" and shown["length"] == 19
    assert shown["texts"] == {"d-imp": "Imported text here."} and shown["loader"] == "Imported"
    assert shown["curation"] == "Imported" and shown["label"] == "Imported"
    assert shown["edit"] == "Wire"
    assert shown["suggestions"] == "NotFoundError: ana has not rejected suggestion k1 in " \
        "document d-imp"
