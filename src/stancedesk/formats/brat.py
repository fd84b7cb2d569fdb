"""brat standoff: ``NAME.txt`` (the text) beside ``NAME.ann`` (the annotations).

Written as one folder per annotator (brat keeps one annotation set per document) holding
``<document>.txt`` and ``<document>.ann``, with ``annotation.conf`` and ``visual.conf`` at the top,
where brat looks for them. Each span is one text-bound annotation ``T``: its type is
``<layer>_<label>`` for the first closed layer (in scheme order) the span has a label in
(``unlabelled`` when it has none), every other label is an attribute ``A`` named after its layer,
and the note is an ``AnnotatorNotes`` comment ``#``. Offsets are code points, as brat counts them.
A span over a line break is written as fragments (``0 5;6 10``), as brat requires.

Attribution: the span's role is the attribute ``role`` (``source``, ``claim``, ``cue``) and the
registry entity a source names is the attribute ``entity`` (its name, %-encoded like any value),
so the entity type stays the label brat users colour by. Links are relations ``R``:
``Attributed_to Arg1:<claim> Arg2:<source>``, ``Via Arg1:<source> Arg2:<intermediary>`` and
``Cue Arg1:<claim> Arg2:<cue>``, declared under ``[relations]`` in ``annotation.conf``. Other
relation types brat files carry are not StanceDesk's model and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import unquote

from stancedesk.domain import Document, LayerKind, Scheme, Span
from stancedesk.formats import previews
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import Attribution, ExchangeFormat, writes_spans
from stancedesk.formats.grouping import by_document
from stancedesk.formats.labelmap import UNLABELLED, ForeignBundle, ForeignSpan
from stancedesk.formats.offsets import NewlineMap
from stancedesk.formats.paths import annotator_folder, annotator_of, document_stem
from stancedesk.formats.records import DocumentDraft
from stancedesk.formats.text import storable

_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")
_A_LINE = re.compile(r"^([AM]\d+)\t(\S+) (T\d+)(?: (\S+))?\s*$")
_NOTE_LINE = re.compile(r"^(#\d+)\t(\S+) (T\d+)\t(.*)$")
_R_LINE = re.compile(r"^(R\d+)\t(\S+) Arg1:(\S+) Arg2:(\S+)\s*$")
ROLE_ATTRIBUTE, ENTITY_ATTRIBUTE = "role", "entity"
# relation type -> the link field it fills (on the Arg1 span)
RELATIONS = {"Attributed_to": "attributed_to", "Via": "via", "Cue": "cue"}


def encode_value(value: str) -> str:
    """brat separates fields with spaces: keep values a single token, reversibly."""
    return (value.replace("%", "%25").replace(" ", "%20").replace("\t", "%09")
            .replace("\n", "%0A").replace("\r", "%0D"))


def _escape_note(note: str) -> str:
    return note.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def _unescape_note(note: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), note)


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split at line breaks, which brat does not allow inside a fragment.

    A span that starts or ends with a line break keeps that edge as an empty fragment
    (``0 3;4 4`` for ``"abc\\n"``), so the extent read back is the one written and a re-import
    finds the span already there instead of adding a shorter copy.
    """
    pieces = text[start:end].split("\n")
    out: list[tuple[int, int]] = []
    pos = start
    for i, piece in enumerate(pieces):
        if piece or (len(pieces) > 1 and i in (0, len(pieces) - 1)):
            out.append((pos, pos + len(piece)))
        pos += len(piece) + 1
    return out


def primary_layer(scheme: Scheme, span: Span) -> str | None:
    for layer in scheme.layers:
        if layer.kind is LayerKind.CLOSED and span.labels.get(layer.key):
            return layer.key
    return None


def ann_lines(scheme: Scheme, spans: Iterable[Span], text: str,
              attribution: Attribution | None = None) -> list[str]:
    lines: list[str] = []
    relations: list[str] = []
    a = c = 0
    spans = list(spans)
    tids = {span.id: f"T{t}" for t, span in enumerate(spans, start=1)}
    links = attribution or Attribution()
    for t, span in enumerate(spans, start=1):
        primary = primary_layer(scheme, span)
        kind = encode_value(f"{primary}_{span.labels[primary]}") if primary else UNLABELLED
        frags = fragments(text, span.start, span.end)
        offsets = ";".join(f"{s} {e}" for s, e in frags)
        shown = " ".join(text[s:e] for s, e in frags)
        lines.append(f"T{t}\t{kind} {offsets}\t{shown}")
        for key in scheme.layer_keys:
            value = span.labels.get(key)
            if value and key != primary:
                a += 1
                lines.append(f"A{a}\t{key} T{t} {encode_value(value)}")
        role, *targets, entity = links.cells(span)
        for name, value in ((ROLE_ATTRIBUTE, role), (ENTITY_ATTRIBUTE, entity)):
            if value:
                a += 1
                lines.append(f"A{a}\t{name} T{t} {encode_value(value)}")
        for relation, target in zip(RELATIONS, targets, strict=True):
            if target in tids:
                relations.append(f"R{len(relations) + 1}\t{relation} Arg1:T{t} "
                                 f"Arg2:{tids[target]}")
        if span.note:
            c += 1
            lines.append(f"#{c}\tAnnotatorNotes T{t}\t{_escape_note(span.note)}")
    return lines + relations


