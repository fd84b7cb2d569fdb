"""Reliability data (coders × units) turned into integer category codes, once per call.

Every coefficient works on the same encoding: an ``int32`` array of shape (coders, units) with
``MISSING`` (-1) where a coder gave no value, plus the ordered categories the codes index. Numbers
keep their values as ``scores`` (used by the interval and ratio metrics); labels only have an
order. Encoding once and computing on codes keeps each coefficient a few vectorised passes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MISSING = -1
_INT_RANGE_LIMIT = 1 << 22  # integer-valued data spanning fewer values is coded without sorting


@dataclass(frozen=True, slots=True)
class Coded:
    """Reliability data as category codes; ``scores`` is None for non-numeric labels."""

    codes: np.ndarray
    categories: tuple[Any, ...]
    scores: np.ndarray | None

    @property
    def n_coders(self) -> int:
        return int(self.codes.shape[0])

    @property
    def n_units(self) -> int:
        return int(self.codes.shape[1])

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    @property
    def numeric(self) -> bool:
        return self.scores is not None


def resolve_order(categories: Sequence[Any] | None, value_order: Sequence[Any] | None
                  ) -> Sequence[Any] | None:
    """``value_order`` is an alias of ``categories``; giving both is an error, not a guess."""
    if categories is not None and value_order is not None:
        raise ValueError("give either categories= or value_order=, not both")
    return categories if categories is not None else value_order


def is_missing(value: Any) -> bool:
    """None, NaN and the empty string all mean 'no value' (a span without a label has '')."""
    if value is None:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, numbers.Real):
        return math.isnan(float(value))
    return False


def encode(data: Any, categories: Sequence[Any] | None = None) -> Coded:
    """Encode (coders, units) data: floats with NaN, or labels with None for missing values.

    ``categories`` fixes the category set and its order (needed for ordinal labels, and to count
    categories nobody used); a value outside it is an error rather than a silent new category.
    """
    arr = np.asarray(data) if not isinstance(data, np.ndarray) else data
    if arr.dtype.kind == "O" and arr.ndim != 2:
        # ragged rows: numpy refuses to build a 2-D array from rows of unequal length
        raise ValueError("reliability data must be a (coders, units) table with equal-length rows")
    if arr.ndim != 2:
        raise ValueError(f"reliability data must be 2-D (coders, units), got shape {arr.shape}")
    kind = arr.dtype.kind
    if kind in "biuf":
        return _encode_numeric(np.asarray(arr, dtype=np.float64), categories)
    if kind in "US":
        return _encode_string_array(arr, categories)
    if kind == "O":
        flat = arr.ravel().tolist()
        values = [v for v in flat if not is_missing(v)]
        if all(isinstance(v, numbers.Real) and not isinstance(v, str) for v in values):
            numeric = np.array([np.nan if is_missing(v) else float(v) for v in flat],
                               dtype=np.float64).reshape(arr.shape)
            return _encode_numeric(numeric, categories)
        return _encode_labels([None if is_missing(v) else v for v in flat], arr.shape, categories)
    raise TypeError(f"cannot use reliability data of dtype {arr.dtype}")


def encode_pair(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray,
                categories: Sequence[Any] | None = None) -> Coded:
    """Two coders' values for the same units, as a 2 × units encoding."""
    a_arr = a if isinstance(a, np.ndarray) else np.asarray(list(a), dtype=object)
    b_arr = b if isinstance(b, np.ndarray) else np.asarray(list(b), dtype=object)
    if a_arr.ndim != 1 or b_arr.ndim != 1:
        raise ValueError("a and b must be one-dimensional sequences of values")
    if a_arr.shape[0] != b_arr.shape[0]:
        raise ValueError(f"a and b differ in length ({a_arr.shape[0]} != {b_arr.shape[0]})")
    if a_arr.dtype.kind in "biuf" and b_arr.dtype.kind in "biuf":
        return encode(np.vstack([a_arr.astype(np.float64), b_arr.astype(np.float64)]), categories)
    stacked = np.empty((2, a_arr.shape[0]), dtype=object)
    stacked[0] = a_arr
    stacked[1] = b_arr
    return encode(stacked, categories)


