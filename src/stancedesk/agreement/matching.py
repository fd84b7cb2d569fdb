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

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from stancedesk.agreement.assignment import linear_sum_assignment, solver
from stancedesk.agreement.order import sort_order
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


CHUNK_DOCUMENTS = 256  # documents whose per-document measures are computed together


def cross_overlaps(l_doc: np.ndarray, l_start: np.ndarray, l_end: np.ndarray,
                   r_doc: np.ndarray, r_start: np.ndarray, r_end: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair (i of the left spans, j of the right spans) of the same document sharing at
    least one character, with that overlap: one sort and two range look-ups over all documents
    at once. Two spans overlap only if one starts inside the other, so the pairs are those
    where the right span starts within the left one, and those where the left span starts
    strictly within the right one (each pair once)."""
    none = np.zeros(0, dtype=np.int64)
    if l_start.size == 0 or r_start.size == 0:
        return none, none, none
    width = int(max(l_end.max(), r_end.max())) + 1
    l_key = l_doc.astype(np.int64) * width + l_start
    r_key = r_doc.astype(np.int64) * width + r_start
    l_order = np.argsort(l_key, kind="stable")
    r_order = np.argsort(r_key, kind="stable")
    l_sorted, r_sorted = l_key[l_order], r_key[r_order]
    l_limit = l_doc.astype(np.int64) * width + l_end
    r_limit = r_doc.astype(np.int64) * width + r_end
    # right spans starting in [left start, left end)
    i1, k1 = _ranges(np.searchsorted(r_sorted, l_key, "left"),
                     np.searchsorted(r_sorted, l_limit, "left"))
    # left spans starting in (right start, right end)
    j2, k2 = _ranges(np.searchsorted(l_sorted, r_key, "right"),
                     np.searchsorted(l_sorted, r_limit, "left"))
    i = np.concatenate([i1, l_order[k2]])
    j = np.concatenate([r_order[k1], j2])
    overlap = np.minimum(l_end[i], r_end[j]) - np.maximum(l_start[i], r_start[j])
    keep = overlap > 0
    return i[keep], j[keep], overlap[keep].astype(np.int64)


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) for every position in each [lo, hi) range, owner by owner."""
    count = np.maximum(hi - lo, 0)
    total = int(count.sum())
    owner = np.repeat(np.arange(lo.size, dtype=np.int64), count)
    position = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count) \
        + lo[owner]
    return owner, position


def block_assignments(block: np.ndarray, row: np.ndarray, col: np.ndarray, weight: np.ndarray,
                      u: np.ndarray, v: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Which edges ``max_overlap_assignment`` keeps, block by block (a block is one score
    matrix: one document), given the blocks' positive scores as edges (block, row, col,
    weight > 0; row and col also as node numbers u and v: no two edges share both).

    The blocks where no row and no column has two positive scores are decided at once, all
    of them together (their positive pairs are the answer); every other block is given to
    the solver whole, the same matrix as before: only the per-document Python work is gone,
    so the assignments are exactly the same. (Solving only the conflicting parts of a block
    could pick another of several equally good assignments.)"""
    chosen = np.zeros(block.size, dtype=bool)
    if block.size == 0:
        return chosen
    alone = (np.bincount(u)[u] == 1) & (np.bincount(v)[v] == 1)
    chosen[:] = alone
    conflict = np.zeros(int(block.max()) + 1, dtype=bool)
    conflict[block[~alone]] = True
    idx = np.flatnonzero(conflict[block])
    if idx.size == 0:
        return chosen
    # every block left has two positive scores sharing a row or column, so
    # ``max_overlap_assignment`` would call the solver: it is called directly, on the block's
    # score matrix laid out in one buffer with the others (one scatter for all of them)
    solved = np.flatnonzero(conflict)
    rows_n, cols_n = shape[solved, 0], shape[solved, 1]
    cells = np.zeros(solved.size + 1, dtype=np.int64)
    np.cumsum(rows_n * cols_n, out=cells[1:])
    first_row = np.zeros(solved.size + 1, dtype=np.int64)
    np.cumsum(rows_n, out=first_row[1:])
    at = np.searchsorted(solved, block[idx])
    scores = np.zeros(int(cells[-1]), dtype=np.float64)  # what the solver takes: no cast per call
    scores[cells[at] + row[idx] * cols_n[at] + col[idx]] = weight[idx]
    assigned = np.full(int(first_row[-1]), -1, dtype=np.int64)  # column of each row
    solve = solver()
    found = [solve(scores[lo:lo + r * c].reshape(r, c), maximize=True)
             for lo, r, c in zip(cells[:-1].tolist(), rows_n.tolist(), cols_n.tolist(),
                                 strict=True)]
    # every block's (rows, columns) placed at once: its rows start at its first_row
    rows = np.concatenate([r for r, _ in found])
    sizes = np.fromiter((r.size for r, _ in found), dtype=np.int64, count=len(found))
    assigned[np.repeat(first_row[:-1], sizes) + rows] = np.concatenate([c for _, c in found])
    # the pairs of the assignment with a positive score
    chosen[idx] = assigned[first_row[at] + row[idx]] == col[idx]
    return chosen


def document_chunks(ls: LayerSpans) -> Iterator[tuple[int, int, LayerSpans]]:
    """(first span, first document, the spans of ``CHUNK_DOCUMENTS`` documents), chunk by
    chunk: the per-document measures run on a few hundred documents at a time, whose arrays
    stay in cache (over all 10,000 documents at once, random access to them cost more than
    it saved). The chunk's document indices start at 0."""
    n_docs, size = ls.n_documents, CHUNK_DOCUMENTS
    firsts = np.searchsorted(ls.doc, np.arange(0, n_docs + size, size).clip(max=n_docs))
    for c, d0 in enumerate(range(0, n_docs, size)):
        lo, hi = int(firsts[c]), int(firsts[c + 1])
        d1 = min(n_docs, d0 + size)
        yield lo, d0, replace(ls, documents=ls.documents[d0:d1],
                              doc_lengths=ls.doc_lengths[d0:d1], ann=ls.ann[lo:hi],
                              doc=ls.doc[lo:hi] - d0, start=ls.start[lo:hi],
                              end=ls.end[lo:hi], value=ls.value[lo:hi],
                              id_rows=ls.id_rows[lo:hi])


