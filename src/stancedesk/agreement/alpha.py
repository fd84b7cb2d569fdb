"""Krippendorff's α for (coders × units) data with missing values, at four levels of measurement.

α = 1 − D_o / D_e = 1 − (n − 1) · Σ_u Σ_{i≠j} δ(x_iu, x_ju) / (m_u − 1)  /  Σ_c Σ_k n_c n_k δ_ck,
summed over pairable units (m_u ≥ 2 values), n_c being the number of pairable values c and n their
total (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"). Both sums are computed
without the V × V coincidence matrix when the metric allows it, so the cost is O(coders · units)
plus O(V) (nominal, ordinal, interval) or O(V²) (ratio) in the number V of distinct values:

* nominal: Σ_{i≠j} [x_i ≠ x_j] = m_u² − Σ_c n_uc²;  Σ n_c n_k δ = n² − Σ n_c²;
* interval: Σ_{i≠j} (x_i − x_j)² = 2 m_u Σ_i (x_i − x̄_u)²;  Σ n_c n_k δ = 2 n Σ n_c (x_c − x̄)²;
* ordinal: Krippendorff's δ_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)² equals (r_k − r_c)² for the
  mid-rank r_c = Σ_{g<c} n_g + n_c / 2, so ordinal α is interval α on mid-ranks;
* ratio: δ = ((c − k)/(c + k))² has no such form; it uses per-unit count vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from stancedesk.agreement.counts import (
    cheap_to_collapse,
    coder_pairs,
    collapse_units,
    iter_dense_counts,
    quadratic_form_counts,
    sum_squared_counts,
    unit_totals,
)
from stancedesk.agreement.data import Coded, encode, resolve_order

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
_DENSE_RATIO_MAX = 512
_EXPECTED_CHUNK = 1 << 22


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    return level


def encode_for_level(data: Any, level: str, categories: Sequence[Any] | None = None,
                     value_order: Sequence[Any] | None = None) -> Coded:
    """Encode for ``level``: interval and ratio need numbers (ratio: non-negative ones).

    Ordinal labels without ``categories`` are ordered by sorting them, which is right for codes
    like "1-low" < "2-mid" but not for words: pass the order for those."""
    check_level(level)
    order = resolve_order(categories, value_order)
    coded = encode(data, order)
    if level in ("interval", "ratio") and not coded.numeric:
        raise ValueError(f"the {level} level needs numeric values, not labels")
    if level == "ratio" and coded.scores is not None and (coded.scores < 0).any():
        raise ValueError("the ratio level needs non-negative values")
    return coded


def krippendorff_alpha(data: Any, level: str = "nominal", *,
                       categories: Sequence[Any] | None = None,
                       value_order: Sequence[Any] | None = None) -> float:
    """Krippendorff's α of (coders, units) data: floats with NaN, or labels with None, missing.

    ``categories`` (alias ``value_order``) gives the category order, which ordinal α on labels
    needs (without it labels are ordered by sorting). Returns NaN when α is undefined: no unit
    has two values, or all pairable values are equal (one category, or zero variance), so that
    expected disagreement is zero.
    """
    coded = encode_for_level(data, level, categories, value_order)
    return alpha_from_codes(coded.codes, coded.n_categories, level, coded.scores)


def alpha_from_codes(codes: np.ndarray, n_categories: int, level: str = "nominal",
                     scores: np.ndarray | None = None,
                     unit_weights: np.ndarray | None = None) -> float:
    """α from already-encoded data; ``unit_weights`` (e.g. bootstrap multiplicities) weight
    each unit's values and pairs, which is how a resample is evaluated without copying data."""
    if unit_weights is None and cheap_to_collapse(codes.shape[0], codes.shape[1], n_categories):
        profiles, multiplicity, _ = collapse_units(codes, n_categories)
        prep = AlphaPrep(profiles, n_categories, level, scores)
        return prep.alpha(multiplicity[prep.kept])
    prep = AlphaPrep(codes, n_categories, level, scores)
    return prep.alpha(None if unit_weights is None else unit_weights[prep.kept])


