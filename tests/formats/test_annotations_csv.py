"""The annotation CSV both ways: columns, round trip, offsets, and every refused row."""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest

from stancedesk.formats.errors import FormatError
from stancedesk.services import corpus, formats_registry
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.storage.engine import Database

TEXT = ("KESSA (Meridian) - “We are close,” said Zoe\u0301 Arnaud, a diplomat quoted by the "
        "agency 🕊️🤝. Protesters chanted «ماؤنا ليس للبيع», sources said.\n")
EXPECTED_COLUMNS = ["annotation_id", "document_id", "document_title", "source_file", "annotator",
                    "start", "end", "text", "stance", "target", "sourcing", "reliability",
                    "credibility", "role", "attributed_to", "via", "cue", "entity", "note",
                    "created_at", "updated_at", "curated_by", "curated_at", "curated_from",
                    "decision"]


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    (folder / "talks.txt").write_text(TEXT, encoding="utf-8")
    (folder / "other.md").write_text("---\ntitle: Other\n---\nAnother article, officials "
                                     "said.\n", encoding="utf-8")
    return folder


@pytest.fixture
def annotated(db: Database, tmp_path: Path) -> Database:
    corpus.import_paths(db, [_corpus(tmp_path)])
    doc = next(d for d in corpus.list_documents(db) if d.source_file == "talks.txt")
    zoe = TEXT.index("Zoe")
    emoji = TEXT.index("🕊")
    arabic = TEXT.index("ماؤنا")
    span_service.create_span(db, doc.id, "alice", zoe, zoe + len("Zoe\u0301 Arnaud"),
                            {"stance": "favor", "sourcing": "diplomat", "target": "rapprochement",
                             "reliability": "B", "credibility": "2"}, note="named, quoted")
    span_service.create_span(db, doc.id, "bob", zoe, zoe + len("Zoe\u0301 Arnaud"),
                            {"stance": "neutral"})
    span_service.create_span(db, doc.id, "alice", emoji, emoji + 3, {"sourcing": "other"},
                            note='comma, "quote"\nand newline')
    span_service.create_span(db, doc.id, "ḃöb ✍️", arabic, arabic + len("ماؤنا ليس للبيع"),
                            {"stance": "against", "sourcing": "other", "target": "=SUM(A1)"})
    return db


