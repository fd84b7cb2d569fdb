"""Benchmark of Mathet's γ (``stancedesk.agreement.gamma``): run ``python benchmarks/gamma.py``.

Times ``gamma_agreement`` and pygamma-agreement's ``Continuum.compute_gamma`` (the reference
Python implementation, run only if importable; it is not a project dependency) on the same
seeded continua: 3 annotators × 30 / 60 / 100 units, combined dissimilarity α=3, β=1, the
statistical sampler, the same number of samples. pygamma's numba functions are compiled before
timing so that only steady-state work is compared. Target: at least 10× faster, with the same
observed disorder (the best alignment is exact in both; γ differs only by sampling).

Prints the figures and PASS/FAIL; exits 1 if the target fails.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator

import numpy as np

from stancedesk.agreement.gamma import gamma_agreement

TARGET = 10.0
LABELS = ("support", "oppose", "neutral")


def continuum(rng: np.random.Generator, n_annotators: int, n_units: int,
              ) -> list[tuple[str, float, float, str]]:
    """Annotators who mostly agree: jittered copies of a reference, misses and extra units."""
    starts = np.cumsum(rng.integers(5, 40, n_units)).astype(float)
    lengths = rng.integers(3, 30, n_units).astype(float)
    cats = rng.integers(0, len(LABELS), n_units)
    units: set[tuple[str, float, float, str]] = set()
    for a in range(n_annotators):
        for s, ln, c in zip(starts, lengths, cats, strict=True):
            if rng.random() < 0.1:
                continue
            s2 = s + rng.integers(-3, 4)
            e2 = s2 + max(1.0, ln + rng.integers(-3, 4))
            lab = LABELS[int(c)] if rng.random() < 0.85 else LABELS[int(rng.integers(3))]
            units.add((f"coder{a}", float(s2), float(e2), lab))
        for _ in range(n_units // 20):
            s2 = float(rng.integers(0, int(starts[-1])))
            units.add((f"coder{a}", s2, s2 + float(rng.integers(2, 20)), LABELS[0]))
    return sorted(units)


def time_ours(units: list, n_samples: int) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    res = gamma_agreement(units, alpha=3.0, beta=1.0, n_samples=n_samples, seed=0)
    return time.perf_counter() - t0, res.gamma, res.observed_disorder


def time_pygamma(units: list, n_samples: int) -> tuple[float, float, float]:
    from pyannote.core import Segment
    from pygamma_agreement import CombinedCategoricalDissimilarity, Continuum

    cont = Continuum()
    for who, s, e, lab in units:
        cont.add(who, Segment(s, e), lab)
    dissim = CombinedCategoricalDissimilarity(alpha=3.0, beta=1.0)
    np.random.seed(0)
    with _quiet_c_stdout():  # GLPK prints its solver log from C
        t0 = time.perf_counter()
        res = cont.compute_gamma(dissim, n_samples=n_samples)
        elapsed = time.perf_counter() - t0
    return elapsed, float(res.gamma), float(res.observed_disorder)


@contextlib.contextmanager
def _quiet_c_stdout() -> Iterator[None]:
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 60, 100])
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    try:
        import pygamma_agreement  # noqa: F401
    except ImportError:
        have_ref = False
        print("pygamma-agreement not importable: timing StanceDesk only (no ratio, no verdict)")
    else:
        have_ref = True
        logging.disable(logging.WARNING)  # pygamma warns on every solve without CBC
        time_pygamma(continuum(np.random.default_rng(99), 3, 8), 2)  # numba compilation
    ok = True
    for size in args.sizes:
        units = continuum(np.random.default_rng(size), args.annotators, size)
        ours, g, obs = time_ours(units, args.samples)
        line = (f"{args.annotators} annotators × {size} units ({len(units)} in all), "
                f"{args.samples} samples: stancedesk {ours:.3f} s (γ={g:.4f}, Do={obs:.6f})")
        if have_ref:
            ref, g_ref, obs_ref = time_pygamma(units, args.samples)
            ratio = ref / ours
            same = abs(obs - obs_ref) <= 1e-5 * max(1.0, obs_ref)
            passed = ratio >= TARGET and same
            ok &= passed
            line += (f"; pygamma {ref:.3f} s (γ={g_ref:.4f}, Do={obs_ref:.6f}); "
                     f"ratio {ratio:.1f}× (target ≥ {TARGET:.0f}×), same Do: {same} "
                     f"-> {'PASS' if passed else 'FAIL'}")
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
