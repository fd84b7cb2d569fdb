"""Bootstrap confidence intervals (percentile or BCa) over units, seeded and reproducible.

Units (columns) are resampled with replacement by a ``numpy.random.Generator`` seeded with
``seed``, so the same call gives the same interval; the draws are those of
``scipy.stats.bootstrap`` with the same generator, so both give the same interval. Krippendorff's
α takes a fast path: the data are encoded once and each resample is evaluated as unit
multiplicities (weights), which gives the same numbers as recomputing α on the resampled
columns. Resamples whose statistic is undefined (NaN) are dropped; if none is defined the
interval is (NaN, NaN).

BCa (Efron 1987; Efron & Tibshirani 1993, ch. 14) corrects the percentile interval for bias
(z0, from the share of resamples below the estimate) and skewness (the acceleration a, from a
jackknife that leaves out one resampled item at a time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stancedesk.agreement.alpha import (
    AlphaPrep,
    alpha_from_codes,
    encode_for_level,
    krippendorff_alpha,
)
from stancedesk.agreement.counts import cheap_to_collapse, collapse_units

CI_METHODS: tuple[str, ...] = ("percentile", "bca")


def check_ci_method(method: str) -> str:
    if method not in CI_METHODS:
        raise ValueError(f"the interval method must be one of {', '.join(CI_METHODS)}, "
                         f"not {method!r}")
    return method


def acceleration(jackknife: np.ndarray, counts: np.ndarray | None = None) -> float:
    """BCa's a = Σ d³ / (6 (Σ d²)^{3/2}), d = mean − θ_(i) over the jackknife values.

    ``counts`` says how many left-out items share each value (items with identical data give
    identical jackknife values, so they are computed once). 0 when every value is equal."""
    w = np.ones(jackknife.size) if counts is None else np.asarray(counts, dtype=np.float64)
    mean = float(w @ jackknife) / float(w.sum())
    d = mean - jackknife
    spread = float(w @ (d * d))
    if not spread > 0:
        return 0.0
    return float(w @ (d * d * d)) / (6.0 * spread ** 1.5)


def bca_interval(values: np.ndarray, estimate: float, accel: float,
                 confidence: float) -> tuple[float, float]:
    """The BCa interval from resampled values, the estimate and the acceleration; (NaN, NaN)
    when the bias correction is infinite (every resample on one side of the estimate)."""
    from scipy.special import ndtr, ndtri

    finite = values[np.isfinite(values)]
    if finite.size == 0 or not np.isfinite(estimate) or not np.isfinite(accel):
        return float("nan"), float("nan")
    below = np.count_nonzero(finite < estimate) + np.count_nonzero(finite <= estimate)
    z0 = float(ndtri(below / (2.0 * finite.size)))
    if not np.isfinite(z0):
        return float("nan"), float("nan")
    z_tail = float(ndtri((1.0 - confidence) / 2.0))
    probs = []
    for z in (z_tail, -z_tail):
        shifted = z0 + z
        probs.append(float(ndtr(z0 + shifted / (1.0 - accel * shifted))))
    low, high = np.quantile(finite, probs)
    return float(low), float(high)


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


def jackknife_alphas(codes: np.ndarray, n_categories: int, level: str,
                     scores: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """α with one unit left out, once per distinct unit profile: (values, units per profile)."""
    profiles, multiplicity, _ = collapse_units(codes, n_categories)
    prep = AlphaPrep(profiles, n_categories, level, scores)
    base = multiplicity.astype(np.float64)
    values = np.empty(profiles.shape[1])
    for p in range(profiles.shape[1]):
        weights = base.copy()
        weights[p] -= 1.0
        values[p] = prep.alpha(weights[prep.kept])
    return values, base


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
        n_profiles = profiles.shape[1]
        for r in range(n_resamples):
            # the drawn units' profiles, counted: the same draws, without a weight per unit
            drawn = inverse[rng.integers(0, n_units, size=n_units)]
            weights = np.bincount(drawn, minlength=n_profiles).astype(np.float64)
            values[r] = prep.alpha(weights[prep.kept])
    else:
        prep = AlphaPrep(codes, n_categories, level, scores)
        for r in range(n_resamples):
            values[r] = prep.alpha(resample_counts(rng, n_units)[prep.kept])
    return values


def bootstrap_ci(data: Any, statistic: Callable[..., float] = krippendorff_alpha, *,
                 n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
                 method: str = "percentile", **kwargs: Any) -> tuple[float, float]:
    """(low, high) interval of ``statistic(data, **kwargs)`` over unit resamples.

    ``data`` is (coders, units); ``statistic`` is any coefficient of this package taking such
    data (default Krippendorff's α, e.g. ``bootstrap_ci(data, level="interval")``).
    ``method`` is "percentile" or "bca"."""
    check_bootstrap_args(n_resamples, confidence)
    check_ci_method(method)
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
        if method == "percentile":
            return percentile_interval(values, confidence)
        estimate = alpha_from_codes(coded.codes, coded.n_categories, level, coded.scores)
        jack, counts = jackknife_alphas(coded.codes, coded.n_categories, level, coded.scores)
        return bca_interval(values, estimate, acceleration(jack, counts), confidence)
    values = np.empty(n_resamples)
    for r in range(n_resamples):
        idx = rng.integers(0, n_units, size=n_units)
        values[r] = statistic(arr[:, idx], **kwargs)
    if method == "percentile":
        return percentile_interval(values, confidence)
    keep = np.ones(n_units, dtype=bool)
    jack = np.empty(n_units)
    for i in range(n_units):
        keep[i] = False
        jack[i] = statistic(arr[:, keep], **kwargs)
        keep[i] = True
    return bca_interval(values, float(statistic(arr, **kwargs)), acceleration(jack),
                        confidence)
