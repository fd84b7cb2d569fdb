"""Shared shapes of the readers and writers: JSON lines in, documents with their spans out."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from typing import Any

from stancedesk.domain import Document, Span
from stancedesk.formats.errors import FormatError
from stancedesk.formats.text import decode_utf8, storable_json


def by_document(spans: Iterable[Span], document: Callable[[str], Document | None]
                ) -> Iterator[tuple[Document, dict[str, list[Span]]]]:
    """Each document with its spans per annotator (in first-seen order).

    ``spans`` must arrive ordered by document, as the repository streams them, so that only one
    document's spans are held at a time; a span whose document is unknown is skipped.
    """
    for doc_id, group in groupby(spans, key=lambda s: s.document_id):
        doc = document(doc_id)
        if doc is None:
            continue
        per_annotator: dict[str, list[Span]] = {}
        for span in group:
            per_annotator.setdefault(span.annotator, []).append(span)
        yield doc, per_annotator


def load_json(text: str, file: str, line: int | None = None) -> Any:
    """``json.loads`` whose every failure is a FormatError naming the file (and line): malformed
    JSON, nesting too deep for the parser, and strings no database can store."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if line is None:
            raise FormatError(file, f"malformed JSON: {exc.msg} (column {exc.colno})",
                              exc.lineno) from None
        raise FormatError(file, f"malformed JSON: {exc.msg} (column {exc.colno})", line) \
            from None
    except RecursionError:
        raise FormatError(file, "the JSON is nested too deeply to read", line) from None
    return storable_json(value, file, line)


def json_lines(data: bytes, file: str, what: str = "a JSON object"
               ) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; any other line stops with its number."""
    for n, raw in enumerate(decode_utf8(data, file).split("\n"), start=1):
        if not raw.strip():
            continue
        obj = load_json(raw, file, n)
        if not isinstance(obj, dict):
            raise FormatError(file, f"each line must be {what}", n)
        yield n, obj
