"""Pairwise span matching: exact matches and optimal overlap matches, counted per label.

* exact: spans of two annotators match when document, start, end and value are all equal; the
  matches are the multiset intersection (two identical spans of A match two of B, not four).
* overlap: a one-to-one matching between spans with the same value that overlap by at least one
  character, chosen per document to maximise the total overlap (scipy's
  ``linear_sum_assignment``); pairs the assignment makes with zero overlap do not count.

F1 = 2 · matches / (|A| + |B|), undefined (None) when both annotators have no spans. Matches only
join spans of equal value, so both counts split exactly by label, which gives per-label F1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stancedesk.agreement.assignment import linear_sum_assignment
from stancedesk.agreement.spanprep import LayerSpans


@dataclass(frozen=True, slots=True)
class PairCounts:
    """Per-label span counts and match counts for annotators a < b."""

    a: int
    b: int
    n_a: np.ndarray
    n_b: np.ndarray
    exact: np.ndarray
    overlap: np.ndarray


def f1(matches: float, n_a: float, n_b: float) -> float:
    total = n_a + n_b
    return 2.0 * matches / total if total > 0 else float("nan")


def overlap_matrix(a_start: np.ndarray, a_end: np.ndarray, b_start: np.ndarray,
                   b_end: np.ndarray) -> np.ndarray:
    """Characters shared by every span of A (rows) with every span of B (columns), ≥ 0."""
    ov = np.minimum(a_end[:, None], b_end[None, :]) - np.maximum(a_start[:, None], b_start[None, :])
    return np.maximum(ov, 0)


def max_overlap_assignment(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of a one-to-one assignment maximising the summed score, keeping
    only positive-score pairs. When no row or column has two candidates the candidates are the
    answer, which skips the solver for the common case of clean agreement."""
    positive = score > 0
    if not positive.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if (positive.sum(axis=0) <= 1).all() and (positive.sum(axis=1) <= 1).all():
        rows, cols = np.nonzero(positive)
        return rows, cols
    rows, cols = linear_sum_assignment(score, maximize=True)
    keep = score[rows, cols] > 0
    return rows[keep], cols[keep]


def exact_match_counts(ls: LayerSpans) -> tuple[np.ndarray, np.ndarray]:
    """(per annotator × key counts, label of each key), key = (document, start, end, value)."""
    n = ls.n_spans
    if n == 0:
        return np.zeros((ls.n_annotators, 0)), np.zeros(0, dtype=np.int64)
    order = np.lexsort((ls.value, ls.end, ls.start, ls.doc))
    cols = (ls.doc[order], ls.start[order], ls.end[order], ls.value[order])
    new = np.ones(n, dtype=bool)
    new[1:] = np.any([c[1:] != c[:-1] for c in cols], axis=0)
    key_sorted = np.cumsum(new) - 1
    key = np.empty(n, dtype=np.int64)
    key[order] = key_sorted
    n_keys = int(key_sorted[-1]) + 1
    counts = np.bincount(ls.ann * n_keys + key, minlength=ls.n_annotators * n_keys)
    key_label = np.empty(n_keys, dtype=np.int64)
    key_label[key] = ls.value
    return counts.reshape(ls.n_annotators, n_keys).astype(np.float64), key_label


def pair_counts(ls: LayerSpans) -> list[PairCounts]:
    """Exact and overlap matches for every pair of annotators, in annotator order."""
    a_n, k = ls.n_annotators, ls.n_labels
    per_ann = np.zeros((a_n, k))
    np.add.at(per_ann, (ls.ann, ls.value), 1.0)
    key_counts, key_label = exact_match_counts(ls)
    pairs = [(a, b) for a in range(a_n) for b in range(a + 1, a_n)]
    overlap = {p: np.zeros(k) for p in pairs}
    bounds = ls.group_bounds()
    start, end, value = ls.start, ls.end, ls.value
    for d in range(ls.n_documents):
        base = d * a_n
        for a, b in pairs:
            lo_a, hi_a = bounds[base + a], bounds[base + a + 1]
            lo_b, hi_b = bounds[base + b], bounds[base + b + 1]
            if lo_a == hi_a or lo_b == hi_b:
                continue
            va, vb = value[lo_a:hi_a], value[lo_b:hi_b]
            score = overlap_matrix(start[lo_a:hi_a], end[lo_a:hi_a], start[lo_b:hi_b],
                                   end[lo_b:hi_b])
            score = np.where(va[:, None] == vb[None, :], score, 0)
            rows, _ = max_overlap_assignment(score)
            if rows.size:
                overlap[(a, b)] += np.bincount(va[rows], minlength=k)
    out = []
    for a, b in pairs:
        exact = np.bincount(key_label, weights=np.minimum(key_counts[a], key_counts[b]),
                            minlength=k) if key_label.size else np.zeros(k)
        out.append(PairCounts(a, b, per_ann[a], per_ann[b], exact, overlap[(a, b)]))
    return out