def _export(database: Database, **kw) -> str:
    """The one CSV path, to standard output as ``export annotations`` without -o writes it."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        formats_registry.export_annotations(database, "csv", None, **kw)
    return out.getvalue()


def test_export_columns_and_values(annotated: Database) -> None:
    rows = list(csv.DictReader(io.StringIO(_export(annotated))))
    assert list(rows[0].keys()) == EXPECTED_COLUMNS
    assert len(rows) == 4
    zoe = next(r for r in rows if r["annotator"] == "alice" and r["stance"] == "favor")
    assert zoe["text"] == "Zoe\u0301 Arnaud"
    assert TEXT[int(zoe["start"]):int(zoe["end"])] == zoe["text"]
    assert (zoe["sourcing"], zoe["reliability"], zoe["credibility"], zoe["note"]) == (
        "diplomat", "B", "2", "named, quoted")
    assert zoe["document_title"].startswith("KESSA") and zoe["source_file"] == "talks.txt"
    assert zoe["created_at"].endswith("Z")
    for row in rows:
        assert TEXT[int(row["start"]):int(row["end"])] == row["text"]


def test_export_selects_annotators_and_documents(annotated: Database) -> None:
    rows = list(csv.DictReader(io.StringIO(_export(annotated, annotators=["bob"]))))
    assert [r["annotator"] for r in rows] == ["bob"]
    other = next(d.id for d in corpus.list_documents(annotated) if d.source_file == "other.md")
    assert list(csv.DictReader(io.StringIO(_export(annotated, documents=[other])))) == []


def test_spreadsheet_safe_neutralises_formulas(annotated: Database) -> None:
    plain = list(csv.DictReader(io.StringIO(_export(annotated))))
    safe = list(csv.DictReader(io.StringIO(_export(annotated, spreadsheet_safe=True))))
    assert "=SUM(A1)" in [r["target"] for r in plain]
    assert "'=SUM(A1)" in [r["target"] for r in safe]


def test_round_trip_into_an_empty_database_of_the_same_corpus(annotated: Database,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    formats_registry.export_annotations(annotated, "csv", path)
    fresh = open_database(str(tmp_path / "fresh.sqlite"), seed_sample=False)
    try:
        corpus.import_paths(fresh, [_corpus(tmp_path)])
        report = formats_registry.import_annotations(fresh, path)
        assert report.added == 4
        assert sorted(report.annotators_created) == ["alice", "bob", "ḃöb ✍️"]
        assert span_service.list_spans(fresh) == span_service.list_spans(annotated)
        assert _export(fresh) == _export(annotated)
        again = formats_registry.import_annotations(fresh, path)
        assert (again.added, again.unchanged) == (0, 4), "re-import is idempotent"
    finally:
        fresh.dispose()


def _write(tmp_path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _doc_id(database: Database) -> str:
    return next(d.id for d in corpus.list_documents(database) if d.source_file == "talks.txt")


def test_minimal_columns_and_source_file_identification(db: Database, tmp_path: Path) -> None:
    corpus.import_paths(db, [_corpus(tmp_path)])
    i = TEXT.index("sources said")
    path = _write(tmp_path, ["source_file", "annotator", "start", "end", "text", "sourcing"],
                  [["talks.txt", "carol", str(i), str(i + 12), "sources said", "anonymous"]])
    assert formats_registry.import_annotations(db, path).added == 1
    (span,) = span_service.list_spans(db)
    assert (span.annotator, span.text, dict(span.labels)) == ("carol", "sources said",
                                                              {"sourcing": "anonymous"})
    assert span.document_id == _doc_id(db)


@pytest.mark.parametrize(("row", "problem"), [
    (lambda d: [d, "al", "0", "5", "WRONG", "favor"], "does not match the document's text"),
    (lambda d: [d, "al", "0", "5", "KESSA", "pro"], "label 'pro' is not in layer 'stance'"),
    (lambda d: ["00000000-0000-0000-0000-000000000000", "al", "0", "5", "KESSA", ""],
     "unknown document_id"),
    (lambda d: [d, "al", "0", "9999", "KESSA", ""], "runs past the end"),
    (lambda d: [d, "al", "5", "5", "", ""], "end 5 is not after start 5"),
    (lambda d: [d, "al", "x", "5", "KESSA", ""], "start 'x' is not a whole number"),
    (lambda d: [d, "", "0", "5", "KESSA", ""], "annotator is empty"),
])
def test_bad_rows_stop_the_import_and_store_nothing(db: Database, tmp_path: Path, row,
                                                    problem: str) -> None:
    corpus.import_paths(db, [_corpus(tmp_path)])
    doc = _doc_id(db)
    good = [doc, "al", "0", "5", "KESSA", "favor"]
    path = _write(tmp_path, ["document_id", "annotator", "start", "end", "text", "stance"],
                  [good, row(doc)])
    with pytest.raises(FormatError) as info:
        formats_registry.import_annotations(db, path)
    message = str(info.value)
    assert str(path) in message and "line 3" in message and problem in message
    assert span_service.list_spans(db) == []


def test_every_bad_row_is_listed(db: Database, tmp_path: Path) -> None:
    corpus.import_paths(db, [_corpus(tmp_path)])
    doc = _doc_id(db)
    path = _write(tmp_path, ["document_id", "annotator", "start", "end", "text", "stance"],
                  [[doc, "al", "0", "5", "KESSA", "pro"], [doc, "al", "0", "5", "kessa", ""]])
    with pytest.raises(FormatError) as info:
        formats_registry.import_annotations(db, path)
    assert "2 problem(s)" in str(info.value)
    assert "line 2" in str(info.value) and "line 3" in str(info.value)


@pytest.mark.parametrize(("header", "problem"), [
    (["document_id", "annotator", "start", "end", "text", "stnace"], "unknown column(s) 'stnace'"),
    (["document_id", "annotator", "start", "end"], "missing required column(s): text"),
    (["annotator", "start", "end", "text"], "document_id or source_file"),
    (["document_id", "annotator", "start", "end", "text", "note", "note"], "duplicate column"),
])
def test_bad_headers_are_refused(db: Database, tmp_path: Path, header: list[str],
                                 problem: str) -> None:
    corpus.import_paths(db, [_corpus(tmp_path)])
    path = _write(tmp_path, header, [])
    with pytest.raises(FormatError, match="line 1") as info:
        formats_registry.import_annotations(db, path)
    assert problem in str(info.value)


def test_ambiguous_source_file_and_conflicting_ids(db: Database, tmp_path: Path) -> None:
    (tmp_path / "many.jsonl").write_text('{"text": "One."}\n{"text": "Two."}\n',
                                         encoding="utf-8")
    corpus.import_paths(db, [tmp_path / "many.jsonl"])
    path = _write(tmp_path, ["source_file", "annotator", "start", "end", "text"],
                  [["many.jsonl", "al", "0", "3", "One"]])
    with pytest.raises(FormatError, match="names 2 documents; give document_id"):
        formats_registry.import_annotations(db, path)
    doc = next(d.id for d in corpus.list_documents(db) if d.length == 4
               and corpus.get_document(db, d.id).text == "One.")
    span = span_service.create_span(db, doc, "al", 0, 3)
    path = _write(tmp_path, ["annotation_id", "document_id", "annotator", "start", "end", "text"],
                  [[span.id, doc, "al", "0", "2", "On"]])
    with pytest.raises(FormatError, match="already exists with different content"):
        formats_registry.import_annotations(db, path)
    assert len(span_service.list_spans(db)) == 1


def _orm_query_rows(session, layer_keys, annotators=None, documents=None) -> list[tuple]:
    """The annotation table read independently of both export paths: one ORM query over the
    span, document and annotator rows, finished in Python."""
    from sqlalchemy import select

    from stancedesk.formats.annotations_csv import format_time
    from stancedesk.storage.tables import (
        AnnotatorRow,
        CurationDecisionRow,
        DocumentRow,
        EntityRow,
        LinkRow,
        SpanRow,
    )

    links = {(r.from_span_id, r.kind): r.to_span_id for r in session.scalars(select(LinkRow))}
    names = {r.id: r.name for r in session.scalars(select(EntityRow))}
    curated = {r.span_id: (r.curated_by, format_time(r.curated_at), ";".join(r.curated_from),
                           r.decision) for r in session.scalars(select(CurationDecisionRow))}

    query = (select(SpanRow, DocumentRow, AnnotatorRow.name)
             .join(DocumentRow, DocumentRow.id == SpanRow.document_id)
             .join(AnnotatorRow, AnnotatorRow.id == SpanRow.annotator_id)
             .order_by(SpanRow.document_id, SpanRow.start, SpanRow.end, SpanRow.id))
    if annotators is not None:
        query = query.where(AnnotatorRow.name.in_(annotators))
    if documents is not None:
        query = query.where(SpanRow.document_id.in_(documents))
    return [(s.id, s.document_id, d.title, d.source_file, name, s.start, s.end, s.text,
             *(s.labels.get(k, "") for k in layer_keys), s.role or "",
             *(links.get((s.id, kind), "") for kind in ("attributed_to", "via", "cue")),
             names.get(s.entity_id or "", ""), s.note, format_time(s.created_at),
             format_time(s.updated_at), *curated.get(s.id, ("", "", "", "")))
            for s, d, name in session.execute(query).all()]


@pytest.mark.parametrize(("annotators", "talks_only"), [(None, False),
                                                        (["bob", "ḃöb ✍️"], False),
                                                        (None, True)])
def test_fast_sqlite_rows_equal_an_orm_query(annotated: Database, annotators: list[str] | None,
                                             talks_only: bool) -> None:
    """The SQL-finished export rows (SQLite's raw cursor) and the ORM path other databases take
    must both say exactly what an ORM query over the stored rows says."""
    from stancedesk.services import curation
    from stancedesk.services.schemes import get_scheme
    from stancedesk.storage import repositories as repo

    bob = next(s for s in span_service.list_spans(annotated) if s.annotator == "bob")
    curation.accept_span(annotated, bob.id, curator="lead")  # a gold span with provenance
    documents = [d.id for d in corpus.list_documents(annotated)
                 if d.source_file == "talks.txt"] if talks_only else None
    keys = get_scheme(annotated).layer_keys
    with annotated.read() as session:
        expected = _orm_query_rows(session, keys, annotators, documents)
        fast = list(repo.annotation_table_rows(session, keys, annotators, documents))
        portable = list(repo.orm_annotation_table_rows(session, keys, annotators, documents))
        streamed = list(repo.stream_spans(session, documents, annotators))
        orm_spans = list(repo.iter_spans(session, documents, annotators))
    assert expected  # the selection is not empty, so the comparison means something
    assert fast == expected
    assert portable == expected
    assert streamed == orm_spans


@pytest.mark.parametrize("annotators", [None, ["bob", "ḃöb ✍️"], ["nobody"]])
def test_sqlite_csv_lines_are_what_the_csv_writer_writes(annotated: Database,
                                                          annotators: list[str] | None) -> None:
    """SQLite quotes the cells of its CSV lines itself (the fast export path); the file must be
    byte for byte what ``csv.writer`` writes from the rows, \r and all."""
    from stancedesk.formats.annotations_csv import QUOTE_TRIGGERS, csv_cells
    from stancedesk.services.schemes import get_scheme
    from stancedesk.storage import repositories as repo

    doc = corpus.list_documents(annotated)[0]
    span_service.create_span(annotated, doc.id, "ḃöb ✍️", 0, 5, {"target": 'a,"b"\r\nc'},
                             note="carriage\rreturn only")
    keys = get_scheme(annotated).layer_keys
    assert QUOTE_TRIGGERS is not None
    with annotated.read() as session:
        rows = list(repo.annotation_table_rows(session, keys, annotators))
        blocks = repo.annotation_csv_blocks(session, keys, csv_cells, QUOTE_TRIGGERS,
                                            annotators, batch=2)
        if not annotated.is_sqlite:
            assert blocks is None  # other databases write the rows with csv.writer
            return
        assert blocks is not None
        counted = list(blocks)
        written = b"".join(block for _, block in counted).decode("utf-8")
    assert sum(n for n, _ in counted) == len(rows)
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows(rows)
    assert written == expected.getvalue()
    assert (annotators == ["nobody"]) == (written == "")


def _attributed_and_curated(database: Database) -> None:
    """Everything an export line can hold, on top of ``annotated``: roles, all three links,
    a registry entity with a comma and quotes in its name, a gold span with provenance, a
    span without labels, and cells holding printf directives, commas, quotes, \r and \n."""
    from stancedesk.domain.attribution import LinkKind
    from stancedesk.services import attribution, curation

    doc = next(d for d in corpus.list_documents(database) if d.source_file == "talks.txt")
    source = span_service.create_span(database, doc.id, "bob", 0, 5, {"sourcing": "other"},
                                      note="100% sure,\r\nsaid %n", role="source")
    via = span_service.create_span(database, doc.id, "bob", 8, 16, {}, role="source")
    cue = span_service.create_span(database, doc.id, "bob", 20, 24, {}, role="cue")
    claim = span_service.create_span(database, doc.id, "bob", 30, 40,
                                     {"stance": "against", "target": '%s,"%d"'}, note="",
                                     role="claim")
    attribution.link(database, claim.id, LinkKind.ATTRIBUTED_TO, source.id)
    attribution.link(database, claim.id, LinkKind.CUE, cue.id)
    attribution.link(database, source.id, LinkKind.VIA, via.id)
    attribution.create_entity(database, 'Agence "AFP", Paris')
    attribution.name_source(database, via.id, 'Agence "AFP", Paris')
    bob = next(s for s in span_service.list_spans(database)
               if s.annotator == "bob" and s.labels.get("stance") == "neutral")
    curation.accept_span(database, bob.id, curator="lead, the")


@pytest.mark.parametrize(("annotators", "talks_only", "limit"),
                         [(None, False, None), (["bob", "ḃöb ✍️"], False, None),
                          (None, True, None), (None, False, 3), (["nobody"], False, None)])
def test_sqlite_csv_blocks_with_links_and_provenance_are_the_csv_writers(
        annotated: Database, annotators: list[str] | None, talks_only: bool,
        limit: int | None) -> None:
    """The whole lines SQLite writes (links, entities, provenance and label cells joined from
    TEMP tables) are byte for byte what ``csv.writer`` writes from the rows, in any selection,
    and the TEMP tables are gone afterwards."""
    from stancedesk.formats.annotations_csv import QUOTE_TRIGGERS, csv_cells
    from stancedesk.services.schemes import get_scheme
    from stancedesk.storage import repositories as repo

    _attributed_and_curated(annotated)
    documents = [d.id for d in corpus.list_documents(annotated)
                 if d.source_file == "talks.txt"] if talks_only else None
    keys = get_scheme(annotated).layer_keys
    assert QUOTE_TRIGGERS is not None
    with annotated.read() as session:
        rows = list(repo.annotation_table_rows(session, keys, annotators, documents))[:limit]
        blocks = repo.annotation_csv_blocks(session, keys, csv_cells, QUOTE_TRIGGERS,
                                            annotators, documents, limit, batch=3)
        if not annotated.is_sqlite:
            assert blocks is None
            return
        assert blocks is not None
        counted = list(blocks)
        temp = session.connection().exec_driver_sql(
            "SELECT count(*) FROM sqlite_temp_master").scalar_one()
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows(rows)
    assert b"".join(block for _, block in counted).decode("utf-8") == expected.getvalue()
    assert sum(n for n, _ in counted) == len(rows)
    assert (annotators == ["nobody"]) == (rows == [])
    if annotators is None and limit is None:  # the comparison covers every kind of cell
        assert '"lead, the"' in expected.getvalue() and '""%d""' in expected.getvalue()
        assert '"Agence ""AFP"", Paris"' in expected.getvalue()
    assert temp == 0


@pytest.mark.parametrize(("annotators", "talks_only", "limit"),
                         [(None, False, None), (["bob", "ḃöb ✍️"], True, None),
                          (None, False, 2), (["nobody"], False, None)])
def test_parquet_by_column_equals_parquet_by_row(annotated: Database, tmp_path: Path,
                                                 annotators: list[str] | None,
                                                 talks_only: bool, limit: int | None) -> None:
    """The Parquet written from column batches (SQLite) is the table written from the rows,
    schema, nulls and all: links, entity, provenance, spans without labels or notes."""
    import pyarrow.parquet as pq

    from stancedesk.formats.annotations_parquet import (
        write_annotation_batches_parquet,
        write_annotation_rows_parquet,
    )
    from stancedesk.services.schemes import get_scheme
    from stancedesk.storage import repositories as repo

    _attributed_and_curated(annotated)
    documents = [d.id for d in corpus.list_documents(annotated)
                 if d.source_file == "talks.txt"] if talks_only else None
    scheme = get_scheme(annotated)
    with annotated.read() as session:
        rows = list(repo.annotation_table_rows(session, scheme.layer_keys, annotators,
                                               documents))[:limit]
        batches = repo.annotation_table_batches(session, scheme.layer_keys, annotators,
                                                documents, limit, batch=2)
        if not annotated.is_sqlite:
            assert batches is None
            return
        assert batches is not None
        n = write_annotation_batches_parquet(tmp_path / "columns.parquet", scheme, batches)
    write_annotation_rows_parquet(tmp_path / "rows.parquet", scheme, rows)
    by_column = pq.read_table(tmp_path / "columns.parquet")
    by_row = pq.read_table(tmp_path / "rows.parquet")
    assert n == len(rows) == by_row.num_rows
    assert by_column.schema.equals(by_row.schema, check_metadata=True)
    assert by_column.equals(by_row)
    if annotators is None and limit is None:  # the comparison covers every kind of cell
        cells = by_row.to_pydict()
        assert {"attributed_to", "via", "cue"} <= {c for c in cells if any(cells[c])}
        assert 'Agence "AFP", Paris' in cells["entity"]
        assert "lead, the" in cells["curated_by"] and None in cells["stance"]
