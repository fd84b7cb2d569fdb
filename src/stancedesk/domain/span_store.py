"""The spans of the open document, kept sorted by start, with a vectorised interval index.

One store feeds both the span table (row order) and the reader (which spans touch the visible
text). Changes are applied one span at a time (what a service write returns), so a label on a
5,000-span document costs a bisect, not a reload. No Qt here, so it is tested directly.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

from stancedesk.domain import Span

# Below this many spans a plain loop is as fast as numpy, and numpy's import (~0.1 s) stays off
# the launch path; bigger documents use a vectorised scan.
VECTOR_MIN = 1024

SortKey = tuple[int, int, str]


def sort_key(span: Span) -> SortKey:
    """Reading order; at the same start the longer (outer) span first, ids break ties."""
    return (span.start, -span.end, span.id)


class SpanStore:
    def __init__(self, spans: Iterable[Span] = ()) -> None:
        self._by_id: dict[str, Span] = {}
        self._keys: list[SortKey] = []
        self._end_list: list[int] = []  # parallel to _keys; numpy copy made lazily for queries
        self._ends: Any = None  # numpy array of _end_list, built on demand
        self._dirty = False
        self._lanes: dict[str, int] = {}  # depth() per span id, until the next change
        self._longest = 0  # no span is longer (an upper bound: removals leave it as it is)
        self.reset(spans)

    # --- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, span_id: object) -> bool:
        return span_id in self._by_id

    def get(self, span_id: str) -> Span | None:
        return self._by_id.get(span_id)

    def at(self, row: int) -> Span:
        return self._by_id[self._keys[row][2]]

    def row_of(self, span_id: str) -> int:
        span = self._by_id.get(span_id)
        if span is None:
            return -1
        return bisect.bisect_left(self._keys, sort_key(span))

    def insertion_row(self, span: Span) -> int:
        return bisect.bisect_left(self._keys, sort_key(span))

    def first_row_at(self, index: int) -> int:
        """Row of the first span starting at or after ``index``."""
        return bisect.bisect_left(self._keys, (index, -(1 << 62), ""))

    def spans(self) -> list[Span]:
        return [self._by_id[k[2]] for k in self._keys]

    def overlapping(self, start: int, end: int) -> list[Span]:
        """Spans with start < end' and end > start' (or containing ``start`` when empty), in
        reading order. Vectorised, so thousands of spans cost microseconds."""
        if end <= start:
            end = start + 1
        stop = bisect.bisect_left(self._keys, (end, -(1 << 62), ""))
        if stop == 0:
            return []
        keys = self._keys
        # a span that starts more than the longest span's length before ``start`` ends before
        # it: only the rows from there on can overlap (a few, for sentence-sized spans)
        first = bisect.bisect_left(keys, (start - self._longest, -(1 << 62), "")) \
            if start > self._longest else 0
        if stop - first < VECTOR_MIN:
            ends = self._end_list
            return [self._by_id[keys[i][2]] for i in range(first, stop) if ends[i] > start]
        import numpy as np

        if self._dirty:
            self._ends = np.array(self._end_list, dtype=np.int64)
            self._dirty = False
        hits = np.flatnonzero(self._ends[first:stop] > start) + first
        return [self._by_id[keys[i][2]] for i in hits.tolist()]

    def containing(self, index: int) -> list[Span]:
        """Spans covering the character at ``index``, innermost (shortest) first."""
        found = [s for s in self.overlapping(index, index + 1) if s.start <= index < s.end]
        return sorted(found, key=lambda s: (s.length, s.start, s.id))

    def exact(self, start: int, end: int, annotator: str) -> Span | None:
        i = bisect.bisect_left(self._keys, (start, -end, ""))
        while i < len(self._keys) and self._keys[i][0] == start and self._keys[i][1] == -end:
            span = self._by_id[self._keys[i][2]]
            if span.annotator == annotator:
                return span
            i += 1
        return None

    def neighbour(self, index: int, forward: bool) -> Span | None:
        """The first span starting after (or before) ``index`` in reading order."""
        i = index + 1 if forward else index - 1
        return self._by_id[self._keys[i][2]] if 0 <= i < len(self._keys) else None

    def depth(self, span: Span) -> int:
        """How many spans enclose this span's start and come earlier in reading order: the lane
        of its underline, so nested and overlapping spans each stay visible. Remembered until
        the store changes: every repaint asks again for each visible span."""
        stored = self._by_id.get(span.id) is span
        lane = self._lanes.get(span.id) if stored else None
        if lane is None:
            key = sort_key(span)
            lane = sum(1 for s in self.overlapping(span.start, span.start + 1)
                       if s.id != span.id and s.start <= span.start and sort_key(s) < key)
            if stored:
                self._lanes[span.id] = lane
        return lane

    # --- changing ------------------------------------------------------------------------------

    def reset(self, spans: Iterable[Span]) -> None:
        self._by_id = {s.id: s for s in spans}
        self._keys = sorted(sort_key(s) for s in self._by_id.values())
        self._end_list = [-k[1] for k in self._keys]
        self._longest = max((-k[1] - k[0] for k in self._keys), default=0)
        self._dirty = True
        self._lanes.clear()

    def insert(self, span: Span) -> int:
        """Add (or replace) a span; returns its row."""
        self.remove(span.id)
        self._by_id[span.id] = span
        key = sort_key(span)
        row = bisect.bisect_left(self._keys, key)
        self._keys.insert(row, key)
        self._end_list.insert(row, span.end)
        self._longest = max(self._longest, span.end - span.start)
        self._dirty = True
        self._lanes.clear()
        return row

    def remove(self, span_id: str) -> int:
        """Drop a span; returns the row it had, or -1."""
        row = self.row_of(span_id)
        if row < 0:
            return -1
        del self._keys[row]
        del self._end_list[row]
        del self._by_id[span_id]
        self._dirty = True
        self._lanes.clear()
        return row

    def replace_same_place(self, span: Span) -> int:
        """A relabel or a new note keeps the offsets, so the row stays; returns it (or -1)."""
        old = self._by_id.get(span.id)
        if old is None or (old.start, old.end) != (span.start, span.end):
            return -1
        self._by_id[span.id] = span
        return self.row_of(span.id)
