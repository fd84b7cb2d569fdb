"""Agreement on attribution: do annotators link the same claims to the same sources?

Claims and sources are aligned between two annotators as spans are for span agreement: per
document, one-to-one, maximising the characters two spans share (spans that share none are not
aligned). A claim→source link of A matches one of B when A's claim is aligned with B's claim
and A's source with B's source. Link F1 = 2·matches / (links of A + links of B). The overall
figure pools the matches and links of every pair (micro-averaged), so a pair with many links
weighs more than one with few.

On aligned sources the sourcing type, the reliability grade and the registry entity are then
compared where both annotators gave one: observed agreement, and Cohen's κ for the labels.

Every figure follows the rule of the span measures (``verdict``): it carries its n and is None,
with the reason, when it is undefined or rests on fewer than ``min_units`` units. Link F1 and
observed agreement get the minimum too, as span F1 and percent agreement do: a share of five
links says no more than a κ on five units. The flat keys (``link_f1``, ``sourcing.agreement``,
...) repeat the values of ``coefficients`` for readers of the first version of this section.
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
from stancedesk.agreement.verdict import below_minimum, estimate, first_reason, sample

LINK_UNIT = "links made by either annotator"
POOLED_LINK_UNIT = "links made by either annotator of a pair, summed over the pairs"
ENTITY_UNIT = "aligned sources both annotators named in the registry"


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


def _single_value(values: list[tuple[str, str]]) -> str | None:
    used = {v for pair in values for v in pair}
    if len(used) == 1:
        return (f"every compared value is {next(iter(used))!r}: with no variation, chance "
                "agreement is 1 and agreement cannot be told from chance")
    return None


def source_unit(layer: str) -> str:
    return f"aligned sources with a {layer} value from both annotators"


def _compare(values: list[tuple[str, str]], documents: int, min_units: int, unit: str,
             with_kappa: bool) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Observed agreement (and κ) on aligned sources: the flat entry of the first version
    (n an int, one reason: the agreement's, else κ's) and each figure with its n and reason.

    On labels (``with_kappa``) observed agreement follows κ's rules as percent agreement does
    for spans: with one value in use it is 1 by construction. Registry names are an open set
    matched for identity, like links, so their agreement is only subject to the minimum."""
    n = len(values)
    size = sample(n, unit, 2 if n else 0, documents)
    undefined = "no aligned source where both annotators gave a value" if n == 0 else None
    shared = first_reason(undefined, _single_value(values) if with_kappa else None,
                          below_minimum(n, unit, min_units))
    observed = sum(x == y for x, y in values) / n if n else math.nan
    coefficients = {"agreement": estimate(observed, size, shared)}
    if with_kappa:
        kappa = cohen_kappa([x for x, _ in values], [y for _, y in values]) if n else math.nan
        coefficients["kappa"] = estimate(kappa, size, first_reason(
            shared, "κ needs at least two aligned sources" if n < 2 else None))
    agreement = coefficients["agreement"]
    kappa_entry = coefficients.get("kappa")
    reason = agreement["reason"] or (kappa_entry["reason"] if kappa_entry else None)
    return {"n": n, "agreement": agreement["value"],
            "kappa": kappa_entry["value"] if kappa_entry else None,
            "reason": reason}, coefficients


def pair_agreement(a: AnnotatorAttribution, b: AnnotatorAttribution,
                   layers: Sequence[str] = ("sourcing", "reliability"), *,
                   min_units: int = 0) -> dict[str, Any]:
    claims = align(a.claims, b.claims)
    sources = align(a.sources, b.sources)
    matched = [claim for claim, source in a.attributed_to.items()
               if claim in claims and source in sources and
               b.attributed_to.get(claims[claim]) == sources[source]]
    matches = len(matched)
    n_a, n_b = len(a.attributed_to), len(b.attributed_to)
    either = n_a + n_b - matches
    doc_of = {s.id: s.document_id for s in (*a.claims, *b.claims)}
    link_docs = {doc_of.get(c) for c in (*a.attributed_to, *b.attributed_to)} - {None}
    size = sample(either, LINK_UNIT, (n_a > 0) + (n_b > 0), len(link_docs), matches=matches)
    f1 = estimate(2 * matches / (n_a + n_b) if n_a + n_b else math.nan, size, first_reason(
        None if n_a + n_b else "neither annotator linked a claim to a source",
        below_minimum(either, LINK_UNIT, min_units)))
    by_id_b = {s.id: s for s in b.sources}
    partner = {s.id: by_id_b[sources[s.id]] for s in a.sources if s.id in sources}
    out: dict[str, Any] = {
        "a": a.name, "b": b.name, "links_a": n_a, "links_b": n_b, "matches": matches,
        "link_f1": f1["value"], "link_f1_reason": f1["reason"],
        "aligned_claims": len(claims), "aligned_sources": len(sources),
    }
    coefficients: dict[str, dict[str, Any]] = {"link_f1": f1}
    for layer in layers:
        both = [s for s in a.sources if s.id in partner and s.labels.get(layer)
                and partner[s.id].labels.get(layer)]
        out[layer], figures = _compare(
            [(s.labels[layer], partner[s.id].labels[layer]) for s in both],
            len({s.document_id for s in both}), min_units, source_unit(layer), with_kappa=True)
        coefficients.update({f"{layer}_{k}": v for k, v in figures.items()})
    named = [s for s in a.sources if s.id in partner and s.entity and partner[s.id].entity]
    out["entity"], figures = _compare(
        [(str(s.entity), str(partner[s.id].entity)) for s in named],
        len({s.document_id for s in named}), min_units, ENTITY_UNIT, with_kappa=False)
    coefficients["entity_agreement"] = figures["agreement"]
    out["coefficients"] = coefficients
    return out


def attribution_agreement(annotators: Sequence[AnnotatorAttribution],
                          layers: Sequence[str] = ("sourcing", "reliability"), *,
                          min_units: int = 0) -> dict[str, Any]:
    """Pairwise and pooled link F1, and agreement on what aligned sources were given; every
    figure None, with the reason, when undefined or below ``min_units`` units (the library
    default 0 applies no minimum, as ``layer_agreement``'s)."""
    if min_units < 0:
        raise ValueError("the minimum number of units cannot be negative")
    pairs = [pair_agreement(a, b, layers, min_units=min_units)
             for a, b in itertools.combinations(annotators, 2)]
    matches = sum(p["matches"] for p in pairs)
    links = sum(p["links_a"] + p["links_b"] for p in pairs)
    either = sum(p["coefficients"]["link_f1"]["n"]["units"] for p in pairs)
    unit = LINK_UNIT if len(pairs) == 1 else POOLED_LINK_UNIT
    linked_docs = {d for a in annotators for d in _link_documents(a)}
    undefined = ("fewer than two annotators" if len(annotators) < 2 else
                 None if links else "no annotator linked a claim to a source")
    f1 = estimate(2 * matches / links if links else math.nan,
                  sample(either, unit, sum(1 for a in annotators if a.attributed_to),
                         len(linked_docs), matches=matches),
                  first_reason(undefined, below_minimum(either, unit, min_units)))
    return {
        "annotators": [a.name for a in annotators],
        "link_f1": f1["value"],
        "link_f1_reason": f1["reason"],
        "links": {a.name: len(a.attributed_to) for a in annotators},
        "pairwise": pairs,
        "coefficients": {"link_f1": f1},
        "minimums": {"units": min_units},
    }


def _link_documents(annotator: AnnotatorAttribution) -> set[str]:
    doc_of = {s.id: s.document_id for s in annotator.claims}
    return {doc_of[c] for c in annotator.attributed_to if c in doc_of}
