"""When a coefficient cannot say: its n, a minimum n, and the reason it is n/a.

A coefficient computed on one aligned unit is "defined" (Fleiss' κ = 1, AC1 = 1) but says
nothing. Every reported coefficient therefore carries the n it rests on (units, coders,
documents) and is reported as n/a, with the reason, when it is undefined or rests on fewer units
than the minimum. The default minimum and the literature behind it: docs/agreement.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from stancedesk.agreement.counts import unit_totals
from stancedesk.agreement.jsonready import number
from stancedesk.agreement.order import distinct

# Krippendorff's sample-size rule (after Bloch & Kraemer 1989, eq. 3.7) in its most favourable
# case: two equally likely categories, smallest acceptable α 2/3, significance 0.05 (one-sided).
# ``required_units()`` gives 29.8; fewer units cannot tell α ≥ 2/3 from chance in any design.
DEFAULT_MIN_UNITS = 30
# A document bootstrap with fewer clusters than this has too few distinct resamples for its
# tails (C(2D−1, D): 126 for five documents) and is known to be too narrow with few clusters.
DEFAULT_MIN_DOCUMENTS = 10


def required_units(alpha_min: float = 2 / 3, significance: float = 0.05,
                   smallest_share: float = 0.5) -> float:
    """Units (values per coder) needed to reject α < ``alpha_min`` at ``significance`` when the
    rarest category has probability ``smallest_share``: z²·[(1+α)(3−α)/(4(1−α)p(1−p)) − α]
    (Krippendorff 2019, after Bloch & Kraemer 1989). Multiply by the coders for values."""
    from scipy.special import ndtri

    a, p = alpha_min, smallest_share
    if not 0.0 < a < 1.0 or not 0.0 < p < 1.0 or not 0.0 < significance < 1.0:
        raise ValueError("alpha_min, significance and smallest_share must lie between 0 and 1")
    z = float(ndtri(1.0 - significance))
    return z * z * ((1.0 + a) * (3.0 - a) / (4.0 * (1.0 - a) * p * (1.0 - p)) - a)


def check_minimums(min_units: int, min_documents: int) -> None:
    if min_units < 0:
        raise ValueError("the minimum number of units cannot be negative")
    if min_documents < 2:
        raise ValueError("resampling documents needs a minimum of at least 2 documents")


def sample(units: int, unit: str, coders: int, documents: int, **more: int) -> dict[str, Any]:
    """The n of one coefficient: how many units (and of what kind), coders and documents."""
    return {"units": int(units), "unit": unit, "coders": int(coders),
            "documents": int(documents), **{k: int(v) for k, v in more.items()}}


def below_minimum(units: int, unit: str, minimum: int) -> str | None:
    if units < minimum:
        return f"{units} {unit}, fewer than the minimum of {minimum}"
    return None


def estimate(value: Any, n: dict[str, Any], reason: str | None,
             undefined: str = "undefined on these data") -> dict[str, Any]:
    """A JSON-ready coefficient: value None whenever there is a reason; a NaN value without a
    stated reason gets ``undefined`` as its reason, so n/a is never unexplained."""
    x = number(value)
    if reason is None and x is None:
        reason = undefined
    return {"value": None if reason else x, "n": n, "reason": reason}


def label_reason(codes: np.ndarray, labels: Sequence[str], pairable: np.ndarray | None = None
                 ) -> str | None:
    """Why label agreement on (coders, units) codes cannot be computed, or None.

    The same reasons hold for α, Fleiss' κ, AC1 and percent agreement: without two values on
    one unit there is nothing to compare, and with a single category in use chance agreement is
    1, so α and κ are 0/0 and AC1 and percent agreement are 1 by construction, not by skill."""
    if codes.shape[0] < 2:
        return "fewer than two annotators"
    if pairable is None:
        pairable = unit_totals(codes) >= 2
    if not pairable.any():
        return "no unit has values from two annotators"
    values = codes[:, pairable]
    used = distinct(values[values >= 0])
    if used.size < 2:
        return (f"every compared value is {labels[int(used[0])]!r}: with no variation, chance "
                "agreement is 1 and agreement cannot be told from chance")
    return None


def first_reason(*reasons: str | None) -> str | None:
    for reason in reasons:
        if reason:
            return reason
    return None


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and \
        math.isfinite(value)
