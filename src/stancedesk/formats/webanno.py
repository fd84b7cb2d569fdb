"""WebAnno TSV 3.3, the token-table format INCEpTION imports and exports.

One file per document and annotator (``<annotator>/<document>.tsv``, as INCEpTION keeps one
annotation set per user). StanceDesk writes one custom span layer, ``webanno.custom.StanceDesk``,
with a feature per scheme layer plus ``note``; each span is one annotation, numbered ``[n]`` on
every token it covers, stacked with ``|`` when spans overlap.

Offsets: the ``begin-end`` column counts UTF-16 code units, because INCEpTION (Java) indexes its
texts that way; StanceDesk converts both ways, so an emoji counts two there and one here.

Tokens and sentences are chosen so that the text and every span survive exactly: tokens are
words, single punctuation marks and, only where a span starts or ends in white space, that white
space; token boundaries also fall on every span boundary. A sentence is a line of text together
with the line breaks after it, written as several ``#Text=`` lines, so the sentences laid end to
end are the document. In files from other tools, gaps between sentences are filled with line
breaks (the exact white space between sentences is not in the format).

Attribution: the span layer has the features ``role`` and ``entity`` (the registry name), and
the links are the relation layer ``webanno.custom.StanceDeskLink`` (feature ``kind``:
``attributed_to``, ``via`` or ``cue``) attached to the span layer: the governor is the claim or
source the link starts from, the dependent its source, intermediary or cue. As TSV 3.3 writes
relations, each sits on the dependent's first token, and its ``BT_`` column names the governor's
first token with both annotation numbers (``1-3[2_5]``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from stancedesk.domain import Document, Scheme, Span
from stancedesk.formats import previews
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import Attribution, ExchangeFormat, writes_spans
from stancedesk.formats.grouping import by_document
from stancedesk.formats.labelmap import ForeignBundle, ForeignSpan
from stancedesk.formats.offsets import Utf16Index, utf16_len
from stancedesk.formats.paths import annotator_folder, annotator_of, document_stem
from stancedesk.formats.records import DocumentDraft
from stancedesk.formats.text import storable

FORMAT_LINE = "#FORMAT=WebAnno TSV 3.3"
LAYER = "webanno.custom.StanceDesk"
NOTE_FEATURE = "note"
ROLE_FEATURE, ENTITY_FEATURE = "role", "entity"
LINK_LAYER = "webanno.custom.StanceDeskLink"
KIND_FEATURE = "kind"
LINK_KINDS = ("attributed_to", "via", "cue")
_SEGMENT = re.compile(r"\s+|\w+|[^\w\s]")
_CHUNK = re.compile(r"[^\n]*\n*")
_RESERVED = ("\\", "[", "]", "|", "_", "->", ";", "\t", "\n", "*")
_ESCAPED = re.compile(r"\\(->|[\\\[\]|_;*tn])")
_ID = re.compile(r"^(.*?)\[(\d+)\]$", re.S)


def escape(value: str) -> str:
    out = value.replace("\\", "\\\\")
    for ch in _RESERVED[1:]:
        out = out.replace(ch, {"\t": "\\t", "\n": "\\n"}.get(ch, "\\" + ch))
    return out


def unescape(value: str) -> str:
    return _ESCAPED.sub(lambda m: {"t": "\t", "n": "\n"}.get(m.group(1), m.group(1)), value)


def _split_unescaped(value: str, sep: str) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            current.append(value[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def tokens(text: str, spans: Iterable[Span]) -> list[tuple[int, int]]:
    spans = list(spans)
    starts, ends = {s.start for s in spans}, {s.end for s in spans}
    cuts = sorted(starts | ends | {m.start() for m in _CHUNK.finditer(text)})
    out: list[tuple[int, int]] = []
    for m in _SEGMENT.finditer(text):
        a, b = m.span()
        inner = [c for c in cuts if a < c < b]
        for s, e in zip([a, *inner], [*inner, b], strict=True):
            if not text[s:e].isspace() or s in starts or e in ends:
                out.append((s, e))
    return out


def tsv_text(scheme: Scheme, text: str, spans: list[Span],
             attribution: Attribution | None = None) -> str:
    links = attribution or Attribution()
    features = [*scheme.layer_keys, NOTE_FEATURE, ROLE_FEATURE, ENTITY_FEATURE]
    toks = tokens(text, spans)
    index = Utf16Index(text)
    # Sentences: a line plus its line breaks; token-less ones join the sentence before.
    chunks = [m.span() for m in _CHUNK.finditer(text) if m.end() > m.start()]
    sentences: list[list[int]] = []  # [start, end, first token, last token + 1]
    t = 0
    lead = 0  # where the next sentence starts (token-less lines at the top join it)
    for _, b in chunks:
        first = t
        while t < len(toks) and toks[t][0] < b:
            t += 1
        if t > first:
            sentences.append([lead, b, first, t])
            lead = b
        elif sentences:
            sentences[-1][1] = b
            lead = b
    if not sentences:
        sentences.append([0, len(text), 0, 0])
    numbered = list(enumerate(spans, start=1))
    number = {span.id: k for k, span in numbered}
    first_token: dict[int, str] = {}  # span number -> "sentence-token" of its first token
    for si, (_, _, first, last) in enumerate(sentences, start=1):
        for ti, (s, e) in enumerate(toks[first:last], start=1):
            for k, span in numbered:
                if k not in first_token and span.start <= s and e <= span.end:
                    first_token[k] = f"{si}-{ti}"
    relations: dict[str, list[tuple[str, int, int]]] = {}  # dependent's first token -> links
    for k, span in numbered:
        for kind, target in sorted(links.links.get(span.id, {}).items()):
            if target in number and number[target] in first_token:
                relations.setdefault(first_token[number[target]], []).append(
                    (kind, k, number[target]))
    lines = [FORMAT_LINE, f"#T_SP={LAYER}|" + "|".join(features),
             f"#T_RL={LINK_LAYER}|{KIND_FEATURE}|BT_{LAYER}", "", ""]
    for si, (a, b, first, last) in enumerate(sentences, start=1):
        lines += ["#Text=" + line for line in text[a:b].split("\n")]
        for ti, (s, e) in enumerate(toks[first:last], start=1):
            covering = [(k, span) for k, span in numbered if span.start <= s and e <= span.end]
            cells = []
            for feature in features:
                if not covering:
                    cells.append("_")
                    continue
                values = []
                for k, span in covering:
                    value = span.note if feature == NOTE_FEATURE else \
                        span.labels.get(feature, "") if feature in span.labels else \
                        _attribution_value(feature, span, links)
                    values.append(f"{escape(value) if value else '*'}[{k}]")
                cells.append("|".join(values))
            here = relations.get(f"{si}-{ti}", [])
            cells.append("|".join(kind for kind, _, _ in here) or "_")
            cells.append("|".join(f"{first_token[gov]}[{gov}_{dep}]" for _, gov, dep in here)
                         or "_")
            lines.append(f"{si}-{ti}\t{index.to_utf16(s)}-{index.to_utf16(e)}\t"
                         f"{escape(text[s:e])}\t" + "\t".join(cells) + "\t")
        lines.append("")
    return "\n".join(lines) + "\n"


def _attribution_value(feature: str, span: Span, links: Attribution) -> str:
    role, *_, entity = links.cells(span)
    return role if feature == ROLE_FEATURE else entity if feature == ENTITY_FEATURE else ""


def write_webanno(folder: Path, scheme: Scheme, spans: Iterable[Span],
                  document: Callable[[str], Document | None], *,
                  attribution: Callable[[str], Attribution] | None = None) -> int:
    n = 0
    for doc, by_annotator in by_document(spans, document):
        links = attribution(doc.id) if attribution is not None else Attribution()
        for annotator, items in by_annotator.items():
            sub = folder / annotator_folder(annotator)
            sub.mkdir(exist_ok=True)
            (sub / f"{document_stem(doc)}.tsv").write_bytes(
                tsv_text(scheme, doc.text, items, links).encode("utf-8"))
            n += len(items)
    return n


@dataclass
class _Column:
    layer: str
    feature: str | None  # None: a relation/chain column or a layer without features
    relation: bool = False  # a column of StanceDesk's link layer (kind, or BT_ governor)


@dataclass
class _Annotation:
    line: int
    layer: str
    tokens: list[tuple[int, int]] = field(default_factory=list)
    features: dict[str, str] = field(default_factory=dict)


def _header_columns(line: str) -> list[_Column]:
    kind, _, rest = line[1:].partition("=")
    name, *items = rest.split("|")
    if kind == "T_SP":
        return [_Column(name, item) for item in items] or [_Column(name, None)]
    if kind == "T_RL" and name == LINK_LAYER:
        return [_Column(name, item, relation=True) for item in items]
    return [_Column("", None) for _ in items]  # other relation and chain layers: not spans


def read_tsv(raw: str, file: str, document: int, annotator: str) -> \
        tuple[DocumentDraft, list[ForeignSpan]]:
    lines = raw.split("\n")
    if not lines or not lines[0].startswith("#FORMAT=WebAnno TSV 3"):
        raise FormatError(file, "not a WebAnno TSV 3 file (the first line must be "
                          "'#FORMAT=WebAnno TSV 3.x')", 1)
    columns: list[_Column] = []
    text_parts: list[str] = []
    text16 = 0
    pending: list[str] = []  # #Text= lines of the sentence being read
    sentence_open = False
    token_rows: list[tuple[int, int, int, str, list[str]]] = []  # line, b16, e16, token, cells
    for n, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        if line.startswith(("#T_SP=", "#T_RL=", "#T_CH=")):
            columns += _header_columns(line)
            continue
        if line.startswith("#Text="):
            pending.append(line[6:])
            sentence_open = False
            continue
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if cells and cells[-1] == "" and len(cells) == 3 + len(columns) + 1:
            cells.pop()
        if len(cells) != 3 + len(columns):
            raise FormatError(file, f"the token line has {len(cells)} columns; the header "
                              f"declares {3 + len(columns)}", n)
        m = re.fullmatch(r"(\d{1,15})-(\d{1,15})", cells[1])
        if not m:
            raise FormatError(file, f"offsets {cells[1][:40]!r} are not BEGIN-END", n)
        b16, e16 = int(m.group(1)), int(m.group(2))
        if e16 < b16:
            raise FormatError(file, f"token offsets {b16}-{e16} end before they begin", n)
        token = unescape(cells[2])
        if pending and not sentence_open:
            sentence = "\n".join(pending)
            pos = sentence.find(token)
            begin = b16 - (utf16_len(sentence[:pos]) if pos > 0 else 0)
            if begin < text16:
                raise FormatError(file, "the sentence overlaps the one before it", n)
            if begin - text16 > len(raw):  # the gap is filled with line breaks: keep it real
                raise FormatError(file, f"the sentence starts at {begin}, far past the text "
                                  "before it; the offsets are wrong", n)
            text_parts.append("\n" * (begin - text16))
            text_parts.append(sentence)
            text16 = begin + utf16_len(sentence)
            pending, sentence_open = [], True
        token_rows.append((n, b16, e16, token, cells[3:]))
    if pending:
        sentence = "\n".join(pending)
        text_parts.append(sentence)
    text = "".join(text_parts)
    if not text.strip():
        raise FormatError(file, "the file holds no text")
    index = Utf16Index(text)
    annotations: dict[tuple, _Annotation] = {}
    # line, its token ("sentence-token"), link column -> stacked cells
    links: list[tuple[int, str, dict[str, list[str]]]] = []
    token_at: dict[str, tuple[int, int]] = {}  # "sentence-token" -> offsets
    for n, b16, e16, token, cells in token_rows:
        b, e = index.from_utf16(b16), index.from_utf16(e16)
        if b is None or e is None or e > len(text) or text[b:e] != token:
            raise FormatError(file, f"token {token!r} at {b16}-{e16} does not match the "
                              "sentence text (offsets count UTF-16 code units)", n)
        own = lines[n - 1].split("\t", 1)[0]
        token_at[own] = (b, e)
        here = {col.feature or "": _split_unescaped(cell, "|")
                for col, cell in zip(columns, cells, strict=True)
                if col.relation and cell != "_"}
        if here:
            links.append((n, own, here))
        for col, cell in zip(columns, cells, strict=True):
            if (col.feature is None and not col.layer) or cell == "_" or col.relation:
                continue
            for k, part in enumerate(_split_unescaped(cell, "|")):
                if part in ("_", ""):
                    continue
                m = _ID.match(part)
                value, ident = (m.group(1), m.group(2)) if m else (part, None)
                key = (col.layer, ident) if ident else (col.layer, n, k)
                ann = annotations.get(key)
                if ann is None:
                    ann = annotations[key] = _Annotation(line=n, layer=col.layer)
                if (b, e) not in ann.tokens:
                    ann.tokens.append((b, e))
                if col.feature is not None and value != "*":
                    ann.features[col.feature] = unescape(value)
    spans = []
    by_key: dict[tuple, ForeignSpan] = {}
    for key, ann in annotations.items():
        start = min(t[0] for t in ann.tokens)
        end = max(t[1] for t in ann.tokens)
        if end <= start:
            raise FormatError(file, "an annotation covers only empty tokens", ann.line)
        span = by_key[key] = ForeignSpan(
            file=file, line=ann.line, document=document, annotator=annotator, start=start,
            end=end, text=text[start:end], ref=f"{file}#{'-'.join(map(str, key[1:]))}")
        for feature, value in ann.features.items():
            if feature == NOTE_FEATURE and ann.layer == LAYER:
                span.note = value
            elif feature == ROLE_FEATURE and ann.layer == LAYER:
                span.role = value
            elif feature == ENTITY_FEATURE and ann.layer == LAYER:
                span.entity = value
            elif value:
                span.labels.append(value)
                span.hints[value] = f"{feature}:{value}"
        spans.append(span)
    _read_links(links, file, annotations, by_key, token_at)
    spans.sort(key=lambda s: (s.start, s.end, s.line))
    return DocumentDraft(text=text, origin=file), spans


def _link_end(number: str, token: tuple[int, int] | None, file: str, line: int,
              annotations: dict[tuple, _Annotation], by_key: dict[tuple, ForeignSpan]) -> \
        ForeignSpan:
    """The span a relation end names: by its annotation number, or (number 0: a single-token
    span without one) the StanceDesk span on that token."""
    if number != "0":
        span = by_key.get((LAYER, number))
    else:
        found = [by_key[k] for k, a in annotations.items()
                 if a.layer == LAYER and token is not None and token in a.tokens]
        span = found[0] if len(found) == 1 else None
    if span is None:
        raise FormatError(file, f"a {LINK_LAYER} relation names annotation {number}, which "
                          f"the {LAYER} layer does not have", line)
    return span


def _read_links(links: list[tuple[int, str, dict[str, list[str]]]], file: str,
                annotations: dict[tuple, _Annotation], by_key: dict[tuple, ForeignSpan],
                token_at: dict[str, tuple[int, int]]) -> None:
    """Each relation sets the link of its governor to its dependent."""
    bt = f"BT_{LAYER}"
    for line, own, cells in links:
        kinds, governors = cells.get(KIND_FEATURE, []), cells.get(bt, [])
        if len(kinds) != len(governors):
            raise FormatError(file, f"the {LINK_LAYER} columns stack {len(kinds)} kinds and "
                              f"{len(governors)} governors", line)
        for kind, governor in zip(kinds, governors, strict=True):
            kind = unescape(kind)
            if kind not in LINK_KINDS:
                raise FormatError(file, f"link kind {kind!r} is not one of "
                                  f"{', '.join(LINK_KINDS)}", line)
            m = re.fullmatch(r"(\d+-\d+)(?:\[(\d+)_(\d+)\])?", governor)
            if not m:
                raise FormatError(file, f"governor {governor!r} is not TOKEN[GOV_DEP]", line)
            token, gov, dep = m.group(1), m.group(2) or "0", m.group(3) or "0"
            start = _link_end(gov, token_at.get(token), file, line, annotations, by_key)
            end = _link_end(dep, token_at.get(own), file, line, annotations, by_key)
            earlier = getattr(start, kind)
            if earlier and earlier != end.ref:
                raise FormatError(file, f"annotation {gov} has two {kind} relations", line)
            setattr(start, kind, end.ref)


def read_webanno(path: Path, annotator: str) -> ForeignBundle:
    """A ``.tsv`` file, or a folder of them (subfolders name annotators)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.tsv") if p.is_file())
        if not files:
            raise FormatError(str(path), "the folder holds no .tsv files")
    elif path.is_file():
        files = [path]
    else:
        raise FormatError(str(path), "no such file or folder")
    bundle = ForeignBundle()
    for file in files:
        try:
            raw = storable(file.read_bytes().decode("utf-8-sig"), str(file))
        except OSError as exc:
            raise FormatError(str(file), f"cannot read the file: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise FormatError(str(file), f"not valid UTF-8 (byte offset {exc.start})") from None
        who = annotator_of(file, path, annotator) if path.is_dir() else annotator
        draft, spans = read_tsv(raw, str(file), len(bundle.documents), who)
        draft.source_file = file.with_suffix(".txt").name
        bundle.documents.append(draft)
        bundle.spans.extend(spans)
    return bundle


FORMAT = ExchangeFormat(
    name="webanno", title="WebAnno TSV 3.3", suffixes=(".tsv",), folder=True,
    description="Folder (new or empty) · a .tsv per document and annotator for INCEpTION "
                "(layer webanno.custom.StanceDesk).",
    write_path=writes_spans(write_webanno), read_bundle=read_webanno,
    preview=previews.folder_listing(".tsv"))
