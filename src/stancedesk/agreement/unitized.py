"""Krippendorff's unitizing α (αu) on a continuum of characters.

Follows Krippendorff (1995, Sociological Methodology 25; 2004, Content Analysis 2nd ed., ch. 12;
2004, Quality & Quantity 38). For each category c, every coder's continuum splits into units of c
and gaps (everything else). With m coders, continuum length L, unit (or gap) lengths l:

* observed: D_o,c = Σ_i Σ_{j≠i} Σ_g Σ_h δ²(g, h) / (m(m−1)L²), where two overlapping units
  differ by δ² = (start difference)² + (end difference)², a unit lying wholly inside the other
  coder's gap costs δ² = l², and every other pair costs nothing;
* expected: D_e,c = (2/L) Σ_units [ (N_c − 1)(2l³ − 3l² + l)/3 + l² Σ_{gaps ≥ l} (gap − l + 1) ]
  / (mL(mL − 1) − Σ_units l(l − 1)), N_c the number of units of c over all coders;
* αu,c = 1 − D_o,c / D_e,c and the overall αu = 1 − Σ_c D_o,c / Σ_c D_e,c.

Documents are laid end to end into one continuum, but a gap never runs across a document
boundary (a unit cannot be moved into another document). A coder's overlapping units of one
category are merged into their union first, since αu assumes they do not overlap; adjacent units
stay separate. Zero-length spans are not units. Everything is vectorised over units: overlapping
pairs come from one sort and a ragged range expansion, gap sums from sorted prefix sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stancedesk.agreement.order import sort_order
from stancedesk.agreement.spanprep import LayerSpans


@dataclass(frozen=True, slots=True)
class UnitizedAlpha:
    observed: np.ndarray  # D_o per category
    expected: np.ndarray  # D_e per category

    @property
    def per_category(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.expected > 0, 1.0 - self.observed / self.expected, np.nan)

    @property
    def overall(self) -> float:
        expected = float(self.expected.sum())
        return 1.0 - float(self.observed.sum()) / expected if expected > 0 else float("nan")


def _merge_overlaps(coder: np.ndarray, doc: np.ndarray, start: np.ndarray, end: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Union of overlapping units per (coder, document), sorted by (coder, document, start)."""
    if start.size == 0:
        return coder, doc, start, end
    span = int(end.max()) + 1
    order = sort_order(coder, doc, start, end)
    coder, doc, start, end = coder[order], doc[order], start[order], end[order]
    group = coder.astype(np.int64) * (int(doc.max()) + 1) + doc
    # running maximum of ends within a group: offset groups so maxima never leak across them
    reach = np.maximum.accumulate(group * span + end) - group * span
    new = np.ones(start.size, dtype=bool)
    new[1:] = (group[1:] != group[:-1]) | (start[1:] >= reach[:-1])
    first = np.flatnonzero(new)
    last = np.append(first[1:], start.size) - 1
    return coder[first], doc[first], start[first], reach[last]


def _overlapping_pairs(doc: np.ndarray, start: np.ndarray, end: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i, j) of units that share at least one position (same document), i ≠ j,
    each unordered pair once."""
    span = int(end.max()) + 1
    order = sort_order(doc, start)
    key = doc[order].astype(np.int64) * span + start[order]
    limit = doc[order].astype(np.int64) * span + end[order]
    hi = np.searchsorted(key, limit, side="left")  # units starting before this one ends
    pos = np.arange(order.size)
    counts = np.maximum(hi - pos - 1, 0)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first = np.repeat(pos, counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + offsets
    return order[first], order[second]


def _gaps(coder: np.ndarray, doc: np.ndarray, start: np.ndarray, end: np.ndarray,
          n_coders: int, doc_lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths and documents of every coder's gaps (non-empty), given merged sorted units."""
    n_docs = doc_lengths.size
    group = coder.astype(np.int64) * n_docs + doc
    n_groups = n_coders * n_docs
    same = np.zeros(start.size, dtype=bool)
    same[1:] = group[1:] == group[:-1]
    inner = start[1:][same[1:]] - end[:-1][same[1:]]
    inner_doc = doc[1:][same[1:]]
    has = np.zeros(n_groups, dtype=bool)
    has[group] = True
    first_start = np.zeros(n_groups, dtype=np.int64)
    last_end = np.zeros(n_groups, dtype=np.int64)
    if start.size:
        is_first = ~same
        first_start[group[is_first]] = start[is_first]
        is_last = np.append(~same[1:], True)
        last_end[group[is_last]] = end[is_last]
    group_doc = np.tile(np.arange(n_docs), n_coders)
    group_len = doc_lengths[group_doc]
    leading = np.where(has, first_start, group_len)
    trailing = np.where(has, group_len - last_end, 0)
    lengths = np.concatenate([inner, leading, trailing])
    docs = np.concatenate([inner_doc, group_doc, group_doc])
    keep = lengths > 0
    return lengths[keep], docs[keep]


