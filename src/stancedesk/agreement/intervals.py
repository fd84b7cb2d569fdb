"""Confidence intervals for span agreement: what is resampled, and why there may be none.

Documents are the sampling units of a corpus: spans and characters of one article share its
topic, style and annotator's mood, so resampling them as if independent gives intervals far too
narrow. The rules (docs/agreement.md):

* with at least ``min_documents`` documents in play, documents are resampled (a cluster
  bootstrap): each resample re-weights every unit by how often its document was drawn;
* with fewer, aligned label agreement resamples its aligned units instead, which is the
  bootstrap of reliability data (units independent) and is labelled so;
* character α is never resampled by characters: with too few documents it has no interval;
* a coefficient that is n/a has no interval.

Percentile or BCa intervals, seeded; the jackknife for BCa leaves out one resampled item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from stancedesk.agreement.alpha import AlphaPrep
from stancedesk.agreement.bootstrap import (
    acceleration,
    bca_interval,
    jackknife_alphas,
    percentile_interval,
    resampled_alphas,
)
from stancedesk.agreement.counts import collapse_units
from stancedesk.agreement.jsonready import interval


@dataclass(frozen=True, slots=True)
class CIPlan:
    n_resamples: int
    confidence: float
    seed: int
    method: str  # "percentile" or "bca"
    min_documents: int


# resamples drawn and counted per block: a block's draws and weights are block × documents
# numbers (8 MB at 10,000 documents), whatever the number of resamples
_BLOCK_RESAMPLES = 100


def group_interval(prep: AlphaPrep, per_group: np.ndarray, plan: CIPlan) -> tuple[float, float]:
    """Resample the groups (documents), rows of ``per_group``: each resample's weight of a unit
    profile is Σ (times its group was drawn × the group's count), and α is ``prep`` under those
    weights.

    A block of resamples is drawn at once and weighted by one matrix product instead of one
    product per resample (at 10,000 documents that was most of the interval's time). The draws
    are the same as one ``rng.integers`` call per resample, and the weights the same numbers:
    they are sums of integers, exact in float64 in any order."""
    n_groups = per_group.shape[0]
    counts = per_group.astype(np.float64, copy=False)
    rng = np.random.default_rng(plan.seed)
    values = np.empty(plan.n_resamples)
    offsets = None
    for first in range(0, plan.n_resamples, _BLOCK_RESAMPLES):
        block = min(_BLOCK_RESAMPLES, plan.n_resamples - first)
        draws = rng.integers(0, n_groups, size=(block, n_groups))
        if offsets is None or offsets.shape[0] != block:
            offsets = (np.arange(block, dtype=np.int64) * n_groups)[:, None]
        drawn = np.bincount((draws + offsets).ravel(), minlength=block * n_groups)
        weights = drawn.reshape(block, n_groups).astype(np.float64) @ counts
        values[first:first + block] = prep.count_alphas(weights)
    if plan.method == "percentile":
        return percentile_interval(values, plan.confidence)
    total = counts.sum(axis=0)
    jack = np.array([prep.alpha(total - counts[g]) for g in range(n_groups)])
    return bca_interval(values, prep.alpha(total), acceleration(jack), plan.confidence)


def ci_entry(plan: CIPlan, bounds: tuple[float, float] | None, resampled: str | None,
             n_resampled: int, reason: str | None) -> dict[str, Any]:
    out = interval(bounds) if bounds is not None else None
    if out is not None and None in out:
        out = None
        reason = reason or ("no interval: the statistic is undefined on the resamples"
                            if plan.method == "percentile" else
                            "no BCa interval: every resample fell on one side of the estimate")
    return {"bounds": out, "method": plan.method, "confidence": plan.confidence,
            "n_resamples": plan.n_resamples, "resampled": resampled if out else None,
            "n_resampled": n_resampled if out else 0, "reason": None if out else reason}


def char_alpha_interval(profiles: np.ndarray, doc_profile_counts: np.ndarray,
                        n_categories: int, plan: CIPlan) -> dict[str, Any]:
    n_docs = doc_profile_counts.shape[0]
    if n_docs < plan.min_documents:
        return ci_entry(plan, None, None, 0,
                        f"no interval: {n_docs} document(s), fewer than the "
                        f"{plan.min_documents} needed to resample documents (the characters "
                        "of a document are not independent, so they are not resampled)")
    prep = AlphaPrep(profiles, n_categories, "nominal")
    bounds = group_interval(prep, doc_profile_counts[:, prep.kept], plan)
    return ci_entry(plan, bounds, "documents", n_docs, None)


def aligned_interval(codes: np.ndarray, unit_doc: np.ndarray, n_categories: int, level: str,
                     plan: CIPlan) -> dict[str, Any]:
    """Documents when there are enough with pairable units, else the aligned units."""
    pairable = (codes >= 0).sum(axis=0) >= 2
    docs, doc_of_unit = np.unique(unit_doc[pairable], return_inverse=True)
    if docs.size >= plan.min_documents:
        # units with one value profile in one document move together: count them once
        profiles, _, inverse = collapse_units(codes[:, pairable], n_categories)
        n_profiles = profiles.shape[1]
        per_doc = np.bincount(doc_of_unit * n_profiles + inverse,
                              minlength=docs.size * n_profiles).reshape(docs.size, n_profiles)
        prep = AlphaPrep(profiles, n_categories, level)
        bounds = group_interval(prep, per_doc[:, prep.kept], plan)
        return ci_entry(plan, bounds, "documents", int(docs.size), None)
    rng = np.random.default_rng(plan.seed)
    values = resampled_alphas(codes, n_categories, level, None, plan.n_resamples, rng)
    if plan.method == "percentile":
        bounds = percentile_interval(values, plan.confidence)
    else:
        estimate = AlphaPrep(codes, n_categories, level).alpha()
        jack, counts = jackknife_alphas(codes, n_categories, level)
        bounds = bca_interval(values, estimate, acceleration(jack, counts), plan.confidence)
    entry = ci_entry(plan, bounds, "units", int(codes.shape[1]), None)
    if entry["bounds"] is not None:
        entry["note"] = (f"{docs.size} document(s), fewer than the {plan.min_documents} "
                         "needed to resample documents; units treated as independent")
    return entry


def na_interval(plan: CIPlan) -> dict[str, Any]:
    return ci_entry(plan, None, None, 0, "no interval: the coefficient is n/a")
