"""Python code-point indices <-> Qt (UTF-16) positions for one document text.

Spans are stored in Python ``str`` indices; Qt counts UTF-16 code units, so every character
outside the Basic Multilingual Plane (most emoji) shifts Qt positions by one. How many of those
characters each chunk of the text holds is counted as far as conversions reach, and their
indices within a chunk when a conversion first needs it; a conversion bisects them: a 5 MB text
with emoji maps nothing up front, and its first page in about a millisecond. An all-BMP text
(the usual case) takes a fast path where both are the same number.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left, bisect_right

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def display_text(text: str) -> str:
    """The text handed to Qt: same length in code points, so offsets stay aligned.

    QTextDocument turns a carriage return (alone or in CRLF) into a block break, which would
    shift every later position; a space keeps the length and is invisible at a line end.
    """
    return text.replace("\r", " ") if "\r" in text else text


def display_utf8(data: bytes) -> bytes:
    """``display_text`` of a text given as its UTF-8 (a carriage return is one byte there)."""
    return data.replace(b"\r", b" ") if b"\r" in data else data


def _has_astral(text: str) -> bool:
    """Whether ``text`` holds a character outside the BMP, known without a scan for a long
    text: CPython stores a str with 4 bytes per character exactly when it holds one (PEP 393;
    past a few dozen characters the size tells the 4-byte form from the others)."""
    if text.isascii():
        return False
    if len(text) > 64:
        return sys.getsizeof(text) >= 4 * len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


# The text is looked at in chunks of this many characters: each chunk's count of astral
# characters comes from the length of its UTF-16 encoding (in C, a few times faster than a
# scan for them), and where they are inside a chunk is found only when a conversion first
# needs that chunk. Chunks are counted in order, only as far as a conversion reaches: opening
# a 5 MB article with emoji shows (and converts) its first page, which needs the first chunk
# or two, not all 77 (~9 ms); the end of the text is counted when something goes there.
CHUNK = 1 << 16


class OffsetMap:
    """Converts between Python indices (0..len) and UTF-16 positions (0..utf16_len)."""

    __slots__ = ("_before", "_chunks", "_qt_starts", "_text", "length")

    def __init__(self, text: str) -> None:
        self.length = len(text)
        # only with a character outside the BMP do Qt's positions differ from Python's
        self._text = text if _has_astral(text) else ""  # the reader holds it anyway: no copy
        self._chunks: dict[int, tuple[list[int], list[int]]] = {}
        # astral characters before each chunk counted so far (one more entry than chunks
        # counted), and the Qt position where each of those chunks starts
        self._before = [0]
        self._qt_starts = [0]

    @property
    def is_identity(self) -> bool:
        return not self._text

    @property
    def chunks_counted(self) -> int:
        """How many chunks have been counted so far (conversions count what they reach)."""
        return len(self._before) - 1

    @property
    def qt_length(self) -> int:
        if not self._text:
            return self.length
        self._count(-(-self.length // CHUNK))
        return self.length + self._before[-1]

    def _count(self, chunks: int) -> None:
        """Count the first ``chunks`` chunks (those not counted yet)."""
        while len(self._before) <= chunks:
            k = len(self._before) - 1
            piece = self._text[k * CHUNK:(k + 1) * CHUNK]
            units = len(piece.encode("utf-16-le", "surrogatepass")) // 2
            self._before.append(self._before[-1] + units - len(piece))
            self._qt_starts.append((k + 1) * CHUNK + self._before[-1])

    def _astral(self, k: int) -> tuple[list[int], list[int]]:
        """Chunk ``k``'s astral characters: their indices, and the Qt positions they start at
        (each earlier one adds a unit)."""
        found = self._chunks.get(k)
        if found is None:
            base = k * CHUNK
            indices = [m.start() for m in _ASTRAL.finditer(self._text, base, base + CHUNK)]
            before = self._before[k]
            found = self._chunks[k] = (indices, [i + before + n for n, i in enumerate(indices)])
        return found

    def to_qt(self, index: int) -> int:
        index = min(max(index, 0), self.length)
        if not self._text:
            return index
        if index == self.length:
            return self.qt_length
        k = index // CHUNK
        self._count(k)
        return index + self._before[k] + bisect_left(self._astral(k)[0], index)

    def to_py(self, position: int, *, round_up: bool = False) -> int:
        """A Qt position inside a surrogate pair rounds down (start) or up (end)."""
        if not self._text:
            return min(max(position, 0), self.length)
        position = max(position, 0)
        # count chunks until one starts after ``position``, or all are counted (then the
        # position may lie past the end)
        chunks = -(-self.length // CHUNK)
        while len(self._before) <= chunks and self._qt_starts[-1] <= position:
            self._count(len(self._before))
        counted = len(self._before) - 1
        if counted == chunks:
            position = min(position, self.length + self._before[-1])
        k = bisect_right(self._qt_starts, position, 0, counted) - 1
        indices, starts = self._astral(k)
        before = bisect_left(starts, position)  # astral characters starting before, in k
        if before and starts[before - 1] + 1 == position:  # inside that pair
            index = indices[before - 1]
            return index + 1 if round_up else index
        return position - self._before[k] - before

    def range_to_py(self, start: int, end: int) -> tuple[int, int]:
        """A Qt selection to the Python range covering every code point it touches."""
        lo, hi = min(start, end), max(start, end)
        return self.to_py(lo), self.to_py(hi, round_up=True)

    def range_to_qt(self, start: int, end: int) -> tuple[int, int]:
        return self.to_qt(start), self.to_qt(end)
