"""Map other tools' label names onto the scheme's layers and labels.

Foreign readers produce :class:`ForeignSpan` objects whose labels are plain strings as the tool
wrote them ("Favour", "stance_favor", "Source=Anonymous"). :func:`resolve` turns them into
(layer, value) pairs: first through the user's mapping, then through StanceDesk's own spellings
(``layer:value``, ``layer=value`` and, for closed layers, ``layer_value``), so files StanceDesk
wrote read back without a mapping. Every label that resolves neither way is reported at once,
before anything is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from stancedesk.domain import LayerKind, Scheme
from stancedesk.formats.errors import FormatError
from stancedesk.formats.grouping import load_json
from stancedesk.formats.records import AnnotationRecord, DocumentDraft
from stancedesk.formats.text import decode_utf8

MAPPING_FORMAT = "stancedesk-label-mapping"
# A foreign label that stands for "a span with no label" (written by StanceDesk for unlabelled
# spans in formats where every span must carry a label).
UNLABELLED = "unlabelled"
_MAX_LISTED = 30

Target = tuple[tuple[str, str], ...]  # what one foreign label becomes; () means: ignore it


@dataclass(frozen=True, slots=True)
class LabelMapping:
    """Foreign label -> (layer, value) pairs; an empty tuple drops the label."""

    rules: Mapping[str, Target] = field(default_factory=dict)

    def merged(self, other: LabelMapping) -> LabelMapping:
        return LabelMapping({**self.rules, **other.rules})


def _parse_target(value: str, where: str) -> tuple[str, str]:
    for sep in (":", "="):
        layer, found, label = value.partition(sep)
        if found and layer.strip() and label != "":
            return layer.strip(), label
    raise FormatError(where, f"{value!r} is not 'layer:value'")


def parse_mapping_data(data: Any, file: str) -> LabelMapping:
    """Accept ``{"labels": {FOREIGN: TARGET}}`` (with ``"format"``) or the flat ``{FOREIGN:
    TARGET}``, where TARGET is "layer:value", a list of those, or null to ignore the label."""
    if not isinstance(data, dict):
        raise FormatError(file, "a label mapping must be a JSON object")
    if "labels" in data and isinstance(data["labels"], dict):
        if data.get("format", MAPPING_FORMAT) != MAPPING_FORMAT:
            raise FormatError(file, f"'format' must be {MAPPING_FORMAT!r}")
        unknown = set(data) - {"format", "labels", "description"}
        if unknown:
            raise FormatError(file, f"unknown key(s) {', '.join(sorted(unknown))}")
        data = data["labels"]
    rules: dict[str, Target] = {}
    for foreign, target in data.items():
        where = f"{file}: label {foreign!r}"
        if target is None or target == []:
            rules[foreign] = ()
        elif isinstance(target, str):
            rules[foreign] = (_parse_target(target, where),)
        elif isinstance(target, list) and all(isinstance(t, str) for t in target):
            rules[foreign] = tuple(_parse_target(t, where) for t in target)
        else:
            raise FormatError(file, f"label {foreign!r}: the target must be 'layer:value', a "
                              "list of them, or null")
    return LabelMapping(rules)


def load_mapping(path: str) -> LabelMapping:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise FormatError(path, f"cannot read the mapping file: {exc.strerror}") from None
    return parse_mapping_data(load_json(decode_utf8(raw, path), path), path)


def parse_map_options(options: Sequence[str]) -> LabelMapping:
    """``--map FOREIGN=layer:value`` (repeatable); ``--map FOREIGN=`` ignores the label."""
    rules: dict[str, list[tuple[str, str]]] = {}
    for option in options:
        foreign, sep, target = option.rpartition("=") if ":" in option.rpartition("=")[2] \
            else option.partition("=")
        if not sep or not foreign:
            raise FormatError("--map", f"{option!r} is not FOREIGN=layer:value")
        if target == "":
            rules[foreign] = []
            continue
        rules.setdefault(foreign, []).append(_parse_target(target, f"--map {option}"))
    return LabelMapping({k: tuple(v) for k, v in rules.items()})


def check_mapping(mapping: LabelMapping, scheme: Scheme, file: str) -> None:
    """A mapping that points at labels the scheme lacks is a typo; say so before reading."""
    problems = [f"{foreign!r} -> {layer}:{value}: {problem}"
                for foreign, targets in mapping.rules.items() for layer, value in targets
                if value != "*" and (problem := scheme.check_value(layer, value))]
    if problems:
        raise FormatError(file, "the label mapping does not fit the scheme:\n  - "
                          + "\n  - ".join(problems))


def native(label: str, scheme: Scheme) -> tuple[str, str] | None:
    """StanceDesk's own spellings of a (layer, value) pair, or None."""
    for sep in (":", "="):
        key, found, value = label.partition(sep)
        if found and scheme.has_layer(key) and value and scheme.layer(key).accepts(value):
            return key, value
    for layer in scheme.layers:
        prefix = layer.key + "_"
        if layer.kind is LayerKind.CLOSED and label.startswith(prefix) and \
                label[len(prefix):] in layer.label_keys:
            return layer.key, label[len(prefix):]
    return None


