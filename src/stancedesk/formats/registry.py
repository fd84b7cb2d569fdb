"""Which reader handles which file: extensions for corpora, names for annotation formats."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stancedesk.formats import corpus, corpus_docx, corpus_pdf
from stancedesk.formats.corpus import CorpusReader


@dataclass(frozen=True, slots=True)
class CorpusFormat:
    name: str
    extensions: tuple[str, ...]
    reader: CorpusReader
    description: str


CORPUS_FORMATS: tuple[CorpusFormat, ...] = (
    CorpusFormat("text", (".txt",), corpus.read_plain, "plain text (optional --- front matter)"),
    CorpusFormat("markdown", (".md", ".markdown"), corpus.read_markdown,
                 "Markdown, stored as written (optional --- front matter)"),
    CorpusFormat("html", (".html", ".htm"), corpus.read_html, "a web page, reduced to its article"),
    CorpusFormat("jsonl", (".jsonl",), corpus.read_jsonl,
                 "one article per line: text, title, outlet, date, url, id"),
    CorpusFormat("csv", (".csv",), corpus.read_csv_corpus,
                 "one article per row: text, title, outlet, date, url, id"),
    CorpusFormat("docx", (".docx",), corpus_docx.read_docx,
                 "a Word document: paragraphs joined by a blank line"),
    CorpusFormat("pdf", (".pdf",), corpus_pdf.read_pdf,
                 "a PDF with a text layer: pages joined by a blank line"),
)


def corpus_format_for(path: Path) -> CorpusFormat | None:
    suffix = path.suffix.lower()
    for fmt in CORPUS_FORMATS:
        if suffix in fmt.extensions:
            return fmt
    return None


def corpus_extensions() -> tuple[str, ...]:
    return tuple(ext for fmt in CORPUS_FORMATS for ext in fmt.extensions)