def annotation_conf(scheme: Scheme, free_values: dict[str, set[str]],
                    entity_names: Iterable[str] = ()) -> str:
    entities = [UNLABELLED] + [encode_value(f"{layer.key}_{label.key}")
                               for layer in scheme.layers if layer.kind is LayerKind.CLOSED
                               for label in layer.labels]
    attributes = []
    for layer in scheme.layers:
        values = sorted(free_values.get(layer.key, ())) if layer.kind is LayerKind.FREE \
            else list(layer.label_keys)
        if values:
            attributes.append(f"{layer.key}\tArg:<ENTITY>, Value:"
                              + "|".join(encode_value(v) for v in values))
    attributes.append(f"{ROLE_ATTRIBUTE}\tArg:<ENTITY>, Value:source|claim|cue")
    if entity_names:
        attributes.append(f"{ENTITY_ATTRIBUTE}\tArg:<ENTITY>, Value:"
                          + "|".join(encode_value(v) for v in sorted(entity_names)))
    relations = [f"{name}\tArg1:<ENTITY>, Arg2:<ENTITY>" for name in RELATIONS]
    return ("# Written by StanceDesk: entity types are <layer>_<label>, attributes are layers\n"
            "# plus role and entity (the registry name); relations are attribution links\n"
            "# (Arg1: claim or source, Arg2: its source, intermediary or cue).\n"
            "[entities]\n" + "\n".join(entities) + "\n\n[relations]\n"
            + "\n".join(relations) + "\n"
            "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n\n[events]\n\n"
            "[attributes]\n" + "\n".join(attributes) + "\n")


def visual_conf(scheme: Scheme) -> str:
    labels, drawing = [f"{UNLABELLED} | Unlabelled"], [f"{UNLABELLED}\tbgColor:#e0e0e0"]
    for layer in scheme.layers:
        for label in layer.labels:
            kind = encode_value(f"{layer.key}_{label.key}")
            labels.append(f"{kind} | {label.name} | {label.key}")
            drawing.append(f"{kind}\tbgColor:{label.color}")
    return "[labels]\n" + "\n".join(labels) + "\n\n[drawing]\n" + "\n".join(drawing) + "\n"


def write_brat(folder: Path, scheme: Scheme, spans: Iterable[Span],
               document: Callable[[str], Document | None], *,
               attribution: Callable[[str], Attribution] | None = None) -> int:
    """``spans`` ordered by document; one document's spans are held at a time."""
    n = 0
    entity_names: set[str] = set()
    free_values: dict[str, set[str]] = {}
    free_layers = [layer.key for layer in scheme.layers if layer.kind is LayerKind.FREE]
    for doc, by_annotator in by_document(spans, document):
        for key in free_layers:
            free_values.setdefault(key, set()).update(
                s.labels[key] for items in by_annotator.values() for s in items
                if s.labels.get(key))
        stem = document_stem(doc)
        links = attribution(doc.id) if attribution is not None else Attribution()
        for annotator, items in by_annotator.items():
            sub = folder / annotator_folder(annotator)
            sub.mkdir(exist_ok=True)
            (sub / f"{stem}.txt").write_bytes(doc.text.encode("utf-8"))
            lines = ann_lines(scheme, items, doc.text, links)
            entity_names.update(links.cells(s)[4] for s in items if s.entity_id)
            (sub / f"{stem}.ann").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
            n += len(items)
    (folder / "annotation.conf").write_text(
        annotation_conf(scheme, free_values, entity_names - {""}), encoding="utf-8")
    (folder / "visual.conf").write_text(visual_conf(scheme), encoding="utf-8")
    return n


