"""Python code-point indices <-> Qt (UTF-16) positions for one document text.

Spans are stored in Python ``str`` indices; Qt counts UTF-16 code units, so every character
outside the Basic Multilingual Plane (most emoji) shifts Qt positions by one. The mapping is
computed once per document with numpy; an all-BMP text (the usual case) takes a fast path where
both are the same number.
"""

from __future__ import annotations

from typing import Any, Literal


def display_text(text: str) -> str:
    """The text handed to Qt: same length in code points, so offsets stay aligned.

    QTextDocument turns a carriage return (alone or in CRLF) into a block break, which would
    shift every later position; a space keeps the length and is invisible at a line end.
    """
    return text.replace("\r", " ") if "\r" in text else text


class OffsetMap:
    """Converts between Python indices (0..len) and UTF-16 positions (0..utf16_len)."""

    __slots__ = ("_py_to_qt", "length", "qt_length")

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self.qt_length = len(text.encode("utf-16-le")) // 2
        self._py_to_qt: Any = None  # numpy int64 array, only for texts with astral characters
        if self.qt_length != self.length:
            import numpy as np  # imported here: most texts never need it

            codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
            extra = np.zeros(self.length + 1, dtype=np.int64)
            np.cumsum(codes > 0xFFFF, out=extra[1:])
            self._py_to_qt = np.arange(self.length + 1, dtype=np.int64) + extra

    @property
    def is_identity(self) -> bool:
        return self._py_to_qt is None

    def to_qt(self, index: int) -> int:
        index = min(max(index, 0), self.length)
        return index if self._py_to_qt is None else int(self._py_to_qt[index])

    def to_py(self, position: int, *, round_up: bool = False) -> int:
        """A Qt position inside a surrogate pair rounds down (start) or up (end)."""
        position = min(max(position, 0), self.qt_length)
        if self._py_to_qt is None:
            return position
        import numpy as np

        side: Literal["left", "right"] = "left" if round_up else "right"
        found = int(np.searchsorted(self._py_to_qt, position, side=side))
        return found if round_up else found - 1

    def range_to_py(self, start: int, end: int) -> tuple[int, int]:
        """A Qt selection to the Python range covering every code point it touches."""
        lo, hi = min(start, end), max(start, end)
        return self.to_py(lo), self.to_py(hi, round_up=True)

    def range_to_qt(self, start: int, end: int) -> tuple[int, int]:
        return self.to_qt(start), self.to_qt(end)
