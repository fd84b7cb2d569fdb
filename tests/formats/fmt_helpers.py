"""A small annotated corpus that every format must carry across unchanged.

Texts mix emoji (outside the BMP, two UTF-16 units), combining marks and right-to-left script,
so offset conversions are exercised; spans overlap, cross line breaks, carry several layers,
notes and free-text values with spaces and formula-looking starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stancedesk.domain import Span
from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.storage.engine import Database

TEXTS = {
    "emoji.txt": "Talks resume 🎉 in Geneva.\n\nThe minister said 👍 “a breakthrough”, "
                 "sources told Reuters 🇺🇳.\n",
    "marks.txt": "Le ministre a dit : « C’est une trahison » — selon des sources anonymes.\n"
                 "Cafe\u0301 talks e\u0301chouent.\n",
    "rtl.txt": "Officials welcomed it.\nقال المتحدث إن المحادثات مثمرة 😀.\nExperts doubt it.\n",
}


@dataclass
class Corpus:
    db: Database
    folder: Path
    ids: dict[str, str]  # file name -> document id


def _find(text: str, needle: str, start: int = 0) -> tuple[int, int]:
    i = text.index(needle, start)
    return i, i + len(needle)


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


def fresh_db(tmp_path: Path, name: str = "other.sqlite", corpus_folder: Path | None = None) -> \
        Database:
    database = open_database(str(tmp_path / name), seed_sample=False)
    if corpus_folder is not None:
        corpus.import_paths(database, [corpus_folder])
    return database


def span_key(span: Span) -> tuple:
    return (span.document_id, span.annotator, span.start, span.end)


def content(database: Database, *, ids: bool = False, times: bool = False) -> dict:
    """Spans by (document, annotator, start, end) -> the fields that must survive."""
    out = {}
    for s in span_service.list_spans(database):
        value: tuple = (s.text, dict(s.labels), s.note)
        if ids:
            value += (s.id,)
        if times:
            value += (s.created_at, s.updated_at)
        out[span_key(s)] = value
    return out
