"""Two-coder coefficients: confusion matrix, Cohen's κ (unweighted, linear, quadratic), Scott's π.

Missing values (None, NaN, '') are deleted pairwise: only units both coders coded count. Without
``categories=`` the categories are those seen in the jointly coded units, in sorted order, as in
scikit-learn; weighted κ uses their positions (see ``weights``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from stancedesk.agreement.coefficients import fleiss_kappa
from stancedesk.agreement.data import encode, encode_pair
from stancedesk.agreement.weights import disagreement_weights


class ConfusionMatrix(NamedTuple):
    """Counts of jointly coded units: rows are coder a's categories, columns coder b's."""

    labels: tuple[Any, ...]
    matrix: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "matrix": self.matrix.astype(int).tolist()}


def paired_table(codes: np.ndarray, n_categories: int, categories: tuple[Any, ...],
                 keep_unused: bool) -> ConfusionMatrix:
    """The q × q table of a 2 × units code array after pairwise deletion."""
    both = (codes >= 0).all(axis=0)
    a, b = codes[0, both].astype(np.int64), codes[1, both].astype(np.int64)
    q = n_categories
    table = np.bincount(a * q + b, minlength=q * q).reshape(q, q) if q else np.zeros((0, 0))
    if not keep_unused:
        used = np.flatnonzero(table.sum(axis=0) + table.sum(axis=1))
        table = table[np.ix_(used, used)]
        categories = tuple(categories[i] for i in used)
    return ConfusionMatrix(categories, table.astype(np.int64))


def confusion_matrix(a: Sequence[Any], b: Sequence[Any],
                     categories: Sequence[Any] | None = None) -> ConfusionMatrix:
    """Confusion matrix of two coders over the units both coded (pairwise deletion)."""
    coded = encode_pair(a, b, categories)
    return paired_table(coded.codes, coded.n_categories, coded.categories,
                        keep_unused=categories is not None)


def kappa_from_table(table: np.ndarray, weights: Any = None) -> float:
    """κ = 1 − Σ d_kl p_kl / Σ d_kl p_k· p_·l; NaN without units or when chance agreement is 1."""
    total = float(table.sum())
    if total == 0:
        return float("nan")
    p = table / total
    expected = np.outer(p.sum(axis=1), p.sum(axis=0))
    d = disagreement_weights(weights, table.shape[0])
    denom = float((d * expected).sum())
    if not denom > 1e-12:
        return float("nan")
    return 1.0 - float((d * p).sum()) / denom


def cohen_kappa(a: Sequence[Any], b: Sequence[Any], weights: str | None = None, *,
                categories: Sequence[Any] | None = None) -> float:
    """Cohen's κ (1960) for two coders, or weighted κ (Cohen 1968) with weights 'linear' or
    'quadratic' on category positions. NaN when undefined (no jointly coded unit, or both coders
    used one and the same category throughout)."""
    return kappa_from_table(confusion_matrix(a, b, categories).matrix, weights)


def scott_pi_from_table(table: np.ndarray) -> float:
    total = float(table.sum())
    if total == 0:
        return float("nan")
    p = table / total
    po = float(np.trace(p))
    pooled = (p.sum(axis=0) + p.sum(axis=1)) / 2.0
    pe = float(pooled @ pooled)
    if not 1.0 - pe > 1e-12:
        return float("nan")
    return (po - pe) / (1.0 - pe)


def scott_pi(a: Any, b: Sequence[Any] | None = None, *,
             categories: Sequence[Any] | None = None) -> float:
    """Scott's π (1955): chance agreement from the two coders' pooled distribution.

    Call as ``scott_pi(a, b)`` with two coders' values, or ``scott_pi(data)`` with (coders, units)
    data: two coders use pairwise deletion; more coders give Fleiss' κ, which is π generalised."""
    if b is None:
        coded = encode(a, categories)
        if coded.n_coders != 2:
            return fleiss_kappa(a, categories=categories)
    else:
        coded = encode_pair(a, b, categories)
    table = paired_table(coded.codes, coded.n_categories, coded.categories, keep_unused=True)
    return scott_pi_from_table(table.matrix)
