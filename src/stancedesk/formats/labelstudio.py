"""Label Studio JSON: a list of tasks, ``{"data": {"text": ...}, "annotations": [{"result":
[...]}]}``, for a project whose labelling config has a ``<Text name="text">``.

StanceDesk writes one task per document and one annotation per annotator (``completed_by``
``{"email": NAME}``). A span is a region: one result per layer with a label, all sharing the
region ``id`` (the span's id), with ``from_name`` = the layer key; closed layers are ``labels``
results, free layers per-region ``textarea`` results, and the note is the region's ``meta``
text. Offsets are code points, as Label Studio exports them since its emoji fix (frontend PR
#308); on import, each region's ``value.text`` is checked and offsets counted in UTF-16 code
units (older versions) are recognised and converted.

Attribution: the span's role is a ``labels`` result from ``role`` (``source``, ``claim``,
``cue``), the registry entity a source names a per-region ``textarea`` result from ``entity``,
and each link a ``relation`` result (``from_id`` the claim or source region, ``to_id`` its
source, intermediary or cue, ``labels`` ``["attributed_to"]``, ``["via"]`` or ``["cue"]``),
as Label Studio's ``<Relations>`` tag writes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from stancedesk.domain import Document, LayerKind, Scheme, Span
from stancedesk.formats import previews
from stancedesk.formats.annotations_csv import format_time, parse_time
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import (
    Attribution,
    ExchangeFormat,
    file_bytes,
    writes_spans,
)
from stancedesk.formats.grouping import by_document, load_json
from stancedesk.formats.labelmap import UNLABELLED, ForeignBundle, ForeignSpan
from stancedesk.formats.offsets import NewlineMap, Utf16Index
from stancedesk.formats.records import DocumentDraft
from stancedesk.formats.text import decode_utf8, require_text

TEXT_KEY = "text"
ROLE_NAME, ENTITY_NAME = "role", "entity"
LINK_LABELS = ("attributed_to", "via", "cue")


def _region(scheme: Scheme, span: Span, links: Attribution | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    base = {"id": span.id, "to_name": TEXT_KEY, "origin": "manual"}
    role, *_, entity = (links or Attribution()).cells(span)
    if role:
        out.append({**base, "from_name": ROLE_NAME, "type": "labels",
                    "value": {"start": span.start, "end": span.end, "text": span.text,
                              "labels": [role]}})
    if entity:
        out.append({**base, "from_name": ENTITY_NAME, "type": "textarea",
                    "value": {"start": span.start, "end": span.end, "text": [entity]}})
    for layer in scheme.layers:
        value = span.labels.get(layer.key)
        if not value:
            continue
        if layer.kind is LayerKind.FREE:
            out.append({**base, "from_name": layer.key, "type": "textarea",
                        "value": {"start": span.start, "end": span.end, "text": [value]}})
        else:
            out.append({**base, "from_name": layer.key, "type": "labels",
                        "value": {"start": span.start, "end": span.end, "text": span.text,
                                  "labels": [value]}})
    if not out:
        out.append({**base, "from_name": "label", "type": "labels",
                    "value": {"start": span.start, "end": span.end, "text": span.text,
                              "labels": [UNLABELLED]}})
    if span.note:
        out[0]["meta"] = {"text": [span.note]}
    return out


def label_config(scheme: Scheme) -> str:
    """A labelling config that matches what :func:`write_labelstudio` writes."""
    parts = ['<View>', f'  <Text name="{TEXT_KEY}" value="${TEXT_KEY}"/>']
    for layer in scheme.layers:
        if layer.kind is LayerKind.FREE:
            parts.append(f'  <TextArea name="{layer.key}" toName="{TEXT_KEY}" perRegion="true"/>')
            continue
        parts.append(f'  <Labels name="{layer.key}" toName="{TEXT_KEY}">')
        parts += [f'    <Label value="{label.key}" background="{label.color}"/>'
                  for label in layer.labels]
        parts.append('  </Labels>')
    parts.append(f'  <Labels name="{ROLE_NAME}" toName="{TEXT_KEY}">')
    parts += [f'    <Label value="{role}"/>' for role in ("source", "claim", "cue")]
    parts.append('  </Labels>')
    parts.append(f'  <TextArea name="{ENTITY_NAME}" toName="{TEXT_KEY}" perRegion="true"/>')
    parts.append('  <Relations>')
    parts += [f'    <Relation value="{kind}"/>' for kind in LINK_LABELS]
    parts.append('  </Relations>')
    parts.append('</View>')
    return "\n".join(parts) + "\n"


def _relations(items: list[Span], links: Attribution) -> list[dict[str, Any]]:
    ids = {s.id for s in items}
    return [{"type": "relation", "from_id": s.id, "to_id": target, "direction": "right",
             "labels": [kind]}
            for s in items for kind, target in sorted(links.links.get(s.id, {}).items())
            if target in ids]


def write_labelstudio(out: IO[str], scheme: Scheme, spans: Iterable[Span],
                      document: Callable[[str], Document | None], *,
                      attribution: Callable[[str], Attribution] | None = None) -> int:
    """A JSON array written task by task, so memory holds one document's spans."""
    n = 0
    out.write("[")
    first = True
    for task_id, (doc, by_annotator) in enumerate(by_document(spans, document), 1):
        links = attribution(doc.id) if attribution is not None else Attribution()
        annotations = []
        for number, (annotator, items) in enumerate(by_annotator.items(), 1):
            times = [s.created_at for s in items if s.created_at]
            updates = [s.updated_at for s in items if s.updated_at]
            annotations.append({
                "id": task_id * 1000 + number, "completed_by": {"email": annotator},
                "result": [r for s in items for r in _region(scheme, s, links)]
                + _relations(items, links),
                "was_cancelled": False, "ground_truth": False,
                "created_at": format_time(min(times)) if times else "",
                "updated_at": format_time(max(updates)) if updates else "",
            })
            n += len(items)
        task = {"id": task_id, "data": {TEXT_KEY: doc.text, "document_id": doc.id,
                                        "title": doc.title, "source_file": doc.source_file},
                "annotations": annotations}
        out.write("\n" if first else ",\n")
        out.write(json.dumps(task, ensure_ascii=False))
        first = False
    out.write("\n]\n")
    return n


