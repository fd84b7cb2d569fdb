"""Golden values from published worked examples (sources in each docstring).

Where a value comes from a reference implementation rather than from print, the docstring says
so. Tolerances are the precision the source reports.
"""

from __future__ import annotations

import numpy as np
import pytest

from stancedesk.agreement import (
    cohen_kappa,
    coincidence_matrix,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    per_category_agreement,
    percent_agreement,
    scott_pi,
)

NAN = np.nan

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C: 4 observers
# (rows) × 12 units (columns), values 1..5, with missing values.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def table_to_pairs(table: list[list[int]]) -> tuple[list[int], list[int]]:
    """Two coders' values from a contingency table (rows: first coder, columns: second)."""
    a: list[int] = []
    b: list[int] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return a, b


def counts_to_data(counts: list[list[int]]) -> np.ndarray:
    """(raters, subjects) data from a subjects × categories table of rater counts."""
    columns = [np.repeat(np.arange(len(row)), row) for row in counts]
    return np.array(columns, dtype=float).T


@pytest.mark.parametrize(("level", "expected"), [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797),
])
def test_krippendorff_2011_four_levels(level, expected):
    """Krippendorff (2011), section C: α = .743 / .815 / .849 / .797."""
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level), 3) == expected


def test_krippendorff_2011_labels_with_order():
    """The same data as ordered labels: ordinal α needs (and uses) the given order."""
    names = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    data = [[None if np.isnan(v) else names[int(v)] for v in row] for row in KRIPPENDORFF_2011]
    order = ["very low", "low", "mid", "high", "very high"]
    assert round(krippendorff_alpha(data, "ordinal", categories=order), 3) == 0.815
    assert round(krippendorff_alpha(data, "ordinal", value_order=order), 3) == 0.815
    assert round(krippendorff_alpha(data, "nominal"), 3) == 0.743
    # the alphabetical order is a different (wrong) scale, so it must give another value
    assert round(krippendorff_alpha(data, "ordinal"), 3) != 0.815


def test_krippendorff_2011_pairable_values():
    """Section C: the 12 units hold n = 40 pairable values (unit 12 has a single value)."""
    cats, o = coincidence_matrix(KRIPPENDORFF_2011)
    assert cats == (1, 2, 3, 4, 5)
    assert o.sum() == pytest.approx(40.0)
    np.testing.assert_allclose(o, o.T)
    # n_c, counted by hand from the table: 9, 13, 10, 5, 3 pairable values of 1..5
    np.testing.assert_allclose(o.sum(axis=1), [9, 13, 10, 5, 3])


