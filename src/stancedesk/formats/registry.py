"""Which reader handles which file: extensions for corpora, names for annotation formats."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stancedesk.formats import (
    annotations_csv,
    annotations_jsonl,
    annotations_parquet,
    annotations_xlsx,
    brat,
    corpus,
    corpus_docx,
    corpus_pdf,
    doccano,
    labelstudio,
    webanno,
)
from stancedesk.formats.corpus import CorpusReader
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import ExchangeFormat


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


# Annotation exchange formats: each module describes itself (its FORMAT); this is the one list,
# in the order menus show them and detection tries them (JSONL looks inside a .jsonl file
# before doccano takes any; brat's .ann files win over WebAnno's .tsv in a folder).
ANNOTATION_FORMATS: tuple[ExchangeFormat, ...] = tuple(module.FORMAT for module in (
    annotations_csv, annotations_xlsx, annotations_jsonl, annotations_parquet, brat, webanno,
    labelstudio, doccano))


def annotation_format(name: str, path: str = "-") -> ExchangeFormat:
    """The format called ``name``; an unknown name is a user error naming the known ones."""
    for fmt in ANNOTATION_FORMATS:
        if fmt.name == name:
            return fmt
    raise FormatError(path, f"unknown annotation format {name!r} (known: "
                      f"{', '.join(f.name for f in ANNOTATION_FORMATS)})")


def detect_annotation_format(path: Path) -> ExchangeFormat | None:
    """From the name, or for shared suffixes and folders, from a look inside."""
    return next((fmt for fmt in ANNOTATION_FORMATS if fmt.detect(path)), None)


def annotation_file_patterns() -> list[str]:
    """Glob patterns of every file an annotation import reads (for a file chooser)."""
    return list(dict.fromkeys(f"*{suffix}" for fmt in ANNOTATION_FORMATS if fmt.can_import
                              for suffix in fmt.suffixes))
