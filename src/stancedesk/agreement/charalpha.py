"""Character-level Krippendorff's α for one layer: every non-whitespace character is a unit.

An annotator's value for a character is the label of the shortest of their labelled spans that
covers it (ties: the earliest start, then the first label in category order), or the category
'none' when no such span covers it. Whitespace (``str.isspace()``) is excluded so that
disagreeing on whether a span includes a trailing space does not count. Every chosen annotator
has a value for every unit ('none' included), so there are no missing values here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from stancedesk.agreement.alpha import AlphaPrep
from stancedesk.agreement.coefficients import per_category_codes
from stancedesk.agreement.counts import collapse_units, decode_keys, profile_keys
from stancedesk.agreement.spanprep import LayerSpans, prepare_layer
from stancedesk.agreement.text import non_whitespace
from stancedesk.domain.span import Span

NONE_LABEL = "none"


def none_label(labels: Sequence[str]) -> str:
    """The name of the no-label category, kept distinct from a real label called 'none'."""
    return NONE_LABEL if NONE_LABEL not in labels else f"<{NONE_LABEL}>"


@dataclass(frozen=True, slots=True)
class CharCodes:
    """Character units collapsed into value profiles: ``profiles`` (annotators, P) hold label
    codes (``n_labels`` is 'none'), ``doc_profile_counts`` (documents, P) how many characters
    of each document have each profile. A few hundred profiles stand for millions of units."""

    profiles: np.ndarray
    doc_profile_counts: np.ndarray
    n_labels: int

    @property
    def n_units(self) -> int:
        return int(self.doc_profile_counts.sum())

    @property
    def multiplicity(self) -> np.ndarray:
        return self.doc_profile_counts.sum(axis=0)


_CHUNK_CHARACTERS = 1 << 21  # characters painted at once: memory stays flat at any corpus size


def char_codes(ls: LayerSpans, texts: Mapping[str, str]) -> CharCodes:
    """Paint each annotator's spans, longest first (then latest start, then last label), onto
    one int array per chunk of documents laid end to end: later strokes overwrite earlier
    ones, so the shortest span (earliest start, first label) is the one left on a character.

    Documents go through in chunks of about two million characters, so time and memory grow
    linearly with the corpus (one array over 30 million characters cost gigabytes and ran
    out of cache); each chunk's (document, profile) counts are merged by profile."""
    k = ls.n_labels
    n_docs = ls.n_documents
    doc_spans = np.searchsorted(ls.doc, np.arange(n_docs + 1))
    span_len = ls.end - ls.start
    profile_of: dict[bytes, int] = {}
    profile_rows: list[np.ndarray] = []
    doc_parts: list[np.ndarray] = []
    prof_parts: list[np.ndarray] = []
    count_parts: list[np.ndarray] = []
    ends = np.cumsum(ls.doc_lengths)
    d0 = 0
    while d0 < n_docs:
        base = ends[d0 - 1] if d0 else 0
        d1 = max(d0 + 1, int(np.searchsorted(ends, base + _CHUNK_CHARACTERS, side="right")))
        d1 = min(d1, n_docs)
        docs, counts, profiles = _chunk_profiles(ls, texts, d0, d1, doc_spans, span_len)
        # profiles (annotators, P_chunk) -> global profile ids
        ids = np.empty(profiles.shape[1], dtype=np.int64)
        for j in range(profiles.shape[1]):
            column = np.ascontiguousarray(profiles[:, j])
            key = column.tobytes()
            found = profile_of.get(key)
            if found is None:
                found = profile_of[key] = len(profile_rows)
                profile_rows.append(column)
            ids[j] = found
        doc_parts.append(docs + d0)
        prof_parts.append(ids[counts[0]])
        count_parts.append(counts[1])
        d0 = d1
    n_profiles = len(profile_rows)
    per_doc = np.zeros((n_docs, n_profiles), dtype=np.float64)
    if doc_parts:  # chunks hold disjoint documents, so every (document, profile) is set once
        per_doc[np.concatenate(doc_parts), np.concatenate(prof_parts)] = \
            np.concatenate(count_parts)
    profiles = np.stack(profile_rows, axis=1).astype(np.int32) if profile_rows else \
        np.zeros((ls.n_annotators, 0), dtype=np.int32)
    if n_profiles:
        # profiles in key order, as one pass over the whole corpus used to give them
        order = np.lexsort(profiles[::-1])
        profiles, per_doc = profiles[:, order], per_doc[:, order]
    return CharCodes(profiles, per_doc, k)


