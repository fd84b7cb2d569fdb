"""JSON Lines: one document per line, with its text and its spans. For NLP pipelines.

Each line is ``{"id", "title", "source_file", "outlet", "date", "url", "text", "spans": [{"id",
"annotator", "start", "end", "text", "labels": {layer: value}, "note", "created_at",
"updated_at"}]}`` with Python (code-point) offsets, which is what ``json.loads`` hands back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from itertools import groupby
from typing import IO, Any

from stancedesk.domain import Document, Span
from stancedesk.formats import previews
from stancedesk.formats.annotations_csv import format_time, parse_time
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import (
    ExchangeFormat,
    ExportSource,
    file_bytes,
    first_line,
)
from stancedesk.formats.grouping import json_lines
from stancedesk.formats.labelmap import ForeignBundle, ForeignSpan
from stancedesk.formats.records import DocumentDraft


def document_header(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "title": doc.title, "source_file": doc.source_file,
            "outlet": doc.outlet, "date": doc.published, "url": doc.url}


def span_json(span: Span) -> dict[str, Any]:
    return {"id": span.id, "annotator": span.annotator, "start": span.start, "end": span.end,
            "text": span.text, "labels": dict(span.labels), "note": span.note,
            "created_at": format_time(span.created_at),
            "updated_at": format_time(span.updated_at)}


def write_annotations_jsonl(out: IO[str], spans: Iterable[Span],
                            document: Callable[[str], Document | None]) -> int:
    """``spans`` must come ordered by document (as the repository streams them)."""
    n = 0
    for doc_id, group in groupby(spans, key=lambda s: s.document_id):
        doc = document(doc_id)
        if doc is None:
            continue
        items = [span_json(s) for s in group]
        n += len(items)
        line = {**document_header(doc), "text": doc.text, "spans": items}
        out.write(json.dumps(line, ensure_ascii=False))
        out.write("\n")
    return n


def _field(obj: dict[str, Any], key: str, kind: type, file: str, line: int,
           default: Any = None) -> Any:
    value = obj.get(key, default)
    if value is None and default is not None:
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise FormatError(file, f"{key!r} must be {kind.__name__}", line)
    return value


def read_annotations_jsonl(data: bytes, file: str, annotator: str) -> ForeignBundle:
    """Labels come back as ``layer:value`` strings, which resolve without a mapping."""
    bundle = ForeignBundle()
    for n, obj in json_lines(data, file):
        text = _field(obj, "text", str, file, n)
        bundle.documents.append(DocumentDraft(
            text=text, title=str(obj.get("title") or ""), outlet=str(obj.get("outlet") or ""),
            published=str(obj.get("date") or ""), url=str(obj.get("url") or ""),
            source_file=str(obj.get("source_file") or ""), origin=f"{file}, line {n}"))
        index = len(bundle.documents) - 1
        spans = _field(obj, "spans", list, file, n, default=[])
        for item in spans:
            if not isinstance(item, dict):
                raise FormatError(file, "each entry of 'spans' must be an object", n)
            labels = _field(item, "labels", dict, file, n, default={})
            bundle.spans.append(ForeignSpan(
                file=file, line=n, document=index,
                annotator=str(item.get("annotator") or annotator),
                start=_field(item, "start", int, file, n), end=_field(item, "end", int, file, n),
                text=_field(item, "text", str, file, n),
                labels=[f"{k}:{v}" for k, v in labels.items() if v not in (None, "")],
                note=str(item.get("note") or ""), annotation_id=str(item.get("id") or ""),
                created_at=parse_time(str(item.get("created_at") or ""), file, n, "created_at"),
                updated_at=parse_time(str(item.get("updated_at") or ""), file, n, "updated_at")))
    return bundle


def _write(out: IO[str], source: ExportSource) -> int:
    return write_annotations_jsonl(out, source.spans(), source.document)


FORMAT = ExchangeFormat(
    name="jsonl", title="JSON Lines", suffixes=(".jsonl",),
    description="File · one line per document with its full text and every span; keeps "
                "everything, imports back.",
    write_text=_write,
    read_bundle=lambda path, annotator: read_annotations_jsonl(file_bytes(path), str(path),
                                                                annotator),
    looks_like=lambda path: b'"spans"' in first_line(path), preview=previews.json_lines)
