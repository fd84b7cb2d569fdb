"""Each annotator against the gold standard, per layer and per role: who drifts.

Over the curated documents (those where gold has a span), for every annotator and layer, the
annotator's labelled spans are matched with gold's exactly as two annotators' are for span F1
(``matching.pair_counts``): exact matches (same document, start, end and value) and a one-to-one
overlap matching of same-valued spans. Precision is matches over the annotator's spans, recall
matches over gold's, F1 their harmonic mean. Per role (source, claim, cue) the same counts are
taken with the role as the value, so they measure whether the annotator marks the passages gold
gives that role, whatever the labels. A figure nobody can compute is None with the reason: the
scores' ``reason`` when neither side has a span, and per figure in ``reasons`` (precision is
None when the annotator has no span, recall when gold has none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from stancedesk.agreement.matching import max_overlap_assignment, overlap_matrix, pair_counts
from stancedesk.agreement.spanprep import prepare_layer
from stancedesk.domain.span import Span

ROLES = ("source", "claim", "cue")
_ROLE_LAYER = "role"


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _scores(spans: Sequence[Span], texts: Mapping[str, str], layer: str, annotator: str,
            gold: str, documents: Sequence[str]) -> dict[str, Any]:
    ls = prepare_layer(spans, texts, layer, [annotator, gold], documents)
    (pc,) = pair_counts(ls)
    n_a, n_g = float(pc.n_a.sum()), float(pc.n_b.sum())
    exact, overlap = float(pc.exact.sum()), float(pc.overlap.sum())
    out: dict[str, Any] = {"n_annotator": int(n_a), "n_gold": int(n_g),
                           "exact_matches": int(exact), "overlap_matches": int(overlap)}
    reasons: dict[str, str | None] = {}
    neither = f"neither {annotator} nor gold has a span here in the curated documents"
    for name, matches in (("exact", exact), ("overlap", overlap)):
        out[f"precision_{name}"] = _ratio(matches, n_a)
        out[f"recall_{name}"] = _ratio(matches, n_g)
        out[f"f1_{name}"] = _ratio(2 * matches, n_a + n_g)
        # each figure that is None says why, so no view has to guess it from the counts
        reasons[f"precision_{name}"] = None if n_a else (
            neither if not n_g else
            f"{annotator} has no span here in the curated documents: precision has nothing "
            "to divide by")
        reasons[f"recall_{name}"] = None if n_g else (
            neither if not n_a else
            "gold has no span here in the curated documents: recall has nothing to divide by")
        reasons[f"f1_{name}"] = None if n_a + n_g else neither
    out["reason"] = None if n_a + n_g else neither
    out["reasons"] = reasons
    return out


def gold_agreement(spans: Iterable[Span], texts: Mapping[str, str], layers: Sequence[str],
                   annotators: Sequence[str], gold: str = "gold",
                   documents: Sequence[str] | None = None) -> dict[str, Any]:
    """JSON-ready: ``{"annotator", "available", "reason", "documents", "n_documents",
    "annotators": {name: {"layers": {layer: scores}, "roles": {role: scores}}}}``.

    ``documents`` limits the comparison (default: every document where gold has a span);
    only documents where gold has a span are compared, since elsewhere gold says nothing.
    """
    spans = list(spans)
    curated = sorted({s.document_id for s in spans if s.annotator == gold})
    if documents is not None:
        wanted = set(documents)
        curated = [d for d in curated if d in wanted]
    section: dict[str, Any] = {"annotator": gold, "available": False, "reason": None,
                               "documents": curated, "n_documents": len(curated),
                               "annotators": {}}
    if not any(s.annotator == gold for s in spans):
        section["reason"] = (f"no gold standard: the annotator {gold!r} has no spans (curate "
                             "first: stancedesk curate auto, or the curation view)")
        return section
    if not curated:
        section["reason"] = f"gold ({gold!r}) has no span in the documents compared"
        return section
    compared = [a for a in annotators if a != gold]
    if not compared:
        section["reason"] = "no annotator to compare with gold"
        return section
    section["available"] = True
    in_scope = set(curated)
    mine = [s for s in spans if s.document_id in in_scope and
            (s.annotator == gold or s.annotator in compared)]
    as_roles = [replace(s, labels={_ROLE_LAYER: s.role} if s.role else {}) for s in mine]
    for who in compared:
        section["annotators"][who] = {
            "layers": {layer: _scores(mine, texts, layer, who, gold, curated)
                       for layer in layers},
            "roles": {role: _scores([s for s in as_roles if s.role == role], texts,
                                    _ROLE_LAYER, who, gold, curated) for role in ROLES},
        }
    return section


# what a passage where an annotator differs from gold is, in the words every output uses
BOUNDARIES = "boundaries differ"
VALUE = "value differs"
ANNOTATOR_ONLY = "not in gold"
GOLD_ONLY = "missed"
DIFFERENCES = (BOUNDARIES, VALUE, ANNOTATOR_ONLY, GOLD_ONLY)


@dataclass(frozen=True, slots=True)
class GoldDifference:
    """One passage where an annotator's span and gold's are not an exact match: the passage
    covers both spans; a side without a span there is None."""

    document_id: str
    start: int
    end: int
    kind: str  # one of DIFFERENCES
    annotator_value: str | None
    gold_value: str | None
    annotator_span: str | None
    gold_span: str | None


_Item = tuple[int, int, str, str]  # start, end, value, span id


def _value_of(span: Span, key: str, role: bool) -> str | None:
    if role:
        return key if span.role == key else None
    return span.labels.get(key) or None


def _pairs(a: list[_Item], g: list[_Item], same_value: bool) -> list[tuple[int, int]]:
    """A one-to-one matching of overlapping spans maximising the shared characters, as
    ``matching.pair_counts`` does (of spans with the same value only, when asked)."""
    if not a or not g:
        return []
    score = overlap_matrix(np.array([x[0] for x in a]), np.array([x[1] for x in a]),
                           np.array([x[0] for x in g]), np.array([x[1] for x in g]))
    if same_value:
        score = np.where(np.array([[x[2] == y[2] for y in g] for x in a]), score, 0)
    rows, cols = max_overlap_assignment(score)
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


def _document_differences(doc: str, a: list[_Item], g: list[_Item]) -> list[GoldDifference]:
    out: list[GoldDifference] = []
    # exact matches (same offsets and value, as a multiset) are agreement: nothing to show
    left_g = list(g)
    rest_a: list[_Item] = []
    for item in a:
        twin = next((i for i, x in enumerate(left_g) if x[:3] == item[:3]), None)
        if twin is None:
            rest_a.append(item)
        else:
            del left_g[twin]
    for same_value, kind in ((True, BOUNDARIES), (False, VALUE)):
        matched = _pairs(rest_a, left_g, same_value)
        for i, j in matched:
            x, y = rest_a[i], left_g[j]
            out.append(GoldDifference(doc, min(x[0], y[0]), max(x[1], y[1]), kind, x[2], y[2],
                                      x[3], y[3]))
        taken_a, taken_g = {i for i, _ in matched}, {j for _, j in matched}
        rest_a = [x for i, x in enumerate(rest_a) if i not in taken_a]
        left_g = [y for j, y in enumerate(left_g) if j not in taken_g]
    out.extend(GoldDifference(doc, x[0], x[1], ANNOTATOR_ONLY, x[2], None, x[3], None)
               for x in rest_a)
    out.extend(GoldDifference(doc, y[0], y[1], GOLD_ONLY, None, y[2], None, y[3])
               for y in left_g)
    return out


def gold_differences(spans: Iterable[Span], annotator: str, key: str, *, role: bool = False,
                     gold: str = "gold", documents: Sequence[str] | None = None
                     ) -> list[GoldDifference]:
    """The passages behind one row of ``gold_agreement``: every span of ``annotator`` or gold
    in the layer ``key`` (or with the role ``key``, when ``role``) that is not an exact match,
    in document and text order, over the same documents (those where gold has a span, among
    ``documents`` when named).

    Leftovers are paired as a lead reads them: first spans of the same value that overlap
    (other boundaries), then overlapping spans of another value; what remains is the
    annotator's alone (not in gold) or gold's alone (missed). So the passages hold exactly
    ``n_annotator - exact_matches`` of the annotator's spans and ``n_gold - exact_matches``
    of gold's."""
    spans = list(spans)
    curated = {s.document_id for s in spans if s.annotator == gold}
    if documents is not None:
        curated &= set(documents)
    by_doc: dict[str, tuple[list[_Item], list[_Item]]] = {}
    for s in spans:
        if s.document_id not in curated or s.annotator not in (annotator, gold):
            continue
        value = _value_of(s, key, role)
        if value is None:
            continue
        mine, theirs = by_doc.setdefault(s.document_id, ([], []))
        (theirs if s.annotator == gold else mine).append((s.start, s.end, value, s.id))
    out: list[GoldDifference] = []
    for doc in sorted(by_doc):
        mine, theirs = by_doc[doc]
        out.extend(_document_differences(doc, sorted(mine), sorted(theirs)))
    out.sort(key=lambda d: (d.document_id, d.start, d.end, DIFFERENCES.index(d.kind)))
    return out