class AlphaPrep:
    """The weight-independent part of α: pairable units and their disagreement sums.

    Splitting it off lets a bootstrap evaluate thousands of resamples as weighted sums."""

    def __init__(self, codes: np.ndarray, n_categories: int, level: str = "nominal",
                 scores: np.ndarray | None = None) -> None:
        check_level(level)
        if level in ("interval", "ratio") and scores is None:
            raise ValueError(f"the {level} level needs numeric scores")
        m = unit_totals(codes)
        self.kept = np.flatnonzero(m >= 2)
        self.codes = codes[:, self.kept] if self.kept.size != codes.shape[1] else codes
        self.m = m[self.kept].astype(np.float64)
        self.n_categories = n_categories
        self.level = level
        self.scores = None if scores is None else np.asarray(scores, dtype=np.float64)
        self._present = self.codes >= 0
        self._values = self.codes[self._present]
        self._value_unit: np.ndarray | None = None  # built on the first weighted call
        # per-unit Σ_{i≠j} δ, except for ordinal where δ depends on the (weighted) marginals
        self._disagreement = None if level == "ordinal" else self._unit_disagreement(self.scores)

    @property
    def n_pairable_units(self) -> int:
        return int(self.kept.size)

    def category_totals(self, weights: np.ndarray | None = None) -> np.ndarray:
        if weights is None:
            return np.bincount(self._values, minlength=self.n_categories).astype(np.float64)
        if self._value_unit is None:
            units = np.broadcast_to(np.arange(self.codes.shape[1]), self.codes.shape)
            self._value_unit = units[self._present]
        return np.bincount(self._values, weights=weights[self._value_unit],
                           minlength=self.n_categories)

    def alpha(self, weights: np.ndarray | None = None) -> float:
        """α with unit ``weights`` aligned to the pairable units (None: every unit once)."""
        if self.kept.size == 0:
            return float("nan")
        n_c = self.category_totals(weights)
        n = float(n_c.sum())
        if n < 2:
            return float("nan")
        values = _midranks(n_c) if self.level == "ordinal" else self.scores
        expected = _expected_sum(n_c, self.level, values)
        if not expected > 0:
            return float("nan")
        d = self._disagreement
        if d is None:
            d = self._unit_disagreement(values)
        per_unit = d / (self.m - 1.0)
        observed = float(per_unit.sum() if weights is None else per_unit @ weights)
        return 1.0 - (n - 1.0) * observed / expected

    def count_alphas(self, counts: np.ndarray) -> np.ndarray:
        """``alpha`` of every row of ``counts`` (resamples × pairable units, each unit's weight
        a whole number: how often it was drawn): the very numbers ``alpha`` gives row by row.

        Nominal α takes the category totals of all rows from one product: the totals are sums
        of whole numbers, exact in float64 in any order (below 2⁵³, which a row's total of
        values would have to pass first). The two sums that are not whole numbers or can pass
        2⁵³, Σ n_c² and the observed disagreement, are the same dot products per row as in
        ``alpha``. Other levels go row by row."""
        rows = counts.shape[0]
        if self.level != "nominal" or self.kept.size == 0 or rows == 0:
            return np.array([self.alpha(counts[r]) for r in range(rows)], dtype=np.float64)
        n_c = counts @ self._unit_categories()
        n = n_c.sum(axis=1)
        squares = np.array([float(row @ row) for row in n_c])
        assert self._disagreement is not None  # computed up front for every level but ordinal
        per_unit = self._disagreement / (self.m - 1.0)
        observed = np.array([float(per_unit @ counts[r]) for r in range(rows)])
        expected = n * n - squares
        out = np.full(rows, np.nan)
        ok = (n >= 2) & (expected > 0)
        out[ok] = 1.0 - (n[ok] - 1.0) * observed[ok] / expected[ok]
        return out

    def _unit_categories(self) -> np.ndarray:
        """(pairable units × categories): how many values of each category each unit holds."""
        n_units, k = self.codes.shape[1], self.n_categories
        units = np.broadcast_to(np.arange(n_units), self.codes.shape)[self._present]
        cells = np.bincount(units * k + self._values, minlength=n_units * k)
        return cells.reshape(n_units, k).astype(np.float64)

    def _unit_disagreement(self, values: np.ndarray | None) -> np.ndarray:
        """Σ_{i≠j} δ(x_iu, x_ju) for every pairable unit."""
        codes, level = self.codes, self.level
        if level == "nominal":
            return self.m * self.m - sum_squared_counts(codes, self.n_categories)
        assert values is not None
        present = self._present
        # code -1 (missing) picks the appended 0.0, so missing values add nothing to the sums
        x = np.append(values, 0.0)[codes]
        if level in ("interval", "ordinal"):
            mean = x.sum(axis=0) / self.m
            dev = np.where(present, x - mean, 0.0)
            return 2.0 * self.m * np.einsum("cu,cu->u", dev, dev)
        # ratio
        if self.n_categories <= _DENSE_RATIO_MAX:
            return quadratic_form_counts(codes, self.n_categories, _ratio_delta(values, values))
        out = np.zeros(codes.shape[1], dtype=np.float64)
        for i, j in coder_pairs(codes.shape[0]):
            both = present[i] & present[j]
            out += np.where(both, _ratio_delta_elementwise(x[i], x[j]), 0.0)
        return 2.0 * out


