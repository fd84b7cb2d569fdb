"""Multi-coder agreement on (coders × units) data: percent agreement, Fleiss' κ, Gwet's AC1/AC2,
and per-category agreement.

Missing ratings follow Gwet (Handbook of Inter-Rater Reliability, 4th ed., 2014), as in his irrCAC:
observed agreement p_a averages Σ_k r_uk(r*_uk − 1) / (r_u(r_u − 1)) over units with r_u ≥ 2
ratings (r*_uk = Σ_l w_kl r_ul); category prevalence π_k averages r_uk / r_u over units with at
least one rating. Fleiss' κ uses p_e = Σ w_kl π_k π_l (Fleiss 1971 when nothing is missing);
Gwet's AC1/AC2 use p_e = T_w / (q(q − 1)) · Σ_k π_k(1 − π_k), q the number of categories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stancedesk.agreement.counts import (
    iter_dense_counts,
    quadratic_form_counts,
    sum_squared_counts,
    unit_totals,
)
from stancedesk.agreement.data import encode
from stancedesk.agreement.weights import agreement_weights

_EPS = 1e-12


@dataclass(frozen=True, slots=True)
class ChanceParts:
    """Observed agreement p_a and prevalences π_k, the ingredients of every p_e formula."""

    pa: float
    pi: np.ndarray
    n_pairable: int


def chance_parts(codes: np.ndarray, n_categories: int, weights: np.ndarray | None = None
                 ) -> ChanceParts:
    m = unit_totals(codes).astype(np.float64)
    pairable = m >= 2
    rated = m >= 1
    if weights is None:
        agree = sum_squared_counts(codes, n_categories) - m
    else:
        agree = quadratic_form_counts(codes, n_categories, weights) - m
    n_pairable = int(pairable.sum())
    if n_pairable:
        pa = float((agree[pairable] / (m[pairable] * (m[pairable] - 1.0))).sum() / n_pairable)
    else:
        pa = float("nan")
    n_rated = int(rated.sum())
    present = codes >= 0
    inv_m = np.divide(1.0, m, out=np.zeros_like(m), where=rated)
    share = np.broadcast_to(inv_m, codes.shape)[present]
    pi = np.bincount(codes[present], weights=share, minlength=n_categories).astype(np.float64)
    if n_rated:
        pi = pi / n_rated
    return ChanceParts(pa, pi, n_pairable)


def _chance_corrected(pa: float, pe: float) -> float:
    if np.isnan(pa) or not 1.0 - pe > _EPS:
        return float("nan")
    return float((pa - pe) / (1.0 - pe))


def percent_agreement(data: Any, *, categories: Sequence[Any] | None = None) -> float:
    """Share of agreeing coder pairs per unit, averaged over units with ≥ 2 ratings (for two
    coders: the share of jointly coded units they agree on). NaN if no unit has two ratings."""
    coded = encode(data, categories)
    return chance_parts(coded.codes, coded.n_categories).pa


def fleiss_kappa_codes(codes: np.ndarray, n_categories: int, weights: Any = None) -> float:
    w = None if weights is None else agreement_weights(weights, n_categories)
    parts = chance_parts(codes, n_categories, w)
    pe = float(parts.pi @ parts.pi) if w is None else float(parts.pi @ w @ parts.pi)
    return _chance_corrected(parts.pa, pe)


def fleiss_kappa(data: Any, *, weights: Any = None,
                 categories: Sequence[Any] | None = None) -> float:
    """Fleiss' κ (1971) with Gwet's generalisation to missing ratings (optionally weighted).

    NaN when undefined: no unit with two ratings, or chance agreement 1 (a single category)."""
    coded = encode(data, categories)
    return fleiss_kappa_codes(coded.codes, coded.n_categories, weights)


def gwet_codes(codes: np.ndarray, n_categories: int, weights: Any = None) -> float:
    q = n_categories
    if q < 2:
        return float("nan")
    w = agreement_weights(weights, q)
    parts = chance_parts(codes, q, None if weights is None else w)
    pe = float(w.sum()) / (q * (q - 1.0)) * float(parts.pi @ (1.0 - parts.pi))
    return _chance_corrected(parts.pa, pe)


def gwet_ac1(data: Any, *, categories: Sequence[Any] | None = None) -> float:
    """Gwet's AC1 (2008), robust to skewed prevalence. q counts the categories observed, or all
    of ``categories`` when given; NaN with fewer than two categories or no pairable unit."""
    coded = encode(data, categories)
    return gwet_codes(coded.codes, coded.n_categories)


def gwet_ac2(data: Any, weights: Any = "quadratic", *,
             categories: Sequence[Any] | None = None) -> float:
    """Gwet's AC2: AC1 with agreement weights ('linear', 'quadratic' or a (q, q) matrix) for
    ordered categories; with weights=None it equals AC1."""
    coded = encode(data, categories)
    return gwet_codes(coded.codes, coded.n_categories, weights)


def per_category_codes(codes: np.ndarray, n_categories: int,
                       unit_weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Column-wise category statistics from per-unit counts (see per_category_agreement);
    ``unit_weights`` count each unit that many times (collapsed unit profiles)."""
    q = n_categories
    m = unit_totals(codes).astype(np.float64)
    f = np.ones(m.size) if unit_weights is None else np.asarray(unit_weights, dtype=np.float64)
    pairable = m >= 2
    rated = m >= 1
    n_pairable = float(f[pairable].sum())
    n_rated = float(f[rated].sum())
    n_k = np.zeros(q)  # pairable values per category
    agree_k = np.zeros(q)  # Σ_u r_uk(r_uk − 1)/(m_u − 1): the coincidence diagonal o_kk
    cross_k = np.zeros(q)  # Σ_u 2 r_uk(m_u − r_uk)/(m_u − 1): binary observed disagreement
    pa_k = np.zeros(q)  # Σ_u [r(r−1) + (m−r)(m−r−1)] / (m(m−1)) over pairable units
    pi_k = np.zeros(q)  # Σ_u r_uk / m_u over rated units
    for where, counts in iter_dense_counts(codes, q):
        r = counts.astype(np.float64)
        mu = m[where][:, None]
        fu = f[where]
        p = pairable[where]
        rp, mp, fp = r[p], mu[p], fu[p]
        n_k += fp @ rp
        agree_k += fp @ (rp * (rp - 1.0) / (mp - 1.0))
        cross_k += fp @ (2.0 * rp * (mp - rp) / (mp - 1.0))
        same = rp * (rp - 1.0) + (mp - rp) * (mp - rp - 1.0)
        pa_k += fp @ (same / (mp * (mp - 1.0)))
        ok = rated[where]
        pi_k += fu[ok] @ (r[ok] / mu[ok])
    n = float(n_k.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        specific = np.where(n_k > 0, agree_k / n_k, np.nan)
        expected = 2.0 * n_k * (n - n_k)
        alpha = np.where(expected > 0, 1.0 - (n - 1.0) * cross_k / expected, np.nan)
        pa = pa_k / n_pairable if n_pairable else np.full(q, np.nan)
        pi = pi_k / n_rated if n_rated else np.full(q, np.nan)
        pe = pi * pi + (1.0 - pi) * (1.0 - pi)
        kappa = np.where(1.0 - pe > _EPS, (pa - pe) / (1.0 - pe), np.nan)
    return {"n_values": n_k, "specific_agreement": specific, "kappa": kappa, "alpha": alpha}


def per_category_agreement(data: Any, *, categories: Sequence[Any] | None = None
                           ) -> dict[Any, dict[str, float | int]]:
    """For each category k: ``n_values`` (pairable values k), ``specific_agreement`` (o_kk / n_k:
    given one coder said k, how often another agreed), and ``kappa`` / ``alpha``: Fleiss' κ and
    nominal α of the data dichotomised into k versus not-k (Fleiss 1971's category κ_j)."""
    coded = encode(data, categories)
    stats = per_category_codes(coded.codes, coded.n_categories)
    out: dict[Any, dict[str, float | int]] = {}
    for k, cat in enumerate(coded.categories):
        out[cat] = {
            "n_values": int(stats["n_values"][k]),
            "specific_agreement": float(stats["specific_agreement"][k]),
            "kappa": float(stats["kappa"][k]),
            "alpha": float(stats["alpha"][k]),
        }
    return out
