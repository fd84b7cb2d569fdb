"""Percentile bootstrap confidence intervals over units, seeded and reproducible.

Units (columns) are resampled with replacement by a ``numpy.random.Generator`` seeded with
``seed``, so the same call gives the same interval. Krippendorff's α takes a fast path: the data
are encoded once and each resample is evaluated as unit multiplicities (weights), which gives
the same numbers as recomputing α on the resampled columns. Resamples whose statistic is
undefined (NaN) are dropped; if none is defined the interval is (NaN, NaN).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stancedesk.agreement.alpha import AlphaPrep, encode_for_level, krippendorff_alpha
from stancedesk.agreement.counts import cheap_to_collapse, collapse_units


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return float(low), float(high)


def check_bootstrap_args(n_resamples: int, confidence: float) -> None:
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be between 0 and 1, e.g. 0.95")


def resample_counts(rng: np.random.Generator, n: int) -> np.ndarray:
    """How often each of n items is drawn in one resample of size n."""
    return np.bincount(rng.integers(0, n, size=n), minlength=n).astype(np.float64)


def resampled_alphas(codes: np.ndarray, n_categories: int, level: str,
                     scores: np.ndarray | None, n_resamples: int,
                     rng: np.random.Generator) -> np.ndarray:
    """α of ``n_resamples`` unit resamples, each evaluated as unit multiplicities (the same
    draws as resampling columns with ``rng.integers``, so both give identical intervals)."""
    n_units = codes.shape[1]
    values = np.empty(n_resamples)
    if n_units == 0:
        values.fill(np.nan)
        return values
    if cheap_to_collapse(codes.shape[0], n_units, n_categories):
        # identical unit profiles share one weight: a resample re-weights the profiles
        profiles, _, inverse = collapse_units(codes, n_categories)
        prep = AlphaPrep(profiles, n_categories, level, scores)
        for r in range(n_resamples):
            weights = np.bincount(inverse, weights=resample_counts(rng, n_units),
                                  minlength=profiles.shape[1])
            values[r] = prep.alpha(weights[prep.kept])
    else:
        prep = AlphaPrep(codes, n_categories, level, scores)
        for r in range(n_resamples):
            values[r] = prep.alpha(resample_counts(rng, n_units)[prep.kept])
    return values


def bootstrap_ci(data: Any, statistic: Callable[..., float] = krippendorff_alpha, *,
                 n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
                 **kwargs: Any) -> tuple[float, float]:
    """(low, high) percentile interval of ``statistic(data, **kwargs)`` over unit resamples.

    ``data`` is (coders, units); ``statistic`` is any coefficient of this package taking such
    data (default Krippendorff's α, e.g. ``bootstrap_ci(data, level="interval")``)."""
    check_bootstrap_args(n_resamples, confidence)
    arr = np.asarray(data)
    if arr.ndim != 2:
        raise ValueError("reliability data must be 2-D (coders, units)")
    n_units = arr.shape[1]
    rng = np.random.default_rng(seed)
    if statistic is krippendorff_alpha:
        level = kwargs.pop("level", "nominal")
        coded = encode_for_level(arr, level, **kwargs)
        values = resampled_alphas(coded.codes, coded.n_categories, level, coded.scores,
                                  n_resamples, rng)
    else:
        values = np.empty(n_resamples)
        for r in range(n_resamples):
            idx = rng.integers(0, n_units, size=n_units)
            values[r] = statistic(arr[:, idx], **kwargs)
    return percentile_interval(values, confidence)
