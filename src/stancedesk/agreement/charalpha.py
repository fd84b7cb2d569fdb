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


def char_codes(ls: LayerSpans, texts: Mapping[str, str]) -> CharCodes:
    """Paint each annotator's spans, longest first (then latest start, then last label), onto
    one int array over all scoped documents laid end to end: later strokes overwrite earlier
    ones, so the shortest span (earliest start, first label) is the one left on a character."""
    k = ls.n_labels
    lengths = ls.doc_lengths
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    total = int(lengths.sum())
    grid = np.full((ls.n_annotators, total), k, dtype=np.int32)
    g_start = offsets[ls.doc] + ls.start
    g_end = offsets[ls.doc] + ls.end
    span_len = ls.end - ls.start
    for a in range(ls.n_annotators):
        sel = np.flatnonzero(ls.ann == a)
        order = sel[np.lexsort((-ls.value[sel], -ls.start[sel], -span_len[sel]))]
        row = grid[a]
        for s, e, v in zip(g_start[order].tolist(), g_end[order].tolist(),
                           ls.value[order].tolist(), strict=True):
            row[s:e] = v
    mask = non_whitespace("".join(texts[d] for d in ls.documents))
    seen = np.concatenate([[0], np.cumsum(mask)])
    per_doc_units = seen[offsets + lengths] - seen[offsets]
    unit_doc = np.repeat(np.arange(ls.n_documents), per_doc_units)
    n_docs, n_codes = ls.n_documents, k + 1
    key = profile_keys(grid, n_codes)
    if key is not None and n_docs * (n_codes + 1)**ls.n_annotators <= max(4 * total, 1 << 20):
        # count every (document, profile) key directly, then keep the profiles that occur
        n_keys = (n_codes + 1)**ls.n_annotators
        per_doc = np.bincount(unit_doc * n_keys + key[mask], minlength=n_docs * n_keys)
        per_doc = per_doc.reshape(n_docs, n_keys)
        used = np.flatnonzero(per_doc.sum(axis=0))
        profiles = decode_keys(used, ls.n_annotators, n_codes)
        per_doc = per_doc[:, used]
    else:
        profiles, _, inverse = collapse_units(grid[:, mask], n_codes)
        n_profiles = profiles.shape[1]
        per_doc = np.bincount(unit_doc * n_profiles + inverse,
                              minlength=n_docs * n_profiles).reshape(n_docs, n_profiles)
    return CharCodes(profiles, per_doc.astype(np.float64), k)


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
