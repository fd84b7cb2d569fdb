"""Krippendorff's unitizing αu: published examples and a hand-derived case."""

from __future__ import annotations

import numpy as np
import pytest

from stancedesk.agreement import layer_agreement, unitized_alpha, unitized_alpha_arrays
from stancedesk.domain.span import Span


def arrays(units: list[tuple[int, int, int, str]], cats: str, shift: int = 0):
    """(offset, length, coder, category) tuples -> coder, doc, start, end, category arrays."""
    coder = np.array([u[2] for u in units])
    start = np.array([u[0] - shift for u in units])
    end = start + np.array([u[1] for u in units])
    cat = np.array([cats.index(u[3]) for u in units])
    return coder, np.zeros(len(units), dtype=int), start, end, cat


# Krippendorff (2004), Content Analysis 2nd ed., p. 254: continuum 150..450, two observers,
# categories c and k (as set up in DKPro Statistics' unitizing Krippendorff2004Test).
BOOK_2004 = [(225, 70, 0, "c"), (370, 30, 0, "c"), (220, 80, 1, "c"), (355, 20, 1, "c"),
             (400, 20, 1, "c"), (180, 60, 0, "k"), (300, 50, 0, "k"), (180, 60, 1, "k"),
             (300, 50, 1, "k")]


def test_krippendorff_2004_book_example():
    """c: D_o = .0144, D_e = .0532, αu = .7286; k: D_o = 0, D_e = .0490, αu = 1; overall
    αu = .859 (1 − ΣD_o / ΣD_e)."""
    coder, doc, start, end, cat = arrays(BOOK_2004, "ck", shift=150)
    res = unitized_alpha_arrays(2, np.array([300]), coder, doc, start, end, cat, 2)
    assert res.observed[0] == pytest.approx(0.0144, abs=1e-4)
    assert res.expected[0] == pytest.approx(0.0532, abs=1e-4)
    assert res.per_category[0] == pytest.approx(0.7286, abs=1e-4)
    assert res.observed[1] == 0.0
    assert res.expected[1] == pytest.approx(0.0490, abs=1e-4)
    assert res.per_category[1] == 1.0
    assert res.overall == pytest.approx(0.8591, abs=5e-4)
    # the observed disagreement of c is exact: (50 + 850 + 400) · 2 / (2 · 1 · 300²)
    assert res.observed[0] == pytest.approx(2600 / 180000)


def test_krippendorff_2004_book_example_as_spans():
    """The same example entered as annotation spans gives the same αu through the span API."""
    text = "x" * 300
    spans = [Span(f"s{i}", "doc", f"obs{u[2]}", u[0] - 150, u[0] - 150 + u[1],
                  text[: u[1]], {"unit": u[3]}) for i, u in enumerate(BOOK_2004)]
    result = unitized_alpha(spans, {"doc": text}, "unit")
    assert result["labels"]["c"] == pytest.approx(0.7286, abs=1e-4)
    assert result["labels"]["k"] == 1.0
    assert result["overall"] == pytest.approx(0.8591, abs=5e-4)
    report = layer_agreement(spans, {"doc": text}, "unit")
    assert report["unitized_alpha"] == pytest.approx(result["overall"])
    assert report["labels"]["c"]["unitized_alpha"] == pytest.approx(0.7286, abs=1e-4)


def krippendorff_1995(stretch: float):
    """Krippendorff (1995: p. 57), four two-observer pairs A-D on a 24-position continuum
    (units as in DKPro Statistics' Krippendorff1995Test), stretched by ``stretch``."""
    spec = {
        "A": [(2, 8, 0), (14, 6, 0), (4, 4, 1), (15, 2, 1)],
        "B": [(0, 18, 0), (0, 2, 1), (2, 1, 1), (3, 1, 1), (4, 1, 1), (5, 1, 1), (6, 3, 1),
              (9, 1, 1)],
        "C": [(2, 6, 0), (10, 2, 0), (14, 4, 0), (20, 2, 0), (0, 2, 1), (4, 4, 1), (10, 4, 1),
              (16, 2, 1), (20, 2, 1)],
        "D": [(0, 2, 0), (2, 8, 0), (10, 4, 0), (14, 6, 0), (20, 4, 0), (0, 4, 1), (4, 4, 1),
              (8, 7, 1), (15, 2, 1), (17, 7, 1)],
    }
    units = [(int(o * stretch), int(length * stretch), c, cat)
             for cat, rows in spec.items() for o, length, c in rows]
    coder, doc, start, end, cat = arrays(units, "ABCD")
    return unitized_alpha_arrays(2, np.array([int(24 * stretch)]), coder, doc, start, end, cat, 4)


