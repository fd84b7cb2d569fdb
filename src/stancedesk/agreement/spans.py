"""Span agreement for one scheme layer (or several), as JSON-ready reports.

See ``docs/agreement.md`` for the definitions. In short, for the chosen annotators and documents:
character-level α over non-whitespace characters ('none' where no labelled span covers one),
pairwise exact and overlap F1, label agreement (α, Fleiss' κ, AC1, pairwise κ; ordinal α and
weighted κ on ordered layers) on spans aligned across annotators, Krippendorff's unitizing αu,
and per-label versions of these. Numbers that cannot say (undefined, or below the minimum n) are
None, never NaN, with their n and the reason under "coefficients" (see ``verdict``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from stancedesk.agreement.align import Alignment, align
from stancedesk.agreement.alpha import AlphaPrep
from stancedesk.agreement.bootstrap import check_bootstrap_args, check_ci_method
from stancedesk.agreement.charalpha import (
    CharCodes,
    char_alpha,
    char_alpha_from_codes,
    char_codes,
    char_label_alphas,
    none_label,
    with_missing,
)
from stancedesk.agreement.coefficients import (
    chance_parts,
    fleiss_kappa_codes,
    gwet_codes,
    per_category_codes,
)
from stancedesk.agreement.counts import unit_totals
from stancedesk.agreement.intervals import (
    CIPlan,
    aligned_interval,
    char_alpha_interval,
    na_interval,
)
from stancedesk.agreement.jsonready import number
from stancedesk.agreement.kappa import kappa_from_table
from stancedesk.agreement.matching import PairCounts, f1, pair_counts
from stancedesk.agreement.order import distinct
from stancedesk.agreement.spanprep import LayerSpans, prepare_layer, without_values
from stancedesk.agreement.unitized import unitized_alpha_layer
from stancedesk.agreement.verdict import (
    DEFAULT_MIN_DOCUMENTS,
    below_minimum,
    check_minimums,
    estimate,
    first_reason,
    label_reason,
    sample,
)
from stancedesk.domain.span import Span

__all__ = [
    "align_layer",
    "char_alpha",
    "f1_exact",
    "f1_overlap",
    "layer_agreement",
    "layers_agreement",
    "unitized_alpha",
]


def _pair(ls: LayerSpans, a: str, b: str) -> PairCounts | None:
    if a not in ls.annotators or b not in ls.annotators:
        raise ValueError(f"annotators {a!r} and {b!r} must both be among {ls.annotators}")
    if a == b:
        raise ValueError("F1 compares two different annotators")
    for pc in pair_counts(ls):
        if {ls.annotators[pc.a], ls.annotators[pc.b]} == {a, b}:
            return pc
    return None


def f1_exact(spans: Iterable[Span], texts: Mapping[str, str], layer: str, a: str, b: str,
             documents: Sequence[str] | None = None) -> float:
    """F1 of exact matches (document, start, end and value equal) between annotators a and b;
    NaN when neither has a labelled span."""
    ls = prepare_layer(spans, texts, layer, [a, b], documents)
    pc = _pair(ls, a, b)
    assert pc is not None
    return f1(float(pc.exact.sum()), float(pc.n_a.sum()), float(pc.n_b.sum()))


def f1_overlap(spans: Iterable[Span], texts: Mapping[str, str], layer: str, a: str, b: str,
               documents: Sequence[str] | None = None) -> float:
    """F1 of a one-to-one, overlap-maximising matching of same-valued overlapping spans."""
    ls = prepare_layer(spans, texts, layer, [a, b], documents)
    pc = _pair(ls, a, b)
    assert pc is not None
    return f1(float(pc.overlap.sum()), float(pc.n_a.sum()), float(pc.n_b.sum()))


def align_layer(spans: Iterable[Span], texts: Mapping[str, str], layer: str,
                annotators: Sequence[str] | None = None,
                documents: Sequence[str] | None = None,
                labels: Sequence[str] | None = None) -> Alignment:
    """The cross-annotator alignment of a layer's spans; ``.rows()`` gives exportable rows."""
    return align(prepare_layer(spans, texts, layer, annotators, documents, labels))


