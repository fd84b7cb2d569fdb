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
from stancedesk.agreement.counts import collapse_units, profile_keys
from stancedesk.agreement.order import sort_order
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


_CHUNK_CHARACTERS = 1 << 21  # characters per chunk of documents: memory stays flat


def char_codes(ls: LayerSpans, texts: Mapping[str, str]) -> CharCodes:
    """Each annotator's value on every character, counted by (document, value profile).

    The value of a character is the label of the shortest span covering it (then the earliest
    start, then the first label): painting the spans longest first would leave the same. It
    is found per stretch, not per character: the starts and ends of every span (and the
    document boundaries) cut the documents into stretches that the same spans cover, so each
    stretch has one value per annotator and one profile, and counts its non-whitespace
    characters. The work grows with the spans and the stretches they cover, not with the
    characters times the annotators (painting a slice per span was most of character α).

    Documents go through in chunks of about two million characters (the whitespace scan
    holds a chunk's text), and the chunks' (document, profile) counts are merged by profile,
    so memory stays flat at any corpus size."""
    k = ls.n_labels
    n_docs = ls.n_documents
    if ls.n_annotators == 0:
        return CharCodes(np.zeros((0, 0), dtype=np.int32), np.zeros((n_docs, 0)), k)
    doc_spans = np.searchsorted(ls.doc, np.arange(n_docs + 1))
    ends = np.cumsum(ls.doc_lengths)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (document, profile, count)
    d0 = 0
    while d0 < n_docs:
        base = ends[d0 - 1] if d0 else 0
        d1 = max(d0 + 1, int(np.searchsorted(ends, base + _CHUNK_CHARACTERS, side="right")))
        d1 = min(d1, n_docs)
        docs, counts, profiles = _chunk_profiles(ls, texts, d0, d1, doc_spans)
        parts.append((docs + d0, profiles, counts))
        d0 = d1
    if not parts:
        return CharCodes(np.zeros((ls.n_annotators, 0), dtype=np.int32),
                         np.zeros((n_docs, 0), dtype=np.float64), k)
    # profiles of every chunk, merged; np.unique sorts them by annotator 0's code first (then
    # 1's, ...), the order one pass over the whole corpus used to give them
    stacked = np.concatenate([p for _, p, _ in parts], axis=1)
    key = profile_keys(stacked, k + 1)  # in that same order, when profiles fit an int64
    if key is None:
        rows, inverse = np.unique(stacked.T, axis=0, return_inverse=True)
        profiles = np.ascontiguousarray(rows.T).astype(np.int32)
    else:
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        profiles = np.ascontiguousarray(stacked[:, first]).astype(np.int32)
    per_doc = np.zeros((n_docs, profiles.shape[1]), dtype=np.float64)
    # chunks hold disjoint documents, and within one a (document, profile) pair comes once
    per_doc[np.concatenate([d for d, _, _ in parts]), inverse.reshape(-1)] = \
        np.concatenate([c for _, _, c in parts])
    return CharCodes(profiles, per_doc, k)


def _chunk_profiles(ls: LayerSpans, texts: Mapping[str, str], d0: int, d1: int,
                    doc_spans: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For documents d0..d1: the (document relative to d0, profile, count) entries, one per
    (document, value profile) pair with its number of non-whitespace characters (> 0); the
    profile of entry i is column i of the (annotators, entries) array."""
    k = ls.n_labels
    a_n = ls.n_annotators
    lengths = ls.doc_lengths[d0:d1].astype(np.int64)
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    lo, hi = int(doc_spans[d0]), int(doc_spans[d1])
    local_doc = ls.doc[lo:hi].astype(np.int64) - d0
    g_start = offsets[local_doc] + ls.start[lo:hi]
    g_end = offsets[local_doc] + ls.end[lo:hi]
    ann, value = ls.ann[lo:hi].astype(np.int64), ls.value[lo:hi]
    n = int(g_start.size)
    # stretch s is [cuts[s], cuts[s + 1]); no stretch crosses a document boundary
    cuts = np.sort(np.concatenate([offsets, g_start, g_end]))
    cuts = cuts[np.append(True, cuts[1:] != cuts[:-1])]
    n_stretches = cuts.size - 1
    stretch_doc = np.searchsorted(offsets, cuts[:-1], side="right") - 1
    # the winner among the spans covering a stretch: the least (length, start, value) rank
    first = np.searchsorted(cuts, g_start)
    covered = np.searchsorted(cuts, g_end) - first
    rank = np.empty(n, dtype=np.int64)
    by_rank = sort_order(g_end - g_start, ls.start[lo:hi], value)
    rank[by_rank] = np.arange(n)
    total = int(covered.sum())
    span_of = np.repeat(np.arange(n), covered)
    step = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(covered) - covered, covered)
    cell = (first[span_of] + step) * a_n + ann[span_of]
    best = np.full(n_stretches * a_n, n, dtype=np.int64)  # n: no span, value 'none' (k)
    np.minimum.at(best, cell, rank[span_of])
    value_of_rank = np.append(value[by_rank], k).astype(np.int32)
    stretch_values = value_of_rank[best].reshape(n_stretches, a_n).T  # (annotators, stretches)
    # non-whitespace characters per stretch, from a running count over the chunk's text
    mask = non_whitespace("".join(texts[d] for d in ls.documents[d0:d1]))
    # int32 while it holds the count (half the memory traffic of int64 over millions)
    seen = np.zeros(mask.size + 1, dtype=np.int32 if mask.size < 2**31 else np.int64)
    np.cumsum(mask, out=seen[1:])
    units = seen[cuts[1:]] - seen[cuts[:-1]]
    keep = units > 0
    stretch_values, stretch_doc, units = stretch_values[:, keep], stretch_doc[keep], units[keep]
    profiles, _, inverse = collapse_units(stretch_values, k + 1)
    n_profiles = max(profiles.shape[1], 1)
    keys = stretch_doc * n_profiles + inverse
    cells = (d1 - d0) * n_profiles
    if cells <= 4 * keys.size:  # a count per possible (document, profile): no sort
        tally = np.bincount(keys, weights=units.astype(np.float64), minlength=cells)
        pairs = np.flatnonzero(tally)
        counts = tally[pairs]
    else:
        pairs, which = np.unique(keys, return_inverse=True)
        counts = np.bincount(which.reshape(-1), weights=units.astype(np.float64),
                             minlength=pairs.size)
    return pairs // n_profiles, counts, profiles[:, pairs % n_profiles]


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
