"""Regression tests for the hostile-input defects of issue 10: each input that once gave a
traceback, a hang or silently wrong data now ends in one line naming the file, and stores nothing.
"""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from docx import Document as NewDocx
from openpyxl import Workbook

from stancedesk.cli import main
from stancedesk.domain.errors import UserError
from stancedesk.formats.annotations_csv import columns
from stancedesk.services import corpus, formats_registry, schemes
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database

TEXT = "Talks resume in Geneva.\nThe minister said yes.\n"


def refused(call, path: Path | str, *words: str) -> str:
    """``call()`` raises a UserError of one line naming ``path`` (and ``words``)."""
    with pytest.raises(UserError) as caught:
        call()
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message, message
    for word in words:
        assert word in message, message
    return message


def nothing_stored(db: Database) -> None:
    assert corpus.count_documents(db) == 0
    assert span_service.list_spans(db) == []


def import_corpus(db: Database, path: Path):
    return lambda: corpus.import_paths(db, [path])


def import_annotations(db: Database, path: Path, fmt: str, **kw):
    return lambda: formats_registry.import_annotations(db, path, fmt=fmt, **kw)


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# --- compressed inputs -----------------------------------------------------------------------

def docx_bytes(document_xml: bytes | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    doc = NewDocx()
    doc.add_paragraph("Talks resume in Geneva.")
    doc.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml" and document_xml is not None:
                data = document_xml
            dst.writestr(info, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def paragraphs_xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:body>{body}</w:body></w:document>').encode()


def test_a_zip_bomb_docx_is_refused_from_its_directory(db, tmp_path):
    # 42 MB of empty paragraphs in a 60 KB file: read whole, bombs like it took gigabytes
    bomb = write(tmp_path / "bomb.docx", docx_bytes(paragraphs_xml("<w:p/>" * 7_000_000)))
    assert bomb.stat().st_size < 200_000
    refused(import_corpus(db, bomb), bomb, "zip bomb")
    nothing_stored(db)


def test_a_docx_with_too_many_paragraphs_or_parts_is_refused(db, tmp_path):
    # small and ordinary in ratio, but python-docx would spend minutes on its paragraphs
    many = write(tmp_path / "many.docx", docx_bytes(paragraphs_xml(
        "<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 80_000)))
    refused(import_corpus(db, many), many, "paragraphs")
    parts = write(tmp_path / "parts.docx", docx_bytes(
        extra={f"extra/part{i}.bin": b"x" for i in range(2_100)}))
    refused(import_corpus(db, parts), parts, "parts")
    nothing_stored(db)


def test_a_docx_part_that_lies_about_its_size_is_refused(db, tmp_path):
    data = bytearray(docx_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    # shrink the size the central directory states: the inflated bytes no longer match it
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"word/document.xml") + 1)
    stated = central + 24
    assert int.from_bytes(data[stated:stated + 4], "little") == info.file_size
    data[stated:stated + 4] = (10).to_bytes(4, "little")
    liar = write(tmp_path / "liar.docx", bytes(data))
    refused(import_corpus(db, liar), liar)
    nothing_stored(db)


def test_damaged_docx_xml_is_one_line(db, tmp_path):
    broken = write(tmp_path / "broken.docx", docx_bytes(b"<w:document><w:body>"))
    refused(import_corpus(db, broken), broken, "not a readable .docx")


def test_a_zip_bomb_xlsx_is_refused(db, tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>a</t></si>" * 400_000
                         + "</sst>")
    bomb = write(tmp_path / "bomb.xlsx", out.getvalue())
    refused(import_annotations(db, bomb, "xlsx"), bomb, "zip bomb")


# --- NUL characters and unstorable text ------------------------------------------------------

@pytest.mark.parametrize(("name", "data"), [
    ("late.txt", "x" * 9000 + "\x00 hidden"),
    ("late.md", "# Title\n\n" + "x" * 9000 + "\x00"),
    ("late.csv", "title,text\nA," + "x" * 9000 + "\x00\n"),
    ("escaped.jsonl", json.dumps({"text": "Talks\u0000 resume"}) + "\n"),
    ("surrogate.jsonl", '{"text": "Talks \\ud800 resume"}\n'),
])
def test_nul_and_lone_surrogates_are_refused_in_corpus_files(db, tmp_path, name, data):
    path = write(tmp_path / name, data)
    refused(import_corpus(db, path), path, "cannot be stored")
    nothing_stored(db)


def test_nul_in_annotation_formats_carrying_text(db, tmp_path):
    jsonl = write(tmp_path / "a.jsonl", json.dumps({"text": "a\u0000b", "spans": []}) + "\n")
    refused(import_annotations(db, jsonl, "jsonl"), jsonl, "NUL")
    ls = write(tmp_path / "ls.json", json.dumps([{"data": {"text": "a\u0000b"}}]))
    refused(import_annotations(db, ls, "labelstudio"), ls, "NUL")
    dc = write(tmp_path / "d.jsonl", json.dumps({"text": "ok", "label": [[0, 1, "\ud800"]]}))
    refused(import_annotations(db, dc, "doccano"), dc, "surrogate")
    folder = tmp_path / "brat"
    folder.mkdir()
    write(folder / "a.txt", "Talks\x00 resume\n")
    write(folder / "a.ann", "T1\tstance_favor 0 5\tTalks\n")
    refused(import_annotations(db, folder, "brat"), folder / "a.txt", "NUL")
    nothing_stored(db)


# --- tracebacks that are now one line --------------------------------------------------------

def test_deeply_nested_json_everywhere(db, tmp_path):
    nested = deep(50_000)
    cases = [
        (write(tmp_path / "c.jsonl", '{"text": "x", "extra": ' + nested + "}\n"), "corpus"),
        (write(tmp_path / "a.jsonl", '{"text": "x", "spans": ' + nested + "}\n"), "jsonl"),
        (write(tmp_path / "ls.json", nested), "labelstudio"),
        (write(tmp_path / "d.jsonl", '{"text": "x", "label": ' + nested + "}\n"), "doccano"),
    ]
    for path, fmt in cases:
        call = import_corpus(db, path) if fmt == "corpus" else import_annotations(db, path, fmt)
        refused(call, path, "nested")
    # shallow enough for the parser, too deep to store as metadata
    meta = write(tmp_path / "meta.jsonl", '{"text": "x", "extra": ' + deep(500) + "}\n")
    refused(import_corpus(db, meta), meta, "nested")
    scheme = write(tmp_path / "scheme.json", '{"layers": ' + nested + "}")
    with pytest.raises(UserError, match="nested"):
        schemes.read_scheme_file(scheme)
    mapping = write(tmp_path / "map.json", '{"labels": ' + nested + "}")
    jsonl = write(tmp_path / "ok.jsonl", json.dumps({"text": "x", "spans": []}) + "\n")
    refused(import_annotations(db, jsonl, "jsonl", mapping=str(mapping)), mapping, "nested")
    nothing_stored(db)


def test_deeply_nested_html(db, tmp_path):
    page = write(tmp_path / "deep.html", "<html><body>" + "<div>" * 5_000 + "Deep text"
                 + "</div>" * 5_000 + "</body></html>")
    report = corpus.import_paths(db, [page])
    assert report.added[0].text == "Deep text\n"


def test_a_page_of_a_million_tags_is_refused_quickly(db, tmp_path):
    page = write(tmp_path / "huge.html", "<p>" + "<b>x</b>" * 500_000)
    refused(import_corpus(db, page), page, "tags")


def test_mapping_files_that_are_not_utf8_or_hold_surrogates(db, tmp_path):
    jsonl = write(tmp_path / "ok.jsonl", json.dumps({"text": "x", "spans": []}) + "\n")
    latin = write(tmp_path / "latin.json", '{"Favour": "stance:favor", "caf\xe9": null}'
                  .encode("latin-1"))
    refused(import_annotations(db, jsonl, "jsonl", mapping=str(latin)), latin, "UTF-8")
    surrogate = write(tmp_path / "s.json", '{"\\udc00": "stance:favor"}')
    refused(import_annotations(db, jsonl, "jsonl", mapping=str(surrogate)), surrogate,
            "surrogate")
    nothing_stored(db)


def jsonl_line(**span) -> str:
    base = {"annotator": "alice", "start": 0, "end": 5, "text": "Talks",
            "labels": {"stance": "favor"}}
    base.update(span)
    return json.dumps({"text": TEXT, "spans": [base]}) + "\n"


def ls_task(value: dict | None = None, annotation: dict | None = None, **task) -> str:
    region = {"id": "r1", "from_name": "stance", "to_name": "text", "type": "labels",
              "value": {"start": 0, "end": 5, "text": "Talks", "labels": ["favor"],
                        **(value or {})}}
    ann = {"completed_by": {"email": "alice"}, "result": [region], **(annotation or {})}
    return json.dumps([{"data": {"text": TEXT}, "annotations": [ann], **task}])


@pytest.mark.parametrize(("case", "fmt", "data", "words"), [
    ("end-before-start", "jsonl", jsonl_line(start=5, end=2, text=""), ("offsets",)),
    ("negative", "jsonl", jsonl_line(start=-3, end=5, text=""), ("offsets",)),
    ("blank-annotator", "jsonl", jsonl_line(annotator="   "), ("annotator",)),
    ("annotator-object", "jsonl", jsonl_line(annotator={"a": 1}), ("annotator",)),
    ("text-not-str", "jsonl", json.dumps({"text": ["a"], "spans": []}), ("'text'",)),
    ("spans-not-list", "jsonl", json.dumps({"text": TEXT, "spans": 5}), ("'spans'",)),
    ("ls-end-before-start", "labelstudio", ls_task({"start": 5, "end": 2, "text": ""}),
     ("region",)),
    ("ls-negative", "labelstudio", ls_task({"start": -1}), ("region -1:5", "negative")),
    ("ls-negative-end", "labelstudio", ls_task({"start": 0, "end": -5}), ("negative",)),
    ("ls-blank-annotator", "labelstudio", ls_task(annotation={"completed_by": " "}),
     ("annotator",)),
    ("ls-annotations-int", "labelstudio", json.dumps([{"data": {"text": TEXT},
                                                       "annotations": 5}]), ("'annotations'",)),
    ("ls-annotations-str", "labelstudio", json.dumps([{"data": {"text": TEXT},
                                                       "annotations": "abc"}]),
     ("'annotations'",)),
    ("ls-result-int", "labelstudio", ls_task(annotation={"result": 7}), ("'result'",)),
    ("ls-textarea-text-int", "labelstudio", json.dumps([{"data": {"text": TEXT}, "annotations": [
        {"result": [{"id": "r1", "from_name": "target", "type": "textarea",
                     "value": {"start": 0, "end": 5, "text": 7}}]}]}]), ("'text'",)),
    ("doccano-notes-int", "doccano", json.dumps({"text": TEXT, "label": [[0, 5, "x"]],
                                                "notes": 3}), ("'notes'",)),
    ("doccano-blank-annotator", "doccano", json.dumps({"text": TEXT, "label": [],
                                                      "annotator": " "}), ("annotator",)),
])
def test_wrong_types_and_offsets_are_one_line(db, tmp_path, case, fmt, data, words):
    path = write(tmp_path / f"{case}.{'json' if fmt == 'labelstudio' else 'jsonl'}", data)
    refused(import_annotations(db, path, fmt), path, *words)
    nothing_stored(db)


def device(path: Path, minor: int) -> str:
    """A private copy of the memory device ``1:minor`` (3 null, 7 full), or the system's."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except OSError:
        return {3: "/dev/null", 7: "/dev/full"}[minor]
    return str(path)


def test_an_export_to_a_folder_or_a_full_disk_is_one_line(annotated, tmp_path, capsys):
    db = annotated.db.url
    for fmt in ("csv", "xlsx", "labelstudio"):
        assert main(["--db", db, "export", "annotations", "--format", fmt, "-o",
                     str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"stancedesk: error: {tmp_path}") and err.count("\n") == 1
        assert "folder" in err
    full = device(tmp_path / "full", 7)
    for fmt in ("csv", "parquet"):  # like /dev/full: every write fails with ENOSPC
        assert main(["--db", db, "export", "annotations", "--format", fmt, "-o", full]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"stancedesk: error: {full}: cannot write") and \
            err.count("\n") == 1
        assert stat.S_ISCHR(os.stat(full).st_mode)
    assert main(["--db", db, "export", "annotations", "-o",
                 str(tmp_path / "missing" / "a.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_full_disk_during_an_export_leaves_no_partial_file(annotated, tmp_path, monkeypatch):
    import errno

    from stancedesk.formats import annotations_csv

    target = write(tmp_path / "old.csv", "previous export\n")

    def full(out, header, rows, *, safe=False):
        out.write("annotation_id,")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(annotations_csv, "write_annotation_rows", full)
    monkeypatch.setattr(annotations_csv, "write_annotation_blocks", full)  # SQLite's fast path
    refused(lambda: formats_registry.export_annotations(annotated.db, "csv", target), target,
            "No space left")
    assert target.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("old")) == ["old.csv"]


# --- wrong data stored silently --------------------------------------------------------------

def test_zero_length_spans_are_refused(db, tmp_path):
    jsonl = write(tmp_path / "z.jsonl", jsonl_line(start=3, end=3, text=""))
    refused(import_annotations(db, jsonl, "jsonl"), jsonl, "offsets")
    ls = write(tmp_path / "z.json", ls_task({"start": 3, "end": 3, "text": ""}))
    refused(import_annotations(db, ls, "labelstudio"), ls, "empty")
    folder = tmp_path / "brat"
    folder.mkdir()
    write(folder / "a.txt", TEXT)
    write(folder / "a.ann", "T1\tstance_favor 3 3\t\n")
    refused(import_annotations(db, folder, "brat"), folder / "a.ann", "empty")
    nothing_stored(db)


def test_label_studio_labels_given_as_a_string_are_refused(db, tmp_path):
    path = write(tmp_path / "s.json", ls_task({"labels": "favor"}))
    refused(import_annotations(db, path, "labelstudio"), path, "'labels' must be a list")
    nothing_stored(db)


def test_an_empty_jsonl_text_is_refused(db, tmp_path):
    for text in ("", "  \n"):
        path = write(tmp_path / "e.jsonl", json.dumps({"text": text, "spans": []}) + "\n")
        refused(import_annotations(db, path, "jsonl"), path, "no text")
    nothing_stored(db)


def test_a_truncated_corpus_csv_is_refused(db, tmp_path):
    path = write(tmp_path / "cut.csv", 'title,text\nA,"Talks resume in Geneva.\nThe minis')
    refused(import_corpus(db, path), path, "truncated")
    nothing_stored(db)


def test_an_xlsx_note_typed_as_a_formula_keeps_its_text(db, tmp_path):
    doc = corpus.import_paths(db, [write(tmp_path / "a.txt", TEXT)]).added[0]
    scheme = schemes.get_scheme(db)
    wb = Workbook()
    sheet = wb.active
    sheet.title = "spans"
    header = columns(scheme)
    sheet.append(header)
    row = dict.fromkeys(header, "")
    row.update(document_id=doc.id, annotator="alice", start=0, end=5, text="Talks",
               stance="favor", note='=HYPERLINK("http://example.org","see")')
    sheet.append([row[h] for h in header])
    assert sheet.cell(2, header.index("note") + 1).data_type == "f"  # a formula cell
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    formats_registry.import_annotations(db, path, fmt="xlsx")
    (span,) = span_service.list_spans(db)
    assert span.note == '=HYPERLINK("http://example.org","see")'


def test_brat_keeps_a_trailing_newline_so_a_reimport_adds_nothing(db, tmp_path):
    doc = corpus.import_paths(db, [write(tmp_path / "a.txt", TEXT)]).added[0]
    span_service.create_span(db, doc.id, "alice", 0, 24, {"stance": "favor"})  # "...Geneva.\n"
    span_service.create_span(db, doc.id, "alice", 23, 30, {"stance": "against"})  # "\nThe mi"
    out = tmp_path / "brat"
    formats_registry.export_annotations(db, "brat", out)
    report = formats_registry.import_annotations(db, out, fmt="brat")
    assert (report.added, report.unchanged) == (0, 2)
    assert sorted((s.start, s.end) for s in span_service.list_spans(db)) == [(0, 24), (23, 30)]


def test_sidecar_metadata_that_cannot_be_stored_is_refused(db, tmp_path):
    article = write(tmp_path / "a.txt", TEXT)
    for name, sidecar in (("deep", '{"title": "T", "tags": ' + deep(50_000) + "}"),
                          ("nested", '{"title": "T", "tags": ' + deep(500) + "}"),
                          ("surrogate", '{"title": "T \\ud800"}'),
                          ("nul", '{"title": "T", "desk": "a\\u0000b"}')):
        meta = write(tmp_path / "a.json", sidecar)
        refused(import_corpus(db, article), meta, name if name == "nested" else "")
    nothing_stored(db)


def test_annotation_csv_streamed_from_disk_refuses_late_nul_and_truncation(db, tmp_path):
    doc = corpus.import_paths(db, [write(tmp_path / "a.txt", TEXT)]).added[0]
    header = "document_id,annotator,start,end,text,note\n"
    good = f"{doc.id},alice,0,5,Talks,ok\n"
    late_nul = write(tmp_path / "nul.csv", header + good * 200 + f"{doc.id},bob,0,5,Talks,a\x00b\n")
    assert late_nul.stat().st_size > 8192
    refused(import_annotations(db, late_nul, "csv"), late_nul, "NUL", "line 202")
    cut = write(tmp_path / "cut.csv", header + good + f'{doc.id},bob,0,5,Talks,"a note cut')
    refused(import_annotations(db, cut, "csv"), cut, "truncated")
    assert span_service.list_spans(db) == []
