"""Annotation imports stream: rows are checked one by one, staged in batches, checked across
rows in the database and stored in one statement, still all or nothing with every problem
listed by line. The benchmark that measures a million rows runs here at a tiny size."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from stancedesk.formats.annotations_csv import CsvRecords, read_annotations_csv
from stancedesk.formats.errors import FormatError
from stancedesk.services import corpus, exchange, formats_registry, schemes
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Officials said the talks went well, sources said.\n"
HEADER = ["annotation_id", "document_id", "annotator", "start", "end", "text", "stance"]


@pytest.fixture
def doc(db: Database, tmp_path: Path) -> str:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    return corpus.import_paths(db, [tmp_path / "a.txt"]).added[0].id


def _csv(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _row(doc: str, start: int, end: int, *, sid: str = "", who: str = "ana",
         stance: str = "favor") -> list[object]:
    return [sid, doc, who, start, end, TEXT[start:end], stance]


@pytest.fixture(params=[2, 5000], ids=["batches of 2", "one batch"])
def batch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(exchange, "STAGING_BATCH", request.param)
    return int(request.param)


def test_every_problem_is_listed_by_line_across_batches(db: Database, doc: str, batch: int,
                                                         tmp_path: Path) -> None:
    stored = span_service.create_span(db, doc, "ben", 0, 9, {"stance": "against"})
    rows = [_row(doc, 0, 9, sid="id-1"),                       # line 2: fine
            _row(doc, 10, 14, stance="pro"),                    # line 3: label
            _row(doc, 19, 24, sid="id-2"),                      # line 4: fine
            _row(doc, 0, 9, sid="id-1"),                        # line 5: repeats line 2
            [stored.id, doc, "ben", 0, 9, TEXT[0:9], "favor"],  # line 6: stored differently
            ["", doc, "ana", 0, 4, "Nope", "favor"],            # line 7: text
            _row(doc, 19, 24, sid="id-2"),                      # line 8: repeats line 4
            ["", "no-such-doc", "ana", 0, 4, "Offi", ""]]       # line 9: document
    path = _csv(tmp_path / "bad.csv", rows)
    with pytest.raises(exchange.AnnotationImportError) as info:
        formats_registry.import_annotations(db, path)
    assert [line for line, _ in info.value.problems] == [3, 5, 6, 7, 8, 9]
    message = str(info.value)
    assert "6 problem(s); nothing was imported" in message
    for expected in ("line 3: label 'pro' is not in layer 'stance'",
                     "line 5: annotation_id id-1 repeats line 2",
                     f"line 6: annotation_id {stored.id} already exists with different content",
                     "line 7: text 'Nope' does not match",
                     "line 8: annotation_id id-2 repeats line 4",
                     "line 9: unknown document_id 'no-such-doc'"):
        assert expected in message
    assert span_service.list_spans(db) == [stored]
    assert span_service.list_annotator_names(db) == ["ben"]


def test_a_file_imports_whole_and_a_second_time_adds_nothing(db: Database, doc: str,
                                                             batch: int, tmp_path: Path) -> None:
    rows = [_row(doc, 0, 9, sid="id-1"), _row(doc, 10, 14, who="ben"),
            _row(doc, 10, 14, who="ben"),  # no id, same as the line before: one span
            _row(doc, 19, 24), _row(doc, 29, 33, sid="id-2", who="cem", stance="neutral")]
    path = _csv(tmp_path / "ok.csv", rows)
    report = formats_registry.import_annotations(db, path)
    assert (report.added, report.unchanged) == (4, 1)
    assert report.annotators_created == ["ana", "ben", "cem"]
    assert report.per_annotator == {"ana": 2, "ben": 1, "cem": 1}
    spans = {(s.annotator, s.start, s.end): s for s in span_service.list_spans(db)}
    assert spans[("ana", 0, 9)].id == "id-1" and spans[("ana", 0, 9)].labels == {
        "stance": "favor"}
    assert spans[("cem", 29, 33)].text == TEXT[29:33]
    again = formats_registry.import_annotations(db, path)  # the staging table was dropped
    assert (again.added, again.unchanged) == (0, 5)
    assert len(span_service.list_spans(db)) == 4


def test_a_dry_run_then_the_import(db: Database, doc: str, tmp_path: Path) -> None:
    path = _csv(tmp_path / "ok.csv", [_row(doc, 0, 9), _row(doc, 10, 14)])
    dry = formats_registry.import_annotations(db, path, dry_run=True)
    assert dry.added == 2 and span_service.list_spans(db) == []
    assert formats_registry.import_annotations(db, path).added == 2


def test_streamed_reading_equals_reading_the_bytes(db: Database, tmp_path: Path) -> None:
    scheme = schemes.get_scheme(db)
    path = tmp_path / "crlf.csv"
    path.write_bytes("\ufeffdocument_id,annotator,start,end,text,note\r\n"
                     'd,ana,0,4,Offi,"two\r\nlines"\r\nd,ben,1,3,ff,\r\n\r\n'.encode())
    streamed = list(CsvRecords(path, scheme))
    assert streamed == list(read_annotations_csv(path.read_bytes(), str(path), scheme))
    assert [r.note for r in streamed] == ["two\nlines", ""] and len(CsvRecords(path, scheme)) == 2


def test_invalid_utf8_deep_in_a_file_names_the_line_and_byte(db: Database,
                                                               tmp_path: Path) -> None:
    scheme = schemes.get_scheme(db)
    head = "document_id,annotator,start,end,text\n" + "d,ana,0,4,Offi\n" * 200_000
    path = tmp_path / "latin.csv"
    path.write_bytes(head.encode() + "d,ana,0,4,caf\xe9\n".encode("latin-1"))
    offset = len(head.encode()) + len("d,ana,0,4,caf")
    with pytest.raises(FormatError) as info:
        list(CsvRecords(path, scheme))
    with pytest.raises(FormatError) as whole:
        list(read_annotations_csv(path.read_bytes(), str(path), scheme))
    assert str(info.value) == str(whole.value)
    assert f"byte 0xe9 at byte offset {offset}" in str(info.value)
    assert "line 200002" in str(info.value)


def test_a_binary_or_missing_file_is_refused(db: Database, tmp_path: Path) -> None:
    scheme = schemes.get_scheme(db)
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"document_id\x00\x01")
    with pytest.raises(FormatError, match="binary file"):
        list(CsvRecords(binary, scheme))
    with pytest.raises(FormatError, match="cannot read the file"):
        list(CsvRecords(tmp_path / "missing.csv", scheme))


def test_the_import_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "import_annotations.py"),
                           "--spans", "300", "--documents", "3", "--keep", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("machine: ")
    export = next(line for line in lines if line.startswith("export csv"))
    imported = next(line for line in lines if line.startswith("import csv"))
    assert export.split()[2] == imported.split()[2] == "300" and "PASS" in imported


@pytest.mark.sqlite_only  # reads the SQLite file's raw text
def test_staged_values_are_stored_as_the_orm_stores_them(db: Database, doc: str,
                                                         tmp_path: Path) -> None:
    import re
    import sqlite3

    span_service.create_span(db, doc, "orm", 0, 9, {"stance": "favor"})
    path = _csv(tmp_path / "t.csv", [[*_row(doc, 10, 14), "2024-05-01T00:00:00Z"],
                                     [*_row(doc, 19, 24), ""]], [*HEADER, "created_at"])
    formats_registry.import_annotations(db, path)
    assert db.location.path is not None
    with sqlite3.connect(db.location.path) as conn:
        rows = conn.execute("SELECT a.name, s.created_at, s.updated_at, s.labels FROM spans s "
                            "JOIN annotators a ON a.id = s.annotator_id").fetchall()
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")
    assert all(stamp.match(c) and stamp.match(u) for _, c, u, _ in rows)
    assert {labels for _, _, _, labels in rows} == {'{"stance": "favor"}'}
    assert ("ana", "2024-05-01 00:00:00.000000", "2024-05-01 00:00:00.000000",
            '{"stance": "favor"}') in rows


def test_a_mixed_file_stores_exactly_these_spans(db: Database, doc: str, batch: int,
                                                 tmp_path: Path) -> None:
    """Every kind of row at once: given ids and none, a given id stored already with the same
    content, a row without id equal to a stored span and one equal to an earlier row, times
    in UTC, with an offset and missing, updated apart from created, a spreadsheet's 3.0 for a
    grade, empty cells, notes, roles, a registry entity and a link. The spans stored, with
    every field, and the report are spelt out whole."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from stancedesk.domain import Span
    from stancedesk.services import attribution

    kept = span_service.create_span(db, doc, "ben", 0, 9, {"stance": "against"})
    header = ["annotation_id", "document_id", "annotator", "start", "end", "text", "stance",
              "credibility", "sourcing", "role", "attributed_to", "entity", "note",
              "created_at", "updated_at"]
    t1, t2 = "2024-05-01T10:00:00.5Z", "2024-05-02T12:00:00+02:00"
    rows = [["id-1", doc, "ana", 0, 9, TEXT[0:9], "", "", "official", "source", "",
             "Reuters", "first", t1, t1],                            # an entity
            ["id-2", doc, "ana", 36, 43, TEXT[36:43], "favor", "3.0", "", "claim", "id-1", "",
             "", t1, t2],                                # a link; a grade; two times
            [kept.id, doc, "ben", 0, 9, TEXT[0:9], "against", "", "", "", "", "", "", "", ""],
            ["", doc, " cem ", 10, 14, TEXT[10:14], "neutral", "", "", "", "", "",
             "two\nlines", t2, ""],                                   # stored as "cem"
            ["", doc, "cem", 10, 14, TEXT[10:14], "neutral", "", "", "", "", "", "two\nlines",
             "", ""],                                                # repeats the row above
            ["", doc, "ben", 0, 9, TEXT[0:9], "against", "", "", "", "", "", "", "", ""],
            ["", doc, "dan", 19, 24, TEXT[19:24], "", "", "", "", "", "", "", "", ""]]
    before = datetime.now(UTC)
    report = formats_registry.import_annotations(db, _csv(tmp_path / "mixed.csv", rows, header))
    assert (report.added, report.unchanged, report.links_added) == (4, 3, 1)
    assert report.annotators_created == ["ana", "cem", "dan"]
    assert report.entities_created == ["Reuters"]
    assert report.per_annotator == {"ana": 2, "cem": 1, "dan": 1}
    assert report.spans_added == {doc: {"ana": 2, "cem": 1, "dan": 1}}
    spans = {(s.annotator, s.start): s for s in span_service.list_spans(db)}
    assert len(spans) == 5 and spans[("ben", 0)] == kept
    (reuters,) = attribution.entity_names(db)
    made = [spans[("cem", 10)], spans[("dan", 19)]]
    assert all(len(s.id) == 36 and s.id not in {"id-1", "id-2", kept.id} for s in made)
    assert made[1].created_at is not None and made[1].created_at >= before.replace(
        microsecond=0) and made[1].updated_at == made[1].created_at
    utc = {"tzinfo": UTC}
    assert [spans[("ana", 0)], spans[("ana", 36)], made[0],
            replace(made[1], created_at=None, updated_at=None)] == [
        Span("id-1", doc, "ana", 0, 9, TEXT[0:9], {"sourcing": "official"}, "first",
             datetime(2024, 5, 1, 10, 0, 0, 500000, **utc),
             datetime(2024, 5, 1, 10, 0, 0, 500000, **utc), 1, "source", reuters),
        Span("id-2", doc, "ana", 36, 43, TEXT[36:43], {"stance": "favor", "credibility": "3"},
             "",
             datetime(2024, 5, 1, 10, 0, 0, 500000, **utc),
             datetime(2024, 5, 2, 10, 0, **utc), 1, "claim", None),
        Span(made[0].id, doc, "cem", 10, 14, TEXT[10:14], {"stance": "neutral"}, "two\nlines",
             datetime(2024, 5, 2, 10, 0, **utc), datetime(2024, 5, 2, 10, 0, **utc), 1),
        Span(made[1].id, doc, "dan", 19, 24, TEXT[19:24], {}, "", None, None, 1)]
    links = attribution.links_in(db, [doc])
    assert [(link.from_span, str(link.kind), link.to_span) for link in links] == [
        ("id-2", "attributed_to", "id-1")]



@pytest.mark.parametrize("counted", [100_000, 1], ids=["counted while staging", "by SQL"])
def test_the_report_counts_alike_staged_or_asked(db: Database, doc: str, counted: int,
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from stancedesk.storage import span_import

    monkeypatch.setattr(span_import, "MAX_COUNTED", counted)
    other = corpus.import_paths(db, [_text_file(tmp_path / "b.txt")]).added[0].id
    rows = [_row(doc, 0, 9, who="cem"), _row(other, 0, 9, who="ana"),
            _row(doc, 10, 14, who="ana"), _row(doc, 19, 24, who="cem", sid="x-1")]
    report = formats_registry.import_annotations(db, _csv(tmp_path / "r.csv", rows))
    assert (report.added, report.unchanged) == (4, 0)
    assert report.annotators_created == ["cem", "ana"]
    assert report.per_annotator == {"ana": 2, "cem": 2}
    assert report.spans_added == {doc: {"ana": 1, "cem": 2}, other: {"ana": 1}}


def _text_file(path: Path) -> Path:
    path.write_text(TEXT.replace("well", "fine"), encoding="utf-8")
    return path