def _who(annotation: dict[str, Any], default: str, where: str) -> str:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = next((who[key] for key in ("email", "username", "first_name", "id")
                    if who.get(key) not in (None, "")), None)
    if isinstance(who, int) and not isinstance(who, bool):
        return f"user {who}"
    if isinstance(who, str) and who != "":
        if not who.strip():
            raise FormatError(where, "the annotator ('completed_by') is blank")
        return who.strip()
    return default


def _list(value: Any, key: str, where: tuple[str, int]) -> list[Any]:
    """A field that Label Studio always writes as a list; absent or null is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FormatError(where[0], f"{key!r} must be a list, not {type(value).__name__}",
                          where[1] or None)
    return value


def _offsets(value: dict[str, Any], text: str, index: Utf16Index, where: tuple[str, int]) -> \
        tuple[int, int]:
    start, end = value.get("start"), value.get("end")
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        raise FormatError(where[0], f"region offsets {start!r}:{end!r} are not whole numbers "
                          "(only plain-text regions can be imported)", where[1])
    assert isinstance(start, int) and isinstance(end, int)
    if start < 0 or end < 0:
        raise FormatError(where[0], f"region {start}:{end} has a negative offset", where[1])
    if end <= start:
        raise FormatError(where[0], f"region {start}:{end} is empty or reversed (its end must "
                          "come after its start)", where[1])
    shown = value.get("text")
    if end > len(text) and index.simple:
        raise FormatError(where[0], f"region {start}:{end} runs past the text", where[1])
    if not isinstance(shown, str) or text[start:end] == shown:
        return start, end
    if not index.simple:
        s16, e16 = index.from_utf16(start), index.from_utf16(end)
        if s16 is not None and e16 is not None and text[s16:e16] == shown:
            return s16, e16
    raise FormatError(where[0], f"region {start}:{end}: its text {shown!r} does not match the "
                      f"task's text there (counted in code points or in UTF-16 units)", where[1])


def _read_relations(annotation: dict[str, Any], loc: tuple[str, int],
                    regions: dict[str, ForeignSpan]) -> None:
    """``relation`` results labelled with a link kind set the link of their ``from_id``
    region; relations with other labels are not StanceDesk's model and are skipped."""
    for r, result in enumerate(_list(annotation.get("result"), "result", loc), start=1):
        if not isinstance(result, dict) or result.get("type") != "relation":
            continue
        kinds = [k for k in _list(result.get("labels"), "labels", (loc[0], r))
                 if k in LINK_LABELS]
        if not kinds:
            continue
        ends = [regions.get(str(result.get(key))) for key in ("from_id", "to_id")]
        start, end = ends
        if start is None or end is None:
            raise FormatError(loc[0], f"relation {result.get('from_id')!r} -> "
                              f"{result.get('to_id')!r} names a region the annotation does "
                              "not have", r)
        for kind in kinds:
            earlier = getattr(start, kind)
            if earlier and earlier != end.ref:
                raise FormatError(loc[0], f"region {result.get('from_id')} has two {kind} "
                                  "relations", r)
            setattr(start, kind, end.ref)


