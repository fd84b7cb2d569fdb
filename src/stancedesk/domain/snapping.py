"""Snap a selection to whole words, on Python indices, never splitting a character.

Rules (what brat/INCEpTION users expect): surrounding white space is trimmed; a boundary inside a
word moves outward to the word's edge; a combining mark always stays with its base character, and
since offsets are code points a surrogate pair cannot be split. Punctuation that the user chose
(quotes, a final full stop) is kept. Holding Alt while selecting skips snapping (see reader.py).
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


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the snapped (start, end); (x, x) when the selection held only white space."""
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
    return start, end


def keep_clusters(text: str, start: int, end: int) -> tuple[int, int]:
    """Unsnapped selections still keep combining marks with their base character."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    while _glued(text, start):
        start -= 1
    while _glued(text, end):
        end += 1
    return start, end
