"""Corpus import of .docx and .pdf: the documented text rule, stable offsets, titles."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document as NewDocx

from stancedesk.formats.corpus_docx import read_docx
from stancedesk.formats.corpus_pdf import read_pdf
from stancedesk.formats.errors import FormatError
from stancedesk.services import corpus


def make_docx(path: Path, title: str = "") -> Path:
    doc = NewDocx()
    if title:
        doc.core_properties.title = title
    doc.add_paragraph("Talks resume 🎉 in Geneva")
    doc.add_paragraph("")
    para = doc.add_paragraph("The minister said ")
    para.add_run("“a breakthrough”").bold = True
    para.add_run(". قال المتحدث")
    doc.add_paragraph("Cafe\u0301 talks.")
    doc.save(str(path))
    return path


def make_pdf(path: Path, pages: list[list[str]], title: str = "") -> Path:
    """A minimal PDF with Helvetica text, one line per Td move, written byte by byte."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    font = 3
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for lines in pages:
        ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops += [f"({escaped}) Tj", "T*"]
        ops.append("ET")
        stream = "\n".join(ops)
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        content = len(objects)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Contents {content} 0 R /Resources << /Font << /F1 {font} 0 R >> >> >>")
        kids.append(len(objects))
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] " \
                 f"/Count {len(kids)} >>"
    info = None
    if title:
        objects.append(f"<< /Title ({title}) >>")
        info = len(objects)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R" + (f" /Info {info} 0 R" if info else "")
    out += f"trailer\n{trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def test_docx_text_rule_and_title(tmp_path):
    path = make_docx(tmp_path / "a.docx", title="Geneva talks")
    [draft] = read_docx(path.read_bytes(), str(path))
    assert draft.text == ("Talks resume 🎉 in Geneva\n\nThe minister said “a breakthrough”. "
                          "قال المتحدث\n\nCafe\u0301 talks.\n")
    assert draft.title == "Geneva talks"
    # Stable: the same bytes give the same text (and so the same offsets and id).
    assert read_docx(path.read_bytes(), str(path))[0].text == draft.text


def test_docx_title_falls_back_to_first_line(tmp_path):
    path = make_docx(tmp_path / "b.docx")
    assert read_docx(path.read_bytes(), str(path))[0].title == "Talks resume 🎉 in Geneva"


def test_pdf_text_rule_and_title(tmp_path):
    path = make_pdf(tmp_path / "a.pdf", [["Talks resume in Geneva", "The minister (said) it"],
                                         ["Page two"]], title="PDF title")
    [draft] = read_pdf(path.read_bytes(), str(path))
    assert draft.text == "Talks resume in Geneva\nThe minister (said) it\n\nPage two\n"
    assert draft.title == "PDF title"
    path2 = make_pdf(tmp_path / "b.pdf", [["First line here"]])
    assert read_pdf(path2.read_bytes(), str(path2))[0].title == "First line here"


def test_bad_files_name_the_file(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(FormatError, match=r"bad\.docx"):
        read_docx(bad.read_bytes(), str(bad))
    badpdf = tmp_path / "bad.pdf"
    badpdf.write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(FormatError, match=r"bad\.pdf"):
        read_pdf(badpdf.read_bytes(), str(badpdf))
    empty = make_pdf(tmp_path / "empty.pdf", [[]])
    with pytest.raises(FormatError, match="no text layer"):
        read_pdf(empty.read_bytes(), str(empty))


def test_corpus_import_of_a_folder_with_docx_and_pdf(db, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    make_docx(folder / "a.docx", title="Geneva talks")
    make_pdf(folder / "b.pdf", [["Talks resume in Geneva"]])
    report = corpus.import_paths(db, [folder])
    assert sorted(d.source_file for d in report.added) == ["a.docx", "b.pdf"]
    again = corpus.import_paths(db, [folder])
    assert not again.added and len(again.duplicates) == 2  # same text, same id: stable