def _encode_numeric(x: np.ndarray, categories: Sequence[Any] | None) -> Coded:
    present = ~np.isnan(x)
    values = x[present]
    if not np.isfinite(values).all():
        raise ValueError("reliability data contains infinite values")
    codes = np.full(x.shape, MISSING, dtype=np.int32)
    if categories is not None:
        cats = _numeric_categories(categories)
        order = np.argsort(cats, kind="stable")
        sorted_cats = cats[order]
        pos = np.searchsorted(sorted_cats, values)
        pos_clipped = np.minimum(pos, len(cats) - 1)
        bad = (pos >= len(cats)) | (sorted_cats[pos_clipped] != values)
        if bad.any():
            unknown = sorted(set(values[bad].tolist()))[:5]
            raise ValueError(f"values not among the given categories: {unknown}")
        codes[present] = order[pos_clipped]
        return Coded(codes, tuple(_py_number(c) for c in cats.tolist()), cats)
    if values.size == 0:
        return Coded(codes, (), np.zeros(0))
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < _INT_RANGE_LIMIT and np.array_equal(values, np.floor(values)):
        # integer-valued data: a bincount finds the categories without sorting a million values
        offsets = (values - lo).astype(np.int64)
        used = np.bincount(offsets, minlength=int(hi - lo) + 1) > 0
        lut = np.cumsum(used) - 1
        codes[present] = lut[offsets]
        domain = np.flatnonzero(used).astype(np.float64) + lo
    else:
        domain, inverse = np.unique(values, return_inverse=True)
        codes[present] = inverse.reshape(-1)
    return Coded(codes, tuple(_py_number(c) for c in domain.tolist()), domain)


def _numeric_categories(categories: Sequence[Any]) -> np.ndarray:
    try:
        cats = np.asarray([float(c) for c in categories], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("numeric data needs numeric categories") from None
    if len(np.unique(cats)) != len(cats):
        raise ValueError("categories must not repeat")
    if np.isnan(cats).any():
        raise ValueError("categories must not contain NaN")
    return cats


def _py_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


_FEW_LABELS = 64  # distinct labels found by whole-array comparisons before sorting the rest


def _encode_string_array(arr: np.ndarray, categories: Sequence[Any] | None) -> Coded:
    """A NumPy string array ("" and "nan" missing) without a Python loop over its values.

    Labels are few: each distinct one costs a vectorised comparison with the whole array, so a
    million values with six labels take a few passes in C. Past ``_FEW_LABELS`` the values not
    yet coded are sorted (``np.unique``) instead."""
    flat = arr.ravel()
    empty = flat.dtype.type("")
    todo = (flat != empty) & (flat != flat.dtype.type("nan"))
    codes = np.full(flat.size, MISSING, dtype=np.int32)
    found: list[Any] = []
    while len(found) < _FEW_LABELS:
        first = int(todo.argmax())
        if not todo[first]:
            break
        same = flat == flat[first]
        codes[same] = len(found)
        found.append(flat[first].item())
        todo &= ~same
    if todo.any():
        rest, inverse = np.unique(flat[todo], return_inverse=True)
        codes[todo] = len(found) + inverse.reshape(-1)
        found.extend(v.item() for v in rest)
    if categories is not None:
        cats = tuple(categories)
        index = {c: i for i, c in enumerate(cats)}
        if len(index) != len(cats):
            raise ValueError("categories must not repeat")
        unknown = [v for v in found if v not in index]
        if unknown:
            shown = sorted(map(str, unknown))[:5]
            raise ValueError(f"values not among the given categories: {shown}")
    else:
        cats = tuple(sorted(found))
        index = {c: i for i, c in enumerate(cats)}
    lut = np.array([index[v] for v in found] + [MISSING], dtype=np.int32)
    coded = lut[codes].reshape(arr.shape)  # MISSING (-1) reads the last entry
    scores = None
    if cats and all(isinstance(c, numbers.Real) for c in cats):
        scores = np.asarray([float(c) for c in cats])
    return Coded(coded, cats, scores)


def _encode_labels(flat: list[Any], shape: tuple[int, ...],
                   categories: Sequence[Any] | None) -> Coded:
    if categories is not None:
        cats = tuple(categories)
        index = {c: i for i, c in enumerate(cats)}
        if len(index) != len(cats):
            raise ValueError("categories must not repeat")
        unknown = {v for v in flat if v is not None and v not in index}
        if unknown:
            shown = sorted(map(str, unknown))[:5]
            raise ValueError(f"values not among the given categories: {shown}")
    else:
        seen: dict[Hashable, None] = dict.fromkeys(v for v in flat if v is not None)
        try:
            cats = tuple(sorted(seen))
        except TypeError:  # mixed types: keep first appearance, which is at least deterministic
            cats = tuple(seen)
        index = {c: i for i, c in enumerate(cats)}
    codes = np.fromiter((MISSING if v is None else index[v] for v in flat), dtype=np.int32,
                        count=len(flat)).reshape(shape)
    scores = None
    if cats and all(isinstance(c, numbers.Real) for c in cats):
        scores = np.asarray([float(c) for c in cats])
    return Coded(codes, cats, scores)
