"""Agreement with reference implementations on seeded random data, and with a brute-force
implementation of Krippendorff's definition for the code paths the references cannot reach."""

from __future__ import annotations

import contextlib
import itertools

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from stancedesk.agreement import (
    bootstrap_ci,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    scott_pi,
)
from stancedesk.agreement.alpha import alpha_from_codes
from stancedesk.agreement.data import encode

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def random_data(seed: int, coders: int, units: int, categories: int, missing: float,
                agreement: float = 0.6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, categories, size=units)
    noise = rng.integers(0, categories, size=(coders, units))
    data = np.where(rng.random((coders, units)) < agreement, truth, noise).astype(float)
    data[rng.random(data.shape) < missing] = np.nan
    return data + 1.0  # 1..categories, so ratio values are positive


def brute_force_alpha(data: np.ndarray, level: str) -> float:
    """α straight from the definition: loops over units and coder pairs, no shortcuts."""
    values = [[float(v) for v in column if not np.isnan(v)] for column in data.T]
    pairable = [u for u in values if len(u) >= 2]
    pooled = sorted(v for u in pairable for v in u)
    n = len(pooled)
    domain = sorted(set(pooled))
    count = {c: pooled.count(c) for c in domain}
    upto = dict(zip(domain, itertools.accumulate(count[c] for c in domain), strict=True))

    def delta(c: float, k: float) -> float:
        if level == "nominal":
            return float(c != k)
        if level == "interval":
            return (c - k) ** 2
        if level == "ratio":
            return ((c - k) / (c + k)) ** 2 if c + k else 0.0
        lo, hi = min(c, k), max(c, k)
        between = upto[hi] - upto[lo] + count[lo]  # Σ n_g for lo ≤ g ≤ hi
        return (between - (count[c] + count[k]) / 2) ** 2

    observed = sum(sum(delta(a, b) for a, b in itertools.permutations(u, 2)) / (len(u) - 1)
                   for u in pairable)
    expected = sum(count[c] * count[k] * delta(c, k) for c in domain for k in domain)
    return 1 - (n - 1) * observed / expected


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("seed", "coders", "units", "categories", "missing"), [
    (1, 2, 50, 2, 0.0), (2, 3, 200, 4, 0.2), (3, 5, 500, 6, 0.3), (4, 12, 80, 7, 0.5),
    (5, 4, 1000, 3, 0.1), (6, 25, 60, 5, 0.4),
])
def test_alpha_matches_krippendorff_package(level, seed, coders, units, categories, missing):
    data = random_data(seed, coders, units, categories, missing)
    expected = krippendorff.alpha(data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_continuous_values(level):
    """Many distinct values (each almost unique): the value encoding must stay exact."""
    rng = np.random.default_rng(7)
    data = np.round(rng.gamma(2.0, 3.0, size=(3, 120)), 2)
    data[:, :40] += rng.normal(0, 0.5, size=(3, 40)).round(2)
    data = np.abs(data)
    data[rng.random(data.shape) < 0.2] = np.nan
    expected = krippendorff.alpha(data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("coders", "units"), [(3, 400), (60, 25)])
def test_alpha_many_categories_against_brute_force(level, coders, units):
    """More than 512 distinct values switch nominal and ratio α to their sparse paths (coder
    pairs for few coders, sorted keys for many); the reference package would need a
    V × V × units array here, so compare with the definition."""
    rng = np.random.default_rng(11)
    base = rng.integers(1, 5000, size=units).astype(float)
    agree = rng.random((coders, units)) < 0.4
    data = np.where(agree, base, rng.integers(1, 5000, size=(coders, units))).astype(float)
    data[rng.random(data.shape) < 0.15] = np.nan
    assert len(np.unique(data[~np.isnan(data)])) > 512
    assert krippendorff_alpha(data, level) == pytest.approx(brute_force_alpha(data, level),
                                                            rel=1e-9)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(2, 5), st.integers(2, 14), st.integers(2, 5), st.integers(0, 2**31 - 1),
       st.sampled_from(LEVELS))
def test_alpha_brute_force_property(coders, units, categories, seed, level):
    data = random_data(seed, coders, units, categories, missing=0.25)
    reference = None
    with contextlib.suppress(ZeroDivisionError):  # undefined: nothing pairable, or one value
        reference = brute_force_alpha(data, level)
    ours = krippendorff_alpha(data, level)
    if reference is None:
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(reference, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("seed", "raters", "subjects", "categories"), [
    (1, 3, 40, 3), (2, 6, 30, 5), (3, 14, 10, 5), (4, 2, 200, 4), (5, 20, 100, 8),
])
def test_fleiss_matches_statsmodels(seed, raters, subjects, categories):
    data = random_data(seed, raters, subjects, categories, missing=0.0)
    table, _ = aggregate_raters(data.T.astype(int))
    assert fleiss_kappa(data) == pytest.approx(sm_fleiss_kappa(table, method="fleiss"),
                                               rel=1e-9)
    if raters == 2:
        assert scott_pi(data[0], data[1]) == pytest.approx(fleiss_kappa(data), rel=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize(("seed", "units", "categories", "missing"), [
    (1, 30, 2, 0.0), (2, 200, 4, 0.1), (3, 500, 6, 0.3), (4, 25, 9, 0.2),
])
def test_cohen_matches_sklearn(weights, seed, units, categories, missing):
    data = random_data(seed, 2, units, categories, missing)
    both = ~np.isnan(data).any(axis=0)
    a, b = data[0, both].astype(int), data[1, both].astype(int)
    expected = cohen_kappa_score(a, b, weights=weights)
    assert cohen_kappa(data[0], data[1], weights=weights) == pytest.approx(expected, rel=1e-9)
    # labels and None instead of numbers and NaN: the same κ
    a_lab = [None if np.isnan(v) else f"c{int(v)}" for v in data[0]]
    b_lab = [None if np.isnan(v) else f"c{int(v)}" for v in data[1]]
    if categories < 10:  # "c10" would sort before "c2"
        assert cohen_kappa(a_lab, b_lab, weights=weights) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("coders", "units"), [(4, 150), (2, 300)])
def test_bootstrap_fast_path_equals_recomputation(coders, units):
    """Evaluating α on resampled columns and re-weighting units (or, for 2 × 300, collapsed
    unit profiles) give the same intervals."""
    data = random_data(3, coders, units, 4, 0.2)
    fast = bootstrap_ci(data, n_resamples=200, seed=5, level="ordinal")
    slow = bootstrap_ci(data, lambda d: krippendorff_alpha(d, "ordinal"), n_resamples=200,
                        seed=5)
    assert fast == pytest.approx(slow, rel=1e-9)


def test_weighted_units_equal_repeated_units():
    """Unit weights (used by the bootstrap and by collapsed profiles) act like repeating units."""
    data = random_data(9, 3, 40, 5, 0.2)
    coded = encode(data)
    weights = np.arange(40) % 3 + 1.0
    repeated = np.repeat(data, weights.astype(int), axis=1)
    for level in LEVELS:
        assert alpha_from_codes(coded.codes, coded.n_categories, level, coded.scores,
                                unit_weights=weights) == pytest.approx(
            krippendorff_alpha(repeated, level), rel=1e-9)
