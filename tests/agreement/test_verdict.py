"""Agreement that says when it cannot say: n per coefficient, n/a with reasons, intervals that
say what was resampled (percentile and BCa, checked against scipy), ordinal measures on ordered
layers (checked against krippendorff and scikit-learn), and no-grade labels as missing."""

from __future__ import annotations

import json
import math

import krippendorff
import numpy as np
import pytest
import scipy.stats
from sklearn.metrics import cohen_kappa_score

from stancedesk.agreement import bootstrap_ci, krippendorff_alpha, layer_agreement
from stancedesk.agreement.alpha import AlphaPrep
from stancedesk.agreement.intervals import CIPlan, group_interval
from stancedesk.agreement.verdict import DEFAULT_MIN_UNITS, required_units
from stancedesk.domain.span import Span

LABEL_COEFFICIENTS = ("aligned_alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement")


def spans_from(rows: list[tuple[str, str, int, int, str]], texts: dict[str, str],
               layer: str = "stance") -> list[Span]:
    return [Span(f"s{i}", doc, who, s, e, texts[doc][s:e], {layer: value})
            for i, (who, doc, s, e, value) in enumerate(rows)]


def test_one_pairable_unit_is_na_for_every_label_coefficient_with_the_same_reason():
    """The issue's case: one aligned unit on Target showed Fleiss = AC1 = 1.000 in green."""
    texts = {"d1": "The minister said the talks were a breakthrough."}
    spans = spans_from([("ana", "d1", 4, 12, "rapprochement"),
                        ("ben", "d1", 4, 12, "rapprochement")], texts, "target")
    report = layer_agreement(spans, texts, "target")  # no minimum: the rule is structural
    json.dumps(report, allow_nan=False)
    reasons = {report["coefficients"][c]["reason"] for c in LABEL_COEFFICIENTS}
    assert len(reasons) == 1 and "every compared value is 'rapprochement'" in reasons.pop()
    for name in LABEL_COEFFICIENTS:
        entry = report["coefficients"][name]
        assert entry["value"] is None
        assert entry["n"] == {"units": 1, "unit": "pairable aligned units", "coders": 2,
                              "documents": 1, "aligned_units": 1}
    aligned = report["aligned"]
    assert aligned["fleiss_kappa"] is aligned["gwet_ac1"] is aligned["percent_agreement"] is None
    (pair,) = report["pairwise"]
    assert pair["cohen_kappa"] is None and "no variation" in pair["reasons"]["cohen_kappa"]