def exact_match_counts(ls: LayerSpans) -> tuple[np.ndarray, np.ndarray]:
    """(per annotator × key counts, label of each key), key = (document, start, end, value)."""
    n = ls.n_spans
    if n == 0:
        return np.zeros((ls.n_annotators, 0)), np.zeros(0, dtype=np.int64)
    order = sort_order(ls.doc, ls.start, ls.end, ls.value)
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
    """Exact and overlap matches for every pair of annotators, in annotator order, a few
    hundred documents at a time (both kinds of match stay within a document). Overlap
    matches: per document, the one-to-one matching ``max_overlap_assignment`` makes of the
    same-valued overlapping spans, found for many documents at once (``block_assignments``)."""
    a_n, k = ls.n_annotators, ls.n_labels
    per_ann = np.zeros((a_n, k))
    np.add.at(per_ann, (ls.ann, ls.value), 1.0)
    pairs = [(a, b) for a in range(a_n) for b in range(a + 1, a_n)]
    exact = {p: np.zeros(k) for p in pairs}
    overlap = {p: np.zeros(k) for p in pairs}
    for _, _, chunk in document_chunks(ls):
        key_counts, key_label = exact_match_counts(chunk)
        for (a, b), counts in zip(pairs, _overlap_matches(chunk, pairs), strict=True):
            overlap[(a, b)] += counts
            if key_label.size:  # counts of integers: exact in any order
                exact[(a, b)] += np.bincount(
                    key_label, weights=np.minimum(key_counts[a], key_counts[b]), minlength=k)
    return [PairCounts(a, b, per_ann[a], per_ann[b], exact[(a, b)], overlap[(a, b)])
            for a, b in pairs]


def _overlap_matches(ls: LayerSpans, pairs: list[tuple[int, int]]) -> list[np.ndarray]:
    """Per pair of annotators: overlap matches per label."""
    a_n, k = ls.n_annotators, ls.n_labels
    bounds = ls.group_bounds()
    doc = ls.doc.astype(np.int64)
    start, end, value = ls.start, ls.end, ls.value
    sizes = np.diff(bounds).reshape(ls.n_documents, a_n)
    out = []
    for a, b in pairs:
        mine_a = np.flatnonzero(ls.ann == a)
        mine_b = np.flatnonzero(ls.ann == b)
        i, j, ov = cross_overlaps(doc[mine_a], start[mine_a], end[mine_a], doc[mine_b],
                                  start[mine_b], end[mine_b])
        i, j = mine_a[i], mine_b[j]
        same = value[i] == value[j]
        i, j, ov = i[same], j[same], ov[same]
        d = doc[i]
        shape = np.stack([sizes[:, a], sizes[:, b]], axis=1)
        chosen = block_assignments(d, i - bounds[d * a_n + a], j - bounds[d * a_n + b], ov, i,
                                   j, shape)
        out.append(np.bincount(value[i[chosen]], minlength=k).astype(np.float64))
    return out