def _decode(path: Path) -> str:
    """The file's text as brat counts it: no BOM or newline translation, but nothing a
    database cannot store."""
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(file, f"cannot read the file: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(file, f"not valid UTF-8 (byte offset {exc.start})") from None
    return storable(text, file)


def read_ann(ann: str, file: str, raw_text: str, document: int, annotator: str) -> \
        list[ForeignSpan]:
    """Parse one ``.ann`` against its raw ``.txt`` text (offsets count the raw file)."""
    newlines = NewlineMap(raw_text)
    text = newlines.text
    spans: dict[str, ForeignSpan] = {}
    for n, line in enumerate(ann.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if line.startswith("T"):
            m = _T_LINE.match(line)
            if not m:
                raise FormatError(file, "malformed text-bound annotation (expected "
                                  "'T1<TAB>Type START END<TAB>text')", n)
            tid, kind, offsets, shown = m.groups()
            try:
                frags = [tuple(int(x) for x in part.split()) for part in offsets.split(";")]
            except ValueError:  # more digits than Python turns into an int
                raise FormatError(file, f"{tid}: offsets {offsets[:40]!r} are too large",
                                  n) from None
            pieces = []
            for s, e in frags:
                if e < s or e > len(raw_text):
                    raise FormatError(file, f"{tid}: offsets {s} {e} lie outside the text "
                                      f"({len(raw_text)} characters)", n)
                pieces.append(raw_text[s:e])
            if max(f[1] for f in frags) <= min(f[0] for f in frags):
                raise FormatError(file, f"{tid}: the annotation {offsets} is empty", n)
            if " ".join(pieces) != shown:
                raise FormatError(file, f"{tid}: the text {shown!r} does not match the .txt "
                                  f"file at {offsets}, which holds {' '.join(pieces)!r}", n)
            start, end = newlines(min(f[0] for f in frags)), newlines(max(f[1] for f in frags))
            spans[tid] = ForeignSpan(file=file, line=n, document=document, annotator=annotator,
                                     start=start, end=end, text=text[start:end],
                                     labels=[unquote(kind)], ref=f"{file}#{tid}")
        elif line[0] in "AM":
            m = _A_LINE.match(line)
            if not m:
                raise FormatError(file, "malformed attribute (expected 'A1<TAB>Name T1 "
                                  "[Value]')", n)
            _, name, target, value = m.groups()
            if target not in spans:
                raise FormatError(file, f"attribute of unknown annotation {target}", n)
            if name == ROLE_ATTRIBUTE:
                spans[target].role = unquote(value or "")
            elif name == ENTITY_ATTRIBUTE:
                spans[target].entity = unquote(value or "")
            else:
                spans[target].labels.append(name if value is None
                                            else f"{name}={unquote(value)}")
        elif line.startswith("#"):
            m = _NOTE_LINE.match(line)
            if m and m.group(3) in spans:
                note = _unescape_note(m.group(4))
                span = spans[m.group(3)]
                span.note = f"{span.note}\n{note}" if span.note else note
        elif line.startswith("R"):
            _relation(line, file, n, spans)
        elif line[0] in "E*N":
            continue  # events, equivalences, normalisations: not StanceDesk's model
        else:
            raise FormatError(file, f"unknown annotation line {line[:20]!r}", n)
    return list(spans.values())


def _relation(line: str, file: str, n: int, spans: dict[str, ForeignSpan]) -> None:
    """An attribution relation sets the link of its Arg1 span; other relations are skipped."""
    m = _R_LINE.match(line)
    if not m:
        raise FormatError(file, "malformed relation (expected 'R1<TAB>Type Arg1:T1 Arg2:T2')",
                          n)
    rid, kind, arg1, arg2 = m.groups()
    field_name = RELATIONS.get(kind)
    if field_name is None:
        return
    for arg in (arg1, arg2):
        if arg not in spans:
            raise FormatError(file, f"{rid}: {kind} relation to unknown annotation {arg} "
                              "(text-bound annotations come before relations)", n)
    span = spans[arg1]
    earlier = getattr(span, field_name)
    target = f"{file}#{arg2}"
    if earlier and earlier != target:
        raise FormatError(file, f"{rid}: {arg1} already has a {kind} relation "
                          f"(to {earlier.rsplit('#', 1)[1]})", n)
    setattr(span, field_name, target)


def read_brat(path: Path, annotator: str) -> ForeignBundle:
    """A folder (subfolders name annotators) or one ``.ann`` file with its ``.txt``."""
    if path.is_dir():
        anns = sorted(p for p in path.rglob("*.ann") if p.is_file())
        if not anns:
            raise FormatError(str(path), "the folder holds no .ann files")
        root = path
    elif path.suffix.lower() == ".ann" and path.is_file():
        anns, root = [path], path.parent
    else:
        raise FormatError(str(path), "give a brat folder or an .ann file")
    bundle = ForeignBundle()
    for ann in anns:
        txt = ann.with_suffix(".txt")
        if not txt.is_file():
            raise FormatError(str(ann), f"no text file {txt.name} beside it")
        raw = _decode(txt)
        doc = DocumentDraft(text=NewlineMap(raw).text, source_file=txt.name, origin=str(txt))
        if not doc.text.strip():
            raise FormatError(str(txt), "the text file is empty")
        bundle.documents.append(doc)
        who = annotator_of(ann, root, annotator) if path.is_dir() else annotator
        bundle.spans.extend(read_ann(_decode(ann), str(ann), raw,
                                     len(bundle.documents) - 1, who))
    return bundle


FORMAT = ExchangeFormat(
    name="brat", title="brat standoff", suffixes=(".ann",), folder=True,
    description="Folder (new or empty) · a subfolder per annotator with .txt and .ann per "
                "document, plus annotation.conf.",
    write_path=writes_spans(write_brat), read_bundle=read_brat,
    preview=previews.folder_listing(".ann"))
