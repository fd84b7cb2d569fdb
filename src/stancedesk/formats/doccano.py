"""doccano JSONL (sequence labelling): ``{"text": ..., "label": [[start, end, "LABEL"], ...]}``.

doccano stores one label per entry, so a span with several layers becomes one entry per layer,
each labelled ``layer:value``; entries with the same offsets on the same line are one span again
on import. StanceDesk writes one line per document and annotator, adding ``"annotator"``,
``"document_id"``, ``"title"`` and ``"notes"`` (``[[start, end, note]]``), which doccano keeps as
metadata. Offsets are code points (doccano's backend is Python). The newer export with
``"entities": [{"start_offset", "end_offset", "label"}]`` reads too.

Attribution: a span's role is the entry ``role:<role>`` and the registry entity a source names
the entry ``entity:<name>``. A line whose spans carry links is written in doccano's relation
shape, ``"entities": [{"id", "label", "start_offset", "end_offset"}]`` with ``"relations":
[{"id", "from_id", "to_id", "type"}]`` (type ``attributed_to``, ``via`` or ``cue``, from the
claim or source to its source, intermediary or cue), which doccano's relation projects read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from stancedesk.domain import Document, Scheme, Span
from stancedesk.formats import previews
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import (
    Attribution,
    ExchangeFormat,
    file_bytes,
    writes_spans,
)
from stancedesk.formats.grouping import by_document, json_lines
from stancedesk.formats.labelmap import UNLABELLED, ForeignBundle, ForeignSpan
from stancedesk.formats.offsets import NewlineMap
from stancedesk.formats.records import DocumentDraft
from stancedesk.formats.text import require_text

ROLE_LABEL, ENTITY_LABEL = "role", "entity"
LINK_TYPES = ("attributed_to", "via", "cue")


def _entries(scheme: Scheme, span: Span) -> list[list[Any]]:
    labels = [[span.start, span.end, f"{key}:{span.labels[key]}"]
              for key in scheme.layer_keys if span.labels.get(key)]
    return labels or [[span.start, span.end, UNLABELLED]]


def _attributed(span: Span, links: Attribution) -> list[list[Any]]:
    role, _, _, _, entity = links.cells(span)
    return [[span.start, span.end, f"{key}:{value}"]
            for key, value in ((ROLE_LABEL, role), (ENTITY_LABEL, entity)) if value]


def _relation_shape(scheme: Scheme, items: list[Span], links: Attribution) -> dict[str, Any]:
    """doccano's relation export: entities with ids, relations between them."""
    entities: list[dict[str, Any]] = []
    first: dict[str, int] = {}
    for span in items:
        extra = _attributed(span, links)
        entries = [e for e in _entries(scheme, span) if e[2] != UNLABELLED or not extra] + extra
        first[span.id] = len(entities) + 1
        entities += [{"id": len(entities) + i, "label": label, "start_offset": start,
                      "end_offset": end} for i, (start, end, label) in enumerate(entries, 1)]
    relations = [{"id": 0, "from_id": first[span.id], "to_id": first[target], "type": kind}
                 for span in items
                 for kind, target in sorted(links.links.get(span.id, {}).items())
                 if target in first]
    for number, relation in enumerate(relations, start=1):
        relation["id"] = number
    return {"entities": entities, "relations": relations}


def write_doccano(out: IO[str], scheme: Scheme, spans: Iterable[Span],
                  document: Callable[[str], Document | None], *,
                  attribution: Callable[[str], Attribution] | None = None) -> int:
    n = 0
    for doc, by_annotator in by_document(spans, document):
        links = attribution(doc.id) if attribution is not None else Attribution()
        for annotator, items in by_annotator.items():
            shape: dict[str, Any] = (
                _relation_shape(scheme, items, links)
                if any(s.id in links.links for s in items)
                else {"label": [e for s in items for e in
                                ([x for x in _entries(scheme, s)
                                  if x[2] != UNLABELLED or not _attributed(s, links)]
                                 + _attributed(s, links))]})
            line = {"text": doc.text, **shape,
                    "annotator": annotator, "document_id": doc.id, "title": doc.title,
                    "notes": [[s.start, s.end, s.note] for s in items if s.note]}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            n += len(items)
    return n


