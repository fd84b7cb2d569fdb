"""Cutting text into paragraphs, sentences, tokens and quotations, keeping ``str`` offsets.

News text mixes straight and curly quotes, non-breaking spaces and quotations that run over
several sentences; a sentence break inside an open quotation is not a break for attribution,
because the speaker is usually named after the quotation closes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass


def word_set(words: str) -> frozenset[str]:
    """A set of words written as one string, the way the rules' short lists read best."""
    return frozenset(words.split())


OPEN_QUOTES = "“«„"
CLOSE_QUOTES = "”»"
STRAIGHT_QUOTE = '"'
_TOKEN = re.compile(r"\w+(?:[’'\-.]\w+)*|[^\w\s]")
_ABBREVIATIONS = word_set(
    "mr mrs ms dr prof gen col lt sgt capt maj sen rep gov st jan feb mar apr jun jul aug sep sept "
    "oct nov dec no vs etc inc ltd co corp jr sr u.s u.k u.n e.g i.e")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.text[:1].isalnum() or self.text[:1] == "_"

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


@dataclass(frozen=True, slots=True)
class Quote:
    """A quotation: ``start``/``end`` bound its content, without the marks."""

    start: int
    end: int
    open_mark: int  # offset of the opening mark
    close_mark: int | None  # offset of the closing mark; None if the paragraph ends first


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    stop = len(text) if end is None else end
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, start, stop)]


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Non-blank lines or blocks, as (start, end); a paragraph never spans a blank line."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        if m.group().strip():
            spans.append((m.start(), m.end()))
    return spans


def quotes(text: str, start: int, end: int) -> list[Quote]:
    """Quotations within one paragraph; straight quotes pair up in order."""
    found: list[Quote] = []
    opened: int | None = None
    straight_open = False
    for i in range(start, end):
        ch = text[i]
        if ch in OPEN_QUOTES and opened is None:
            opened = i
        elif ch in CLOSE_QUOTES and opened is not None and not straight_open:
            found.append(Quote(opened + 1, i, opened, i))
            opened = None
        elif ch == STRAIGHT_QUOTE:
            if opened is None:
                opened, straight_open = i, True
            elif straight_open:
                found.append(Quote(opened + 1, i, opened, i))
                opened, straight_open = None, False
    if opened is not None:  # a quotation that runs into the next paragraph
        found.append(Quote(opened + 1, end, opened, None))
    return found


class QuoteIndex:
    """Where a paragraph's quotations lie, for questions asked once per token or per full stop.

    ``quotes`` yields quotations in order and never nested (one is open at a time), so their
    spans are sorted and disjoint and a binary search answers what a scan over all of them
    would: a paragraph with a thousand quotations costs no more per token than one with two.
    """

    def __init__(self, quoted: list[Quote], end: int) -> None:
        self.quotes = quoted
        self._opens = [q.open_mark for q in quoted]
        self._ends = [q.close_mark if q.close_mark is not None else end for q in quoted]

    def covers(self, position: int) -> bool:
        """``position`` lies in a quotation, its marks included."""
        k = bisect_right(self._opens, position) - 1
        return k >= 0 and position <= self._ends[k]

    def strictly_inside(self, position: int) -> bool:
        """``position`` lies between a quotation's marks, the marks excluded."""
        k = bisect_left(self._opens, position) - 1
        return k >= 0 and position < self._ends[k]

    def opening_in(self, start: int, end: int) -> list[Quote]:
        """The quotations whose opening mark lies in [start, end)."""
        return self.quotes[bisect_left(self._opens, start):bisect_left(self._opens, end)]


def _word_before(text: str, begin: int, mark: int) -> str:
    """The run of word characters and dots that ends at ``mark`` (not before ``begin``)."""
    k = mark
    while k > begin and (text[k - 1].isalnum() or text[k - 1] in "_."):
        k -= 1
    return text[k:mark]


def sentences(text: str, start: int, end: int, quoted: list[Quote]) -> list[tuple[int, int]]:
    """Sentence spans in a paragraph; no break falls inside a quotation."""
    inside = QuoteIndex(quoted, end)
    spans: list[tuple[int, int]] = []
    begin = start
    for m in re.finditer(r"[.?!]+[”\"»’)]*(?=\s+[“\"«‘(]?[A-Z0-9])", text[start:end]):
        cut = start + m.end()
        mark = start + m.start()
        if inside.strictly_inside(mark):
            continue
        word = _word_before(text, begin, mark)
        if word and text[mark] == "." and word.lower().rstrip(".") in _ABBREVIATIONS:
            continue
        if len(word) == 1 and word.isupper():  # an initial: "J. Smith"
            continue
        spans.append((begin, cut))
        begin = cut
        while begin < end and text[begin].isspace():
            begin += 1
    if begin < end:
        spans.append((begin, end))
    return spans
