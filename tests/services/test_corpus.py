"""Corpus import: every file type, exact text, de-duplication, and all-or-nothing bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.domain import Document
from stancedesk.domain.errors import Cancelled, NotFoundError
from stancedesk.formats.errors import FormatError
from stancedesk.services import corpus
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

UNICODE_TEXT = ("“Peace is close,” said Zoe\u0301 Arnaud — 🕊️🤝 — while protesters chanted "
                "«ماؤنا ليس للبيع» and a Hebrew sign read שלום.\n")


def _stored_texts(db: Database) -> list[str]:
    return sorted(corpus.get_texts(db).values())


def test_plain_text_is_stored_exactly_except_bom_and_newlines(db: Database,
                                                              tmp_path: Path) -> None:
    raw = "\ufeff  Line one\r\nLine two\rLine three\n\n  trailing  \n"
    (tmp_path / "a.txt").write_bytes(raw.encode("utf-8"))
    report = corpus.import_paths(db, [tmp_path / "a.txt"])
    assert len(report.added) == 1
    doc = corpus.get_document(db, report.added[0].id)
    assert doc.text == "  Line one\nLine two\nLine three\n\n  trailing  \n"
    assert doc.source_file == "a.txt"
    assert doc.title == "Line one"


def test_unicode_text_survives_unchanged(db: Database, tmp_path: Path) -> None:
    (tmp_path / "u.txt").write_text(UNICODE_TEXT, encoding="utf-8")
    corpus.import_paths(db, [tmp_path / "u.txt"])
    (text,) = _stored_texts(db)
    assert text == UNICODE_TEXT
    assert "e\u0301" in text  # the combining mark was not normalised away


def test_the_reader_reads_a_document_with_the_utf8_sqlite_stores(db: Database) -> None:
    """``read_document`` is ``get_document`` plus, on SQLite, the text's bytes as stored (the
    desk hands them to Qt): emoji, a combining mark, right-to-left text, a no-break space and
    a carriage return arrive exactly."""
    text = UNICODE_TEXT + "Zeile\r\n\u00a0weiter 👍🏽 ende"
    doc = Document.from_text(text, title="Talks", metadata={"desk": 1})
    with db.write() as session:
        repo.add_document(session, doc)
    read, utf8 = corpus.read_document(db, doc.id)
    assert read == corpus.get_document(db, doc.id)
    assert read.text == text
    assert utf8 == (text.encode("utf-8") if db.is_sqlite else None)
    with pytest.raises(NotFoundError):
        corpus.read_document(db, "no-such-document")


def test_markdown_front_matter_becomes_metadata(db: Database, tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text(
        "---\ntitle: Talks resume\noutlet: Meridian\ndate: 2026-03-04\n"
        "url: https://example.org/x\nauthor: J. Doe\n---\n# Heading\n\nBody “text”.\n",
        encoding="utf-8")
    (doc,) = corpus.import_paths(db, [tmp_path / "m.md"]).added
    stored = corpus.get_document(db, doc.id)
    assert stored.text == "# Heading\n\nBody “text”.\n"
    assert (stored.title, stored.outlet, stored.published, stored.url) == (
        "Talks resume", "Meridian", "2026-03-04", "https://example.org/x")
    assert stored.metadata == {"author": "J. Doe"}


def test_html_is_reduced_to_article_text(db: Database, tmp_path: Path) -> None:
    (tmp_path / "p.html").write_text("""<!doctype html><html><head>
