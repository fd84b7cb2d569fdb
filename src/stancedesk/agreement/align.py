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

from stancedesk.agreement.matching import max_overlap_assignment, overlap_matrix
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
    a_n = ls.n_annotators
    bounds = ls.group_bounds()
    start, end = ls.start, ls.end
    blocks: list[np.ndarray] = []
    block_docs: list[np.ndarray] = []
    for d in range(ls.n_documents):
        members = np.full((a_n, 0), -1, dtype=np.int64)
        for a in range(a_n):
            lo, hi = bounds[d * a_n + a], bounds[d * a_n + a + 1]
            if lo == hi:
                continue
            cand = np.arange(lo, hi)
            n_units = members.shape[1]
            taken = np.zeros(cand.size, dtype=bool)
            if n_units:
                score = np.zeros((n_units, cand.size), dtype=np.int64)
                for p in range(a):
                    has = members[p] >= 0
                    if has.any():
                        mp = members[p, has]
                        score[has] += overlap_matrix(start[mp], end[mp], start[cand], end[cand])
                rows, cols = max_overlap_assignment(score)
                members[a, rows] = cand[cols]
                taken[cols] = True
            fresh = cand[~taken]
            if fresh.size:
                block = np.full((a_n, fresh.size), -1, dtype=np.int64)
                block[a] = fresh
                members = np.concatenate([members, block], axis=1)
        if members.shape[1]:
            has = members >= 0
            first = np.where(has, start[np.where(has, members, 0)], np.iinfo(np.int64).max).min(0)
            last = np.where(has, end[np.where(has, members, 0)], -1).max(0)
            members = members[:, np.lexsort((last, first))]
            blocks.append(members)
            block_docs.append(np.full(members.shape[1], d, dtype=np.int64))
    if blocks:
        return Alignment(ls, np.concatenate(block_docs), np.concatenate(blocks, axis=1))
    return Alignment(ls, np.zeros(0, dtype=np.int64), np.full((a_n, 0), -1, dtype=np.int64))