def coincidence_matrix(data: Any, categories: Sequence[Any] | None = None
                       ) -> tuple[tuple[Any, ...], np.ndarray]:
    """Krippendorff's value-coincidence matrix o_ck (pairable values only) and its categories.

    Row sums are n_c; the diagonal over n_c is each category's specific agreement."""
    coded = encode(data, categories)
    return coded.categories, coincidences_from_codes(coded.codes, coded.n_categories)


def coincidences_from_codes(codes: np.ndarray, n_categories: int) -> np.ndarray:
    m = unit_totals(codes)
    kept = m >= 2
    codes = codes[:, kept]
    w = 1.0 / (m[kept] - 1.0)
    o = np.zeros((n_categories, n_categories), dtype=np.float64)
    for where, counts in iter_dense_counts(codes, n_categories):
        c = counts.astype(np.float64)
        cw = c * w[where, None]
        o += cw.T @ c
        o -= np.diag(cw.sum(axis=0))
    return o


def _midranks(n_c: np.ndarray) -> np.ndarray:
    return np.cumsum(n_c) - n_c / 2.0


def _expected_sum(n_c: np.ndarray, level: str, values: np.ndarray | None) -> float:
    """Σ_c Σ_k n_c n_k δ_ck (= n(n−1)·D_e)."""
    n = float(n_c.sum())
    if level == "nominal":
        return n * n - float(n_c @ n_c)
    assert values is not None
    if level in ("interval", "ordinal"):
        mean = float(n_c @ values) / n
        dev = values - mean
        return 2.0 * n * float(n_c @ (dev * dev))
    used = np.flatnonzero(n_c)
    nc, vals = n_c[used], values[used]
    total = 0.0
    step = max(1, _EXPECTED_CHUNK // max(len(used), 1))
    for begin in range(0, len(used), step):
        block = _ratio_delta(vals[begin:begin + step], vals)
        total += float(nc[begin:begin + step] @ block @ nc)
    return total


def _ratio_delta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _ratio_delta_elementwise(a[:, None], b[None, :])


def _ratio_delta_elementwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    total = a + b
    ratio = np.divide(a - b, total, out=np.zeros(np.broadcast(a, b).shape), where=total != 0)
    return ratio * ratio
