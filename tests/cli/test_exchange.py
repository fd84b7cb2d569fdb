"""The CLI: every format by name, selections, spreadsheet-safe CSV, clear errors."""

from __future__ import annotations

import contextlib
import csv
import io

import pyarrow.parquet as pq
from openpyxl import load_workbook

from stancedesk.cli import main
from stancedesk.services import spans as span_service
from tests.formats.fmt_helpers import fresh_db


def test_format_choices_list_all_eight(capsys):
    for argv in (["export", "annotations", "--help"], ["import", "annotations", "--help"]):
        with contextlib.suppress(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert "csv,xlsx,jsonl,parquet,brat,webanno,labelstudio,doccano" in out.replace(
            " ", "").replace("\n", "")


def test_spreadsheet_safe_csv(annotated, capsys):
    db = annotated.db.url
    assert main(["--db", db, "export", "annotations", "--spreadsheet-safe",
                 "--annotators", "bob"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["annotator"] for r in rows} == {"bob"}
    notes = {r["note"] for r in rows}
    assert "'=1+2 looks like a formula" in notes
    assert "'-border reopening" in {r["target"] for r in rows}
    assert main(["--db", db, "export", "annotations", "--annotators", "bob"]) == 0
    plain = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "=1+2 looks like a formula" in {r["note"] for r in plain}


def test_xlsx_sheets_and_parquet_selection(annotated, tmp_path):
    db = annotated.db.url
    doc = annotated.ids["rtl.txt"]
    out = tmp_path / "a.xlsx"
    assert main(["--db", db, "export", "annotations", "--format", "xlsx", "-o", str(out)]) == 0
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["spans", "documents", "scheme"]
    rows = list(wb["spans"].iter_rows(values_only=True))
    assert len(rows) == 12 and "=1+2 looks like a formula" in {r[-7] for r in rows}
    assert wb["spans"]["A2"].data_type == "s"
    assert len(list(wb["documents"].iter_rows())) == 4
    wb.close()
    pq_out = tmp_path / "a.parquet"
    assert main(["--db", db, "export", "annotations", "--format", "parquet", "-o", str(pq_out),
                 "--documents", doc, "--annotators", "carol ü,alice"]) == 0
    table = pq.read_table(pq_out)
    assert table.num_rows == 3 and set(table.column("document_id").to_pylist()) == {doc}
    assert table.schema.field("start").type == "int64"


def test_binary_formats_need_an_output(annotated, capsys):
    db = annotated.db.url
    assert main(["--db", db, "export", "annotations", "--format", "parquet"]) == 2
    assert "give an output file with -o" in capsys.readouterr().err


def test_import_round_trip_via_cli(annotated, tmp_path, capsys):
    db = annotated.db.url
    out = tmp_path / "ls.json"
    assert main(["--db", db, "export", "annotations", "--format", "labelstudio", "-o",
                 str(out), "--annotators", "alice"]) == 0
    other = fresh_db(tmp_path)
    other_path = str(other.location.path)
    other.dispose()
    assert main(["--db", other_path, "import", "annotations", str(out)]) == 0
    assert "imported 5 annotation(s)" in capsys.readouterr().out
    check = fresh_db(tmp_path, name="other.sqlite")
    try:
        assert {s.annotator for s in span_service.list_spans(check)} == {"alice"}
    finally:
        check.dispose()


def test_import_unmapped_labels_exit_1(db, tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "Some text here.", "label": [[0, 4, "Favour"]]}\n',
                    encoding="utf-8")
    db_path = db.url
    assert main(["--db", db_path, "import", "annotations", str(path)]) == 2
    assert "'Favour'" in capsys.readouterr().err
    assert main(["--db", db_path, "import", "annotations", str(path), "--map",
                 "Favour=stance:favor"]) == 0


def test_xlsx_sheets_are_sized_for_read_only_readers(annotated, tmp_path):
    """openpyxl's read-only reader trusts each sheet's recorded size: an unsized sheet reads as
    empty (max_row None). The export records it, freezes the header and filters every column."""
    db = annotated.db.url
    out = tmp_path / "a.xlsx"
    assert main(["--db", db, "export", "annotations", "--format", "xlsx", "-o", str(out)]) == 0
    wb = load_workbook(out, read_only=True)
    try:
        spans, documents, scheme = wb["spans"], wb["documents"], wb["scheme"]
        # 16 + 5 attribution columns + 4 curation columns
        assert (spans.max_row, spans.max_column) == (12, 25)
        assert spans.calculate_dimension() == "A1:Y12"
        assert len(list(spans.iter_rows(values_only=True))) == spans.max_row
        assert documents.max_row == 4 and scheme.max_row > 1
        ids = [r[0] for r in spans.iter_rows(min_row=2, values_only=True)]
        assert len(ids) == 11 and all(ids)
    finally:
        wb.close()
    full = load_workbook(out)
    assert full["spans"].freeze_panes == "A2"
    assert full["spans"].auto_filter.ref == "A1:Y12"
    assert full["spans"]["A1"].font.bold and full["spans"].column_dimensions["H"].width > 40
    full.close()


def test_a_large_xlsx_export_reads_back_every_row(tmp_path):
    from stancedesk.domain import Document, Span
    from stancedesk.formats.annotations_xlsx import read_annotations_xlsx, write_annotations_xlsx
    from stancedesk.services.project import default_scheme

    scheme = default_scheme()
    doc = Document.from_text("Officials said so. " * 50)
    spans = [Span(f"id-{i:05d}", doc.id, "ana", i, i + 9, doc.text[i:i + 9],
                  {"stance": "favor"} if i % 2 else {}, "=SUM(A1)" if i == 7 else "")
             for i in range(900)]
    out = tmp_path / "big.xlsx"
    assert write_annotations_xlsx(out, scheme, spans, lambda _id: doc) == 900
    wb = load_workbook(out, read_only=True)
    assert wb["spans"].max_row == 901 and wb["documents"].max_row == 2
    wb.close()
    records = list(read_annotations_xlsx(out, scheme))
    assert [r.annotation_id for r in records] == [s.id for s in spans]
    assert records[7].note == "=SUM(A1)" and records[1].labels == {"stance": "favor"}
