"""The span store's order and interval queries (what the reader paints and the table lists)."""

from __future__ import annotations

import random

from stancedesk.domain import Span
from stancedesk.domain.span_store import PendingSpans, SpanStore, sort_key


def span(i: int, start: int, end: int, who: str = "a") -> Span:
    return Span(f"s{i:04d}", "d", who, start, end, "x" * (end - start))


def test_overlapping_matches_brute_force() -> None:
    rng = random.Random(4)
    spans = [span(i, s, s + rng.randint(1, 60)) for i, s in
             enumerate(rng.randrange(0, 2000) for _ in range(500))]
    store = SpanStore(spans)
    for _ in range(200):
        a = rng.randrange(0, 2100)
        b = a + rng.randint(0, 80)
        expected = {s.id for s in spans if s.start < max(b, a + 1) and s.end > a}
        assert {s.id for s in store.overlapping(a, b)} == expected


def test_insert_remove_keep_reading_order() -> None:
    store = SpanStore([span(1, 10, 20), span(2, 0, 5)])
    row = store.insert(span(3, 10, 30))
    assert row == 1  # same start: the longer (outer) span first
    assert [s.id for s in store.spans()] == ["s0002", "s0003", "s0001"]
    assert store.remove("s0003") == 1
    assert store.row_of("s0003") == -1
    assert [s.id for s in store.overlapping(12, 13)] == ["s0001"]


def test_nesting_depth_and_containing() -> None:
    outer, inner, other = span(1, 0, 50), span(2, 10, 20), span(3, 15, 40, "b")
    store = SpanStore([outer, inner, other])
    assert store.depth(outer) == 0
    assert store.depth(inner) == 1
    assert store.depth(other) == 2
    assert [s.id for s in store.containing(16)] == ["s0002", "s0003", "s0001"]
    assert store.exact(10, 20, "a") == inner
    assert store.exact(10, 20, "b") is None


def test_queries_stay_exact_through_changes_with_long_and_short_spans() -> None:
    """The query window starts one short-span length before the asked range and long spans
    are checked apart; through inserts, removals and relabels of both kinds, small and large
    stores answer like a brute force, in reading order."""
    rng = random.Random(9)
    for size in (300, 3000):
        spans = {s.id: s for s in (span(i, st, st + rng.randint(1, 40)) for i, st in
                                   enumerate(rng.randrange(0, 20_000) for _ in range(size)))}
        store = SpanStore(spans.values())
        for step in range(300):
            if step % 3 == 0:  # an occasional long span, then some removals
                start = rng.randrange(0, 19_000)
                new = span(10_000 + step, start, start + rng.choice((5, 900, 4000)))
                spans[new.id] = new
                store.insert(new)
            elif step % 3 == 1 and spans:
                gone = rng.choice(sorted(spans))
                del spans[gone]
                store.remove(gone)
            else:  # a relabel keeps the place and replaces the object
                kept = rng.choice(sorted(spans))
                spans[kept] = spans[kept].with_labels({"stance": "favor"})
                assert store.replace_same_place(spans[kept]) >= 0
            a = rng.randrange(0, 21_000)
            b = a + rng.randint(0, 80)
            expected = sorted((s for s in spans.values() if s.start < max(b, a + 1)
                               and s.end > a), key=sort_key)
            assert store.overlapping(a, b) == expected
            probe = rng.choice(list(spans.values()))
            key = (probe.start, -probe.end, probe.id)
            assert store.depth(probe) == sum(
                1 for s in spans.values() if s.id != probe.id and s.start <= probe.start
                < s.end and (s.start, -s.end, s.id) < key)


def _pending(spans: list[Span]) -> tuple[PendingSpans, list[str]]:
    """The spans as rows, the way storage hands them over, and the ids built so far."""
    built: list[str] = []
    by_id = {s.id: s for s in spans}

    def build(row: tuple[object, ...]) -> Span:
        built.append(str(row[0]))
        return by_id[str(row[0])]

    return PendingSpans([(s.id, s.start, s.end, s.annotator) for s in spans], build), built


def test_a_store_of_pending_rows_answers_like_one_of_spans_and_builds_only_what_is_asked() -> None:
    rng = random.Random(5)
    spans = [span(i, st, st + (2500 if i % 100 == 0 else rng.choice((3, 20, 60))),
                  rng.choice("ab"))
             for i, st in enumerate(rng.randrange(0, 30_000) for _ in range(2000))]
    pending, built = _pending(spans)
    lazy, eager = SpanStore(pending), SpanStore(spans)
    n_long = sum(1 for s in spans if s.length > 2000)
    assert len(built) == n_long, "only the long spans, kept apart, are built up front"
    assert len(lazy) == len(eager) and all(s.id in lazy for s in spans)
    assert "nope" not in lazy and lazy.get("nope") is None and lazy.row_of("nope") == -1
    for _ in range(20):  # a page on screen each
        a = rng.randrange(0, 31_000)
        b = a + rng.randint(0, 200)
        assert lazy.overlapping(a, b) == eager.overlapping(a, b)
    assert len(built) < len(spans) // 4, "the pages built a fraction of the spans"
    probe = rng.sample(spans, 50)
    for s in probe:
        assert lazy.row_of(s.id) == eager.row_of(s.id)
        assert lazy.at(eager.row_of(s.id)) is s
        assert lazy.exact(s.start, s.end, s.annotator) == eager.exact(s.start, s.end,
                                                                       s.annotator)
        assert lazy.depth(s) == eager.depth(s)
        assert lazy.containing(s.start) == eager.containing(s.start)
        row = eager.row_of(s.id)
        assert lazy.neighbour(row, True) == eager.neighbour(row, True)
    before = len(built)
    assert lazy.get(probe[0].id) is lazy.get(probe[0].id) is probe[0]
    assert len(built) == before, "a span is built once"
    assert lazy.spans() == eager.spans()
    assert sorted(built) == sorted(s.id for s in spans)


def test_changes_to_a_store_of_pending_rows_reach_unbuilt_spans() -> None:
    spans = [span(1, 0, 10), span(2, 5, 30), span(3, 40, 50), span(4, 60, 70)]
    pending, built = _pending(spans)
    store = SpanStore(pending)
    assert store.remove("s0003") == 2 and "s0003" not in store and built == []
    moved = span(4, 1, 4)
    assert store.replace_same_place(moved) == -1, "a move is not a change in place"
    assert store.insert(moved) == 1
    assert [s.id for s in store.spans()] == ["s0001", "s0004", "s0002"]
    relabelled = spans[1].with_labels({"stance": "favor"})
    assert store.replace_same_place(relabelled) == 2
    assert store.get("s0002") is relabelled
    assert store.remove("s0003") == -1
