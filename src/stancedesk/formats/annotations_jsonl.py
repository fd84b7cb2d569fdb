"""JSON Lines: one document per line, with its text and its spans. For NLP pipelines.

Each line is ``{"id", "title", "source_file", "outlet", "date", "url", "text", "spans": [{"id",
"annotator", "start", "end", "text", "labels": {layer: value}, "role", "attributed_to", "via",
"cue", "entity", "note", "created_at", "updated_at", "curated_by", "curated_at", "curated_from",
"decision"}]}`` with Python (code-point) offsets, which
is what ``json.loads`` hands back; the link fields hold the ``id`` of another span (or "").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from itertools import groupby
from typing import IO, Any

from stancedesk.domain import Document, Span
from stancedesk.domain.annotation_table import CURATION_COLUMNS
from stancedesk.formats import previews
from stancedesk.formats.annotations_csv import format_time, parse_time
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import (
    Attribution,
    ExchangeFormat,
    ExportSource,
    file_bytes,
    first_line,
)
from stancedesk.formats.grouping import json_lines
from stancedesk.formats.labelmap import ForeignBundle, ForeignSpan
from stancedesk.formats.records import DocumentDraft
from stancedesk.formats.text import require_text


def document_header(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "title": doc.title, "source_file": doc.source_file,
            "outlet": doc.outlet, "date": doc.published, "url": doc.url}


def span_json(span: Span, attribution: Attribution | None = None) -> dict[str, Any]:
    role, attributed_to, via, cue, entity = (attribution or Attribution()).cells(span)
    return {"id": span.id, "annotator": span.annotator, "start": span.start, "end": span.end,
            "text": span.text, "labels": dict(span.labels), "role": role,
            "attributed_to": attributed_to, "via": via, "cue": cue, "entity": entity,
            "note": span.note,
            "created_at": format_time(span.created_at),
            "updated_at": format_time(span.updated_at),
            **dict(zip(CURATION_COLUMNS, (attribution or Attribution()).curation_cells(span),
                       strict=True))}


def write_annotations_jsonl(out: IO[str], spans: Iterable[Span],
                            document: Callable[[str], Document | None],
                            attribution: Callable[[str], Attribution] | None = None) -> int:
    """``spans`` must come ordered by document (as the repository streams them)."""
    n = 0
    for doc_id, group in groupby(spans, key=lambda s: s.document_id):
        doc = document(doc_id)
        if doc is None:
            continue
        links = attribution(doc_id) if attribution is not None else Attribution()
        items = [span_json(s, links) for s in group]
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
        name = {"str": "a string", "int": "a whole number", "list": "a list",
                "dict": "an object"}.get(kind.__name__, kind.__name__)
        raise FormatError(file, f"{key!r} must be {name}", line)
    return value


def _text_field(obj: dict[str, Any], key: str, file: str, line: int) -> str:
    """An optional text field: absent or null is empty, a number is its digits, anything else
    (a list, an object) is refused rather than stored as its Python spelling."""
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise FormatError(file, f"{key!r} must be a string", line)


def _span(item: Any, file: str, line: int, index: int, annotator: str) -> ForeignSpan:
    if not isinstance(item, dict):
        raise FormatError(file, "each entry of 'spans' must be an object", line)
    labels = _field(item, "labels", dict, file, line, default={})
    start = _field(item, "start", int, file, line)
    end = _field(item, "end", int, file, line)
    if start < 0 or end <= start:
        raise FormatError(file, f"span {start}:{end}: offsets must be >= 0 and end after "
                          "start", line)
    who = item.get("annotator")
    if who is None or who == "":
        who = annotator
    elif not isinstance(who, str) or not who.strip():
        raise FormatError(file, f"'annotator' {who!r} is not a name", line)
    values = {}
    for key, value in labels.items():
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            raise FormatError(file, f"label of layer {key!r} must be a string", line)
        values[key] = value
    return ForeignSpan(
        file=file, line=line, document=index, annotator=who.strip(), start=start, end=end,
        text=_field(item, "text", str, file, line),
        labels=[f"{k}:{v}" for k, v in values.items()],
        note=_text_field(item, "note", file, line),
        annotation_id=_text_field(item, "id", file, line),
        role=_text_field(item, "role", file, line).strip(),
        attributed_to=_text_field(item, "attributed_to", file, line).strip(),
        via=_text_field(item, "via", file, line).strip(),
        cue=_text_field(item, "cue", file, line).strip(),
        entity=_text_field(item, "entity", file, line).strip(),
        created_at=parse_time(_text_field(item, "created_at", file, line), file, line,
                              "created_at"),
        updated_at=parse_time(_text_field(item, "updated_at", file, line), file, line,
                              "updated_at"))


def read_annotations_jsonl(data: bytes, file: str, annotator: str) -> ForeignBundle:
    """Labels come back as ``layer:value`` strings, which resolve without a mapping."""
    bundle = ForeignBundle()
    for n, obj in json_lines(data, file):
        text = require_text(_field(obj, "text", str, file, n), file, n, what="line's 'text'")
        bundle.documents.append(DocumentDraft(
            text=text, title=_text_field(obj, "title", file, n),
            outlet=_text_field(obj, "outlet", file, n),
            published=_text_field(obj, "date", file, n), url=_text_field(obj, "url", file, n),
            source_file=_text_field(obj, "source_file", file, n), origin=f"{file}, line {n}"))
        index = len(bundle.documents) - 1
        for item in _field(obj, "spans", list, file, n, default=[]):
            bundle.spans.append(_span(item, file, n, index, annotator))
    if not bundle.documents:
        raise FormatError(file, "the file has no lines")
    return bundle


def _write(out: IO[str], source: ExportSource) -> int:
    return write_annotations_jsonl(out, source.spans(), source.document, source.attribution)


FORMAT = ExchangeFormat(
    name="jsonl", title="JSON Lines", suffixes=(".jsonl",),
    description="File · one line per document with its full text and every span; keeps "
                "everything, imports back.",
    write_text=_write,
    read_bundle=lambda path, annotator: read_annotations_jsonl(file_bytes(path), str(path),
                                                                annotator),
    looks_like=lambda path: b'"spans"' in first_line(path), preview=previews.json_lines)
