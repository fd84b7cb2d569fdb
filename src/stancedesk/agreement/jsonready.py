"""Numbers for JSON: NaN and infinities (undefined coefficients) become None, never 'NaN'."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any) -> float | None:
    """A finite float, or None where the statistic is undefined."""
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def interval(bounds: tuple[float, float] | None) -> list[float | None] | None:
    if bounds is None:
        return None
    return [number(bounds[0]), number(bounds[1])]
