"""Aligning the labelled spans of several annotators into units, for label agreement.

Procedure (per document; deterministic):

1. The first annotator's spans (in the annotator order) each open a unit.
2. Each further annotator's spans are assigned one-to-one to the existing units by
   ``linear_sum_assignment``, maximising the summed character overlap between a span and the
   unit's current members (so a unit agreed on by several annotators pulls harder than one
   annotator's stray span). Pairs with no overlap are not aligned.
3. A span left unassigned opens a new unit.

A unit therefore holds at most one span per annotator, and an annotator with no span in it is a
missing value. With two annotators this is exactly the maximum-overlap one-to-one alignment.
Labels play no part in aligning: the point is to compare the labels of the same stretch.
Units are numbered by document, then by their earliest start and latest end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from stancedesk.agreement.matching import (
    block_assignments,
    cross_overlaps,
    document_chunks,
)
from stancedesk.agreement.order import sort_order
from stancedesk.agreement.spanprep import LayerSpans


@dataclass(frozen=True, slots=True)
class Alignment:
    spans: LayerSpans
    unit_doc: np.ndarray  # (U,) document index of each unit
    members: np.ndarray  # (A, U) index into the LayerSpans arrays, -1 where no span

    @property
    def n_units(self) -> int:
        return int(self.unit_doc.size)

    @property
    def codes(self) -> np.ndarray:
        """(A, U) label codes of the aligned spans, -1 (missing) where an annotator has none."""
        if self.members.size == 0:
            return np.full(self.members.shape, -1, dtype=np.int32)
        values = np.append(self.spans.value, -1)  # index -1 (no span) reads the appended -1
        return values[self.members].astype(np.int32)

    def rows(self) -> list[dict[str, Any]]:
        """JSON-ready rows: unit id, document id, and per annotator the aligned span or None."""
        ls = self.spans
        out: list[dict[str, Any]] = []
        members = self.members.T.tolist()
        docs = self.unit_doc.tolist()
        start, end, value = ls.start.tolist(), ls.end.tolist(), ls.value.tolist()
        span_ids = ls.span_ids
        for unit, (doc, row) in enumerate(zip(docs, members, strict=True)):
            cells: dict[str, dict[str, Any] | None] = {}
            for name, i in zip(ls.annotators, row, strict=True):
                cells[name] = None if i < 0 else {
                    "span_id": span_ids[i], "start": start[i], "end": end[i],
                    "value": ls.labels[value[i]]}
            out.append({"unit": unit, "document_id": ls.documents[doc], "spans": cells})
        return out


def align(ls: LayerSpans) -> Alignment:
    """The procedure of the module docstring, for a few hundred documents at a time: each
    unit is named by the span that opened it, and each further annotator's assignment to the
    units of every document comes from ``block_assignments`` (one score matrix per document,
    the summed overlaps of the unit's members, solved as ``max_overlap_assignment`` would)."""
    unit_docs: list[np.ndarray] = []
    blocks: list[np.ndarray] = []
    for first_span, first_doc, chunk in document_chunks(ls):
        unit_doc, members = _align_chunk(chunk)
        unit_docs.append(unit_doc + first_doc)
        blocks.append(np.where(members >= 0, members + first_span, -1))
    if blocks:
        return Alignment(ls, np.concatenate(unit_docs), np.concatenate(blocks, axis=1))
    a_n = ls.n_annotators
    return Alignment(ls, np.zeros(0, dtype=np.int64), np.full((a_n, 0), -1, dtype=np.int64))


def _align_chunk(ls: LayerSpans) -> tuple[np.ndarray, np.ndarray]:
    """(document of each unit, (annotators, units) members) for these documents."""
    a_n, n = ls.n_annotators, ls.n_spans
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.full((a_n, 0), -1, dtype=np.int64)
    doc = ls.doc.astype(np.int64)
    ann = ls.ann.astype(np.int64)
    start, end = ls.start, ls.end
    bounds = ls.group_bounds()
    opened_by = np.arange(n, dtype=np.int64)  # per span: the span that opened its unit
    doc_first = bounds[np.arange(ls.n_documents + 1) * a_n]
    for a in range(1, a_n):
        earlier = np.flatnonzero(ann < a)
        cand = np.flatnonzero(ann == a)
        i, j, ov = cross_overlaps(doc[earlier], start[earlier], end[earlier], doc[cand],
                                  start[cand], end[cand])
        unit, span = opened_by[earlier[i]], cand[j]
        # a unit's score for a span is the sum over its members
        key = unit * n + span
        pairs, which = np.unique(key, return_inverse=True)
        weight = np.bincount(which.reshape(-1), weights=ov.astype(np.float64))
        weight = weight.astype(np.int64)
        unit, span = pairs // n, pairs % n
        # rows: the units opened so far in the document, in the order they were opened
        is_unit = np.zeros(n, dtype=bool)
        is_unit[opened_by[earlier]] = True
        seen = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(is_unit, out=seen[1:])
        d = doc[span]
        row = seen[unit] - seen[doc_first[d]]
        col = span - bounds[d * a_n + a]
        shape = np.stack([seen[doc_first[1:]] - seen[doc_first[:-1]],
                          np.diff(bounds)[np.arange(ls.n_documents) * a_n + a]], axis=1)
        chosen = block_assignments(d, row, col, weight, unit, span, shape)
        opened_by[span[chosen]] = unit[chosen]
    units = np.flatnonzero(opened_by == np.arange(n))
    unit_of = np.searchsorted(units, opened_by)
    members = np.full((a_n, units.size), -1, dtype=np.int64)
    members[ann, unit_of] = np.arange(n)
    has = members >= 0
    first = np.where(has, start[members], np.iinfo(np.int64).max).min(axis=0)
    last = np.where(has, end[members], -1).max(axis=0)
    # by document, then earliest start and latest end; ties in the order units were opened
    order = sort_order(doc[units], first, last, units)
    return doc[units][order], members[:, order]