def read_labelstudio(data: bytes, file: str, annotator: str) -> ForeignBundle:
    tasks = load_json(decode_utf8(data, file), file)
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise FormatError(file, "a Label Studio export is a JSON list of tasks")
    bundle = ForeignBundle()
    for t, task in enumerate(tasks, start=1):
        where = (f"{file}, task {t}", 0)
        data_ = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data_, dict):
            raise FormatError(where[0], "the task has no 'data' object")
        raw = data_.get(TEXT_KEY)
        if not isinstance(raw, str):
            raw = next((v for v in data_.values() if isinstance(v, str)), None)
        if raw is None:
            raise FormatError(where[0], "the task's data holds no text")
        newlines = NewlineMap(raw)
        text = require_text(newlines.text, where[0], what="task's text")
        title, source = data_.get("title"), data_.get("source_file")
        bundle.documents.append(DocumentDraft(
            text=text, title=title if isinstance(title, str) else "",
            source_file=source if isinstance(source, str) else "", origin=where[0]))
        doc = len(bundle.documents) - 1
        index = Utf16Index(raw)
        key = "annotations" if "annotations" in task else "completions"
        for number, annotation in enumerate(_list(task.get(key), key, where), start=1):
            if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
                continue
            loc = (f"{file}, task {t}, annotation {number}", 0)
            who = _who(annotation, annotator, loc[0])
            created = parse_time(str(annotation.get("created_at") or ""), loc[0], 0,
                                 "created_at")
            regions: dict[str, ForeignSpan] = {}
            results = [(r, res) for r, res in enumerate(_list(annotation.get("result"),
                                                              "result", loc), start=1)
                       if isinstance(res, dict) and isinstance(res.get("value"), dict)
                       and "start" in res["value"]]  # relations, document choices: not spans
            # Results that show their text settle how the region's offsets are counted; the
            # per-region text areas of the same region then take that extent.
            results.sort(key=lambda item: not isinstance(item[1]["value"].get("text"), str))
            for r, result in results:
                value = result["value"]
                rid = str(result.get("id") or f"#{r}")
                span = regions.get(rid)
                if span is not None and not isinstance(value.get("text"), str):
                    s, e = span.start, span.end
                else:
                    s, e = _offsets(value, raw, index, (loc[0], r))
                    s, e = newlines(s), newlines(e)
                if span is None:
                    span = regions[rid] = ForeignSpan(
                        file=loc[0], line=r, document=doc, annotator=who, start=s, end=e,
                        text=text[s:e], created_at=created,
                        annotation_id=rid if len(rid) == 36 else "", ref=f"{loc[0]}#{rid}")
                elif (span.start, span.end) != (s, e):
                    raise FormatError(loc[0], f"region {rid} has two extents", r)
                source = str(result.get("from_name") or "")
                kind = str(result.get("type") or "")
                if source == ROLE_NAME and kind == "labels":
                    span.role = next((str(x) for x in _list(value.get("labels"), "labels",
                                                            (loc[0], r))), "")
                elif source == ENTITY_NAME and kind == "textarea":
                    span.entity = next((str(x) for x in _list(value.get("text"), "text",
                                                              (loc[0], r))), "")
                elif kind == "textarea":
                    for item in _list(value.get("text"), "text", (loc[0], r)):
                        span.labels.append(f"{source}:{item}")
                else:
                    for field in ("labels", "choices", "taxonomy"):
                        for label in _list(value.get(field), field, (loc[0], r)):
                            label = str(label)
                            span.labels.append(label)
                            span.hints[label] = f"{source}:{label}"
                meta = result.get("meta")
                if isinstance(meta, dict) and "text" in meta:
                    span.note = "\n".join(str(x) for x in _list(meta["text"], "meta text",
                                                                  (loc[0], r)))
            _read_relations(annotation, loc, regions)
            bundle.spans.extend(regions.values())
    return bundle


FORMAT = ExchangeFormat(
    name="labelstudio", title="Label Studio", suffixes=(".json",),
    description="File · a JSON array of tasks: one per document, one annotation per annotator.",
    write_text=writes_spans(write_labelstudio),
    read_bundle=lambda path, annotator: read_labelstudio(file_bytes(path), str(path),
                                                          annotator),
    preview=previews.json_document)