def test_krippendorff_2011_binary_two_observers():
    """Krippendorff (2011), section A: binary data, 2 observers × 10 units, α = .095."""
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
            [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert krippendorff_alpha(data) == pytest.approx(1 - 19 * 4 / (14 * 6))
    assert round(krippendorff_alpha(data), 3) == 0.095


# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses; the raw arrangement
# is the one distributed with R's irr package (``diagnoses``), whose counts match the table.
FLEISS_1971 = np.array([
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]).T


def test_fleiss_1971_kappa():
    """Fleiss (1971): P̄ = .556, P̄e = .220, κ = .430."""
    assert percent_agreement(FLEISS_1971) == pytest.approx(0.5556, abs=5e-4)
    assert round(fleiss_kappa(FLEISS_1971), 3) == 0.430
    # Fleiss' κ is Scott's π generalised to many raters
    assert scott_pi(FLEISS_1971) == pytest.approx(fleiss_kappa(FLEISS_1971))


def test_fleiss_1971_category_kappas():
    """Fleiss (1971) category-specific κ_j, as reproduced (±.005) in DKPro Statistics'
    Fleiss1971Test: .248, .248, .517, .470, .565."""
    per_cat = per_category_agreement(FLEISS_1971)
    expected = {1: 0.248, 2: 0.248, 3: 0.517, 4: 0.470, 5: 0.565}
    for cat, value in expected.items():
        assert per_cat[cat]["kappa"] == pytest.approx(value, abs=0.005)


def test_fleiss_wikipedia_example():
    """The widely reproduced 10 subjects × 14 raters × 5 categories example
    (Wikipedia, "Fleiss' kappa"): P̄ = 0.378, P̄e = 0.213, κ = 0.210."""
    counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
              [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
              [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    data = counts_to_data(counts)
    assert data.shape == (14, 10)
    assert round(percent_agreement(data), 3) == 0.378
    assert round(fleiss_kappa(data), 3) == 0.210


def test_cohen_1960_examples():
    """Cohen (1960): p. 45 example, po = .70, pc = .41, κ = .492; p. 37 example, po = .29,
    pc = .35 (κ negative). Tables as in DKPro Statistics' Cohen1960Test."""
    a, b = table_to_pairs([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
    assert percent_agreement([a, b]) == pytest.approx(0.70)
    assert round(cohen_kappa(a, b), 3) == 0.492
    a, b = table_to_pairs([[25, 12, 3], [13, 2, 15], [12, 16, 2]])
    assert percent_agreement([a, b]) == pytest.approx(0.29)
    assert cohen_kappa(a, b) == pytest.approx((0.29 - 0.35) / (1 - 0.35), abs=1e-3)


def test_artstein_poesio_2008_example_1():
    """Artstein & Poesio (2008), p. 558 (STAT/IReq, 100 items): Ao = .7, π = .341 (Ae = .545),
    κ = .348 (Ae = .54)."""
    a, b = table_to_pairs([[20, 10], [20, 50]])
    assert percent_agreement([a, b]) == pytest.approx(0.7)
    assert round(scott_pi(a, b), 3) == 0.341
    assert round(cohen_kappa(a, b), 3) == 0.348


def test_artstein_poesio_2008_example_2():
    """Artstein & Poesio (2008), p. 568 (STAT/IReq/Chck, 100 items, 3 × 3 table): Ao = .88,
    Ae(π) = .4014 so π = .7995, Ae(κ) = .396 so κ = .8013, and nominal α ≈ .800 (D_o = .120,
    D_e = .601; exactly 1 − 199 · 24 / (200² − 98² − 76² − 26²) = .80053)."""
    a, b = table_to_pairs([[46, 0, 0], [6, 32, 6], [0, 0, 10]])
    assert percent_agreement([a, b]) == pytest.approx(0.88)
    assert round(scott_pi(a, b), 4) == 0.7995
    assert round(cohen_kappa(a, b), 4) == 0.8013
    assert krippendorff_alpha([a, b]) == pytest.approx(1 - 199 * 24 / (200**2 - 98**2 - 76**2
                                                                      - 26**2))
    assert krippendorff_alpha([a, b]) == pytest.approx(0.800, abs=1e-3)


def test_weighted_kappa_sas_reference():
    """SAS PROC FREQ on the 3 × 3 table [[0,4,1],[0,8,0],[0,1,5]]: κ = .4842, weighted κ with
    linear (Cicchetti-Allison) weights .4701 (values recorded in statsmodels' test-suite)."""
    a, b = table_to_pairs([[0, 4, 1], [0, 8, 0], [0, 1, 5]])
    assert round(cohen_kappa(a, b), 4) == 0.4842
    assert round(cohen_kappa(a, b, weights="linear"), 4) == 0.4701


def test_gwet_irrcac_four_raters_with_missing():
    """Gwet's irrCAC (his reference implementation, dataset ``cac.raw4raters`` = the
    Krippendorff 2011 data): AC1 = .77544 (pa .81818, pe .19032), Fleiss' κ = .76117
    (pe .23872); AC2 linear .859, quadratic .914; weighted Fleiss quadratic .865, linear .818.
    These exercise Gwet's treatment of missing ratings."""
    assert percent_agreement(KRIPPENDORFF_2011) == pytest.approx(0.81818, abs=1e-5)
    assert round(gwet_ac1(KRIPPENDORFF_2011), 5) == 0.77544
    assert round(fleiss_kappa(KRIPPENDORFF_2011), 5) == 0.76117
    assert round(gwet_ac2(KRIPPENDORFF_2011, "linear"), 3) == 0.859
    assert round(gwet_ac2(KRIPPENDORFF_2011, "quadratic"), 3) == 0.914
    assert round(fleiss_kappa(KRIPPENDORFF_2011, weights="quadratic"), 3) == 0.865
    assert round(fleiss_kappa(KRIPPENDORFF_2011, weights="linear"), 3) == 0.818


@pytest.mark.parametrize(("table", "ac1", "ac2_quadratic"), [
    ([[80, 7], [8, 5]], 0.808, 0.808),
    ([[20, 5, 1, 0], [4, 15, 6, 1], [0, 5, 18, 4], [0, 1, 3, 12]], 0.58046, 0.84028),
    ([[15, 4, 1, 0, 0], [3, 12, 4, 1, 0], [1, 3, 14, 3, 1], [0, 1, 3, 10, 2], [0, 0, 1, 2, 8]],
     0.57997, 0.87005),
])
def test_gwet_irrcac_two_rater_tables(table, ac1, ac2_quadratic):
    """Two-rater tables run through irrCAC 1.4 ``gwet.ac1.raw`` (fixtures of DKPro Statistics,
    coefficient rounded to 5 decimals by irrCAC)."""
    a, b = table_to_pairs(table)
    assert gwet_ac1([a, b]) == pytest.approx(ac1, abs=6e-6)
    assert gwet_ac2([a, b], "quadratic") == pytest.approx(ac2_quadratic, abs=6e-6)
    assert gwet_ac2([a, b], None) == pytest.approx(gwet_ac1([a, b]))


def test_gwet_ac1_cohen_example():
    """AC1 on Cohen's (1960) p. 45 table: pa = .70, pe = .2925, AC1 = .5760 (hand-derived from
    Gwet 2008: π = (.60+.50)/2, (.30+.30)/2, (.10+.20)/2; pe = Σπ(1−π)/2)."""
    a, b = table_to_pairs([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
    assert gwet_ac1([a, b]) == pytest.approx((0.70 - 0.2925) / (1 - 0.2925))
    assert round(gwet_ac1([a, b]), 4) == 0.5760
