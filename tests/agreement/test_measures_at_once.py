"""The per-document measures computed for many documents at once give exactly what the plain
per-document procedures give: character codes against painting every character, alignment and
overlap matching against the former loop over documents (kept here as the oracle), on random
corpora full of nested, identical, empty and tied spans."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stancedesk.agreement import charalpha, matching
from stancedesk.agreement.align import align
from stancedesk.agreement.matching import (
    cross_overlaps,
    max_overlap_assignment,
    overlap_matrix,
    pair_counts,
)
from stancedesk.agreement.order import distinct, sort_order
from stancedesk.agreement.spanprep import LayerSpans, prepare_layer
from stancedesk.domain import Span

LABELS = ("favor", "against", "neutral")
ALPHABET = "ab é\n\t"


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[Span], dict[str, str], list[str]]:
    """A few short documents (whitespace and non-ASCII), 2 to 4 annotators with spans packed
    closely enough to overlap, nest, repeat and tie."""
    n_docs = draw(st.integers(1, 5))
    annotators = [f"a{i}" for i in range(draw(st.integers(2, 4)))]
    texts = {f"d{d}": draw(st.text(ALPHABET, max_size=30)) for d in range(n_docs)}
    spans: list[Span] = []
    for doc, text in texts.items():
        for name in annotators:
            for j in range(draw(st.integers(0, 7))):
                start = draw(st.integers(0, len(text)))
                end = draw(st.integers(start, min(len(text), start + 12)))
                label = draw(st.sampled_from(LABELS))
                spans.append(Span(f"{doc}-{name}-{j}", doc, name, start, end,
                                  text[start:end], {"stance": label}))
    return spans, texts, annotators


def painted_profiles(ls: LayerSpans, texts: dict[str, str]) -> Counter[tuple[int, ...]]:
    """(document, value per annotator) -> non-whitespace characters, painting each character
    with the shortest covering span (then earliest start, then first label)."""
    out: Counter[tuple[int, ...]] = Counter()
    spans = list(zip(ls.doc.tolist(), ls.ann.tolist(), ls.start.tolist(), ls.end.tolist(),
                     ls.value.tolist(), strict=True))
    for d, doc_id in enumerate(ls.documents):
        text = texts[doc_id]
        for pos, char in enumerate(text):
            if char.isspace():
                continue
            profile = []
            for a in range(ls.n_annotators):
                covering = [(e - s, s, v) for dd, aa, s, e, v in spans
                            if dd == d and aa == a and s <= pos < e]
                profile.append(min(covering)[2] if covering else ls.n_labels)
            out[(d, *profile)] += 1
    return out


def old_align(ls: LayerSpans) -> tuple[np.ndarray, np.ndarray]:
    """The former alignment: one document and one annotator at a time."""
    a_n = ls.n_annotators
    bounds = ls.group_bounds()
    start, end = ls.start, ls.end
    blocks, block_docs = [], []
    for d in range(ls.n_documents):
        members = np.full((a_n, 0), -1, dtype=np.int64)
        for a in range(a_n):
            lo, hi = bounds[d * a_n + a], bounds[d * a_n + a + 1]
            if lo == hi:
                continue
            cand = np.arange(lo, hi)
            taken = np.zeros(cand.size, dtype=bool)
            if members.shape[1]:
                score = np.zeros((members.shape[1], cand.size), dtype=np.int64)
                for p in range(a):
                    has = members[p] >= 0
                    if has.any():
                        mp = members[p, has]
                        score[has] += overlap_matrix(start[mp], end[mp], start[cand], end[cand])
                rows, cols = max_overlap_assignment(score)
                members[a, rows] = cand[cols]
                taken[cols] = True
            fresh = cand[~taken]
            if fresh.size:
                block = np.full((a_n, fresh.size), -1, dtype=np.int64)
                block[a] = fresh
                members = np.concatenate([members, block], axis=1)
        if members.shape[1]:
            has = members >= 0
            first = np.where(has, start[np.where(has, members, 0)], np.iinfo(np.int64).max).min(0)
            last = np.where(has, end[np.where(has, members, 0)], -1).max(0)
            members = members[:, np.lexsort((last, first))]
            blocks.append(members)
            block_docs.append(np.full(members.shape[1], d, dtype=np.int64))
    if blocks:
        return np.concatenate(block_docs), np.concatenate(blocks, axis=1)
    return np.zeros(0, dtype=np.int64), np.full((a_n, 0), -1, dtype=np.int64)


def old_overlap_matches(ls: LayerSpans) -> dict[tuple[int, int], np.ndarray]:
    """The former overlap matching: one document and one pair of annotators at a time."""
    a_n, k = ls.n_annotators, ls.n_labels
    pairs = [(a, b) for a in range(a_n) for b in range(a + 1, a_n)]
    overlap = {p: np.zeros(k) for p in pairs}
    bounds = ls.group_bounds()
    start, end, value = ls.start, ls.end, ls.value
    for d in range(ls.n_documents):
        base = d * a_n
        for a, b in pairs:
            lo_a, hi_a = bounds[base + a], bounds[base + a + 1]
            lo_b, hi_b = bounds[base + b], bounds[base + b + 1]
            if lo_a == hi_a or lo_b == hi_b:
                continue
            va, vb = value[lo_a:hi_a], value[lo_b:hi_b]
            score = overlap_matrix(start[lo_a:hi_a], end[lo_a:hi_a], start[lo_b:hi_b],
                                   end[lo_b:hi_b])
            score = np.where(va[:, None] == vb[None, :], score, 0)
            rows, _ = max_overlap_assignment(score)
            if rows.size:
                overlap[(a, b)] += np.bincount(va[rows], minlength=k)
    return overlap


@pytest.fixture(params=[1, matching.CHUNK_DOCUMENTS], ids=lambda n: f"chunks of {n}")
def chunk_documents(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Documents per chunk of the per-document measures (the default, and tiny chunks so
    that chunk boundaries fall everywhere); the same for every example of a test."""
    monkeypatch.setattr(matching, "CHUNK_DOCUMENTS", request.param)
    return request.param