def _offset(value: Any, file: str, line: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FormatError(file, f"offset {value!r} is not a whole number >= 0", line)
    return value


def _label_entries(obj: dict[str, Any], file: str, n: int,
                   ids: dict[Any, tuple[int, int]] | None = None) -> list[tuple[int, int, str]]:
    """(start, end, label) entries; ``ids`` collects each entity id's offsets (relations)."""
    out: list[tuple[int, int, str]] = []
    if "entities" in obj:
        items = obj["entities"]
        if not isinstance(items, list):
            raise FormatError(file, "'entities' must be a list", n)
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("label"), str):
                raise FormatError(file, "each entity needs start_offset, end_offset, label", n)
            out.append((_offset(item.get("start_offset"), file, n),
                        _offset(item.get("end_offset"), file, n), item["label"]))
            if ids is not None and isinstance(item.get("id"), int | str):
                ids[item["id"]] = out[-1][:2]
        return out
    items = obj.get("label", obj.get("labels", []))
    if not isinstance(items, list):
        raise FormatError(file, "'label' must be a list of [start, end, label]", n)
    for item in items:
        if isinstance(item, str):
            raise FormatError(file, f"document-level label {item!r}: only span labels "
                              "([start, end, label]) can be imported", n)
        if not isinstance(item, list) or len(item) != 3 or not isinstance(item[2], str):
            raise FormatError(file, f"label entry {item!r} is not [start, end, label]", n)
        out.append((_offset(item[0], file, n), _offset(item[1], file, n), item[2]))
    return out


def _relations(obj: dict[str, Any], file: str, n: int,
               spans: dict[tuple[int, int], ForeignSpan],
               ids: dict[Any, tuple[int, int]]) -> None:
    """Attribution relations set the link of their ``from_id`` span; other types are not
    StanceDesk's model and are skipped."""
    items = obj.get("relations", [])
    if not isinstance(items, list):
        raise FormatError(file, "'relations' must be a list", n)
    for item in items:
        if not isinstance(item, dict):
            raise FormatError(file, "each relation needs from_id, to_id, type", n)
        kind = item.get("type")
        if kind not in LINK_TYPES:
            continue
        ends = [ids.get(item.get(k)) for k in ("from_id", "to_id")]
        if ends[0] is None or ends[1] is None:
            raise FormatError(file, f"{kind} relation {item.get('id')!r} names an entity id "
                              "the line does not have", n)
        span, target = spans[ends[0]], spans[ends[1]]
        earlier = getattr(span, kind)
        if earlier and earlier != target.ref:
            raise FormatError(file, f"the span {span.text!r} has two {kind} relations", n)
        setattr(span, kind, target.ref)


def read_doccano(data: bytes, file: str, annotator: str) -> ForeignBundle:
    bundle = ForeignBundle()
    for n, obj in json_lines(data, file, "an object with a 'text' string"):
        if not isinstance(obj.get("text"), str):
            raise FormatError(file, "each line must be an object with a 'text' string", n)
        newlines = NewlineMap(obj["text"])
        text = newlines.text
        require_text(text, file, n, what="line's 'text'")
        title = obj.get("title")
        bundle.documents.append(DocumentDraft(text=text, origin=f"{file}, line {n}",
                                              title=title if isinstance(title, str) else ""))
        who = obj.get("annotator", obj.get("user"))
        if who in (None, ""):
            who = annotator
        elif isinstance(who, int) and not isinstance(who, bool):
            who = str(who)  # doccano's user ids
        elif not isinstance(who, str) or not who.strip():
            raise FormatError(file, f"'annotator' {who!r} is not a name", n)
        who = who.strip()
        spans: dict[tuple[int, int], ForeignSpan] = {}
        ids: dict[Any, tuple[int, int]] = {}
        for start, end, label in _label_entries(obj, file, n, ids):
            if end <= start or end > len(obj["text"]):
                raise FormatError(file, f"span {start}:{end} does not fit the text "
                                  f"({len(obj['text'])} characters)", n)
            key = (newlines(start), newlines(end))
            if key not in spans:
                spans[key] = ForeignSpan(file=file, line=n, document=len(bundle.documents) - 1,
                                         annotator=who, start=key[0], end=key[1],
                                         text=text[key[0]:key[1]],
                                         ref=f"{n}:{key[0]}:{key[1]}")
            layer, _, value = label.partition(":")
            if layer == ROLE_LABEL and value:
                spans[key].role = value
            elif layer == ENTITY_LABEL and value:
                spans[key].entity = value
            else:
                spans[key].labels.append(label)
        _relations(obj, file, n, spans, {i: (newlines(a), newlines(b))
                                         for i, (a, b) in ids.items()})
        notes = obj.get("notes")
        if notes is not None and not isinstance(notes, list):
            raise FormatError(file, "'notes' must be a list of [start, end, note]", n)
        for item in notes or []:
            if isinstance(item, list) and len(item) == 3 and isinstance(item[2], str):
                key = (newlines(_offset(item[0], file, n)), newlines(_offset(item[1], file, n)))
                if key in spans:
                    spans[key].note = item[2]
        bundle.spans.extend(spans.values())
    if not bundle.documents:
        raise FormatError(file, "the file has no lines")
    return bundle


FORMAT = ExchangeFormat(
    name="doccano", title="doccano", suffixes=(".jsonl",),
    description="File · one JSON line per document and annotator, labels as layer:value.",
    write_text=writes_spans(write_doccano),
    read_bundle=lambda path, annotator: read_doccano(file_bytes(path), str(path), annotator),
    preview=previews.json_lines)