def test_krippendorff_1995_observed():
    """Observed disagreements .03125, 2.26736, .02777, .38715 (exact; adjacent units of one
    coder, as in B and D, stay separate units)."""
    res = krippendorff_1995(1)
    np.testing.assert_allclose(res.observed, [0.03125, 2.26736, 0.02777, 0.38715], atol=1e-5)


def test_krippendorff_1995_expected_and_alpha():
    """Published D_e for a fine-grained continuum: .06990, 1.17731, .08642, .41445 and αu =
    .553, −.926, .679, .066. DKPro notes a small error in the original D_e computation, and
    like DKPro we match within ±.005 (D_e) and ±.02 (αu)."""
    res = krippendorff_1995(1200000 / 24)
    np.testing.assert_allclose(res.expected, [0.06990, 1.17731, 0.08642, 0.41445], atol=5e-3)
    np.testing.assert_allclose(res.per_category, [0.553, -0.926, 0.679, 0.066], atol=0.02)


def test_krippendorff_1995_coarse_continuum():
    """At half resolution (12 positions) C has D_o = .02777 and D_e = .05494 (DKPro)."""
    res = krippendorff_1995(0.5)
    assert res.observed[2] == pytest.approx(0.02777, abs=1e-5)
    assert res.expected[2] == pytest.approx(0.05494, abs=1e-5)


def test_disjoint_units_hand_derived():
    """Hand-derived: L = 20, coder 0 has [0,5), coder 1 has [10,15), one category.
    D_o: each unit lies in the other's gap: 2·(25 + 25) / (2·1·20²) = .125.
    D_e: N = 2 units of length 5: (N−1)(2·125 − 75 + 5)/3 = 60 each; gaps 15, 10, 5 give
    Σ(gap − 5 + 1) = 18, times 5² = 450; numerator 2·510 = 1020; denominator
    40·39 − 2·20 = 1520; D_e = (2/20)·1020/1520. αu = 1 − .125/D_e = −.8627."""
    res = unitized_alpha_arrays(2, np.array([20]), np.array([0, 1]), np.array([0, 0]),
                                np.array([0, 10]), np.array([5, 15]), np.array([0, 0]), 1)
    d_e = 0.1 * 1020 / 1520
    assert res.observed[0] == pytest.approx(0.125)
    assert res.expected[0] == pytest.approx(d_e)
    assert res.overall == pytest.approx(1 - 0.125 / d_e)


def test_identical_units_and_merging():
    """Identical unitizations give αu = 1; a coder's overlapping units of one category are
    merged first, so [0,4) + [2,8) counts as [0,8)."""
    res = unitized_alpha_arrays(2, np.array([30]), np.array([0, 1, 0, 1]), np.zeros(4, int),
                                np.array([3, 3, 12, 12]), np.array([8, 8, 20, 20]),
                                np.array([0, 0, 0, 0]), 1)
    assert res.overall == 1.0
    merged = unitized_alpha_arrays(2, np.array([30]), np.array([0, 0, 1]), np.zeros(3, int),
                                   np.array([0, 2, 0]), np.array([4, 8, 8]), np.zeros(3, int), 1)
    assert merged.overall == 1.0


def test_gaps_do_not_cross_documents():
    """Two documents: coder 1 misses a unit in document 1. The unit must be compared with
    coder 1's gap in its own document only; a continuum that ran gaps across the boundary
    would give different expected disagreement."""
    res = unitized_alpha_arrays(2, np.array([10, 10]), np.array([0, 1, 0]), np.array([0, 0, 1]),
                                np.array([2, 2, 4]), np.array([6, 6, 8]), np.zeros(3, int), 1)
    # observed: only the unit [4,8) in doc 1 lies in coder 1's gap: 2·16 / (2·1·20²)
    assert res.observed[0] == pytest.approx(32 / 800)
    # expected by hand: N = 3 units of length 4, each (3−1)(128 − 48 + 4)/3 = 56;
    # gaps: coder 0: 2, 4 (doc 0), 4, 2 (doc 1); coder 1: 2, 4 (doc 0), 10 (doc 1)
    # Σ_{gap ≥ 4}(gap − 3) = 1 + 1 + 1 + 7 = 10, times 16 = 160 per unit
    d_e = (2 / 20) * 3 * (56 + 160) / (40 * 39 - 3 * 12)
    assert res.expected[0] == pytest.approx(d_e)


def test_undefined_without_units_or_coders():
    res = unitized_alpha_arrays(2, np.array([10]), np.zeros(0, int), np.zeros(0, int),
                                np.zeros(0, int), np.zeros(0, int), np.zeros(0, int), 2)
    assert np.isnan(res.overall)
    assert np.isnan(res.per_category).all()
    one = unitized_alpha_arrays(1, np.array([10]), np.array([0]), np.array([0]), np.array([1]),
                                np.array([3]), np.array([0]), 1)
    assert np.isnan(one.overall)
