"""Snap a selection to whole words, on Python indices, never splitting a character.

Rules (what brat/INCEpTION users expect): surrounding white space is trimmed; a boundary inside a
word moves outward to the word's edge; a combining mark always stays with its base character, and
since offsets are code points a surrogate pair cannot be split. Trailing punctuation is decided
by the text, not by where the mouse was released (a pixel either side of a comma used to decide
it): a trailing comma, semicolon, colon or full stop is never part of a span, except the full
stop of an abbreviation ("U.S.", "J."); a quotation mark or bracket stays when the span holds its
partner and is dropped when it does not; "?", "!" and "…" stay, since they change what is said.
Holding Alt while selecting skips snapping (see reader.py).
"""

from __future__ import annotations

import unicodedata

_JOINERS = frozenset("'’‑-_")
_ZWJ = "\u200d"


def is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def _glued(text: str, i: int) -> bool:
    """True when ``i`` falls inside one user-perceived character: before a combining mark, an
    emoji skin-tone modifier, or on either side of a zero-width joiner (family emoji)."""
    if i <= 0 or i >= len(text):
        return False
    right = text[i]
    return is_mark(right) or right == _ZWJ or text[i - 1] == _ZWJ \
        or 0x1F3FB <= ord(right) <= 0x1F3FF


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or is_mark(ch) or ch == "_"


def _inside_word(text: str, i: int) -> bool:
    """True when index ``i`` falls between two characters of the same word."""
    if i <= 0 or i >= len(text):
        return False
    left, right = text[i - 1], text[i]
    if _glued(text, i):
        return True
    if is_word_char(left) and is_word_char(right):
        return True
    # an apostrophe or hyphen between letters belongs to the word ("don't", "cross-border")
    if right in _JOINERS and is_word_char(left) and i + 1 < len(text) \
            and is_word_char(text[i + 1]):
        return True
    return left in _JOINERS and is_word_char(right) and i >= 2 and is_word_char(text[i - 2])


_DROPPED_AT_END = frozenset(",;:.")
_PAIRS = {"“": "”", "‘": "’", "«": "»", "‹": "›", "„": "“", "(": ")", "[": "]", "{": "}"}
_CLOSERS = {closer: opener for opener, closer in _PAIRS.items()}
_SYMMETRIC = frozenset('"')


def _abbreviation_stop(text: str, start: int, end: int) -> bool:
    """Is the full stop at ``end - 1`` part of an abbreviation ("U.S.", "J.", "e.g.")?"""
    word_start = end - 1
    while word_start > start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:end - 1]
    return "." in word or (len(word) == 1 and word.isalpha())


def _unbalanced_end(text: str, start: int, end: int) -> bool:
    last = text[end - 1]
    inside = text[start:end - 1]
    if last in _SYMMETRIC:
        return inside.count(last) % 2 == 0
    opener = _CLOSERS.get(last)
    if opener is None:
        return False
    if last == "’" and inside and is_word_char(inside[-1]) and opener not in inside:
        return False  # an apostrophe that ends a word: "the ministers’"
    return inside.count(opener) <= inside.count(last)


def _unbalanced_start(text: str, start: int, end: int) -> bool:
    first = text[start]
    inside = text[start + 1:end]
    if first in _SYMMETRIC:
        return inside.count(first) % 2 == 0
    closer = _PAIRS.get(first)
    return closer is not None and inside.count(closer) <= inside.count(first)


def _trim_punctuation(text: str, start: int, end: int) -> tuple[int, int]:
    changed = True
    while changed and end > start:
        changed = False
        last = text[end - 1]
        plain = last in _DROPPED_AT_END and not (last == "." and
                                                 _abbreviation_stop(text, start, end))
        if plain or _unbalanced_end(text, start, end):
            end -= 1
            changed = True
        elif _unbalanced_start(text, start, end):
            start += 1
            changed = True
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
    return start, end


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the snapped (start, end); (x, x) when the selection held only white space or
    punctuation."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return start, start
    while _inside_word(text, start):
        start -= 1
    while _inside_word(text, end):
        end += 1
    return _trim_punctuation(text, start, end)


def keep_clusters(text: str, start: int, end: int) -> tuple[int, int]:
    """Unsnapped selections still keep combining marks with their base character."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    while _glued(text, start):
        start -= 1
    while _glued(text, end):
        end += 1
    return start, end
