"""Passage grouping finds the spans a group overlaps by a sweep in text order; it must group
exactly as scoring every span against every group does, long spans and nested ones included,
and its cost must not grow with a long span's reach."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from stancedesk.domain import Span
from stancedesk.domain import curation as cur
from stancedesk.domain.curation import passages


def every_pair(groups: list[list[Span]], spans: list[Span]) -> None:
    """The grouping rule with no search at all: every span scored against every group."""
    pairs = [(score, si, gi) for si, span in enumerate(spans) for gi, group in enumerate(groups)
             if (score := cur._closeness(span, group)) > 0]
    cur._take_best(groups, spans, pairs)


def random_spans(rng: random.Random, n: int) -> list[Span]:
    out = []
    for i in range(n):
        who = rng.choice(("ana", "ben", "cy", "gold"))
        start = rng.randrange(0, 400)
        length = rng.choice((0, 3, 8, 15, 40)) if rng.random() > 0.05 else rng.randrange(100, 400)
        out.append(Span(f"s{i:04d}", "d", who, start, start + length, "",
                        {"stance": rng.choice(("favor", "against"))},
                        role=rng.choice((None, "claim", "source"))))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_the_sweep_groups_as_scoring_every_pair_does(seed: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    spans = random_spans(random.Random(seed), 60 + 10 * seed)
    found = passages("d", spans)
    monkeypatch.setattr(cur, "_align", every_pair)
    assert found == passages("d", spans)


def test_a_long_span_is_met_once_per_span_it_overlaps(monkeypatch: pytest.MonkeyPatch) -> None:
    """One span over the whole article (and one over its second half) must not make every
    later span look at every group begun before it: count the (span, group) pairs the search
    offers for scoring."""
    spans = []
    for i in range(3000):
        for who in ("ana", "ben"):
            spans.append(Span(f"{who}{i:05d}", "d", who, i * 100, i * 100 + 30, ""))
    spans.append(Span("zlong", "d", "cy", 0, 300_000, ""))
    spans.append(Span("zhalf", "d", "ana", 150_000, 300_000, ""))
    offered = 0
    candidates = cur._candidates

    def counted(groups: list[list[Span]], spans: list[Span]) -> Iterator[tuple[int, int]]:
        nonlocal offered
        for pair in candidates(groups, spans):
            offered += 1
            yield pair

    monkeypatch.setattr(cur, "_candidates", counted)
    found = passages("d", spans)
    assert len(found) == 3001
    # each of ben's spans meets ana's group and the half-article span's group at most; the
    # long spans meet every group they overlap: linear, where scanning back was quadratic
    assert offered < 5 * len(spans)
