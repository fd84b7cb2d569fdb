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


def codepoints(text: str) -> np.ndarray:
    """One uint32 per str index; lone surrogates pass through rather than raising."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def non_whitespace(text: str) -> np.ndarray:
    """Boolean mask of the characters for which ``str.isspace()`` is false."""
    return ~_IS_SPACE[np.minimum(codepoints(text), _SCAN_END)]
