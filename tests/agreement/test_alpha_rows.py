"""``AlphaPrep.count_alphas`` (the bootstrap's α of a block of resamples at once) gives the very
numbers of ``AlphaPrep.alpha`` row by row, so the intervals stay byte for byte the same."""

from __future__ import annotations

import numpy as np
import pytest

from stancedesk.agreement.alpha import AlphaPrep


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
@pytest.mark.parametrize("seed", range(12))
def test_rows_at_once_equal_one_row_at_a_time(level: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    coders, units, k = int(rng.integers(2, 6)), int(rng.integers(1, 80)), int(rng.integers(1, 6))
    codes = rng.integers(-1, k, size=(coders, units)).astype(np.int32)
    prep = AlphaPrep(codes, k, level)
    rows = int(rng.integers(1, 40))
    counts = rng.integers(0, 4, size=(rows, prep.kept.size)).astype(np.float64)
    counts[0] = 0.0  # nothing drawn: n < 2
    if prep.kept.size:
        counts[-1] = 0.0
        counts[-1, 0] = 1.0  # one unit: no disagreement possible when its values agree
        counts[min(1, rows - 1)] *= 10**6  # large totals stay exact
    got = prep.count_alphas(counts)
    want = np.array([prep.alpha(counts[r]) for r in range(rows)])
    assert got.shape == (rows,)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    defined = ~np.isnan(want)
    assert got[defined].tobytes() == want[defined].tobytes()  # the same bits, not just close


def test_no_pairable_unit_gives_nan_rows() -> None:
    prep = AlphaPrep(np.array([[0, -1], [-1, 1]], dtype=np.int32), 2, "nominal")
    assert prep.kept.size == 0
    assert np.isnan(prep.count_alphas(np.zeros((3, 0)))).all()
