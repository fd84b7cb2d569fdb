"""Input forms, degenerate cases, bootstrap reproducibility and the JSON summary."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from stancedesk.agreement import (
    ConfusionMatrix,
    bootstrap_ci,
    cohen_kappa,
    coincidence_matrix,
    confusion_matrix,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    per_category_agreement,
    percent_agreement,
    reliability_summary,
    scott_pi,
)

NAN = np.nan


def test_labels_with_none_equal_numbers_with_nan():
    labels = [["a", "b", None, "a"], ["a", "b", "b", None], [None, "a", "b", "a"]]
    numbers = [[0, 1, NAN, 0], [0, 1, 1, NAN], [NAN, 0, 1, 0]]
    for fn in (krippendorff_alpha, fleiss_kappa, gwet_ac1, percent_agreement):
        assert fn(labels) == pytest.approx(fn(numbers))
    # empty strings are missing values too (a span without a label has "")
    assert krippendorff_alpha([["a", "", "b"], ["a", "b", "b"]]) == pytest.approx(
        krippendorff_alpha([["a", None, "b"], ["a", "b", "b"]]))


def test_numpy_string_array_nan_is_missing():
    """np.asarray turns np.nan among strings into 'nan'; it must still mean missing."""
    arr = np.asarray([["a", np.nan, "b", "a"], ["a", "b", "b", "b"]])
    assert arr.dtype.kind == "U"
    assert krippendorff_alpha(arr) == pytest.approx(
        krippendorff_alpha([["a", None, "b", "a"], ["a", "b", "b", "b"]]))


def test_categories_and_value_order():
    data = [["lo", "mid", "hi", "mid"], ["lo", "hi", "hi", "mid"]]
    order = ["lo", "mid", "hi"]
    a = krippendorff_alpha(data, "ordinal", categories=order)
    assert krippendorff_alpha(data, "ordinal", value_order=order) == a
    # reversing the scale does not change ordinal α; scrambling it does
    assert krippendorff_alpha(data, "ordinal", categories=order[::-1]) == pytest.approx(a)
    assert krippendorff_alpha(data, "ordinal", categories=["mid", "lo", "hi"]) != \
        pytest.approx(a)
    with pytest.raises(ValueError, match="not both"):
        krippendorff_alpha(data, "ordinal", categories=order, value_order=order)
    with pytest.raises(ValueError, match="not among the given categories"):
        krippendorff_alpha(data, categories=["lo", "mid"])
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha(data, "interval")
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(data, "cardinal")


def test_unused_categories_matter_only_where_they_should():
    data = [[1, 2, 2, 1], [1, 2, 1, 1]]
    assert krippendorff_alpha(data, categories=[1, 2, 3]) == pytest.approx(
        krippendorff_alpha(data))
    # AC1's chance agreement depends on the number of categories q
    assert gwet_ac1(data, categories=[1, 2, 3]) != pytest.approx(gwet_ac1(data))


def test_bad_shapes_and_values():
    with pytest.raises(ValueError):
        krippendorff_alpha([1, 2, 3])
    with pytest.raises(ValueError):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(ValueError, match="infinite"):
        krippendorff_alpha([[1, np.inf], [1, 2]])
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha([[1, -2], [1, 2]], "ratio")
    with pytest.raises(ValueError, match="length"):
        cohen_kappa([1, 2], [1, 2, 3])


@pytest.mark.parametrize("fn", [krippendorff_alpha, fleiss_kappa, percent_agreement, gwet_ac1])
def test_no_pairable_unit_is_undefined(fn):
    assert math.isnan(fn([[1, NAN, 2], [NAN, 1, NAN]]))
    assert math.isnan(fn(np.full((3, 4), NAN)))


def test_single_category_is_undefined_but_not_for_ac1_with_known_categories():
    data = [["yes"] * 5, ["yes"] * 5]
    assert math.isnan(krippendorff_alpha(data))
    assert math.isnan(fleiss_kappa(data))
    assert math.isnan(cohen_kappa(data[0], data[1]))
    assert math.isnan(scott_pi(data[0], data[1]))
    assert math.isnan(gwet_ac1(data))  # q = 1: no chance model
    assert gwet_ac1(data, categories=["yes", "no"]) == 1.0
    assert percent_agreement(data) == 1.0
    # zero variance at the interval level: undefined too
    assert math.isnan(krippendorff_alpha([[3.0, 3.0], [3.0, 3.0]], "interval"))


def test_perfect_agreement_is_one():
    data = [[1, 2, 3, 1, NAN], [1, 2, 3, 1, 2], [1, NAN, 3, 1, 2]]
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(data, level) == 1.0
    assert fleiss_kappa(data) == 1.0
    assert gwet_ac1(data) == 1.0
    assert gwet_ac2(data, "linear") == 1.0
    assert cohen_kappa(data[0], data[1], weights="quadratic") == 1.0


def test_pairwise_deletion_and_percent_agreement():
    a = ["x", "y", None, "x", "y", "x"]
    b = ["x", "x", "y", float("nan"), "y", "x"]
    assert percent_agreement([a, b]) == pytest.approx(3 / 4)
    assert cohen_kappa(a, b) == pytest.approx(
        cohen_kappa(["x", "y", "y", "x"], ["x", "x", "y", "x"]))


def test_confusion_matrix():
    cm = confusion_matrix(["a", "b", None, "b", "c"], ["a", "a", "b", "b", "c"])
    assert isinstance(cm, ConfusionMatrix)
    labels, matrix = cm
    assert labels == ("a", "b", "c")
    assert matrix.tolist() == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
    full = confusion_matrix(["a"], ["a"], categories=["a", "b"])
    assert full.to_dict() == {"labels": ["a", "b"], "matrix": [[1, 0], [0, 0]]}


def test_scott_pi_forms():
    data = [["a", "b", "a", "a", None], ["a", "b", "b", "a", "b"]]
    assert scott_pi(data) == pytest.approx(scott_pi(data[0], data[1]))
    three = [*data, ["a", "b", "a", None, "b"]]
    assert scott_pi(three) == pytest.approx(fleiss_kappa(three))


def test_per_category_agreement_hand_example():
    """Two coders, 4 units: (a,a), (a,b), (b,b), (b,b). Pairable values a: 3, b: 5.
    Specific agreement o_kk/n_k: a 2/3, b 4/5."""
    per_cat = per_category_agreement([["a", "a", "b", "b"], ["a", "b", "b", "b"]])
    assert per_cat["a"]["n_values"] == 3
    assert per_cat["a"]["specific_agreement"] == pytest.approx(2 / 3)
    assert per_cat["b"]["specific_agreement"] == pytest.approx(4 / 5)
    # with two categories, "a versus not-a" is the data itself
    overall = krippendorff_alpha([["a", "a", "b", "b"], ["a", "b", "b", "b"]])
    assert per_cat["a"]["alpha"] == pytest.approx(overall)
    assert per_cat["b"]["kappa"] == pytest.approx(
        fleiss_kappa([["a", "a", "b", "b"], ["a", "b", "b", "b"]]))


def test_coincidence_matrix_two_coders():
    cats, o = coincidence_matrix([["a", "a", "b"], ["a", "b", "b"]])
    assert cats == ("a", "b")
    np.testing.assert_allclose(o, [[2, 1], [1, 2]])


def test_bootstrap_is_seeded_and_sane():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 4, 300)
    data = np.where(rng.random((3, 300)) < 0.7, truth, rng.integers(0, 4, (3, 300))).astype(float)
    first = bootstrap_ci(data, n_resamples=300, seed=42)
    assert first == bootstrap_ci(data, n_resamples=300, seed=42)
    assert first != bootstrap_ci(data, n_resamples=300, seed=43)
    low, high = first
    assert low < krippendorff_alpha(data) < high
    narrow = bootstrap_ci(data, n_resamples=300, seed=42, confidence=0.5)
    assert low < narrow[0] < narrow[1] < high
    # any coefficient can be bootstrapped
    k_low, k_high = bootstrap_ci(data, gwet_ac1, n_resamples=100, seed=1)
    assert k_low < gwet_ac1(data) < k_high
    with pytest.raises(ValueError):
        bootstrap_ci(data, confidence=1.5)
    assert all(math.isnan(x) for x in bootstrap_ci([["a", "a"], ["a", "a"]], n_resamples=20))


def test_reliability_summary_json():
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5]]
    summary = reliability_summary(data)
    json.dumps(summary, allow_nan=False)
    assert summary["units"] == 10
    assert summary["coders"] == 2
    assert summary["krippendorff_alpha"] == pytest.approx(krippendorff_alpha(data))
    assert summary["cohen_kappa"] == pytest.approx(cohen_kappa(data[0], data[1]))
    for key in ("percent_agreement", "fleiss_kappa", "gwet_ac1"):
        assert isinstance(summary[key], float)
    three = reliability_summary([*data, [1, 2, 3, 3, 2, 2, 4, 1, 2, 5]], level="interval")
    assert "cohen_kappa" not in three
    assert three["krippendorff_alpha"] == pytest.approx(
        krippendorff_alpha([*data, [1, 2, 3, 3, 2, 2, 4, 1, 2, 5]], "interval"))
    undefined = reliability_summary([["a", "a"], ["a", "a"]])
    assert undefined["krippendorff_alpha"] is None
    assert undefined["cohen_kappa"] is None
    assert undefined["percent_agreement"] == 1.0
    json.dumps(undefined, allow_nan=False)


def test_no_numpy_warnings_on_degenerate_input():
    """pytest runs with filterwarnings=error, so any RuntimeWarning fails here."""
    for data in ([[NAN, NAN]], [[1.0]], np.zeros((2, 0)), [["a", None], [None, "b"]]):
        for fn in (krippendorff_alpha, fleiss_kappa, gwet_ac1, percent_agreement):
            assert math.isnan(fn(data))
        reliability_summary(data)
        per_category_agreement(data)
