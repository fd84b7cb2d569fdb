"""Benchmark of ``stancedesk.agreement``: run ``python benchmarks/agreement.py``.

1. Krippendorff's α on 5 coders × 200,000 units, 6 categories, 20 % missing, nominal and
   interval, timed side by side with the ``krippendorff`` package (median of several repeats);
   target: no slower than the package, and the same value.
2. The full ``layer_agreement`` report on 1,000 synthetic documents (~3,000 characters each)
   × 3 annotators × 50 spans; target: under 2 s.

Prints the figures and PASS/FAIL per target; exits 1 if a target fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from stancedesk.agreement import krippendorff_alpha, layer_agreement
from stancedesk.domain.span import Span

LABELS = ("support", "oppose", "neutral", "quote", "claim")
WORDS = ("minister", "said", "the", "report", "was", "wrong", "according", "to", "sources",
         "officials", "denied", "it", "on", "Tuesday", "a", "spokesperson", "claimed", "that",
         "policy", "will", "fail", "experts", "warn", "protesters", "gathered", "outside")


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times = []
    value = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), value


def reliability_data(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 6, size=200_000)
    data = np.where(rng.random((5, truth.size)) < 0.7, truth,
                    rng.integers(0, 6, size=(5, truth.size))).astype(np.float64)
    data[rng.random(data.shape) < 0.2] = np.nan
    return data


def synthetic_corpus(n_docs: int = 1000, n_annotators: int = 3, n_spans: int = 50,
                     seed: int = 0) -> tuple[list[Span], dict[str, str]]:
    """Documents of ~3,000 characters; annotators start from shared 'gold' spans and drop,
    shift, relabel or add some, so agreement is high but imperfect."""
    rng = np.random.default_rng(seed)
    texts: dict[str, str] = {}
    spans: list[Span] = []
    for d in range(n_docs):
        words = [WORDS[i] for i in rng.integers(0, len(WORDS), size=480)]
        text = " ".join(words)[:3000]
        doc_id = f"doc{d:04d}"
        texts[doc_id] = text
        n = len(text)
        starts = np.sort(rng.integers(0, n - 60, size=n_spans))
        lengths = rng.integers(5, 60, size=n_spans)
        gold_labels = rng.integers(0, len(LABELS), size=n_spans)
        for a in range(n_annotators):
            name = f"coder{a + 1}"
            keep = rng.random(n_spans) < 0.9
            shift = np.where(rng.random(n_spans) < 0.2, rng.integers(-3, 4, size=n_spans), 0)
            relabel = rng.random(n_spans) < 0.1
            labels = np.where(relabel, rng.integers(0, len(LABELS), size=n_spans), gold_labels)
            for i in np.flatnonzero(keep):
                s = int(max(0, starts[i] + shift[i]))
                e = int(min(n, s + lengths[i]))
                spans.append(Span(f"{doc_id}-{name}-{i}", doc_id, name, s, e, text[s:e],
                                  {"stance": LABELS[labels[i]]}))
            for j in range(n_spans - int(keep.sum())):  # replacements: 50 spans each
                s = int(rng.integers(0, n - 40))
                e = s + int(rng.integers(5, 40))
                spans.append(Span(f"{doc_id}-{name}-x{j}", doc_id, name, s, e, text[s:e],
                                  {"stance": LABELS[int(rng.integers(0, len(LABELS)))]}))
    return spans, texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    ok = True
    try:
        import krippendorff
    except ImportError:  # the reference is a test extra
        krippendorff = None
        print("krippendorff package not installed: comparison skipped (FAIL)")
        ok = False

    data = reliability_data()
    print("Krippendorff's alpha, 5 coders x 200,000 units, 6 categories, 20% missing "
          f"(median of {args.repeats}):")
    for level in ("nominal", "interval"):
        ours_t, ours = median_time(lambda lv=level: krippendorff_alpha(data, lv), args.repeats)
        line = f"  {level:<9} stancedesk {ours_t * 1000:8.1f} ms  alpha={ours:.6f}"
        if krippendorff is not None:
            ref_t, ref = median_time(
                lambda lv=level: krippendorff.alpha(data, level_of_measurement=lv), args.repeats)
            passed = ours_t <= ref_t and abs(ours - ref) < 1e-9
            ok &= passed
            line += (f" | krippendorff {ref_t * 1000:8.1f} ms  alpha={ref:.6f} | "
                     f"{ref_t / ours_t:5.1f}x  {'PASS' if passed else 'FAIL'}")
        print(line)

    t0 = time.perf_counter()
    spans, texts = synthetic_corpus()
    build = time.perf_counter() - t0
    chars = sum(len(t) for t in texts.values())
    print(f"Span agreement: {len(texts)} documents ({chars:,} characters), 3 annotators, "
          f"{len(spans):,} spans (built in {build:.1f} s)")
    run_t, report = median_time(lambda: layer_agreement(spans, texts, "stance", labels=LABELS),
                                max(1, args.repeats // 2))
    passed = run_t < 2.0
    ok &= passed
    print(f"  layer_agreement {run_t:6.2f} s (target < 2 s)  {'PASS' if passed else 'FAIL'}")
    print(f"  char_alpha={report['char_alpha']:.3f}  unitized_alpha={report['unitized_alpha']:.3f}"
          f"  aligned alpha={report['aligned']['alpha']:.3f} over "
          f"{report['aligned']['n_units']:,} units")
    for pair in report["pairwise"]:
        print(f"  {pair['a']}-{pair['b']}: f1_exact={pair['f1_exact']:.3f} "
              f"f1_overlap={pair['f1_overlap']:.3f} kappa={pair['cohen_kappa']:.3f}")
    boot_t, boot = median_time(
        lambda: layer_agreement(spans, texts, "stance", labels=LABELS, bootstrap=1000), 1)
    print(f"  with bootstrap=1000: {boot_t:6.2f} s  char_alpha CI={boot['ci']['char_alpha']}")
    print("ALL PASS" if ok else "SOME TARGETS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
