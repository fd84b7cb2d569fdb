"""Span agreement for one scheme layer (or several), as JSON-ready reports.

See ``docs/agreement.md`` for the definitions. In short, for the chosen annotators and documents:
character-level α over non-whitespace characters ('none' where no labelled span covers one),
pairwise exact and overlap F1, label agreement (α, Fleiss' κ, AC1, pairwise κ) on spans aligned
across annotators, Krippendorff's unitizing αu, and per-label versions of these. Undefined
numbers are None, never NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from stancedesk.agreement.align import Alignment, align
from stancedesk.agreement.alpha import AlphaPrep
from stancedesk.agreement.bootstrap import (
    check_bootstrap_args,
    percentile_interval,
    resampled_alphas,
)
from stancedesk.agreement.charalpha import (
    char_alpha,
    char_alpha_ci,
    char_alpha_from_codes,
    char_codes,
    char_label_alphas,
    none_label,
)
from stancedesk.agreement.coefficients import (
    chance_parts,
    fleiss_kappa_codes,
    gwet_codes,
    per_category_codes,
)
from stancedesk.agreement.jsonready import interval, number
from stancedesk.agreement.kappa import kappa_from_table
from stancedesk.agreement.matching import PairCounts, f1, pair_counts
from stancedesk.agreement.spanprep import LayerSpans, prepare_layer
from stancedesk.agreement.unitized import unitized_alpha_layer
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


def _aligned_section(al: Alignment, ls: LayerSpans) -> tuple[dict[str, Any], np.ndarray]:
    codes = al.codes
    k = ls.n_labels
    parts = chance_parts(codes, k)
    section = {
        "n_units": al.n_units,
        "n_pairable_units": parts.n_pairable,
        "percent_agreement": number(parts.pa),
        "alpha": number(AlphaPrep(codes, k, "nominal").alpha()),
        "fleiss_kappa": number(fleiss_kappa_codes(codes, k)),
        "gwet_ac1": number(gwet_codes(codes, k)),
    }
    return section, codes


def _pair_table(codes: np.ndarray, a: int, b: int, k: int) -> np.ndarray:
    """(k+1)² confusion of aligned units where a or b has a span; index k is 'none'."""
    ca = np.where(codes[a] >= 0, codes[a], k).astype(np.int64)
    cb = np.where(codes[b] >= 0, codes[b], k).astype(np.int64)
    either = (ca < k) | (cb < k)
    return np.bincount(ca[either] * (k + 1) + cb[either],
                       minlength=(k + 1) ** 2).reshape(k + 1, k + 1)


def _aligned_ci(codes: np.ndarray, k: int, n_resamples: int, confidence: float,
                seed: int) -> tuple[float, float]:
    values = resampled_alphas(codes, k, "nominal", None, n_resamples,
                              np.random.default_rng(seed))
    return percentile_interval(values, confidence)


def layer_agreement(spans: Iterable[Span], texts: Mapping[str, str], layer: str,
                    annotators: Sequence[str] | None = None,
                    documents: Sequence[str] | None = None,
                    labels: Sequence[str] | None = None, bootstrap: int = 0, seed: int = 0,
                    confidence: float = 0.95) -> dict[str, Any]:
    """Every span agreement measure for one layer, as a JSON-ready dict.

    ``labels`` is the layer's label keys in scheme order (so unused labels still count as
    categories); ``bootstrap`` > 0 adds percentile intervals ("ci") from that many resamples,
    of documents for character α and of aligned units for aligned α, seeded by ``seed``."""
    ls = prepare_layer(spans, texts, layer, annotators, documents, labels)
    k = ls.n_labels
    names = ls.annotators
    none = none_label(ls.labels)
    n_spans = ls.spans_per_annotator()
    result: dict[str, Any] = {
        "layer": layer,
        "annotators": list(names),
        "n_documents": ls.n_documents,
        "categories": list(ls.labels),
        "n_spans": {name: int(n) for name, n in zip(names, n_spans, strict=True)},
    }
    enough = len(names) >= 2
    cc = char_codes(ls, texts) if enough else None
    result["n_characters"] = cc.n_units if cc is not None else 0
    result["char_alpha"] = number(char_alpha_from_codes(cc)) if cc is not None else None

    pcs = pair_counts(ls) if enough else []
    al = align(ls)
    aligned, codes = _aligned_section(al, ls)
    pairwise = []
    confusion: dict[str, Any] = {}
    for pc in pcs:
        a, b = names[pc.a], names[pc.b]
        n_a, n_b = float(pc.n_a.sum()), float(pc.n_b.sum())
        table = _pair_table(codes, pc.a, pc.b, k)
        pairwise.append({
            "a": a, "b": b, "n_a": int(n_a), "n_b": int(n_b),
            "exact_matches": int(pc.exact.sum()), "overlap_matches": int(pc.overlap.sum()),
            "f1_exact": number(f1(float(pc.exact.sum()), n_a, n_b)),
            "f1_overlap": number(f1(float(pc.overlap.sum()), n_a, n_b)),
            "cohen_kappa": number(kappa_from_table(table[:k, :k])),
        })
        confusion[f"{a}|{b}"] = {"labels": [*ls.labels, none], "matrix": table.tolist()}
    result["pairwise"] = pairwise
    result["aligned"] = aligned

    ua = unitized_alpha_layer(ls)
    result["unitized_alpha"] = number(ua.overall) if enough else None

    char_label = char_label_alphas(cc) if cc is not None else np.full(k, np.nan)
    aligned_cat = per_category_codes(codes, k)
    exact = sum((pc.exact for pc in pcs), np.zeros(k))
    overlap = sum((pc.overlap for pc in pcs), np.zeros(k))
    totals = sum((pc.n_a + pc.n_b for pc in pcs), np.zeros(k))
    per_label = ua.per_category
    label_counts = np.bincount(ls.value, minlength=k)
    result["labels"] = {
        lab: {
            "n_spans": int(label_counts[i]),
            "char_alpha": number(char_label[i]),
            "f1_exact": number(f1(exact[i], totals[i], 0.0)),
            "f1_overlap": number(f1(overlap[i], totals[i], 0.0)),
            "unitized_alpha": number(per_label[i]) if enough else None,
            "aligned_specific_agreement": number(aligned_cat["specific_agreement"][i]),
            "aligned_alpha": number(aligned_cat["alpha"][i]),
        }
        for i, lab in enumerate(ls.labels)
    }
    result["confusion"] = confusion
    if bootstrap:
        check_bootstrap_args(bootstrap, confidence)
        result["ci"] = {
            "confidence": confidence,
            "n_resamples": bootstrap,
            "char_alpha": interval(char_alpha_ci(cc, bootstrap, confidence, seed))
            if cc is not None and ls.n_documents else None,
            "aligned_alpha": interval(_aligned_ci(codes, k, bootstrap, confidence, seed)),
        }
    return result


def layers_agreement(spans: Iterable[Span], texts: Mapping[str, str],
                     layers: Sequence[str] | Mapping[str, Sequence[str] | None] | None = None,
                     annotators: Sequence[str] | None = None,
                     documents: Sequence[str] | None = None, bootstrap: int = 0,
                     seed: int = 0, confidence: float = 0.95) -> dict[str, Any]:
    """{"layers": {KEY: layer_agreement(...)}} for several layers.

    ``layers`` lists layer keys, or maps each key to its labels in scheme order; None takes
    every layer that some span has a value in, sorted."""
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
                             seed, confidence)
        for key, labs in plan.items()
    }}