<title>Site | Border talks</title><meta property="og:title" content="Border talks resume">
<meta property="og:site_name" content="Meridian"><script>var x = "no";</script>
<meta property="article:published_time" content="2026-03-04T08:00:00Z"></head>
<body><nav>Home | World</nav><header>Logo</header>
<article><h1>Border   talks resume</h1><p>KESSA (Meridian) - Envoys
met on <b>Tuesday</b>, a diplomat said.</p><p>“It is a start,” she said. 🕊️</p>
<aside>Related stories</aside></article><footer>© 2026</footer></body></html>""",
                                       encoding="utf-8")
    (doc,) = corpus.import_paths(db, [tmp_path / "p.html"]).added
    stored = corpus.get_document(db, doc.id)
    assert stored.text == ("Border talks resume\n\nKESSA (Meridian) - Envoys met on Tuesday, a "
                           "diplomat said.\n\n“It is a start,” she said. 🕊️\n")
    assert stored.title == "Border talks resume"
    assert stored.outlet == "Meridian"
    assert stored.published == "2026-03-04T08:00:00Z"


def test_jsonl_and_csv_carry_metadata(db: Database, tmp_path: Path) -> None:
    lines = [{"text": "First article.\r\nSecond line.", "title": "One", "outlet": "Wire",
              "date": "2026-01-02", "url": "https://example.org/1", "id": "ext-1",
              "section": "world"},
             {"text": UNICODE_TEXT}]
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False)
                                                for x in lines) + "\n\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text(
        'title,text,outlet,date\r\nThird,"Multi\r\nline ""quoted"" text",Daily,2026-02-03\r\n',
        encoding="utf-8")
    report = corpus.import_paths(db, [tmp_path])
    assert len(report.added) == 3
    docs = {d.title: corpus.get_document(db, d.id) for d in report.added}
    assert docs["One"].text == "First article.\nSecond line."
    assert docs["One"].metadata == {"section": "world", "external_id": "ext-1"}
    assert (docs["One"].outlet, docs["One"].published) == ("Wire", "2026-01-02")
    assert docs["Third"].text == 'Multi\nline "quoted" text'
    assert docs["Third"].source_file == "c.csv"
    assert UNICODE_TEXT in _stored_texts(db)


def test_same_text_is_not_duplicated(db: Database, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Same article.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("Same article.\r\n", encoding="utf-8")
    first = corpus.import_paths(db, [tmp_path / "a.txt", tmp_path / "b.md"])
    assert len(first.added) == 1 and len(first.duplicates) == 1
    second = corpus.import_paths(db, [tmp_path / "a.txt"])
    assert second.added == [] and len(second.duplicates) == 1
    assert len(corpus.list_documents(db)) == 1


def test_folders_are_walked_and_other_files_skipped(db: Database, tmp_path: Path) -> None:
    tmp_path = tmp_path / "corpus"
    (tmp_path / "sub").mkdir(parents=True)
    (tmp_path / "sub" / "x.txt").write_text("Nested.\n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.txt").write_text("Hidden.\n", encoding="utf-8")
    report = corpus.import_paths(db, [tmp_path])
    assert [d.text for d in report.added] == ["Nested.\n"]
    assert report.skipped_files == [str(tmp_path / "image.png")]


@pytest.mark.parametrize(("name", "content", "line", "problem"), [
    ("bin.txt", b"abc\x00\x01\x02", None, "binary file"),
    ("latin.txt", "ok\nline two caf\xe9\n".encode("latin-1"), 2, "not valid UTF-8"),
    ("empty.md", b"  \n\n", None, "has no text"),
    ("front.md", b"---\ntitle: x\n---\n\n", None, "has no text"),
    ("open.md", b"---\ntitle: x\nbody\n", 1, "never closed"),
    ("bad.jsonl", b'{"text": "fine"}\n{"text": "broken"\n', 2, "malformed JSON"),
    ("notext.jsonl", b'{"text": "fine"}\n\n{"title": "no text"}\n', 3, "no 'text' string"),
    ("array.jsonl", b'["text"]\n', 1, "JSON object"),
    ("emptytext.jsonl", b'{"text": "   "}\n', 1, "has no text"),
    ("nocol.csv", b"title,body\nx,y\n", 1, "no 'text' column"),
    ("empty.csv", b"", None, "empty"),
    ("cells.csv", b"text,title\nabc,x,extra\n", 2, "more cells"),
    ("page.html", b"<html><body><nav>menu</nav></body></html>", None, "no text"),
])
def test_bad_input_names_file_line_and_problem_and_stores_nothing(
        db: Database, tmp_path: Path, name: str, content: bytes, line: int | None,
        problem: str) -> None:
    good = tmp_path / "a-good.txt"
    good.write_text("A perfectly good article.\n", encoding="utf-8")
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(FormatError) as info:
        corpus.import_paths(db, [good, bad])
    err = info.value
    assert err.file == str(bad)
    assert err.line == line
    assert problem in str(err)
    assert str(bad) in str(err)
    assert corpus.list_documents(db) == [], "an import is all-or-nothing"


def test_missing_path_and_unsupported_type(db: Database, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="no such file"):
        corpus.import_paths(db, [tmp_path / "nope.txt"])
    (tmp_path / "a.rtf").write_text("x")
    with pytest.raises(FormatError, match=r"unsupported file type '\.rtf'"):
        corpus.import_paths(db, [tmp_path / "a.rtf"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FormatError, match="no importable files"):
        corpus.import_paths(db, [tmp_path / "empty"])


def test_cancel_stores_nothing(db: Database, tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(f"Article {i}\n", encoding="utf-8")
    seen: list[int] = []
    with pytest.raises(Cancelled):
        corpus.import_paths(db, [tmp_path], progress=lambda done, total, f: seen.append(done),
                            cancelled=lambda: len(seen) >= 2)
    assert corpus.list_documents(db) == []


def test_sample_corpus_imports_with_metadata_and_unicode(sample_db: Database) -> None:
    docs = corpus.list_documents(sample_db)
    assert len(docs) >= 8
    assert all(d.title and d.outlet and d.published and d.source_file.endswith(".md")
               for d in docs)
    texts = "".join(corpus.get_texts(sample_db).values())
    for needle in ("e\u0301", "🕊", "صدى", "“"):
        assert needle in texts
