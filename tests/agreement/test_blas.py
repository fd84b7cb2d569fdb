"""The span measures run with one BLAS thread, and the limit ends with them."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from stancedesk.agreement.blas import one_blas_thread


def blas_threads() -> list[int]:
    return [int(lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_one_blas_thread_inside_and_the_limits_come_back_after() -> None:
    assert np.ones((2, 2)) @ np.ones(2) is not None  # numpy's BLAS is loaded
    before = blas_threads()
    assert before, "threadpoolctl finds numpy's BLAS (a floor too low would not)"
    with one_blas_thread():
        assert blas_threads() == [1] * len(before)
    assert blas_threads() == before
