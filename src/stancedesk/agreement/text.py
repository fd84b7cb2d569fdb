"""Characters as code points, vectorised: span offsets are Python ``str`` indices, i.e. code
points, so UTF-32 gives one array element per index (emoji and combining marks included)."""

from __future__ import annotations

import numpy as np

# Every code point for which str.isspace() holds lies below U+3001 (checked by the tests
# against a scan of the whole code space), so scanning that prefix once is enough.
_SCAN_END = 0x3001
WHITESPACE_CODEPOINTS = np.array([c for c in range(_SCAN_END) if chr(c).isspace()],
                                 dtype=np.uint32)
_IS_SPACE = np.zeros(_SCAN_END + 1, dtype=bool)  # last slot: every code point past the scan
_IS_SPACE[WHITESPACE_CODEPOINTS] = True
_IS_SPACE.flags.writeable = False
# the same answer for every UTF-16 code unit, looked up without clipping first
_NOT_SPACE_16 = np.ones(1 << 16, dtype=bool)
_NOT_SPACE_16[WHITESPACE_CODEPOINTS] = False
_NOT_SPACE_16.flags.writeable = False


def codepoints(text: str) -> np.ndarray:
    """One uint32 per str index; lone surrogates pass through rather than raising."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def non_whitespace(text: str) -> np.ndarray:
    """Boolean mask of the characters for which ``str.isspace()`` is false.

    A text without characters beyond U+FFFF (nearly every article) is read as UTF-16, one
    code unit per str index, half the bytes of UTF-32 and no clipping before the look-up."""
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) == 2 * len(text):  # no surrogate pairs: unit i is character i
        return _NOT_SPACE_16[np.frombuffer(units, dtype="<u2")]
    return ~_IS_SPACE[np.minimum(codepoints(text), _SCAN_END)]