def unitized_alpha(spans: Iterable[Span], texts: Mapping[str, str], layer: str,
                   annotators: Sequence[str] | None = None,
                   documents: Sequence[str] | None = None,
                   labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Krippendorff's αu: {"overall": x, "labels": {label: x}} (None where undefined)."""
    ls = prepare_layer(spans, texts, layer, annotators, documents, labels)
    ua = unitized_alpha_layer(ls)
    return {"overall": number(ua.overall),
            "labels": {lab: number(x) for lab, x in zip(ls.labels, ua.per_category, strict=True)}}


def _pair_table(codes: np.ndarray, a: int, b: int, k: int) -> np.ndarray:
    """(k+1)² confusion of aligned units where a or b has a span; index k is 'none'."""
    ca = np.where(codes[a] >= 0, codes[a], k).astype(np.int64)
    cb = np.where(codes[b] >= 0, codes[b], k).astype(np.int64)
    either = (ca < k) | (cb < k)
    return np.bincount(ca[either] * (k + 1) + cb[either],
                       minlength=(k + 1) ** 2).reshape(k + 1, k + 1)


def _graded_codes(raw: np.ndarray, k: int, missing: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Codes re-numbered over the graded categories (no-grade values become missing, -1), and
    the original index of each graded category."""
    graded = np.array([i for i in range(k) if i not in set(missing)], dtype=np.int64)
    if graded.size == k:
        return raw, graded
    remap = np.full(k + 1, -1, dtype=np.int32)  # index -1 (missing) reads the last entry
    remap[graded] = np.arange(graded.size, dtype=np.int32)
    return remap[raw], graded


def _units_n(codes: np.ndarray, unit_doc: np.ndarray, mask: np.ndarray, unit: str,
             **more: int) -> dict[str, Any]:
    coders = int((codes[:, mask] >= 0).any(axis=1).sum()) if mask.any() else 0
    return sample(int(mask.sum()), unit, coders, distinct(unit_doc[mask]).size, **more)


def _label_section(codes: np.ndarray, unit_doc: np.ndarray, labels: Sequence[str], ordered: bool,
                   min_units: int, n_aligned: int, plan: CIPlan | None
                   ) -> dict[str, dict[str, Any]]:
    """α (nominal, and ordinal for ordered layers), Fleiss' κ, AC1 and percent agreement on the
    aligned units: one n, and one reason shared by all when they cannot say."""
    k = len(labels)
    pairable = unit_totals(codes) >= 2
    n = _units_n(codes, unit_doc, pairable, "pairable aligned units", aligned_units=n_aligned)
    reason = first_reason(label_reason(codes, labels, pairable),
                          below_minimum(n["units"], "pairable aligned units", min_units))
    parts = chance_parts(codes, k)
    values = {"aligned_alpha": AlphaPrep(codes, k, "nominal").alpha()}
    if ordered:
        values["aligned_alpha_ordinal"] = AlphaPrep(codes, k, "ordinal").alpha()
    values.update({
        "fleiss_kappa": fleiss_kappa_codes(codes, k),
        "gwet_ac1": gwet_codes(codes, k),
        "percent_agreement": parts.pa,
    })
    out = {name: estimate(v, n, reason) for name, v in values.items()}
    if plan is not None:
        for name, level in (("aligned_alpha", "nominal"), ("aligned_alpha_ordinal", "ordinal")):
            if name in out:
                out[name]["ci"] = na_interval(plan) if out[name]["reason"] else \
                    aligned_interval(codes, unit_doc, k, level, plan)
    return out


def _pair_entry(pc: PairCounts, names: Sequence[str], codes: np.ndarray, unit_doc: np.ndarray,
                labels: Sequence[str], ordered: bool, min_units: int) -> dict[str, Any]:
    a, b = names[pc.a], names[pc.b]
    n_a, n_b = float(pc.n_a.sum()), float(pc.n_b.sum())
    k = len(labels)
    pair = codes[[pc.a, pc.b]]
    # asarray: numpy's stubs type a reduction along an axis as "array or scalar"
    joint = np.asarray((pair >= 0).all(axis=0))
    either = np.asarray((pair >= 0).any(axis=0))
    n_joint = int(joint.sum())
    table = np.bincount(pair[0, joint].astype(np.int64) * k + pair[1, joint],
                        minlength=k * k).reshape(k, k)
    kappa_reason = first_reason(label_reason(pair, labels, joint),
                                below_minimum(n_joint, "units both labelled", min_units))
    f1_reason = first_reason(
        None if n_a + n_b else "neither annotator has a labelled span",
        below_minimum(int(either.sum()), "passages either labelled", min_units))
    values: dict[str, tuple[float, str | None]] = {
        "f1_exact": (f1(float(pc.exact.sum()), n_a, n_b), f1_reason),
        "f1_overlap": (f1(float(pc.overlap.sum()), n_a, n_b), f1_reason),
        "cohen_kappa": (kappa_from_table(table), kappa_reason),
    }
    if ordered:
        values["cohen_kappa_linear"] = (kappa_from_table(table, "linear"), kappa_reason)
        values["cohen_kappa_quadratic"] = (kappa_from_table(table, "quadratic"), kappa_reason)
    entry: dict[str, Any] = {
        "a": a, "b": b, "n_a": int(n_a), "n_b": int(n_b),
        "exact_matches": int(pc.exact.sum()), "overlap_matches": int(pc.overlap.sum()),
    }
    reasons: dict[str, str | None] = {}
    for name, (value, reason) in values.items():
        e = estimate(value, {}, reason)
        entry[name] = e["value"]
        reasons[name] = e["reason"]
    entry["n"] = _units_n(pair, unit_doc, joint, "units both labelled",
                          passages=int(either.sum()))
    entry["reasons"] = reasons
    return entry


def layer_agreement(spans: Iterable[Span], texts: Mapping[str, str], layer: str,
                    annotators: Sequence[str] | None = None,
                    documents: Sequence[str] | None = None,
                    labels: Sequence[str] | None = None, bootstrap: int = 0, seed: int = 0,
                    confidence: float = 0.95, *, ordered: bool = False,
                    no_grade: Sequence[str] = (), count_no_grade: bool = False,
                    min_units: int = 0, min_documents: int = DEFAULT_MIN_DOCUMENTS,
                    ci_method: str = "percentile") -> dict[str, Any]:
    """Every span agreement measure for one layer, as a JSON-ready dict.

    ``labels`` is the layer's label keys in scheme order (so unused labels still count as
    categories, and ordinal measures use that order); ``ordered`` adds ordinal α and linearly
    and quadratically weighted κ; ``no_grade`` labels ("cannot be judged") are missing values
    unless ``count_no_grade``. Every coefficient is listed under "coefficients" with its n and,
    when it cannot say (undefined, or fewer than ``min_units`` units), value None and the
    reason. ``bootstrap`` > 0 adds intervals (``ci_method`` "percentile" or "bca") from that
    many resamples of documents, or of aligned units when there are fewer than
    ``min_documents`` documents (see ``intervals``), seeded by ``seed``."""
    check_minimums(min_units, min_documents)
    check_ci_method(ci_method)
    ls = prepare_layer(spans, texts, layer, annotators, documents, labels)
    k = ls.n_labels
    names = ls.annotators
    none = none_label(ls.labels)
    missing = [] if count_no_grade else [ls.labels.index(x) for x in dict.fromkeys(no_grade)
                                         if x in ls.labels]
    n_spans = ls.spans_per_annotator()
    plan = None
    if bootstrap:
        check_bootstrap_args(bootstrap, confidence)
        plan = CIPlan(bootstrap, confidence, seed, ci_method, min_documents)
    result: dict[str, Any] = {
        "layer": layer,
        "annotators": list(names),
        "n_documents": ls.n_documents,
        "categories": list(ls.labels),
        "n_spans": {name: int(n) for name, n in zip(names, n_spans, strict=True)},
        "ordered": ordered,
        "no_grade": {"labels": [ls.labels[i] for i in missing] if missing else
                     [x for x in no_grade if x in ls.labels],
                     "counted": count_no_grade or not missing},
        "minimums": {"units": min_units, "documents": min_documents},
    }
    enough = len(names) >= 2
    unit_spans = without_values(ls, missing)  # F1 and αu: a no-grade span is no unit
    al = align(ls)
    raw = al.codes
    codes, graded = _graded_codes(raw, k, missing)
    graded_labels = [ls.labels[i] for i in graded]
    passages = al.n_units
    few_coders = None if enough else "fewer than two annotators"
    min_passages = below_minimum(passages, "passages marked by anyone", min_units)
    coefficients: dict[str, dict[str, Any]] = {}

    cc = char_codes(ls, texts) if enough else None
    if cc is not None:
        cc = with_missing(cc, missing)
    n_chars = cc.n_units if cc is not None else 0
    result["n_characters"] = n_chars
    coefficients["char_alpha"] = estimate(
        char_alpha_from_codes(cc) if cc is not None else np.nan,
        sample(n_chars, "characters", len(names), ls.n_documents, passages=passages),
        first_reason(few_coders, min_passages),
        "every annotator gave every character the same value")
    if plan is not None:
        coefficients["char_alpha"]["ci"] = na_interval(plan) \
            if coefficients["char_alpha"]["reason"] or cc is None else \
            char_alpha_interval(cc.profiles, cc.doc_profile_counts, cc.n_labels + 1, plan)
    ua = unitized_alpha_layer(unit_spans)
    coefficients["unitized_alpha"] = estimate(
        ua.overall, sample(passages, "passages marked by anyone", len(names), ls.n_documents),
        first_reason(few_coders, min_passages))
    coefficients.update(_label_section(codes, al.unit_doc, graded_labels, ordered, min_units,
                                       al.n_units, plan))
    result["char_alpha"] = coefficients["char_alpha"]["value"]

    pcs = pair_counts(unit_spans) if enough else []
    pairwise = []
    confusion: dict[str, Any] = {}
    for pc in pcs:
        pairwise.append(_pair_entry(pc, names, codes, al.unit_doc, graded_labels, ordered,
                                    min_units))
        table = _pair_table(raw, pc.a, pc.b, k)  # what was said, no-grade labels included
        confusion[f"{names[pc.a]}|{names[pc.b]}"] = {"labels": [*ls.labels, none],
                                                     "matrix": table.tolist()}
    result["pairwise"] = pairwise
    aligned: dict[str, Any] = {
        "n_units": al.n_units,
        "n_pairable_units": coefficients["aligned_alpha"]["n"]["units"],
        "percent_agreement": coefficients["percent_agreement"]["value"],
        "alpha": coefficients["aligned_alpha"]["value"],
        "fleiss_kappa": coefficients["fleiss_kappa"]["value"],
        "gwet_ac1": coefficients["gwet_ac1"]["value"],
    }
    if ordered:
        aligned["alpha_ordinal"] = coefficients["aligned_alpha_ordinal"]["value"]
    result["aligned"] = aligned
    result["unitized_alpha"] = coefficients["unitized_alpha"]["value"]
    result["labels"] = _label_rows(ls, unit_spans, cc, codes, graded, pcs, ua.per_category,
                                   missing, min_units, enough)
    result["confusion"] = confusion
    result["coefficients"] = coefficients
    if plan is not None:
        result["ci"] = {
            "confidence": confidence, "n_resamples": bootstrap, "method": ci_method,
            **{key: coefficients[name]["ci"]["bounds"]
               for key, name in (("char_alpha", "char_alpha"),
                                 ("aligned_alpha", "aligned_alpha"),
                                 ("aligned_alpha_ordinal", "aligned_alpha_ordinal"))
               if name in coefficients},
        }
    return result


def _label_rows(ls: LayerSpans, unit_spans: LayerSpans, cc: CharCodes | None,
                codes: np.ndarray, graded: np.ndarray, pcs: Sequence[PairCounts],
                unitized: np.ndarray, missing: Sequence[int], min_units: int,
                enough: bool) -> dict[str, dict[str, Any]]:
    """Per label: its spans and each measure of that label against the rest, n/a with a reason
    below the minimum (counted in spans with the label) or for a no-grade label."""
    k = ls.n_labels
    char_label = char_label_alphas(cc) if cc is not None else np.full(k, np.nan)
    aligned_cat = per_category_codes(codes, graded.size)
    specific = np.full(k, np.nan)
    cat_alpha = np.full(k, np.nan)
    specific[graded] = aligned_cat["specific_agreement"]
    cat_alpha[graded] = aligned_cat["alpha"]
    exact = sum((pc.exact for pc in pcs), np.zeros(k))
    overlap = sum((pc.overlap for pc in pcs), np.zeros(k))
    totals = sum((pc.n_a + pc.n_b for pc in pcs), np.zeros(k))
    label_counts = np.bincount(ls.value, minlength=k)
    rows: dict[str, dict[str, Any]] = {}
    for i, lab in enumerate(ls.labels):
        if i in missing:
            reason: str | None = "no grade: treated as missing (count it with the no-grade switch)"
        else:
            reason = first_reason(None if enough else "fewer than two annotators",
                                  below_minimum(int(label_counts[i]), "spans with this label",
                                                min_units))
        values = {
            "char_alpha": char_label[i],
            "f1_exact": f1(exact[i], totals[i], 0.0),
            "f1_overlap": f1(overlap[i], totals[i], 0.0),
            "unitized_alpha": unitized[i] if enough else np.nan,
            "aligned_specific_agreement": specific[i],
            "aligned_alpha": cat_alpha[i],
        }
        mine = ls.value == i
        row: dict[str, Any] = {"n_spans": int(label_counts[i])}
        reasons: dict[str, str | None] = {}
        for name, value in values.items():
            e = estimate(value, {}, reason)
            row[name] = e["value"]
            reasons[name] = e["reason"]
        row["reasons"] = reasons
        row["n"] = sample(int(label_counts[i]), "spans with this label",
                          distinct(ls.ann[mine]).size, distinct(ls.doc[mine]).size)
        rows[lab] = row
    return rows


def layers_agreement(spans: Iterable[Span], texts: Mapping[str, str],
                     layers: Sequence[str] | Mapping[str, Sequence[str] | None] | None = None,
                     annotators: Sequence[str] | None = None,
                     documents: Sequence[str] | None = None, bootstrap: int = 0,
                     seed: int = 0, confidence: float = 0.95,
                     **options: Any) -> dict[str, Any]:
    """{"layers": {KEY: layer_agreement(...)}} for several layers.

    ``layers`` lists layer keys, or maps each key to its labels in scheme order; None takes
    every layer that some span has a value in, sorted. ``options`` go to ``layer_agreement``."""
    all_spans = list(spans)
    if layers is None:
        keys = sorted({key for s in all_spans for key, v in s.labels.items() if v})
        plan: dict[str, Sequence[str] | None] = dict.fromkeys(keys)
    elif isinstance(layers, Mapping):
        plan = dict(layers)
    else:
        plan = dict.fromkeys(layers)
    return {"layers": {
        key: layer_agreement(all_spans, texts, key, annotators, documents, labs, bootstrap,
                             seed, confidence, **options)
        for key, labs in plan.items()
    }}
