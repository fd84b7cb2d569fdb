"""One BLAS thread while the span measures run.

The measures hand BLAS only small work: the bootstrap's weights are a product of (100
resamples × documents) by (documents × a few dozen value profiles), and unitized α takes dot
products of a few hundred thousand numbers. OpenBLAS splits such calls over every core anyway,
and its threads then spin waiting for the next call. On the two-core machine of
docs/performance.md that was 0.3-0.4 s of CPU in those threads per `stancedesk agreement` run
at 1,000 documents (more than the call itself saved), and on a busy machine the product that
takes 0.3 ms on one thread took 14 ms waiting for the others. One thread is faster at 10,000
documents too, and it makes the numbers independent of the number of cores: a multi-threaded
dot product sums its parts in an order that depends on how many threads split it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS (numpy's OpenBLAS, or whichever threadpoolctl finds) on one thread inside the
    block; the previous limits come back afterwards."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
