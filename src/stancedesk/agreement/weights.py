"""Agreement weights for weighted κ, weighted Fleiss and Gwet's AC2.

Weights are computed on category *positions* 0..q−1 in the category order (Cohen 1968; the same
convention as scikit-learn's ``cohen_kappa_score``): w_kl = 1 − |k−l|/(q−1) (linear) or
1 − (k−l)²/(q−1)² (quadratic). For equally spaced numeric scales whose every point is listed in
``categories=`` this equals Gwet's value-based weights. A (q, q) matrix may be passed instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

WEIGHT_KINDS = ("identity", "linear", "quadratic")


def agreement_weights(weights: Any, n_categories: int) -> np.ndarray:
    """The (q, q) agreement-weight matrix: 1 on the diagonal, partial credit off it."""
    q = n_categories
    if weights is None or (isinstance(weights, str) and weights in ("identity", "nominal")):
        return np.eye(q)
    if isinstance(weights, str):
        if weights not in WEIGHT_KINDS:
            raise ValueError(f"weights must be None, 'linear', 'quadratic' or a matrix, "
                             f"not {weights!r}")
        if q < 2:
            return np.eye(q)
        pos = np.arange(q, dtype=np.float64)
        dist = np.abs(pos[:, None] - pos[None, :]) / (q - 1)
        return 1.0 - (dist if weights == "linear" else dist * dist)
    matrix = np.asarray(weights, dtype=np.float64)
    if matrix.shape != (q, q):
        raise ValueError(f"a weight matrix must be {q}×{q} for {q} categories, "
                         f"not {'×'.join(map(str, matrix.shape))}")
    if not np.allclose(np.diag(matrix), 1.0):
        raise ValueError("agreement weights must be 1 on the diagonal")
    return matrix


def disagreement_weights(weights: Any, n_categories: int) -> np.ndarray:
    """1 − agreement weights; κ = 1 − Σ d·observed / Σ d·expected needs no normalisation."""
    return 1.0 - agreement_weights(weights, n_categories)