ONE_PATCH = settings(max_examples=60, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(corpora())
def test_character_codes_equal_painting_each_character(corpus):
    spans, texts, annotators = corpus
    ls = prepare_layer(spans, texts, "stance", annotators, list(texts), LABELS)
    cc = charalpha.char_codes(ls, texts)
    got: Counter[tuple[int, ...]] = Counter()
    for d, p in zip(*np.nonzero(cc.doc_profile_counts), strict=True):
        got[(int(d), *cc.profiles[:, p].tolist())] = int(cc.doc_profile_counts[d, p])
    assert got == painted_profiles(ls, texts)
    # every profile listed occurs, in order of annotator 0's code, then 1's, ...
    assert (cc.doc_profile_counts.sum(axis=0) > 0).all()
    keys = [tuple(col) for col in cc.profiles.T.tolist()]
    assert keys == sorted(set(keys))
    assert cc.profiles.dtype == np.int32 and cc.doc_profile_counts.dtype == np.float64


def test_character_codes_in_small_chunks(monkeypatch: pytest.MonkeyPatch):
    rng = np.random.default_rng(7)
    texts = {f"d{i}": "".join(rng.choice(list(ALPHABET), size=int(rng.integers(0, 40))))
             for i in range(30)}
    spans = [Span(f"{d}-{a}-{j}", d, a, s, s + int(rng.integers(0, 8)), "",
                  {"stance": LABELS[int(rng.integers(0, 3))]})
             for d, t in texts.items() if len(t) > 8 for a in ("x", "y", "z")
             for j, s in enumerate(rng.integers(0, len(t) - 8, size=5).tolist())]
    ls = prepare_layer(spans, texts, "stance", None, list(texts), LABELS)
    whole = charalpha.char_codes(ls, texts)
    monkeypatch.setattr(charalpha, "_CHUNK_CHARACTERS", 20)
    chunked = charalpha.char_codes(ls, texts)
    assert np.array_equal(whole.profiles, chunked.profiles)
    assert np.array_equal(whole.doc_profile_counts, chunked.doc_profile_counts)


@ONE_PATCH
@given(corpora())
def test_alignment_equals_the_loop_over_documents(chunk_documents, corpus):
    spans, texts, annotators = corpus
    ls = prepare_layer(spans, texts, "stance", annotators, list(texts), LABELS)
    expected_doc, expected_members = old_align(ls)
    al = align(ls)
    assert al.unit_doc.dtype == expected_doc.dtype and al.members.dtype == np.int64
    assert np.array_equal(al.unit_doc, expected_doc)
    assert np.array_equal(al.members, expected_members)


@ONE_PATCH
@given(corpora())
def test_overlap_matches_equal_the_loop_over_documents(chunk_documents, corpus):
    spans, texts, annotators = corpus
    ls = prepare_layer(spans, texts, "stance", annotators, list(texts), LABELS)
    expected = old_overlap_matches(ls)
    got = {(pc.a, pc.b): pc.overlap for pc in pair_counts(ls)}
    assert got.keys() == expected.keys()
    for pair, counts in expected.items():
        assert got[pair].dtype == np.float64
        assert np.array_equal(got[pair], counts), pair


def test_tied_documents_go_to_the_solver_whole(monkeypatch: pytest.MonkeyPatch):
    """A span inside two equal candidates ties; the document is solved as one matrix, and
    a document without any conflict never reaches the solver."""
    calls: list[tuple[int, int]] = []
    real = matching.solver()

    def counting(score: np.ndarray, maximize: bool = False):
        calls.append(score.shape)
        return real(score, maximize=maximize)

    monkeypatch.setattr(matching, "solver", lambda: counting)
    texts = {"tie": "x" * 40, "clean": "y" * 40}
    spans = [Span("t1", "tie", "a", 0, 10, "", {"stance": "favor"}),
             Span("t2", "tie", "a", 20, 30, "", {"stance": "favor"}),
             Span("t3", "tie", "b", 5, 25, "", {"stance": "favor"}),
             Span("c1", "clean", "a", 0, 10, "", {"stance": "favor"}),
             Span("c2", "clean", "b", 2, 12, "", {"stance": "favor"})]
    ls = prepare_layer(spans, texts, "stance", ["a", "b"], ["clean", "tie"], LABELS)
    assert np.array_equal(align(ls).members, old_align(ls)[1])
    assert calls == [(2, 1)]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 20), st.integers(0, 8)),
                max_size=12),
       st.lists(st.tuples(st.integers(0, 2), st.integers(0, 20), st.integers(0, 8)),
                max_size=12))
