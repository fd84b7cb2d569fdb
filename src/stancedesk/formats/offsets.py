"""Convert between Python ``str`` indices (code points) and UTF-16 code units.

StanceDesk stores code-point offsets. Tools written in Java or JavaScript (INCEpTION's WebAnno
TSV, older Label Studio versions) count UTF-16 code units, in which every character outside the
Basic Multilingual Plane (most emoji) counts twice.
"""

from __future__ import annotations

from bisect import bisect_right


class Utf16Index:
    """Maps offsets of one text both ways in O(log n), built once per document."""

    __slots__ = ("_astral",)

    def __init__(self, text: str) -> None:
        # Code-point positions of the astral characters; everything else is one unit wide.
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]

    @property
    def simple(self) -> bool:
        """True when both kinds of offset coincide (no astral characters)."""
        return not self._astral

    def to_utf16(self, index: int) -> int:
        return index + bisect_right(self._astral, index - 1)

    def from_utf16(self, unit: int) -> int | None:
        """Code-point index of a UTF-16 offset; None when it falls inside a surrogate pair."""
        if not self._astral:
            return unit
        # Number of astral characters wholly before ``unit``.
        lo, hi = 0, len(self._astral)
        while lo < hi:
            mid = (lo + hi) // 2
            start_unit = self._astral[mid] + mid  # unit where astral char ``mid`` begins
            if start_unit < unit:
                lo = mid + 1
            else:
                hi = mid
        n = lo
        if n and self._astral[n - 1] + (n - 1) + 1 == unit:
            return None  # between the two halves of a surrogate pair
        return unit - n


def utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class NewlineMap:
    """Offsets into raw file text -> offsets into its normalised form (BOM dropped, CRLF -> LF,
    CR -> LF), so spans counted in the raw file land on the text StanceDesk stores."""

    __slots__ = ("_removed", "text")

    def __init__(self, raw: str) -> None:
        removed: list[int] = []
        if raw.startswith("\ufeff"):
            removed.append(0)
        pos = raw.find("\r\n")
        while pos != -1:
            removed.append(pos)  # the CR of a CRLF goes
            pos = raw.find("\r\n", pos + 2)
        self._removed = removed
        self.text = raw[1:] if raw.startswith("\ufeff") else raw
        self.text = self.text.replace("\r\n", "\n").replace("\r", "\n")

    def __call__(self, index: int) -> int:
        return index - bisect_right(self._removed, index - 1) if self._removed else index