def unitized_alpha_arrays(n_coders: int, doc_lengths: np.ndarray, coder: np.ndarray,
                          doc: np.ndarray, start: np.ndarray, end: np.ndarray,
                          category: np.ndarray, n_categories: int,
                          doc_weights: np.ndarray | None = None) -> UnitizedAlpha:
    """αu from unit arrays (one entry per unit); ``doc_weights`` weight whole documents."""
    doc_lengths = np.asarray(doc_lengths, dtype=np.int64)
    weights = np.ones(doc_lengths.size) if doc_weights is None else np.asarray(doc_weights, float)
    m = float(n_coders)
    length = float(weights @ doc_lengths)
    observed = np.zeros(n_categories)
    expected = np.zeros(n_categories)
    if n_coders < 2 or length <= 0:
        return UnitizedAlpha(np.full(n_categories, np.nan), np.zeros(n_categories))
    nonempty = end > start
    for c in range(n_categories):
        sel = nonempty & (category == c)
        cu, du, su, eu = _merge_overlaps(coder[sel], doc[sel], start[sel], end[sel])
        if su.size == 0:
            continue
        lu = (eu - su).astype(np.float64)
        wu = weights[du]
        # observed: overlapping units of different coders, and units inside another's gap
        i, j = _overlapping_pairs(du, su, eu)
        cross = cu[i] != cu[j]
        i, j = i[cross], j[cross]
        ds, de = (su[i] - su[j]).astype(np.float64), (eu[i] - eu[j]).astype(np.float64)
        unit_unit = float(wu[i] @ (ds * ds + de * de))
        # how many other coders each unit meets (a flag per unit and coder: no sort)
        met = np.zeros(su.size * n_coders, dtype=bool)
        met[i * n_coders + cu[j]] = True
        met[j * n_coders + cu[i]] = True
        n_met = met.reshape(su.size, n_coders).sum(axis=1)
        unit_gap = float(wu @ (lu * lu * (n_coders - 1 - n_met)))
        observed[c] = 2.0 * (unit_unit + unit_gap) / (m * (m - 1.0) * length * length)
        # expected: every unit placed anywhere it fits, in any coder's gap or as a unit
        gap_len, gap_doc = _gaps(cu, du, su, eu, n_coders, doc_lengths)
        order = np.argsort(gap_len, kind="stable")
        g = gap_len[order].astype(np.float64)
        gw = weights[gap_doc[order]]
        tail_w = np.append(np.cumsum(gw[::-1])[::-1], 0.0)
        tail_wg = np.append(np.cumsum((gw * g)[::-1])[::-1], 0.0)
        idx = np.searchsorted(g, lu, side="left")
        fits = tail_wg[idx] - (lu - 1.0) * tail_w[idx]
        n_c = float(wu.sum())
        shape = (n_c - 1.0) * (2.0 * lu**3 - 3.0 * lu**2 + lu) / 3.0
        numerator = float(wu @ (shape + lu * lu * fits))
        denominator = m * length * (m * length - 1.0) - float(wu @ (lu * (lu - 1.0)))
        expected[c] = 2.0 / length * numerator / denominator if denominator > 0 else 0.0
    return UnitizedAlpha(observed, expected)


def unitized_alpha_layer(ls: LayerSpans, doc_weights: np.ndarray | None = None
                         ) -> UnitizedAlpha:
    """αu per label and overall for a layer's spans over the scoped documents."""
    return unitized_alpha_arrays(ls.n_annotators, ls.doc_lengths, ls.ann, ls.doc, ls.start,
                                 ls.end, ls.value, ls.n_labels, doc_weights)