def _varied(n_units: int, n_docs: int = 1, seed: int = 0, labels: str = "xyz"
            ) -> tuple[list[Span], dict[str, str]]:
    rng = np.random.default_rng(seed)
    texts = {f"d{d:02d}": "word " * (2 * n_units) for d in range(n_docs)}
    rows = []
    for u in range(n_units):
        doc = f"d{u % n_docs:02d}"
        start = 10 * (u // n_docs)
        a = labels[int(rng.integers(0, len(labels)))]
        b = a if rng.random() < 0.7 else labels[int(rng.integers(0, len(labels)))]
        rows += [("ana", doc, start, start + 4, a), ("ben", doc, start, start + 4, b)]
    return spans_from(rows, texts), texts


def test_below_the_minimum_every_output_number_is_na_with_its_reason():
    spans, texts = _varied(12)
    free = layer_agreement(spans, texts, "stance")
    assert free["coefficients"]["aligned_alpha"]["value"] is not None
    strict = layer_agreement(spans, texts, "stance", min_units=DEFAULT_MIN_UNITS)
    json.dumps(strict, allow_nan=False)
    for name, entry in strict["coefficients"].items():
        assert entry["value"] is None, name
        assert "fewer than the minimum of 30" in entry["reason"], name
        assert entry["n"].get("passages", entry["n"]["units"]) == 12  # char α: 96 characters
        assert entry["n"]["coders"] == 2 and entry["n"]["documents"] == 1
    assert strict["char_alpha"] is strict["aligned"]["alpha"] is None
    (pair,) = strict["pairwise"]
    assert all(pair[m] is None for m in ("f1_exact", "f1_overlap", "cohen_kappa"))
    assert pair["reasons"]["cohen_kappa"] == "12 units both labelled, fewer than the minimum of 30"
    assert all(v["reasons"]["char_alpha"] for v in strict["labels"].values())
    for v in strict["labels"].values():
        assert v["n"]["unit"] == "spans with this label" and v["n"]["units"] == v["n_spans"]
        assert v["n"]["documents"] == 1 and v["n"]["coders"] in (1, 2)
    enough = layer_agreement(*_varied(40), "stance", min_units=DEFAULT_MIN_UNITS)
    assert enough["coefficients"]["aligned_alpha"]["reason"] is None
    assert enough["coefficients"]["aligned_alpha"]["value"] == enough["aligned"]["alpha"]


def test_the_default_minimum_is_krippendorffs_rule_in_its_most_favourable_case():
    assert math.ceil(required_units(2 / 3, 0.05, 0.5)) == DEFAULT_MIN_UNITS
    # two coders, four equally likely categories (the table as reproduced in ATLAS.ti's manual)
    assert math.ceil(2 * required_units(0.8, 0.05, 0.25)) == 139
    assert math.ceil(2 * required_units(0.667, 0.05, 0.25)) == 81


def test_intervals_say_what_was_resampled_or_why_there_is_none():
    one_doc = layer_agreement(*_varied(40, 1), "stance", bootstrap=200, seed=3)
    char = one_doc["coefficients"]["char_alpha"]["ci"]
    assert char["bounds"] is None and "fewer than the 10 needed" in char["reason"]
    aligned = one_doc["coefficients"]["aligned_alpha"]["ci"]
    assert aligned["resampled"] == "units" and aligned["n_resampled"] == 40
    assert "units treated as independent" in aligned["note"]
    many = layer_agreement(*_varied(60, 12), "stance", bootstrap=200, seed=3, ci_method="bca")
    for name in ("char_alpha", "aligned_alpha"):
        ci = many["coefficients"][name]["ci"]
        assert ci["resampled"] == "documents" and ci["n_resampled"] == 12
        assert ci["method"] == "bca" and ci["reason"] is None
        low, high = ci["bounds"]
        assert low <= many["coefficients"][name]["value"] <= high
    assert many["ci"]["method"] == "bca"
    na = layer_agreement(*_varied(12, 12), "stance", bootstrap=50, min_units=30)
    assert na["coefficients"]["aligned_alpha"]["ci"]["reason"] == \
        "no interval: the coefficient is n/a"


def _reliability(seed: int, n: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 5, n)
    data = np.where(rng.random((3, n)) < 0.7, truth, rng.integers(0, 5, (3, n))).astype(float)
    data[rng.random((3, n)) < 0.15] = np.nan
    return data


@pytest.mark.parametrize("method", ["percentile", "BCa"])
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_unit_bootstrap_equals_scipy(method: str, level: str):
    data = _reliability(7)
    ours = bootstrap_ci(data, n_resamples=300, seed=21, method=method.lower(), level=level)
    ref = scipy.stats.bootstrap(
        (np.arange(data.shape[1]),), lambda i: krippendorff_alpha(data[:, i], level),
        vectorized=False, n_resamples=300, method=method, rng=np.random.default_rng(21))
    assert ours == pytest.approx(tuple(ref.confidence_interval), abs=1e-12)


def test_document_bootstrap_equals_scipy_resampling_documents():
    """The cluster bootstrap: scipy resamples document indices, each unit weighted by how
    often its document was drawn; BCa's jackknife leaves one document out."""
    data = _reliability(11, 80)
    codes = np.where(np.isnan(data), -1, data).astype(np.int32)
    unit_doc = np.arange(80) % 13
    prep = AlphaPrep(codes, 5, "nominal")

    def by_counts(f: np.ndarray) -> float:
        return prep.alpha(f[unit_doc][prep.kept])

    # per document, its units among the pairable ones: what group_interval weights by
    per_doc = (unit_doc[prep.kept][None, :] == np.arange(13)[:, None]).astype(np.float64)
    for method in ("percentile", "BCa"):
        plan = CIPlan(250, 0.9, 5, method.lower(), 10)
        ours = group_interval(prep, per_doc, plan)
        ref = scipy.stats.bootstrap(
            (np.arange(13),), lambda d: by_counts(np.bincount(d, minlength=13).astype(float)),
            vectorized=False, n_resamples=250, confidence_level=0.9, method=method,
            rng=np.random.default_rng(5))
        assert ours == pytest.approx(tuple(ref.confidence_interval), abs=1e-12)


GRADES = "ABCDEF"


def _graded_spans(seed: int) -> tuple[list[Span], dict[str, str], list[list[str | None]]]:
    """Two annotators grade 60 identical passages (so alignment pairs them one to one); some
    passages only one of them marked. Returns the spans and the (2, units) grades."""
    rng = np.random.default_rng(seed)
    texts = {"d1": "word " * 400}
    rows = []
    grades: list[list[str | None]] = [[], []]
    for u in range(60):
        truth = int(rng.integers(0, 6))
        for a, who in enumerate(("ana", "ben")):
            if rng.random() < 0.1:
                grades[a].append(None)
                continue
            g = truth if rng.random() < 0.6 else int(np.clip(truth + rng.integers(-2, 3), 0, 5))
            grades[a].append(GRADES[g])
            rows.append((who, "d1", 10 * u, 10 * u + 4, GRADES[g]))
    return spans_from(rows, texts, "reliability"), texts, grades


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("count_no_grade", [False, True])
def test_ordinal_alpha_and_weighted_kappa_equal_the_references(seed: int, count_no_grade: bool):
    spans, texts, grades = _graded_spans(seed)
    report = layer_agreement(spans, texts, "reliability", labels=list(GRADES), ordered=True,
                             no_grade=["F"], count_no_grade=count_no_grade)
    scale = GRADES if count_no_grade else GRADES[:-1]
    position = {g: i for i, g in enumerate(scale)}
    data = np.array([[position.get(g, np.nan) if g else np.nan for g in row]
                     for row in grades])
    # units where only one annotator marked a passage are separate aligned units there too
    ordinal = krippendorff.alpha(data, value_domain=list(range(len(scale))),
                                 level_of_measurement="ordinal")
    nominal = krippendorff.alpha(data, value_domain=list(range(len(scale))),
                                 level_of_measurement="nominal")
    assert report["aligned"]["alpha_ordinal"] == pytest.approx(ordinal, abs=1e-9)
    assert report["aligned"]["alpha"] == pytest.approx(nominal, abs=1e-9)
    both = ~np.isnan(data).any(axis=0)
    a, b = data[0, both].astype(int), data[1, both].astype(int)
    (pair,) = report["pairwise"]
    labels = list(range(len(scale)))
    for key, weights in (("cohen_kappa", None), ("cohen_kappa_linear", "linear"),
                         ("cohen_kappa_quadratic", "quadratic")):
        expected = cohen_kappa_score(a, b, labels=labels, weights=weights)
        assert pair[key] == pytest.approx(expected, abs=1e-9), key
    assert pair["n"]["units"] == int(both.sum())


def test_no_grade_labels_are_missing_but_still_shown_in_the_confusion_matrix():
    texts = {"d1": "word " * 40}
    rows = [("ana", "d1", 0, 4, "A"), ("ben", "d1", 0, 4, "F"),
            ("ana", "d1", 10, 14, "B"), ("ben", "d1", 10, 14, "B"),
            ("ana", "d1", 20, 24, "C"), ("ben", "d1", 20, 24, "D")]
    spans = spans_from(rows, texts, "reliability")
    missing = layer_agreement(spans, texts, "reliability", labels=list(GRADES), ordered=True,
                              no_grade=["F"])
    counted = layer_agreement(spans, texts, "reliability", labels=list(GRADES), ordered=True,
                              no_grade=["F"], count_no_grade=True)
    assert missing["aligned"]["n_pairable_units"] == 2
    assert counted["aligned"]["n_pairable_units"] == 3
    assert missing["no_grade"] == {"labels": ["F"], "counted": False}
    assert counted["no_grade"] == {"labels": ["F"], "counted": True}
    matrix = missing["confusion"]["ana|ben"]["matrix"]
    assert matrix[GRADES.index("A")][GRADES.index("F")] == 1
    assert missing["labels"]["F"]["reasons"]["char_alpha"].startswith("no grade")
    assert missing["labels"]["F"]["char_alpha"] is None


@pytest.mark.parametrize("method", ["percentile", "BCa"])
def test_aligned_alpha_document_interval_equals_scipy(method: str):
    """The report's interval over documents: scipy draws document indices, and α weights each
    aligned unit by how often its document was drawn."""
    from stancedesk.agreement import align_layer

    spans, texts = _varied(60, 12, seed=4)
    report = layer_agreement(spans, texts, "stance", bootstrap=300, seed=8,
                             ci_method=method.lower())
    ci = report["coefficients"]["aligned_alpha"]["ci"]
    assert ci["resampled"] == "documents"
    al = align_layer(spans, texts, "stance")
    labels = sorted({s.labels["stance"] for s in spans})
    codes = al.codes
    prep = AlphaPrep(codes, len(labels), "nominal")
    ref = scipy.stats.bootstrap(
        (np.arange(12),),
        lambda d: prep.alpha(np.bincount(d, minlength=12).astype(float)[al.unit_doc]
                             [prep.kept]),
        vectorized=False, n_resamples=300, method=method, rng=np.random.default_rng(8))
    assert ci["bounds"] == pytest.approx(list(ref.confidence_interval), abs=1e-12)
