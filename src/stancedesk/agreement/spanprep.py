"""The spans of one scheme layer, for the chosen annotators and documents, as parallel arrays.

Scope rules shared by every span measure:

* annotators: those given (in that order), else every annotator with a span, sorted by name;
* documents: those given (in that order), else every document where a chosen annotator has any
  span (labelled in this layer or not), sorted by id;
* spans counted: those of chosen annotators in scoped documents that have a value in the layer
  (``Span.label(layer)`` is not None);
* categories: ``labels`` when given (scheme order; a value outside them is appended, so a stale
  label is reported rather than dropped), else the values seen, sorted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from stancedesk.domain.span import Span


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
    span_ids: tuple[str, ...]

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


def prepare_layer(spans: Iterable[Span], texts: Mapping[str, str], layer: str,
                  annotators: Sequence[str] | None = None,
                  documents: Sequence[str] | None = None,
                  labels: Sequence[str] | None = None) -> LayerSpans:
    """Select and encode the spans of ``layer``; offsets beyond a document's text are an error
    (they mean the offsets drifted from the text, and every measure would be wrong)."""
    all_spans = list(spans)
    doc_filter = None if documents is None else set(documents)
    if annotators is None:
        chosen = tuple(sorted({s.annotator for s in all_spans
                               if doc_filter is None or s.document_id in doc_filter}))
    else:
        chosen = _unique(annotators)
    ann_index = {a: i for i, a in enumerate(chosen)}
    mine = [s for s in all_spans if s.annotator in ann_index]
    docs = tuple(sorted({s.document_id for s in mine})) if documents is None else \
        _unique(documents)
    doc_index = {d: i for i, d in enumerate(docs)}
    missing_text = [d for d in docs if d not in texts]
    if missing_text:
        raise ValueError(f"no text for document(s) {', '.join(missing_text[:5])}")
    lengths = np.fromiter((len(texts[d]) for d in docs), dtype=np.int64, count=len(docs))

    doc_col: list[int] = []
    ann_col: list[int] = []
    start_col: list[int] = []
    end_col: list[int] = []
    values: list[str] = []
    ids: list[str] = []
    for s in mine:
        d = doc_index.get(s.document_id)
        value = s.labels.get(layer)
        if d is None or not value:
            continue
        doc_col.append(d)
        ann_col.append(ann_index[s.annotator])
        start_col.append(s.start)
        end_col.append(s.end)
        values.append(value)
        ids.append(s.id)
    doc_arr = np.asarray(doc_col, dtype=np.int64)
    ann_arr = np.asarray(ann_col, dtype=np.int64)
    start_arr = np.asarray(start_col, dtype=np.int64)
    end_arr = np.asarray(end_col, dtype=np.int64)
    beyond = np.flatnonzero(end_arr > lengths[doc_arr]) if doc_arr.size else np.zeros(0, int)
    if beyond.size:
        raise ValueError(f"span(s) {', '.join(ids[i] for i in beyond[:5])} end beyond their "
                         "document's text")
    order = np.lexsort((end_arr, start_arr, ann_arr, doc_arr))

    seen = sorted(set(values))
    if labels is None:
        cats = tuple(seen)
    else:
        cats = _unique(labels)
        known = set(cats)
        cats = cats + tuple(v for v in seen if v not in known)
    cat_index = {c: i for i, c in enumerate(cats)}
    value_arr = np.fromiter((cat_index[v] for v in values), dtype=np.int64, count=len(values))
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
        value=value_arr[order],
        span_ids=tuple(ids[i] for i in order.tolist()),
    )


def without_values(ls: LayerSpans, codes: Sequence[int]) -> LayerSpans:
    """The same layer without the spans whose value is one of ``codes`` (categories kept), for
    measures where a "no grade" span is no unit of any grade."""
    if not len(codes):
        return ls
    keep = ~np.isin(ls.value, np.asarray(codes, dtype=np.int64))
    idx = np.flatnonzero(keep)
    return LayerSpans(
        layer=ls.layer, annotators=ls.annotators, documents=ls.documents,
        doc_lengths=ls.doc_lengths, labels=ls.labels, ann=ls.ann[keep], doc=ls.doc[keep],
        start=ls.start[keep], end=ls.end[keep], value=ls.value[keep],
        span_ids=tuple(ls.span_ids[i] for i in idx.tolist()))