def _chunk_profiles(ls: LayerSpans, texts: Mapping[str, str], d0: int, d1: int,
                    doc_spans: np.ndarray, span_len: np.ndarray
                    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray]:
    """For documents d0..d1: (document of each entry relative to d0, (local profile index,
    count) of each entry, local profiles (annotators, P)); entries are (document, profile)
    pairs with their number of non-whitespace characters."""
    k = ls.n_labels
    n_codes = k + 1
    lengths = ls.doc_lengths[d0:d1]
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    total = int(lengths.sum())
    grid = np.full((ls.n_annotators, total), k, dtype=np.int32)
    lo, hi = int(doc_spans[d0]), int(doc_spans[d1])
    local_doc = ls.doc[lo:hi] - d0
    g_start = offsets[local_doc] + ls.start[lo:hi]
    g_end = offsets[local_doc] + ls.end[lo:hi]
    ann, value, start, length = ls.ann[lo:hi], ls.value[lo:hi], ls.start[lo:hi], \
        span_len[lo:hi]
    for a in range(ls.n_annotators):
        sel = np.flatnonzero(ann == a)
        order = sel[np.lexsort((-value[sel], -start[sel], -length[sel]))]
        row = grid[a]
        for s, e, v in zip(g_start[order].tolist(), g_end[order].tolist(),
                           value[order].tolist(), strict=True):
            row[s:e] = v
    mask = non_whitespace("".join(texts[d] for d in ls.documents[d0:d1]))
    seen = np.concatenate([[0], np.cumsum(mask)])
    per_doc_units = seen[offsets + lengths] - seen[offsets]
    n_local = d1 - d0
    unit_doc = np.repeat(np.arange(n_local), per_doc_units)
    key = profile_keys(grid, n_codes)
    if key is not None:
        n_keys = (n_codes + 1) ** ls.n_annotators
        pairs = unit_doc * n_keys + key[mask] if n_local * n_keys < 2**62 else None
    else:
        pairs = None
    if pairs is not None:
        if n_local * n_keys <= 4 * pairs.size:
            # a count per possible (document, profile) pair: linear, where the sort of
            # np.unique over two million characters per chunk was most of character α
            tally = np.bincount(pairs, minlength=n_local * n_keys)
            uniq = np.flatnonzero(tally)
            counts = tally[uniq]
        else:
            uniq, counts = np.unique(pairs, return_counts=True)
        docs, keys = uniq // n_keys, uniq % n_keys
        used, local = np.unique(keys, return_inverse=True)
        profiles = decode_keys(used, ls.n_annotators, n_codes)
        return docs, (local.reshape(-1), counts.astype(np.float64)), profiles
    profiles, _, inverse = collapse_units(grid[:, mask], n_codes)
    n_profiles = profiles.shape[1]
    uniq, counts = np.unique(unit_doc * n_profiles + inverse, return_counts=True)
    return uniq // n_profiles, (uniq % n_profiles, counts.astype(np.float64)), profiles


def char_alpha_from_codes(cc: CharCodes) -> float:
    prep = AlphaPrep(cc.profiles, cc.n_labels + 1, "nominal")
    return prep.alpha(cc.multiplicity[prep.kept])


def char_label_alphas(cc: CharCodes) -> np.ndarray:
    """Per label: nominal α of 'this label' versus anything else (other labels or none)."""
    stats = per_category_codes(cc.profiles, cc.n_labels + 1, cc.multiplicity)
    return stats["alpha"][:cc.n_labels]


def char_alpha(spans: Iterable[Span], texts: Mapping[str, str], layer: str,
               annotators: Sequence[str] | None = None,
               documents: Sequence[str] | None = None,
               labels: Sequence[str] | None = None) -> float:
    """Krippendorff's nominal α over the non-whitespace characters of the scoped documents.

    NaN when undefined: fewer than two annotators, no characters, or every annotator gave
    every character the same single category."""
    ls = prepare_layer(spans, texts, layer, annotators, documents, labels)
    if ls.n_annotators < 2:
        return float("nan")
    return char_alpha_from_codes(char_codes(ls, texts))


def with_missing(cc: CharCodes, codes: Sequence[int]) -> CharCodes:
    """Character codes where the labels ``codes`` ("no grade") are missing values: such a
    character has no value from that annotator, rather than a grade or 'none'."""
    if not len(codes):
        return cc
    profiles = np.where(np.isin(cc.profiles, np.asarray(codes)), -1, cc.profiles)
    return CharCodes(profiles.astype(cc.profiles.dtype), cc.doc_profile_counts, cc.n_labels)
