"""The spans of the open document, kept sorted by start, with an interval index.

One store feeds both the span table (row order) and the reader (which spans touch the visible
text). Changes are applied one span at a time (what a service write returns), so a label on a
5,000-span document costs a bisect, not a reload. No Qt here, so it is tested directly.

A query looks only at the rows starting at most one (short) span length before the range:
news spans are clauses and sentences, so that is a handful of rows even among 20,000 spans.
The few spans longer than ``LONG_SPAN`` are kept aside and checked one by one, so one
whole-article span does not widen every query. No numpy: the desk does not load it.

A store can be filled with ``PendingSpans``, rows as read from the database: each ``Span`` is
built the first time something asks for it. Opening a 20,000-span article then builds the few
dozen spans the reader paints and the table shows, not all of them (building them was most of
the time between the click and the painted page).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from stancedesk.domain import Span

LONG_SPAN = 2000  # characters: longer spans are checked apart from the ordered index
_LOW = -(1 << 62)

SortKey = tuple[int, int, str]


def sort_key(span: Span) -> SortKey:
    """Reading order; at the same start the longer (outer) span first, ids break ties."""
    return (span.start, -span.end, span.id)


Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class PendingSpans:
    """Spans read but not built yet: each row starts with (id, start, end), and ``build``
    makes the row's ``Span`` (the same span every time it is called on that row)."""

    rows: Sequence[Row]
    build: Callable[[Row], Span]

    def spans(self) -> list[Span]:
        return [self.build(row) for row in self.rows]


class SpanStore:
    def __init__(self, spans: Iterable[Span] | PendingSpans = ()) -> None:
        self._by_id: dict[str, Span] = {}  # the spans built so far
        self._rows: dict[str, Row] = {}  # the spans not built yet (see PendingSpans)
        self._build: Callable[[Row], Span] | None = None
        self._keys: list[SortKey] = []
        self._long: dict[str, Span] = {}  # spans longer than LONG_SPAN
        # no other span is longer (an upper bound: removals leave it as it is)
        self._longest = 0
        self._lanes: dict[str, int] = {}  # depth() per span id, until the next change
        self.reset(spans)

    # --- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, span_id: object) -> bool:
        return span_id in self._by_id or span_id in self._rows

    def get(self, span_id: str) -> Span | None:
        span = self._by_id.get(span_id)
        if span is None and self._rows:
            row = self._rows.pop(span_id, None)
            if row is not None:
                assert self._build is not None, "rows come with their builder"
                span = self._by_id[span_id] = self._build(row)
        return span

    def _span(self, span_id: str) -> Span:
        span = self.get(span_id)
        if span is None:
            raise KeyError(span_id)
        return span

    def at(self, row: int) -> Span:
        return self._span(self._keys[row][2])

    def _key(self, span_id: str) -> SortKey | None:
        span = self._by_id.get(span_id)
        if span is not None:
            return sort_key(span)
        row = self._rows.get(span_id)
        return None if row is None else (row[1], -row[2], span_id)

    def row_of(self, span_id: str) -> int:
        key = self._key(span_id)
        if key is None:
            return -1
        return bisect.bisect_left(self._keys, key)

    def insertion_row(self, span: Span) -> int:
        return bisect.bisect_left(self._keys, sort_key(span))

    def first_row_at(self, index: int) -> int:
        """Row of the first span starting at or after ``index``."""
        return bisect.bisect_left(self._keys, (index, -(1 << 62), ""))

    def spans(self) -> list[Span]:
        span = self._span
        return [span(k[2]) for k in self._keys]

    def overlapping(self, start: int, end: int) -> list[Span]:
        """Spans with start < end' and end > start' (or containing ``start`` when empty), in
        reading order."""
        if end <= start:
            end = start + 1
        keys = self._keys
        stop = bisect.bisect_left(keys, (end, _LOW, ""))
        if stop == 0:
            return []
        # a short span that starts more than the longest short span's length before ``start``
        # ends before it: only the rows from there on can overlap
        reach = start - self._longest
        first = bisect.bisect_left(keys, (reach, _LOW, "")) if reach > 0 else 0
        span = self._span
        found = [span(keys[i][2]) for i in range(first, stop) if -keys[i][1] > start]
        if first and self._long:
            before = [s for s in self._long.values() if s.start < reach and s.end > start]
            if before:
                found = sorted(found + before, key=sort_key)
        return found

    def containing(self, index: int) -> list[Span]:
        """Spans covering the character at ``index``, innermost (shortest) first."""
        found = [s for s in self.overlapping(index, index + 1) if s.start <= index < s.end]
        return sorted(found, key=lambda s: (s.length, s.start, s.id))

    def exact(self, start: int, end: int, annotator: str) -> Span | None:
        i = bisect.bisect_left(self._keys, (start, -end, ""))
        while i < len(self._keys) and self._keys[i][0] == start and self._keys[i][1] == -end:
            span = self._span(self._keys[i][2])
            if span.annotator == annotator:
                return span
            i += 1
        return None

    def neighbour(self, index: int, forward: bool) -> Span | None:
        """The first span starting after (or before) ``index`` in reading order."""
        i = index + 1 if forward else index - 1
        return self._span(self._keys[i][2]) if 0 <= i < len(self._keys) else None

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

    def reset(self, spans: Iterable[Span] | PendingSpans) -> None:
        self._lanes.clear()
        if isinstance(spans, PendingSpans):
            self._by_id = {}
            self._rows = {row[0]: row for row in spans.rows}
            self._build = spans.build
            self._keys = sorted([(r[1], -r[2], i) for i, r in self._rows.items()])
            extents = [(r[2] - r[1], i) for i, r in self._rows.items()]
            self._longest = max((n for n, _ in extents if n <= LONG_SPAN), default=0)
            self._long = {i: self._span(i) for n, i in extents if n > LONG_SPAN}
            return
        self._rows = {}
        self._build = None
        self._by_id = {s.id: s for s in spans}
        self._keys = sorted([(s.start, -s.end, s.id) for s in self._by_id.values()])
        lengths = [s.end - s.start for s in self._by_id.values()]
        self._longest = max((n for n in lengths if n <= LONG_SPAN), default=0)
        self._long = {s.id: s for s, n in zip(self._by_id.values(), lengths, strict=True)
                      if n > LONG_SPAN}

    def insert(self, span: Span) -> int:
        """Add (or replace) a span; returns its row."""
        self.remove(span.id)
        self._by_id[span.id] = span
        key = sort_key(span)
        row = bisect.bisect_left(self._keys, key)
        self._keys.insert(row, key)
        if span.end - span.start > LONG_SPAN:
            self._long[span.id] = span
        else:
            self._longest = max(self._longest, span.end - span.start)
        self._lanes.clear()
        return row

    def remove(self, span_id: str) -> int:
        """Drop a span; returns the row it had, or -1."""
        row = self.row_of(span_id)
        if row < 0:
            return -1
        del self._keys[row]
        self._by_id.pop(span_id, None)
        self._rows.pop(span_id, None)
        self._long.pop(span_id, None)
        self._lanes.clear()
        return row

    def replace_same_place(self, span: Span) -> int:
        """A relabel or a new note keeps the offsets, so the row stays; returns it (or -1)."""
        old = self.get(span.id)
        if old is None or (old.start, old.end) != (span.start, span.end):
            return -1
        self._by_id[span.id] = span
        if span.id in self._long:
            self._long[span.id] = span
        return self.row_of(span.id)
