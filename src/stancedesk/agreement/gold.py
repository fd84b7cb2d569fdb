"""Each annotator against the gold standard, per layer and per role: who drifts.

Over the curated documents (those where gold has a span), for every annotator and layer, the
annotator's labelled spans are matched with gold's exactly as two annotators' are for span F1
(``matching.pair_counts``): exact matches (same document, start, end and value) and a one-to-one
overlap matching of same-valued spans. Precision is matches over the annotator's spans, recall
matches over gold's, F1 their harmonic mean. Per role (source, claim, cue) the same counts are
taken with the role as the value, so they measure whether the annotator marks the passages gold
gives that role, whatever the labels. A figure nobody can compute (neither side has a span) is
None with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from stancedesk.agreement.matching import pair_counts
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
    for name, matches in (("exact", exact), ("overlap", overlap)):
        out[f"precision_{name}"] = _ratio(matches, n_a)
        out[f"recall_{name}"] = _ratio(matches, n_g)
        out[f"f1_{name}"] = _ratio(2 * matches, n_a + n_g)
    out["reason"] = None if n_a + n_g else \
        f"neither {annotator} nor gold has a span here in the curated documents"
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
