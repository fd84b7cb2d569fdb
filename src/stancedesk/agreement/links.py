"""Agreement on attribution: do annotators link the same claims to the same sources?

Claims and sources are aligned between two annotators as spans are for span agreement: per
document, one-to-one, maximising the characters two spans share (spans that share none are not
aligned). A claim→source link of A matches one of B when A's claim is aligned with B's claim
and A's source with B's source. Link F1 = 2·matches / (links of A + links of B); it is n/a when
neither annotator has a link. The overall figure pools the matches and links of every pair
(micro-averaged), so a pair with many links weighs more than one with few.

On aligned sources the sourcing type, the reliability grade and the registry entity are then
compared where both annotators gave one: observed agreement with its n, and Cohen's κ for the
labels (n/a when it cannot be estimated, with the reason).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stancedesk.agreement.kappa import cohen_kappa
from stancedesk.agreement.matching import max_overlap_assignment, overlap_matrix


@dataclass(frozen=True, slots=True)
class RoleSpan:
    id: str
    document_id: str
    start: int
    end: int
    labels: Mapping[str, str] = field(default_factory=dict)
    entity: str | None = None


@dataclass(frozen=True, slots=True)
class AnnotatorAttribution:
    """One annotator's claims, sources and claim→source links in the compared documents."""

    name: str
    claims: Sequence[RoleSpan]
    sources: Sequence[RoleSpan]
    attributed_to: Mapping[str, str]  # claim id -> source id


def align(a: Sequence[RoleSpan], b: Sequence[RoleSpan]) -> dict[str, str]:
    """Span id of A -> aligned span id of B, by maximum character overlap per document."""
    by_doc_a: dict[str, list[RoleSpan]] = defaultdict(list)
    by_doc_b: dict[str, list[RoleSpan]] = defaultdict(list)
    for span in a:
        by_doc_a[span.document_id].append(span)
    for span in b:
        by_doc_b[span.document_id].append(span)
    pairs: dict[str, str] = {}
    for doc, spans_a in by_doc_a.items():
        spans_b = by_doc_b.get(doc, [])
        if not spans_b:
            continue
        score = overlap_matrix(np.array([s.start for s in spans_a]),
                               np.array([s.end for s in spans_a]),
                               np.array([s.start for s in spans_b]),
                               np.array([s.end for s in spans_b]))
        rows, cols = max_overlap_assignment(score)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            pairs[spans_a[r].id] = spans_b[c].id
    return pairs


def _compare(values: list[tuple[str, str]], with_kappa: bool) -> dict[str, Any]:
    n = len(values)
    result: dict[str, Any] = {"n": n, "agreement": None, "kappa": None, "reason": None}
    if n == 0:
        result["reason"] = "no aligned pair where both annotators gave a value"
        return result
    result["agreement"] = sum(x == y for x, y in values) / n
    if with_kappa:
        if n < 2:
            result["reason"] = "kappa needs at least two aligned pairs"
        else:
            kappa = cohen_kappa([x for x, _ in values], [y for _, y in values])
            if math.isnan(kappa):
                result["reason"] = "kappa is undefined: one category only (no chance model)"
            else:
                result["kappa"] = float(kappa)
    return result


def pair_agreement(a: AnnotatorAttribution, b: AnnotatorAttribution,
                   layers: Sequence[str] = ("sourcing", "reliability")) -> dict[str, Any]:
    claims = align(a.claims, b.claims)
    sources = align(a.sources, b.sources)
    matches = sum(1 for claim, source in a.attributed_to.items()
                  if claim in claims and source in sources and
                  b.attributed_to.get(claims[claim]) == sources[source])
    n_a, n_b = len(a.attributed_to), len(b.attributed_to)
    by_id_b = {s.id: s for s in b.sources}
    out: dict[str, Any] = {
        "a": a.name, "b": b.name, "links_a": n_a, "links_b": n_b, "matches": matches,
        "link_f1": 2 * matches / (n_a + n_b) if n_a + n_b else None,
        "link_f1_reason": None if n_a + n_b else "neither annotator linked a claim to a source",
        "aligned_claims": len(claims), "aligned_sources": len(sources),
    }
    for layer in layers:
        values = [(s.labels[layer], by_id_b[sources[s.id]].labels[layer]) for s in a.sources
                  if s.id in sources and s.labels.get(layer) and
                  by_id_b[sources[s.id]].labels.get(layer)]
        out[layer] = _compare(values, with_kappa=True)
    entities = [(s.entity, by_id_b[sources[s.id]].entity) for s in a.sources
                if s.id in sources and s.entity and by_id_b[sources[s.id]].entity]
    out["entity"] = _compare([(x, y) for x, y in entities if x and y], with_kappa=False)
    return out


def attribution_agreement(annotators: Sequence[AnnotatorAttribution],
                          layers: Sequence[str] = ("sourcing", "reliability")) -> dict[str, Any]:
    """Pairwise and pooled link F1, and agreement on what aligned sources were given."""
    pairs = [pair_agreement(a, b, layers) for a, b in itertools.combinations(annotators, 2)]
    matches = sum(p["matches"] for p in pairs)
    links = sum(p["links_a"] + p["links_b"] for p in pairs)
    return {
        "annotators": [a.name for a in annotators],
        "link_f1": 2 * matches / links if links else None,
        "link_f1_reason": None if links else (
            "fewer than two annotators" if len(annotators) < 2 else
            "no annotator linked a claim to a source"),
        "links": {a.name: len(a.attributed_to) for a in annotators},
        "pairwise": pairs,
    }
