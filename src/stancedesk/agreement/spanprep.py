"""The spans of one scheme layer, for the chosen annotators and documents, as parallel arrays.

Scope rules shared by every span measure:

* annotators: those given (in that order), else every annotator with a span, sorted by name;
* documents: those given (in that order), else every document where a chosen annotator has any
  span (labelled in this layer or not), sorted by id;
* spans counted: those of chosen annotators in scoped documents that have a value in the layer
  (``Span.label(layer)`` is not None);
* categories: ``labels`` when given (scheme order; a value outside them is appended, so a stale
  label is reported rather than dropped), else the values seen, sorted.

Spans come as ``Span`` objects or, from the database, as ``SpanColumns``: one integer array per
field. At 10,000 documents (1.5 million spans) a ``Span`` with its label dictionary per span
costs more time and memory than every measure after it, so the service reads columns.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, overload

import numpy as np

from stancedesk.agreement.order import distinct, sort_order
from stancedesk.domain.span import Span
from stancedesk.domain.span_pack import SEPARATOR, PackedSpans


@dataclass(frozen=True, slots=True)
class LayerSpans:
    layer: str
    annotators: tuple[str, ...]
    documents: tuple[str, ...]
    doc_lengths: np.ndarray  # (D,) characters per document
    labels: tuple[str, ...]  # category of code k is labels[k]
    ann: np.ndarray  # per span: annotator index
    doc: np.ndarray  # per span: document index
    start: np.ndarray
    end: np.ndarray
    value: np.ndarray  # per span: label code
    # per span its row in ``id_source`` (the ids of every span read): the ids are looked up
    # only when asked for (a tuple of 1.5 million ids took a second to build, for nothing
    # when only the statistics are wanted)
    id_rows: np.ndarray
    id_source: Sequence[str]

    @property
    def span_ids(self) -> tuple[str, ...]:
        """The id of each span, in the order of the arrays (built on each call)."""
        return tuple(take_ids(self.id_source, self.id_rows.tolist()))

    @property
    def n_annotators(self) -> int:
        return len(self.annotators)

    @property
    def n_documents(self) -> int:
        return len(self.documents)

    @property
    def n_labels(self) -> int:
        return len(self.labels)

    @property
    def n_spans(self) -> int:
        return int(self.ann.size)

    def spans_per_annotator(self) -> np.ndarray:
        return np.bincount(self.ann, minlength=self.n_annotators)

    def group_bounds(self) -> np.ndarray:
        """Spans are sorted by (document, annotator, start, end); spans of document d and
        annotator a are ``bounds[d * A + a] : bounds[d * A + a + 1]``."""
        groups = self.doc.astype(np.int64) * self.n_annotators + self.ann
        return np.searchsorted(groups, np.arange(self.n_documents * self.n_annotators + 1))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _codes(index: dict[Any, int], column: Sequence[Any], skip: tuple[Any, ...] = ()
           ) -> np.ndarray:
    """Codes of ``column`` in ``index``, adding unseen keys (first appearance order); keys in
    ``skip`` (no value) get -1."""
    for key in dict.fromkeys(column):
        if key not in index and key not in skip:
            index[key] = len(index)
    return np.fromiter(map(index.get, column, repeat(-1)), dtype=np.int32, count=len(column))


@dataclass(frozen=True, slots=True)
class SpanColumns:
    """Spans as parallel arrays: document and annotator codes into ``document_ids`` and
    ``annotators``, offsets, the attribution role's code into ``roles`` (-1 for none), and per
    layer (value names, value code per span, -1 for none).

    Iterating yields ``Span`` objects (without covered text, note or times), so anything that
    takes spans takes columns too."""

    ids: Sequence[str]
    document_ids: tuple[str, ...]
    annotators: tuple[str, ...]
    doc: np.ndarray
    ann: np.ndarray
    start: np.ndarray
    end: np.ndarray
    roles: tuple[str, ...]
    role: np.ndarray
    values: dict[str, tuple[tuple[Any, ...], np.ndarray]]

    @classmethod
    def from_batches(cls, batches: Iterable[Sequence[tuple[Any, ...]] | PackedSpans],
                     layers: Sequence[str]) -> SpanColumns:
        """Runs of spans in export order: ``PackedSpans``, or lists of rows of (id, document
        id, annotator, start, end, role, one value per layer); None or "" is no role or value.
        Only codes stay, never a string per span but the ids."""
        reader = _ColumnReader(layers)
        for batch in batches:
            if isinstance(batch, PackedSpans):
                reader.add_packed(batch)
            elif batch:
                reader.add_rows(batch)
        return reader.columns()

    @classmethod
    def from_spans(cls, spans: Iterable[Span], layers: Sequence[str] | None = None
                   ) -> SpanColumns:
        """Columns of ``layers`` (default: every layer any span has a value in, sorted)."""
        all_spans = list(spans)
        keys = list(layers) if layers is not None else \
            sorted({k for s in all_spans for k, v in s.labels.items() if v})
        rows = [(s.id, s.document_id, s.annotator, s.start, s.end, s.role,
                 *(s.labels.get(k) for k in keys)) for s in all_spans]
        return cls.from_batches([rows], keys)

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Span]:
        layers = [(layer, names, codes.tolist()) for layer, (names, codes) in
                  self.values.items()]
        docs, anns = self.doc.tolist(), self.ann.tolist()
        starts, ends, roles = self.start.tolist(), self.end.tolist(), self.role.tolist()
        for i, span_id in enumerate(self.ids):
            labels = {layer: names[codes[i]] for layer, names, codes in layers if codes[i] >= 0}
            yield Span(span_id, self.document_ids[docs[i]], self.annotators[anns[i]], starts[i],
                       ends[i], "", labels,
                       role=self.roles[roles[i]] if roles[i] >= 0 else None)

    def with_roles(self, roles: Iterable[str], annotators: Iterable[str],
                   documents: Iterable[str]) -> list[str]:
        """Ids of the spans of ``annotators`` in ``documents`` whose role is one of ``roles``
        (what the attribution measures read whole), in column order."""
        role_ok = np.array([r in set(roles) for r in self.roles] + [False], dtype=bool)
        wanted_ann, wanted_doc = set(annotators), set(documents)
        ann_ok = np.array([a in wanted_ann for a in self.annotators] + [False], dtype=bool)
        doc_ok = np.array([d in wanted_doc for d in self.document_ids] + [False], dtype=bool)
        keep = role_ok[self.role] & ann_ok[self.ann] & doc_ok[self.doc]
        return take_ids(self.ids, np.flatnonzero(keep).tolist())

    def documents_of(self, annotators: Iterable[str]) -> set[str]:
        """Documents where any of ``annotators`` has a span (in any layer)."""
        ann_ok = np.isin(np.arange(len(self.annotators)),
                         [i for i, a in enumerate(self.annotators) if a in set(annotators)])
        return {self.document_ids[d] for d in distinct(self.doc[ann_ok[self.ann]]).tolist()}

    def annotated_by_all(self, layer: str, annotators: Sequence[str]) -> set[str]:
        """Documents where every one of ``annotators`` has a span with a value in ``layer``."""
        wanted = set(annotators)
        if not wanted or not wanted <= set(self.annotators):
            return set()
        codes = [self.annotators.index(a) for a in wanted]
        _, values = self.layer(layer)
        labelled = values >= 0
        docs: np.ndarray | None = None
        for code in codes:
            mine = distinct(self.doc[labelled & (self.ann == code)])
            docs = mine if docs is None else np.intersect1d(docs, mine, assume_unique=True)
        assert docs is not None
        return {self.document_ids[d] for d in docs.tolist()}

    def layer(self, layer: str) -> tuple[tuple[Any, ...], np.ndarray]:
        """(value names, code per span); all -1 for a layer that was not read."""
        if layer in self.values:
            return self.values[layer]
        return (), np.full(len(self.ids), -1, dtype=np.int32)


class SpanIds(Sequence[str]):
    """Span ids by position. A packed run's ids stay one text until an id of that run is asked
    for: 1.5 million id strings cost a fifth of a second and 130 MB, and a report needs the
    ids of a few claims and sources at most (the alignment table needs them all)."""

    __slots__ = ("_ends", "_runs")

    def __init__(self) -> None:
        self._runs: list[str | list[str]] = []
        self._ends: list[int] = []  # ids up to the end of each run

    def add(self, run: str | list[str], n: int) -> None:
        """``n`` ids: a list, or one text of ``n`` ids separated by ``SEPARATOR``."""
        if n:
            self._runs.append(run)
            self._ends.append(len(self) + n)

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def _run(self, k: int) -> list[str]:
        run = self._runs[k]
        if isinstance(run, str):
            run = self._runs[k] = run.split(SEPARATOR)
        return run

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        j = i + len(self) if i < 0 else i
        if not 0 <= j < len(self):
            raise IndexError(i)
        k = bisect_right(self._ends, j)
        return self._run(k)[j - (self._ends[k - 1] if k else 0)]

    def __iter__(self) -> Iterator[str]:
        for k in range(len(self._runs)):
            yield from self._run(k)


def take_ids(ids: Sequence[str], rows: Sequence[int]) -> list[str]:
    """``ids[i]`` for each of ``rows``: all ids are split once when many are wanted."""
    if isinstance(ids, SpanIds) and len(rows) * 16 > len(ids):
        ids = list(ids)
    return [ids[i] for i in rows]


class _ColumnReader:
    """Codes each run of spans as it comes, into shared code tables (first appearance order)."""

    def __init__(self, layers: Sequence[str]) -> None:
        self.layers = list(layers)
        self.ids = SpanIds()
        self.doc_index: dict[Any, int] = {}
        self.ann_index: dict[Any, int] = {}
        self.role_index: dict[Any, int] = {}
        self.value_index: list[dict[Any, int]] = [{} for _ in layers]
        # label JSON -> its value per layer (a few thousand distinct sets among millions)
        self.label_values: dict[str, tuple[Any, ...]] = {}
        self.parts: list[list[np.ndarray]] = [[] for _ in range(5 + len(layers))]

    def add_rows(self, batch: Sequence[tuple[Any, ...]]) -> None:
        n = len(batch)
        cols = list(zip(*batch, strict=True))
        self.ids.add(list(cols[0]), n)
        self.parts[0].append(_codes(self.doc_index, cols[1]))
        self.parts[1].append(_codes(self.ann_index, cols[2]))
        self.parts[2].append(np.fromiter(cols[3], dtype=np.int64, count=n))
        self.parts[3].append(np.fromiter(cols[4], dtype=np.int64, count=n))
        self.parts[4].append(_codes(self.role_index, cols[5], (None, "")))
        for j, index in enumerate(self.value_index):
            self.parts[5 + j].append(_codes(index, cols[6 + j], (None, "")))

    def add_packed(self, run: PackedSpans) -> None:
        n = run.count
        starts = _numbers(run.starts, n)
        ends = _numbers(run.ends, n)
        keys = _numbers(run.annotators, n)
        doc = self._document_codes(run.document_ids, n)
        if not _in_export_order(doc, starts, ends):
            raise ValueError("spans were not read in (document, start, end) order")
        self.ids.add(run.span_ids, n)
        self.parts[0].append(doc)
        # the annotators' database keys, coded by name in order of first appearance
        found, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        names = [run.annotator_names[int(k)] for k in found.tolist()]
        lut = np.zeros(len(names), dtype=np.int32)
        for i in np.argsort(first, kind="stable").tolist():
            lut[i] = self.ann_index.setdefault(names[i], len(self.ann_index))
        self.parts[1].append(lut[inverse.reshape(-1)])
        self.parts[2].append(starts)
        self.parts[3].append(ends)
        if len(run.roles) == n - 1:  # only separators: no span of the run has a role
            self.parts[4].append(np.full(n, -1, dtype=np.int32))
        else:
            self.parts[4].append(_codes(self.role_index, run.roles.split(SEPARATOR), ("",)))
        label_index: dict[str, int] = {}
        label_codes = _codes(label_index, run.labels.split(SEPARATOR))
        sets = [self._values_of(raw) for raw in label_index]
        for j, index in enumerate(self.value_index):
            lut = _codes(index, [values[j] for values in sets], (None, ""))
            self.parts[5 + j].append(lut[label_codes] if n else lut[:0])

    def _document_codes(self, text: str, n: int) -> np.ndarray:
        """The code of each span's document. Ids of one length in ASCII (StanceDesk's are
        UUIDs) are compared as fixed-width bytes, so only each document's first span makes a
        string; others are split."""
        width = text.find(SEPARATOR) + 1 if n > 1 else len(text) + 1
        if width > 1 and len(text) == n * width - 1 and text.isascii():
            raw = np.frombuffer((text + SEPARATOR).encode("ascii"), dtype=np.uint8)
            grid = raw.reshape(n, width)
            if np.all(grid[:, -1] == ord(SEPARATOR)):  # each row one id and its separator
                ids = grid.view(f"S{width}").reshape(n)
                first = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
                names = [text[i * width:(i + 1) * width - 1] for i in first.tolist()]
                return np.repeat(_codes(self.doc_index, names),
                                 np.diff(np.append(first, n)))
        return _codes(self.doc_index, text.split(SEPARATOR))

    def _values_of(self, raw: str) -> tuple[Any, ...]:
        """The value of each layer in one label JSON, as SQLite's ``json_extract`` gives it
        (a nested object or list as its JSON text)."""
        found = self.label_values.get(raw)
        if found is None:
            parsed = json.loads(raw) if raw else {}
            if not isinstance(parsed, dict):
                parsed = {}
            found = tuple(_scalar(parsed.get(layer)) for layer in self.layers)
            self.label_values[raw] = found
        return found

    def columns(self) -> SpanColumns:
        parts = self.parts

        def joined(i: int, dtype: type) -> np.ndarray:
            return np.concatenate(parts[i]).astype(dtype, copy=False) if parts[i] else \
                np.zeros(0, dtype=dtype)

        values: dict[str, tuple[tuple[Any, ...], np.ndarray]] = {}
        for j, layer in enumerate(self.layers):
            values[layer] = (tuple(self.value_index[j]), joined(5 + j, np.int32))
        return SpanColumns(self.ids, tuple(self.doc_index), tuple(self.ann_index),
                           joined(0, np.int32), joined(1, np.int32), joined(2, np.int64),
                           joined(3, np.int64), tuple(self.role_index), joined(4, np.int32),
                           values)


def _numbers(text: str, n: int) -> np.ndarray:
    """``n`` comma-separated integers, parsed in one call."""
    out = np.fromstring(text, dtype=np.int64, sep=",") if n else np.zeros(0, dtype=np.int64)
    if out.size != n:
        raise ValueError(f"expected {n} numbers, read {out.size}")
    return out


def _scalar(value: Any) -> Any:
    return json.dumps(value, separators=(",", ":")) if isinstance(value, (dict, list)) \
        else value


def _in_export_order(doc: np.ndarray, start: np.ndarray, end: np.ndarray) -> bool:
    """Whether (document, start, end) never decreases (the codes of a run in document order
    increase with the document)."""
    if doc.size < 2:
        return True
    d, s, e = np.diff(doc), np.diff(start), np.diff(end)
    return bool(np.all((d > 0) | ((d == 0) & ((s > 0) | ((s == 0) & (e >= 0))))))


def _lookup(names: Sequence[Any], index: Mapping[Any, int]) -> np.ndarray:
    """Per name its position in ``index``, -1 where absent (a code-to-code table)."""
    return np.fromiter((index.get(n, -1) for n in names), dtype=np.int64, count=len(names))


def prepare_layer(spans: Iterable[Span] | SpanColumns, texts: Mapping[str, str], layer: str,
                  annotators: Sequence[str] | None = None,
                  documents: Sequence[str] | None = None,
                  labels: Sequence[str] | None = None) -> LayerSpans:
    """Select and encode the spans of ``layer``; offsets beyond a document's text are an error
    (they mean the offsets drifted from the text, and every measure would be wrong)."""
    cols = spans if isinstance(spans, SpanColumns) else SpanColumns.from_spans(spans, [layer])
    if documents is None:
        in_filter = np.ones(len(cols), dtype=bool)
    else:
        wanted = set(documents)
        doc_ok = np.fromiter((d in wanted for d in cols.document_ids), dtype=bool,
                             count=len(cols.document_ids))
        in_filter = doc_ok[cols.doc] if len(cols) else np.zeros(0, dtype=bool)
    if annotators is None:
        chosen = tuple(sorted(cols.annotators[i] for i in distinct(cols.ann[in_filter])))
    else:
        chosen = _unique(annotators)
    ann_index = {a: i for i, a in enumerate(chosen)}
    ann = _lookup(cols.annotators, ann_index)[cols.ann] if len(cols) else \
        np.zeros(0, dtype=np.int64)
    mine = ann >= 0
    docs = tuple(sorted(cols.document_ids[i] for i in distinct(cols.doc[mine]))) \
        if documents is None else _unique(documents)
    doc_index = {d: i for i, d in enumerate(docs)}
    missing_text = [d for d in docs if d not in texts]
    if missing_text:
        raise ValueError(f"no text for document(s) {', '.join(missing_text[:5])}")
    lengths = np.fromiter((len(texts[d]) for d in docs), dtype=np.int64, count=len(docs))
    doc = _lookup(cols.document_ids, doc_index)[cols.doc] if len(cols) else \
        np.zeros(0, dtype=np.int64)

    names, codes = cols.layer(layer)
    sel = np.flatnonzero(mine & (doc >= 0) & (codes >= 0))
    doc_arr, ann_arr = doc[sel], ann[sel]
    start_arr, end_arr = cols.start[sel], cols.end[sel]
    beyond = np.flatnonzero(end_arr > lengths[doc_arr]) if doc_arr.size else np.zeros(0, int)
    if beyond.size:
        raise ValueError(f"span(s) {', '.join(cols.ids[sel[i]] for i in beyond[:5])} end "
                         "beyond their document's text")
    order = sort_order(doc_arr, ann_arr, start_arr, end_arr)

    raw = codes[sel]
    seen = sorted(names[c] for c in distinct(raw))
    if labels is None:
        cats = tuple(seen)
    else:
        cats = _unique(labels)
        known = set(cats)
        cats = cats + tuple(v for v in seen if v not in known)
    value_lut = _lookup(names, {c: i for i, c in enumerate(cats)})
    return LayerSpans(
        layer=layer,
        annotators=chosen,
        documents=docs,
        doc_lengths=lengths,
        labels=cats,
        ann=ann_arr[order],
        doc=doc_arr[order],
        start=start_arr[order],
        end=end_arr[order],
        value=value_lut[raw][order] if raw.size else np.zeros(0, dtype=np.int64),
        id_rows=sel[order],
        id_source=cols.ids,
    )


def without_values(ls: LayerSpans, codes: Sequence[int]) -> LayerSpans:
    """The same layer without the spans whose value is one of ``codes`` (categories kept), for
    measures where a "no grade" span is no unit of any grade."""
    if not len(codes):
        return ls
    keep = ~np.isin(ls.value, np.asarray(codes, dtype=np.int64))
    return LayerSpans(
        layer=ls.layer, annotators=ls.annotators, documents=ls.documents,
        doc_lengths=ls.doc_lengths, labels=ls.labels, ann=ls.ann[keep], doc=ls.doc[keep],
        start=ls.start[keep], end=ls.end[keep], value=ls.value[keep],
        id_rows=ls.id_rows[keep], id_source=ls.id_source)
