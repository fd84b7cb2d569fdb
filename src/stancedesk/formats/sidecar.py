"""Sidecar metadata: ``ARTICLE.json`` or ``ARTICLE.meta.json`` next to ``ARTICLE.txt``.

Scrapers and news databases often save an article's text and its metadata as two files; a
sidecar gives the text file its title, outlet, date and URL without touching the text itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stancedesk.formats.dateline import iso_date
from stancedesk.formats.errors import FormatError
from stancedesk.formats.records import DocumentDraft
from stancedesk.formats.text import storable_json

SIDECAR_SUFFIXES = (".meta.json", ".json")
FIELDS = ("title", "outlet", "date", "url")
# formats holding many articles per file: one sidecar cannot describe them
MANY_PER_FILE = (".jsonl", ".csv")


def sidecar_candidates(article: Path) -> list[Path]:
    return [article.with_name(article.stem + suffix) for suffix in SIDECAR_SUFFIXES]


def find_sidecar(article: Path) -> Path | None:
    """The article's sidecar, if it has exactly one (two would be ambiguous: refused)."""
    if article.suffix.lower() in MANY_PER_FILE:
        return None
    found = [p for p in sidecar_candidates(article) if p.is_file()]
    if len(found) > 1:
        raise FormatError(str(found[0]), f"{article.name} has two sidecar files "
                          f"({found[0].name}, {found[1].name}); keep one")
    return found[0] if found else None


def read_sidecar(data: bytes, file: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(file, "the sidecar file is not UTF-8") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(file, f"the sidecar is not valid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise FormatError(file, "the sidecar's JSON is nested too deeply to read") from None
    # its other keys become metadata: nothing nested too deep, no NUL, no lone surrogate
    storable_json(value, file)
    if not isinstance(value, dict):
        raise FormatError(file, "a sidecar file must hold one JSON object "
                          "(title, outlet, date, url, ...)")
    for key in FIELDS:
        if key in value and value[key] is not None and not isinstance(value[key], str):
            raise FormatError(file, f"{key!r} must be a string")
    if value.get("date") and not iso_date(value["date"]):
        raise FormatError(file, f"date {value['date']!r} is not a date (write YYYY-MM-DD)")
    return value


def apply_sidecar(draft: DocumentDraft, fields: dict[str, Any]) -> None:
    """The sidecar wins over what the text file says: it was written for this purpose."""
    if fields.get("title"):
        draft.title = fields["title"].strip()
    if fields.get("outlet"):
        draft.outlet = fields["outlet"].strip()
    if fields.get("date"):
        draft.published = iso_date(fields["date"])
    if fields.get("url"):
        draft.url = fields["url"].strip()
    extra = {("external_id" if k == "id" else k): v for k, v in fields.items()
             if k not in (*FIELDS, "text") and v not in (None, "")}
    draft.metadata = {**draft.metadata, **extra}
