"""Mathet, Widlöcher & Métivier's (2015) γ: unitizing-and-categorising agreement by best alignment.

γ = 1 − observed disorder / expected disorder. The observed disorder is the disorder of the best
alignment of the annotators' units; the expected disorder is the mean best-alignment disorder of
continua sampled by chance. Definitions and defaults follow the paper and pygamma-agreement (which
our tests check against): dissimilarities are scaled by Δ∅, an empty slot costs Δ∅ against anything
(another empty slot included), a unitary alignment's disorder is the mean of its C(n, 2) pairwise
dissimilarities and an alignment's disorder is the sum of those divided by the mean number of units
per annotator. Methods and sources: docs/agreement.md, section "Mathet's γ".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict, Unpack

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, linprog, milp
from scipy.sparse import csc_array
from scipy.sparse.csgraph import connected_components

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from stancedesk.domain import Span

__all__ = ["GammaResult", "gamma_agreement", "gamma_for_spans"]

# pygamma-agreement's named precision levels (relative error of the expected disorder).
PRECISION_LEVELS = {"high": 0.01, "medium": 0.02, "low": 0.1}
_Z95 = 1.96
_TOL = 1e-9
# Ties between best alignments are broken towards fewer unitary alignments (as pygamma's solver
# ends up doing on its published examples) by charging this much extra per unitary alignment.
_TIE = 1e-7
_INTEGRAL = 1e-6  # LP solutions this close to 0/1 are taken as integral
_MIN_DURATION = 1e-6  # pyannote's segment precision: sampled units shorter than this are redrawn

Sampler = Literal["statistical", "mathet"]
# One annotator's units: starts, ends, category codes (float, float, int arrays), sorted by start.
_Units = tuple[np.ndarray, np.ndarray, np.ndarray]


class GammaOptions(TypedDict, total=False):
    """The keyword options of :func:`gamma_agreement`, as :func:`gamma_for_spans` passes them."""

    alpha: float
    beta: float
    categorical: tuple[Sequence[str], ArrayLike] | None
    n_samples: int
    precision_level: float | str | None
    seed: int
    sampler: Sampler
    delta_empty: float


@dataclass(frozen=True)
class GammaResult:
    """γ with its parts; ``alignment`` lists unitary alignments as one index into the input
    ``units`` (or None for an empty slot) per annotator, in ``annotators`` order."""

    gamma: float
    observed_disorder: float
    expected_disorder: float
    alignment: tuple[tuple[int | None, ...], ...]
    annotators: tuple[str, ...] = ()
    n_samples: int = 0


@dataclass(frozen=True)
class _Dissimilarity:
    """d(u, v) = Δ∅·(α·d_pos + β·d_cat): kept as arrays so whole blocks are computed at once."""

    alpha: float
    beta: float
    delta: float
    cat: np.ndarray  # (k, k) categorical dissimilarity between category codes

    def matrix(self, u: _Units, v: _Units) -> np.ndarray:
        """Dissimilarity of every unit of u (rows) with every unit of v (columns)."""
        s1, e1, c1 = u
        s2, e2, c2 = v
        pos = (np.abs(s1[:, None] - s2[None, :]) + np.abs(e1[:, None] - e2[None, :])) / (
            (e1 - s1)[:, None] + (e2 - s2)[None, :])
        cat = self.cat[c1[:, None], c2[None, :]]
        return self.delta * (self.alpha * pos * pos + self.beta * cat)


def gamma_agreement(units: Iterable[tuple[str, float, float, str]], *, alpha: float = 1.0,
                    beta: float = 1.0,
                    categorical: tuple[Sequence[str], ArrayLike] | None = None,
                    n_samples: int = 30, precision_level: float | str | None = None,
                    seed: int = 0, sampler: Sampler = "statistical",
                    delta_empty: float = 1.0) -> GammaResult:
    """γ of one continuum of (annotator, start, end, category) units.

    ``categorical`` is (labels, matrix) with matrix[i][j] the dissimilarity of labels i and j
    (default: 0 for equal categories, 1 otherwise). The expected disorder is the mean over
    ``n_samples`` chance continua from ``sampler`` ("statistical": pygamma's
    StatisticalContinuumSampler model; "mathet": the paper's shuffling of whole annotations
    around random pivots), drawn from ``numpy.random.default_rng(seed)``; ``precision_level``
    (a relative error, or "high"/"medium"/"low") adds samples until the 95% interval of the
    expected disorder is that narrow, as in the paper (section 5.3) and pygamma.
    """
    rows = list(units)
    annotators = tuple(sorted({str(r[0]) for r in rows}))
    if len(annotators) < 2:
        raise ValueError("γ needs units from at least two annotators")
    return _gamma(rows, annotators, alpha=alpha, beta=beta, categorical=categorical,
                  n_samples=n_samples, precision_level=precision_level, seed=seed,
                  sampler=sampler, delta_empty=delta_empty)


def gamma_for_spans(spans: Iterable[Span], layer: str, annotators: Sequence[str] | None = None,
                    **kwargs: Unpack[GammaOptions]) -> GammaResult:
    """γ of the spans labelled on ``layer`` (spans without a label there are not units).

    ``annotators`` fixes who counts (an annotator without spans then contributes only empty
    slots); by default everyone with a labelled span. Spans from several documents form one
    corpus continuum: each document is aligned on its own (a unit never aligns across
    documents) and the chance continua are sampled from the pooled statistics; ``alignment``
    indices refer to the labelled spans in input order. Keyword arguments go to
    :func:`gamma_agreement`.
    """
    rows: list[tuple[str, float, float, str]] = []
    docs: list[str] = []
    for sp in spans:
        lab = sp.label(layer)
        if lab is None or (annotators is not None and sp.annotator not in annotators):
            continue
        rows.append((sp.annotator, float(sp.start), float(sp.end), lab))
        docs.append(sp.document_id)
    names = tuple(sorted(set(annotators) if annotators is not None else {r[0] for r in rows}))
    if len(names) < 2:
        raise ValueError("γ needs at least two annotators")
    return _gamma(rows, names, documents=docs, **kwargs)


def _gamma(rows: list[tuple[str, float, float, str]], annotators: tuple[str, ...], *,
           alpha: float = 1.0, beta: float = 1.0,
           categorical: tuple[Sequence[str], ArrayLike] | None = None, n_samples: int = 30,
           precision_level: float | str | None = None, seed: int = 0,
           sampler: Sampler = "statistical", delta_empty: float = 1.0,
           documents: Sequence[str] | None = None) -> GammaResult:
    if not rows:
        raise ValueError("γ is undefined without units")
    if sampler not in ("statistical", "mathet"):
        raise ValueError(f"unknown sampler {sampler!r}")
    if n_samples < 1:
        raise ValueError("n_samples must be at least 1")
    if isinstance(precision_level, str):
        precision_level = PRECISION_LEVELS[precision_level]
    if precision_level is not None and not 0 < precision_level < 1:
        raise ValueError("precision_level must be in (0, 1)")
    if min(alpha, beta) < 0 or delta_empty <= 0:
        raise ValueError("alpha and beta must be >= 0 and delta_empty > 0")
    starts = np.array([float(r[1]) for r in rows])
    ends = np.array([float(r[2]) for r in rows])
    if not (np.all(np.isfinite(starts)) and np.all(np.isfinite(ends)) and np.all(ends > starts)):
        raise ValueError("every unit needs finite offsets with end > start")
    labels, catmat = _categories([str(r[3]) for r in rows], categorical)
    code = {lab: i for i, lab in enumerate(labels)}
    cats = np.array([code[str(r[3])] for r in rows], dtype=np.int64)
    who = np.array([annotators.index(str(r[0])) for r in rows], dtype=np.int64)
    dis = _Dissimilarity(float(alpha), float(beta), float(delta_empty), catmat)
    n = len(annotators)

    doc_ids = np.zeros(len(rows), dtype=np.int64)
    if documents is not None:
        _, doc_ids = np.unique(np.asarray(documents, dtype=object).astype(str),
                               return_inverse=True)
    docs = [_continuum(starts, ends, cats, who, n, doc_ids == d) for d in np.unique(doc_ids)]
    per_doc = [conts for conts, _ in docs]
    total = 0.0
    alignment: list[tuple[int | None, ...]] = []
    for (_, index), (cost, chosen) in zip(docs, _best_alignments(per_doc, dis), strict=True):
        total += cost
        alignment.extend(tuple(int(index[a][j]) if j >= 0 else None for a, j in enumerate(t))
                         for t in chosen)
    observed = total * n / len(rows)

    rng = np.random.default_rng(seed)
    draw = (_StatisticalSampler(per_doc, len(labels), rng) if sampler == "statistical"
            else _MathetSampler(per_doc, rng))
    disorders = _disorders([draw() for _ in range(n_samples)], dis)
    if precision_level is not None:
        cv = float(np.std(disorders) / np.mean(disorders))
        required = int(np.ceil((cv * _Z95 / precision_level) ** 2))
        if required > n_samples:
            disorders += _disorders([draw() for _ in range(required - n_samples)], dis)
    expected = float(np.mean(disorders))
    gamma = 1.0 if observed == 0 else 1.0 - observed / expected
    alignment.sort(key=lambda t: min(starts[i] for i in t if i is not None))
    return GammaResult(gamma=float(gamma), observed_disorder=float(observed),
                       expected_disorder=expected, alignment=tuple(alignment),
                       annotators=annotators, n_samples=len(disorders))


def _categories(present: list[str], categorical: tuple[Sequence[str], ArrayLike] | None,
                ) -> tuple[list[str], np.ndarray]:
    """Label list and its dissimilarity matrix, checked to be a dissimilarity."""
    if categorical is None:
        labels = sorted(set(present))
        return labels, 1.0 - np.eye(len(labels))
    labels = [str(x) for x in categorical[0]]
    mat = np.asarray(categorical[1], dtype=float)
    if mat.shape != (len(labels), len(labels)) or len(set(labels)) != len(labels):
        raise ValueError("categorical matrix must be square over distinct labels")
    if not (np.allclose(mat, mat.T) and np.all(np.diag(mat) == 0) and np.all(mat >= 0)):
        raise ValueError("categorical matrix must be symmetric, non-negative, zero on the diagonal")
    missing = set(present) - set(labels)
    if missing:
        raise ValueError(f"categories missing from the categorical matrix: {sorted(missing)}")
    return labels, mat


def _continuum(starts: np.ndarray, ends: np.ndarray, cats: np.ndarray, who: np.ndarray, n: int,
               mask: np.ndarray) -> tuple[list[_Units], list[np.ndarray]]:
    """Per-annotator unit arrays (sorted by start, end) and their row indices in the input."""
    conts: list[_Units] = []
    index: list[np.ndarray] = []
    for a in range(n):
        rows = np.flatnonzero(mask & (who == a))
        rows = rows[np.lexsort((ends[rows], starts[rows]))]
        conts.append((starts[rows], ends[rows], cats[rows]))
        index.append(rows)
    return conts, index


def _disorders(samples: list[list[_Units]], dis: _Dissimilarity) -> list[float]:
    """Best-alignment disorder of each sampled continuum."""
    out = []
    for conts, (cost, _) in zip(samples, _best_alignments(samples, dis), strict=True):
        out.append(cost * len(conts) / sum(len(u[0]) for u in conts))
    return out


def _best_alignments(conts_list: list[list[_Units]], dis: _Dissimilarity,
                     force_milp: bool = False) -> list[tuple[float, np.ndarray]]:
    """Per continuum, the minimum summed unitary-alignment disorder and the chosen tuples (unit
    index per annotator, −1 for an empty slot).

    Two annotators: an assignment problem with Δ∅ slots. More: the paper's set partition over
    the candidate unitary alignments, a 0/1 program; all continua go into one block-diagonal
    program so that the solver's fixed cost is paid once, not once per sample. ``force_milp``
    takes this route for two annotators too, to test one against the other.
    """
    if len(conts_list[0]) == 2 and not force_milp:
        return [_align_two(conts, dis) for conts in conts_list]
    blocks = [_candidates(conts, dis) for conts in conts_list]
    rows, cols, presents = [], [], []
    n_rows = n_cols = 0
    for conts, (tuples, _) in zip(conts_list, blocks, strict=True):
        sizes = np.array([len(u[0]) for u in conts])
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        present = tuples < sizes
        r, c = np.nonzero(present)
        rows.append(n_rows + offsets[c] + tuples[r, c])
        cols.append(n_cols + r)
        presents.append(present)
        n_rows += int(offsets[-1])
        n_cols += len(tuples)
    a_mat = csc_array((np.ones(sum(len(r) for r in rows)),
                       (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_cols))
    costs = np.concatenate([b[1] for b in blocks])
    x = _set_partition(costs + _TIE * dis.delta, a_mat, np.concatenate(rows),
                       np.concatenate(cols))
    out = []
    start = 0
    for (tuples, cost), present in zip(blocks, presents, strict=True):
        chosen = np.flatnonzero(x[start:start + len(tuples)] > 0.5)
        start += len(tuples)
        out.append((float(cost[chosen].sum()),
                    np.where(present[chosen], tuples[chosen], -1)))
    return out


def _set_partition(costs: np.ndarray, a_mat: csc_array, unit_of: np.ndarray,
                   cand_of: np.ndarray) -> np.ndarray:
    """0/1 x minimising costs·x with every unit covered once (a_mat: units × candidates).

    The LP relaxation is mostly integral on interval data and several times cheaper than the
    0/1 program. It splits over the connected components of units, and an integral component
    is optimal for the 0/1 program too, so only the fractional components go to the MILP.
    """
    res = linprog(costs, A_eq=a_mat, b_eq=np.ones(a_mat.shape[0]), bounds=(0, 1),
                  method="highs")
    if res.x is None:  # pragma: no cover - singletons always make the program feasible
        raise RuntimeError(f"best alignment not found: {res.message}")
    x = np.round(res.x)
    frac = np.abs(res.x - x) > _INTEGRAL
    if frac.any():
        _, comp = connected_components(a_mat @ a_mat.T, directed=False)
        cand_comp = np.empty(a_mat.shape[1], dtype=np.int64)
        cand_comp[cand_of] = comp[unit_of]
        bad = np.unique(cand_comp[frac])
        sub = np.isin(cand_comp, bad)
        unit_rows = np.isin(comp, bad)
        res = milp(costs[sub], integrality=np.ones(int(sub.sum())), bounds=Bounds(0, 1),
                   constraints=LinearConstraint(a_mat[unit_rows][:, sub], 1, 1),
                   options={"mip_rel_gap": 0.0})
        if res.x is None:  # pragma: no cover
            raise RuntimeError(f"best alignment not found: {res.message}")
        x[sub] = np.round(res.x)
    return x


def _align_two(conts: list[_Units], dis: _Dissimilarity) -> tuple[float, np.ndarray]:
    """Two annotators: (n1+n2)² assignment where a unit may take an empty slot at Δ∅."""
    n1, n2 = len(conts[0][0]), len(conts[1][0])
    delta = dis.delta
    big = 4.0 * delta * (n1 + n2 + 1)  # never chosen: any pair above 2Δ∅ is beaten by two slots
    cost = np.zeros((n1 + n2, n1 + n2))
    cost[:n1, :n2] = np.minimum(dis.matrix(conts[0], conts[1]), big)
    cost[:n1, n2:] = big
    cost[n1:, :n2] = big
    cost[np.arange(n1), n2 + np.arange(n1)] = delta
    cost[n1 + np.arange(n2), np.arange(n2)] = delta
    tie = cost.copy()
    tie[:n1, :n2] -= _TIE * delta  # a pair saves one unitary alignment over two singletons
    rows, cols = linear_sum_assignment(tie)
    out = []
    for i, j in zip(rows, cols, strict=True):
        if i < n1 and j < n2:
            out.append((i, j))
        elif i < n1:
            out.append((i, -1))
        elif j < n2:
            out.append((-1, j))
    return float(cost[rows, cols].sum()), np.array(out, dtype=np.int64).reshape(-1, 2)


def _candidates(conts: list[_Units], dis: _Dissimilarity) -> tuple[np.ndarray, np.ndarray]:
    """Unitary alignments that can belong to a best alignment, with their disorders.

    Tuples are built annotator by annotator (index m_a = empty slot). Pruning is exact: with m
    units and C = C(n, 2) pairs, moving unit u out to its own unitary alignment changes the
    summed disorder by ((m−1+C)·Δ∅ − Σ_w d(u, w))/C, so a tuple where that is negative for some
    u (in particular, with any pair above (n−1+C)·Δ∅), or dearer than m singletons, is never
    optimal.
    """
    n = len(conts)
    c2 = n * (n - 1) // 2
    delta = dis.delta
    sizes = [len(u[0]) for u in conts]
    padded: dict[tuple[int, int], np.ndarray] = {}
    for a in range(n):
        for b in range(a + 1, n):
            m = np.full((sizes[a] + 1, sizes[b] + 1), delta)
            m[:-1, :-1] = dis.matrix(conts[a], conts[b])
            padded[a, b] = m
    bound = (n - 1 + c2) * delta + _TOL
    tuples = np.arange(sizes[0] + 1, dtype=np.int64)[:, None]
    for b in range(1, n):
        ok = np.ones((len(tuples), sizes[b] + 1), dtype=bool)
        for a in range(b):
            ok &= padded[a, b][tuples[:, a]] <= bound
        r, c = np.nonzero(ok)
        tuples = np.column_stack([tuples[r], c])
    size_row = np.array(sizes)
    present = tuples < size_row
    m = present.sum(axis=1)
    total = np.zeros(len(tuples))
    per_unit = np.zeros(tuples.shape, dtype=float)
    for (a, b), mat in padded.items():
        v = mat[tuples[:, a], tuples[:, b]]
        total += v
        both = np.where(present[:, a] & present[:, b], v, 0.0)
        per_unit[:, a] += both
        per_unit[:, b] += both
    keep = (m > 0) & (total <= m * c2 * delta + _TOL)
    keep &= np.all(~present | (per_unit <= ((m - 1 + c2) * delta + _TOL)[:, None]), axis=1)
    return tuples[keep], total[keep] / c2


class _StatisticalSampler:
    """pygamma's StatisticalContinuumSampler model: per annotator, a normal number of units,
    normal gaps and |normal| durations with the observed means and standard deviations, and
    categories drawn with the observed frequencies."""

    def __init__(self, docs: list[list[_Units]], n_labels: int, rng: np.random.Generator):
        n = len(docs[0])
        gaps: list[float] = [0.0]
        durations: list[np.ndarray] = []
        counts = np.zeros(n)
        freq = np.zeros(n_labels)
        for conts in docs:
            for a, (s, e, c) in enumerate(conts):
                counts[a] += len(s)
                durations.append(e - s)
                freq += np.bincount(c, minlength=n_labels)
                gaps.extend((s[1:] - e[:-1]).tolist())
                if len(s) and s[0] > 0:
                    gaps.append(float(s[0]))
        dur = np.concatenate(durations)
        self.n = n
        self.count = (float(counts.mean()), float(counts.std()))
        self.gap = (float(np.mean(gaps)), float(np.std(gaps)))
        self.dur = (float(dur.mean()), float(dur.std()))
        self.p = freq / freq.sum()
        self.rng = rng

    def __call__(self) -> list[_Units]:
        rng = self.rng
        out: list[_Units] = []
        total = 0
        for _ in range(self.n):
            k = abs(int(rng.normal(*self.count)))
            if total == 0:
                k = max(k, 1)
            total += k
            gap = rng.normal(*self.gap, size=k)
            dur = np.abs(rng.normal(*self.dur, size=k))
            short = dur < _MIN_DURATION
            while short.any():
                dur[short] = np.abs(rng.normal(*self.dur, size=int(short.sum())))
                short = dur < _MIN_DURATION
            ends = np.cumsum(gap + dur)
            cats = rng.choice(len(self.p), size=k, p=self.p)
            out.append(_sorted_units(ends - dur, ends, cats))
        return out


class _MathetSampler:
    """The paper's sampler (section 5.2, Gamma software, pygamma's ShuffleContinuumSampler): each
    sampled annotator copies a random observed annotator, shifted circularly by a random integer
    pivot kept at least half a mean unit length away from the other pivots."""

    def __init__(self, docs: list[list[_Units]], rng: np.random.Generator):
        # Documents are laid end to end so that the corpus is a single continuum.
        n = len(docs[0])
        parts: list[list[_Units]] = [[] for _ in range(n)]
        shift = 0.0
        for conts in docs:
            for a, u in enumerate(conts):
                parts[a].append((u[0] + shift, u[1] + shift, u[2]))
            shift = max([shift, *(float(u[1].max()) + shift for u in conts if len(u[1]))])
        self.units = [tuple(np.concatenate(x) for x in zip(*p, strict=True)) for p in parts]
        all_s = np.concatenate([u[0] for u in self.units])
        all_e = np.concatenate([u[1] for u in self.units])
        self.lo, self.hi = min(0.0, float(all_s.min())), float(all_e.max())
        self.half = float(np.mean(all_e - all_s)) / 2
        self.rng = rng

    def __call__(self) -> list[_Units]:
        rng = self.rng
        n = len(self.units)
        while True:
            free = [(self.lo, self.hi)]
            out: list[_Units] = []
            for _ in range(n):
                if free:
                    pivot = self._pick(free)
                    free = _cut(free, pivot - self.half, pivot + self.half)
                else:
                    pivot = rng.uniform(self.lo, self.hi)
                s, e, c = self.units[int(rng.integers(n))]
                wrap = np.where(s + pivot > self.hi, pivot + self.lo - self.hi, pivot)
                out.append(_sorted_units(s + wrap, e + wrap, c))
            if any(len(u[0]) for u in out):
                return out

    def _pick(self, free: list[tuple[float, float]]) -> float:
        widths = np.array([b - a for a, b in free])
        if widths.sum() <= 0:
            return 1.0
        a, b = free[int(self.rng.choice(len(free), p=widths / widths.sum()))]
        return float(int(self.rng.uniform(a, b)))


def _cut(free: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    """Free intervals minus [lo, hi]."""
    out = []
    for a, b in free:
        if a < lo:
            out.append((a, min(b, lo)))
        if b > hi:
            out.append((max(a, hi), b))
    return out


def _sorted_units(s: np.ndarray, e: np.ndarray, c: np.ndarray) -> _Units:
    order = np.lexsort((e, s))
    return s[order], e[order], np.asarray(c, dtype=np.int64)[order]