@dataclass(slots=True)
class ForeignSpan:
    """One span as another tool wrote it, already in Python offsets."""

    file: str
    line: int
    document: int  # index into the bundle's documents
    annotator: str
    start: int
    end: int
    text: str
    labels: list[str] = field(default_factory=list)
    # label -> StanceDesk spelling to try when the label itself resolves neither way (Label
    # Studio's from_name or WebAnno's feature name supply the layer: "favor" -> "stance:favor").
    hints: dict[str, str] = field(default_factory=dict)
    note: str = ""
    annotation_id: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # attribution, as in ``AnnotationRecord``: role, link targets (file ids), entity name, and
    # the id the file's links use for this span
    role: str = ""
    attributed_to: str = ""
    via: str = ""
    cue: str = ""
    entity: str = ""
    ref: str = ""


@dataclass(slots=True)
class ForeignBundle:
    """Documents (with their text) and the spans that point into them."""

    documents: list[DocumentDraft] = field(default_factory=list)
    spans: list[ForeignSpan] = field(default_factory=list)


class UnmappedLabelsError(FormatError):
    def __init__(self, file: str, unmapped: dict[str, list[ForeignSpan]]) -> None:
        self.labels = sorted(unmapped)
        lines = []
        for label in self.labels[:_MAX_LISTED]:
            spans = unmapped[label]
            first = spans[0]
            lines.append(f"{label!r}: {len(spans)} span(s), first in {first.file}, line "
                         f"{first.line}")
        if len(self.labels) > _MAX_LISTED:
            lines.append(f"... and {len(self.labels) - _MAX_LISTED} more")
        super().__init__(file, f"{len(self.labels)} label(s) cannot be mapped onto the scheme; "
                         "nothing was imported. Map them with --map FOREIGN=layer:value or a "
                         "mapping file (--mapping), or map them to nothing to drop them:\n  "
                         + "\n  ".join(lines))


def lookup(label: str, rules: Mapping[str, Target], scheme: Scheme, hint: str = ""
           ) -> Target | None:
    """What one foreign label becomes: the mapping's targets (the label itself, then its
    ``layer:*`` wildcard), else StanceDesk's own spelling of it (or of ``hint``); ``()`` drops
    it, None means nothing knows it. Every import that maps labels asks here, so a mapping file
    means the same in each."""
    if label in rules:
        return tuple(rules[label])
    layer, colon, value = label.partition(":")
    if colon and layer + ":*" in rules:
        return tuple((lay, value if val == "*" else val) for lay, val in rules[layer + ":*"])
    if label == UNLABELLED:
        return ()
    pair = native(label, scheme) or native(hint, scheme)
    return (pair,) if pair else None


def resolve(bundle: ForeignBundle, scheme: Scheme, mapping: LabelMapping | None,
            document_ids: Sequence[str], file: str) -> list[AnnotationRecord]:
    """Turn foreign spans into records; raise listing *every* unmapped label."""
    rules = mapping.rules if mapping else {}
    unmapped: dict[str, list[ForeignSpan]] = {}
    records: list[AnnotationRecord] = []
    conflicts: list[tuple[int, str]] = []
    for span in bundle.spans:
        labels: dict[str, str] = {}
        dropped = 0
        for label in span.labels:
            targets = lookup(label, rules, scheme, span.hints.get(label, ""))
            if targets is None:
                unmapped.setdefault(label, []).append(span)
                continue
            if not targets and label != UNLABELLED:
                dropped += 1
            for layer, value in targets:
                if labels.get(layer, value) != value:
                    conflicts.append((span.line, f"{span.file}: labels give layer {layer!r} two "
                                      f"values, {labels[layer]!r} and {value!r}"))
                labels[layer] = value
        if span.labels and dropped == len(span.labels):
            continue  # every label of the span was mapped to nothing: drop the span
        records.append(AnnotationRecord(
            line=span.line, annotator=span.annotator, start=span.start, end=span.end,
            text=span.text, document_id=document_ids[span.document], labels=labels,
            note=span.note, annotation_id=span.annotation_id, created_at=span.created_at,
            updated_at=span.updated_at, role=span.role, attributed_to=span.attributed_to,
            via=span.via, cue=span.cue, entity=span.entity, ref=span.ref))
    if unmapped:
        raise UnmappedLabelsError(file, unmapped)
    if conflicts:
        shown = [f"line {line}: {problem}" for line, problem in conflicts[:_MAX_LISTED]]
        raise FormatError(file, "conflicting labels; nothing was imported\n  "
                          + "\n  ".join(shown))
    return records
