"""Python code-point indices <-> Qt (UTF-16) positions for one document text.

Spans are stored in Python ``str`` indices; Qt counts UTF-16 code units, so every character
outside the Basic Multilingual Plane (most emoji) shifts Qt positions by one. Only the indices
of those characters are kept (found by one regular-expression scan, in C), and a conversion
bisects them: a 5 MB text with emoji maps in milliseconds instead of building arrays of its
length. An all-BMP text (the usual case) takes a fast path where both are the same number.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def display_text(text: str) -> str:
    """The text handed to Qt: same length in code points, so offsets stay aligned.

    QTextDocument turns a carriage return (alone or in CRLF) into a block break, which would
    shift every later position; a space keeps the length and is invisible at a line end.
    """
    return text.replace("\r", " ") if "\r" in text else text


def _surely_bmp(text: str) -> bool:
    """True when ``text`` cannot hold a character outside the BMP, known without a scan: ASCII,
    or stored with fewer than 4 bytes per character (CPython keeps a string with any astral
    character in 4 bytes per character, PEP 393)."""
    return text.isascii() or sys.getsizeof(text) < 4 * len(text)


class OffsetMap:
    """Converts between Python indices (0..len) and UTF-16 positions (0..utf16_len)."""

    __slots__ = ("_astral", "_astral_qt", "length", "qt_length")

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self._astral: list[int] = [] if _surely_bmp(text) else \
            [m.start() for m in _ASTRAL.finditer(text)]
        # the Qt position where each astral character starts (each earlier one adds a unit)
        self._astral_qt = [i + k for k, i in enumerate(self._astral)]
        self.qt_length = self.length + len(self._astral)

    @property
    def is_identity(self) -> bool:
        return not self._astral

    def to_qt(self, index: int) -> int:
        index = min(max(index, 0), self.length)
        return index + bisect_left(self._astral, index) if self._astral else index

    def to_py(self, position: int, *, round_up: bool = False) -> int:
        """A Qt position inside a surrogate pair rounds down (start) or up (end)."""
        position = min(max(position, 0), self.qt_length)
        if not self._astral:
            return position
        before = bisect_left(self._astral_qt, position)  # astral characters starting before
        if before and self._astral_qt[before - 1] + 1 == position:  # inside that pair
            index = self._astral[before - 1]
            return index + 1 if round_up else index
        return position - before

    def range_to_py(self, start: int, end: int) -> tuple[int, int]:
        """A Qt selection to the Python range covering every code point it touches."""
        lo, hi = min(start, end), max(start, end)
        return self.to_py(lo), self.to_py(hi, round_up=True)

    def range_to_qt(self, start: int, end: int) -> tuple[int, int]:
        return self.to_qt(start), self.to_qt(end)
