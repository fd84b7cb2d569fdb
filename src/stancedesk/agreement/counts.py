"""Per-unit value counts from category codes, without a Python loop over units.

Every coefficient here needs only a few sums over the per-unit count vectors n_u (how many coders
put unit u in each category): their totals, Σ_c n_uc², or n_uᵀ W n_u. These are built with
``np.bincount`` over (unit, category) keys, in chunks of units so that memory stays bounded
when there are many categories; with very many categories Σ_c n_uc² comes from sorted keys.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

_CHUNK_CELLS = 1 << 22  # unit × category cells per dense chunk (32 MiB of int64)
_DENSE_MAX_CATEGORIES = 512


def unit_totals(codes: np.ndarray) -> np.ndarray:
    """m_u: how many coders gave unit u a value."""
    return (codes >= 0).sum(axis=0)


def category_totals(codes: np.ndarray, n_categories: int,
                    unit_weights: np.ndarray | None = None) -> np.ndarray:
    """n_c: how many values fell in category c (optionally weighting each unit)."""
    present = codes >= 0
    if unit_weights is None:
        return np.bincount(codes[present], minlength=n_categories).astype(np.float64)
    weights = np.broadcast_to(unit_weights, codes.shape)[present]
    return np.bincount(codes[present], weights=weights, minlength=n_categories)


def iter_dense_counts(codes: np.ndarray, n_categories: int) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield (unit slice, counts of shape (units in slice, categories)) chunk by chunk."""
    n_units = codes.shape[1]
    v = max(n_categories, 1)
    step = max(1, _CHUNK_CELLS // v)
    for begin in range(0, n_units, step):
        part = codes[:, begin:begin + step]
        width = part.shape[1]
        present = part >= 0
        keys = (np.arange(width, dtype=np.int64) * v + part)[present]
        counts = np.bincount(keys, minlength=width * v).reshape(width, v)
        yield slice(begin, begin + width), counts


def sum_squared_counts(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """Σ_c n_uc² for every unit: the number of ordered coder pairs (self-pairs included) that
    agree on unit u, which is what observed agreement and nominal disagreement need."""
    n_units = codes.shape[1]
    out = np.zeros(n_units, dtype=np.float64)
    if n_units == 0:
        return out
    n_coders = codes.shape[0]
    if n_coders * (n_coders - 1) // 2 <= 2 * (n_coders + n_categories):
        # few coders: Σ_c n_uc² = m_u + 2·#{i<j: x_iu = x_ju}, one comparison per coder pair
        present = codes >= 0
        out += present.sum(axis=0)
        for i, j in coder_pairs(n_coders):
            out += 2.0 * ((codes[i] == codes[j]) & present[i])
        return out
    if n_categories <= _DENSE_MAX_CATEGORIES:
        for where, counts in iter_dense_counts(codes, n_categories):
            out[where] = np.einsum("uc,uc->u", counts, counts, dtype=np.float64)
        return out
    # many categories (free-text values): count equal (unit, code) keys after sorting
    present = codes >= 0
    units = np.broadcast_to(np.arange(n_units, dtype=np.int64), codes.shape)[present]
    keys = units * n_categories + codes[present]
    uniq, counts = np.unique(keys, return_counts=True)
    return np.bincount(uniq // n_categories, weights=counts.astype(np.float64) ** 2,
                       minlength=n_units)


def quadratic_form_counts(codes: np.ndarray, n_categories: int, matrix: np.ndarray) -> np.ndarray:
    """n_uᵀ M n_u for every unit (weighted agreement counts for AC2 and weighted Fleiss)."""
    out = np.zeros(codes.shape[1], dtype=np.float64)
    for where, counts in iter_dense_counts(codes, n_categories):
        c = counts.astype(np.float64)
        out[where] = np.einsum("uc,uc->u", c @ matrix, c)
    return out


def coder_pairs(n_coders: int) -> Iterator[tuple[int, int]]:
    for i in range(n_coders):
        for j in range(i + 1, n_coders):
            yield i, j


def profile_keys(codes: np.ndarray, n_categories: int) -> np.ndarray | None:
    """One int64 per unit encoding its whole value profile in base (categories + 1), or None
    when that would overflow."""
    n_coders, n_units = codes.shape
    base = n_categories + 1  # code -1 (missing) becomes digit 0
    if n_coders * np.log2(base) >= 62:
        return None
    key = np.zeros(n_units, dtype=np.int64)
    for row in codes:
        key *= base
        key += row + 1
    return key


def decode_keys(keys: np.ndarray, n_coders: int, n_categories: int) -> np.ndarray:
    """The (coders, P) code profiles of ``profile_keys`` values."""
    base = n_categories + 1
    digits = np.empty((n_coders, keys.size), dtype=np.int64)
    rest = keys.astype(np.int64, copy=True)
    for i in range(n_coders - 1, -1, -1):
        digits[i] = rest % base
        rest //= base
    return (digits - 1).astype(np.int32)


def collapse_units(codes: np.ndarray, n_categories: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group units with identical value profiles: (profiles (coders, P), multiplicity (P,),
    profile index of every unit (units,)).

    Every coefficient here is a sum over units, so a profile weighted by its multiplicity counts
    exactly as its copies did. Character units collapse from millions to a few hundred
    profiles; when profiles would not fit an integer key the rows are compared directly."""
    n_coders, n_units = codes.shape
    if n_coders == 0 or n_units == 0:
        return codes, np.zeros(n_units, dtype=np.float64), np.zeros(n_units, dtype=np.int64)
    key = profile_keys(codes, n_categories)
    if key is None:
        rows, inverse, mult = np.unique(codes.T, axis=0, return_inverse=True,
                                        return_counts=True)
        profiles = np.ascontiguousarray(rows.T).astype(np.int32)
        return profiles, mult.astype(np.float64), inverse.reshape(-1).astype(np.int64)
    n_keys = (n_categories + 1) ** n_coders
    if n_keys <= 4 * n_units:
        counts = np.bincount(key, minlength=n_keys)
        used = np.flatnonzero(counts)
        index = np.zeros(counts.size, dtype=np.int64)
        index[used] = np.arange(used.size)
        inverse = index[key]
        mult = counts[used]
    else:
        used, inverse, mult = np.unique(key, return_inverse=True, return_counts=True)
    profiles = decode_keys(used, n_coders, n_categories)
    return profiles, mult.astype(np.float64), inverse.reshape(-1).astype(np.int64)


def cheap_to_collapse(n_coders: int, n_units: int, n_categories: int) -> bool:
    """True when value profiles fit a small integer key, so collapsing costs O(coders · units)
    and leaves at most about four times fewer profiles than units."""
    base = n_categories + 1
    return n_coders * np.log2(base) < 62 and base**n_coders <= 4 * n_units