def test_cross_overlaps_find_every_overlapping_pair(left, right):
    def arrays(spans):
        doc = np.array([d for d, _, _ in spans], dtype=np.int64)
        start = np.array([s for _, s, _ in spans], dtype=np.int64)
        return doc, start, start + np.array([n for _, _, n in spans], dtype=np.int64)

    i, j, ov = cross_overlaps(*arrays(left), *arrays(right))
    got = sorted(zip(i.tolist(), j.tolist(), ov.tolist(), strict=True))
    expected = sorted((x, y, min(s1 + n1, s2 + n2) - max(s1, s2))
                      for x, (d1, s1, n1) in enumerate(left)
                      for y, (d2, s2, n2) in enumerate(right)
                      if d1 == d2 and min(s1 + n1, s2 + n2) - max(s1, s2) > 0)
    assert got == expected


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-2, 5), st.integers(0, 2**40)),
                max_size=30))
def test_combined_sort_key_orders_like_lexsort(rows):
    """The measures sort spans and units by one combined key where it fits (``sort_order``):
    the same permutation as ``np.lexsort``, ties in input order (negative or huge keys take
    lexsort itself)."""
    keys = [np.array([r[i] for r in rows], dtype=np.int64) for i in range(3)]
    for chosen in (keys[:2], [keys[0], keys[2]], keys, [keys[1], keys[0], keys[0], keys[2]]):
        assert np.array_equal(sort_order(*chosen), np.lexsort(chosen[::-1]))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 50), max_size=40))
def test_distinct_codes_equal_numpy_unique(values):
    """Document, annotator and label codes are told apart by one count (``distinct``): the
    same sorted values as ``np.unique``."""
    for dtype in (np.int32, np.int64):
        codes = np.array(values, dtype=dtype)
        assert distinct(codes).tolist() == np.unique(codes).tolist()


@pytest.mark.parametrize("annotators", [[], ["a"], ["a", "b"]])
def test_documents_without_spans_or_annotators(annotators):
    """Named documents where the chosen annotators have no span: no units, no matches, no
    characters labelled (and no error with no annotator at all)."""
    texts = {"d0": "some text", "d1": "more"}
    ls = prepare_layer([], texts, "stance", annotators, ["d0", "d1"], LABELS)
    al = align(ls)
    assert al.members.shape == (len(annotators), 0) and al.unit_doc.size == 0
    assert all(pc.overlap.sum() == 0 and pc.exact.sum() == 0 for pc in pair_counts(ls))
    cc = charalpha.char_codes(ls, texts)
    assert cc.doc_profile_counts.shape[0] == 2
    if annotators:
        assert cc.n_units == 12  # "some text" and "more", whitespace left out
