"""Curation: annotators' spans of a document grouped into passages, who agrees on each, and the
queue of passages a curator still has to decide. Pure functions over plain values.

A **passage** is one stretch of text as the annotators marked it: at most one span per
annotator (a *version*), plus the gold span when one is curated there. Spans are aligned per
document, annotator by annotator in name order: each span joins the passage whose versions it
resembles most (characters shared over characters covered, plus a bonus for the same role),
greedily from the best pair down, and a span that overlaps no passage opens a new one. Exact
duplicates therefore always land together, and a short source nested in a long claim stays
apart from the claim (little overlap for its length, and another role). Gold spans are aligned
last, the same way, so gold never changes how the annotators' spans are grouped.

Two versions **agree** when their boundaries, labels (every layer), role, registry entity and
links are equal; a link is compared by the passage its target lies in, so two annotators who
chose the same source agree even though their source spans have different ids.
"""

from __future__ import annotations

import heapq
import random
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from stancedesk.domain.attribution import Link
from stancedesk.domain.span import Span

GOLD = "gold"

UNANIMOUS = "unanimous"
MAJORITY = "majority"
CURATOR = "curator"
REJECTED = "rejected"
DECISION_KINDS = (UNANIMOUS, MAJORITY, CURATOR, REJECTED)

_ROLE_BONUS = 0.5


@dataclass(frozen=True, slots=True)
class Version:
    """One annotator's span in a passage, with its links as the passages their targets lie in
    (link kind -> passage id)."""

    span: Span
    links: Mapping[str, str] = field(default_factory=dict)
    # computed once, when first asked: agreement, the queue and every pick compare by it
    _signature: tuple[object, ...] | None = field(default=None, init=False, repr=False,
                                                  compare=False)

    @property
    def annotator(self) -> str:
        return self.span.annotator

    def signature(self) -> tuple[object, ...]:
        """What two versions must share to agree exactly."""
        found = self._signature
        if found is None:
            s = self.span
            found = (s.start, s.end, tuple(sorted((k, v) for k, v in s.labels.items() if v)),
                     s.role or None, s.entity_id or None,
                     tuple(sorted(self.links.items())) if self.links else ())
            object.__setattr__(self, "_signature", found)
        return found

    def layer_signature(self, layer: str) -> tuple[object, ...]:
        """What two versions must share to agree in one layer: boundaries, role, value."""
        s = self.span
        return (s.start, s.end, s.role or None, s.labels.get(layer) or None)


@dataclass(frozen=True, slots=True)
class Decision:
    """A stored curation decision (a row of ``curation_decisions``)."""

    id: str
    document_id: str
    span_id: str | None  # the gold span it produced; None: every version was rejected
    start: int
    end: int
    decision: str
    curated_by: str
    curated_at: datetime  # aware, UTC
    curated_from: tuple[str, ...] = ()
    from_span_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Passage:
    """A stretch of one document and every annotator's version of it.

    ``id`` is the smallest span id among the versions (the gold span's when only gold marked
    it): stable while those spans exist, and the same in every listing. ``annotators`` are the
    annotators of the document (those with a span in it, gold excluded), in name order: one
    who has no version here missed the passage, which counts as disagreeing.
    """

    id: str
    document_id: str
    start: int
    end: int
    versions: tuple[Version, ...]
    annotators: tuple[str, ...]
    gold: Version | None = None
    # the decision that produced the gold span, or the rejection of every version
    decision: Decision | None = None
    # ``groups()`` once computed: agreement, the queue and auto-curation all ask for it
    _groups: tuple[tuple[Version, ...], ...] | None = field(default=None, init=False,
                                                            repr=False, compare=False)

    @property
    def version_by_annotator(self) -> dict[str, Version]:
        return {v.annotator: v for v in self.versions}

    @property
    def span_ids(self) -> tuple[str, ...]:
        return tuple(v.span.id for v in self.versions)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(v.span.role for v in self.versions if v.span.role)

    @property
    def labels(self) -> frozenset[tuple[str, str]]:
        """(layer, value) pairs any version gives."""
        return frozenset((k, v) for ver in self.versions for k, v in ver.span.labels.items()
                         if v)

    def groups(self) -> list[tuple[Version, ...]]:
        """Versions that agree exactly, largest group first (ties: earliest annotator)."""
        found = self._groups
        if found is None:
            by: dict[tuple[object, ...], list[Version]] = {}
            for version in self.versions:
                by.setdefault(version.signature(), []).append(version)
            found = tuple(sorted((tuple(g) for g in by.values()), key=lambda g: -len(g)))
            object.__setattr__(self, "_groups", found)
        return list(found)

    @property
    def agreement(self) -> int:
        """How many annotators share the most common version (0 when nobody marked it)."""
        groups = self.groups()
        return len(groups[0]) if groups else 0

    @property
    def unanimous(self) -> bool:
        """Every annotator of the document marked it, all in the same way."""
        return bool(self.annotators) and self.agreement == len(self.annotators)

    @property
    def decided(self) -> bool:
        """A gold span stands here, or the curator rejected every version."""
        return self.gold is not None or self.decision is not None

    @property
    def is_conflict(self) -> bool:
        """Annotators disagree (or some missed it) and the curator has not decided yet."""
        return not self.unanimous and not self.decided

    def layer_agrees(self, layer: str) -> bool | None:
        """Whether all the document's annotators agree in ``layer`` here (same boundaries,
        role and value); None when no version has a value in that layer."""
        if not any(v.span.labels.get(layer) for v in self.versions):
            return None
        if len(self.versions) != len(self.annotators):
            return False
        return len({v.layer_signature(layer) for v in self.versions}) == 1

    def conflict_layers(self, layers: Iterable[str]) -> tuple[str, ...]:
        return tuple(layer for layer in layers if self.layer_agrees(layer) is False)

    def agreeing_with(self, span_id: str) -> tuple[Version, ...]:
        """The versions that agree exactly with the version of span ``span_id``."""
        mine = next((v for v in self.versions if v.span.id == span_id), None)
        if mine is None:
            return ()
        return tuple(v for v in self.versions if v.signature() == mine.signature())


def decision_kind(agreeing: int, annotators: int) -> str:
    """unanimous: every annotator of the document; majority: at least half; else the
    curator's own choice."""
    if annotators and agreeing >= annotators:
        return UNANIMOUS
    if annotators and 2 * agreeing >= annotators:
        return MAJORITY
    return CURATOR


def _closeness(span: Span, members: Sequence[Span]) -> float:
    best = 0.0
    for other in members:
        shared = min(span.end, other.end) - max(span.start, other.start)
        if shared <= 0:
            continue
        covered = max(span.end, other.end) - min(span.start, other.start)
        score = shared / covered + (_ROLE_BONUS if (span.role or None) == (other.role or None)
                                    else 0.0)
        best = max(best, score)
    return best


def _candidates(groups: Sequence[Sequence[Span]], spans: Sequence[Span]
                ) -> Iterator[tuple[int, int]]:
    """(span index, group index) of each span and each group whose extent overlaps it, found
    by a sweep in text order: the groups begun before the span that still run (a heap by
    their end) and those beginning inside it (a bisection). A long span, or a long group (a
    paragraph marked whole), is thus met once per span it overlaps, never scanned past by
    every later span: the work is about the number of overlapping pairs, not every span
    times every group."""
    extents = sorted((min(s.start for s in g), max(s.end for s in g), gi)
                     for gi, g in enumerate(groups))
    starts = [e[0] for e in extents]
    running: list[tuple[int, int]] = []  # (end, group) of the groups begun before the span
    begun = 0
    for si in sorted(range(len(spans)), key=lambda i: spans[i].start):
        span = spans[si]
        while begun < len(extents) and extents[begun][0] < span.start:
            heapq.heappush(running, (extents[begun][1], extents[begun][2]))
            begun += 1
        while running and running[0][0] <= span.start:
            heapq.heappop(running)  # ended before this span (and every later one) starts
        inside = bisect_left(starts, span.end, lo=begun)
        for gi in [gi for _, gi in running] + [e[2] for e in extents[begun:inside]]:
            yield si, gi


def _take_best(groups: list[list[Span]], spans: Sequence[Span],
               pairs: list[tuple[float, int, int]]) -> None:
    """Given the scored (score, span, group) pairs, take them best first, at most one span per
    group and one group per span; the spans left over open groups of their own. Apart from
    ``_align`` so that the test's search-free grouping differs only in the pairs it scores."""
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    taken_spans: set[int] = set()
    taken_groups: set[int] = set()
    for _, si, gi in pairs:
        if si in taken_spans or gi in taken_groups:
            continue
        groups[gi].append(spans[si])
        taken_spans.add(si)
        taken_groups.add(gi)
    groups.extend([span] for si, span in enumerate(spans) if si not in taken_spans)


def _align(groups: list[list[Span]], spans: Sequence[Span]) -> None:
    """Add one annotator's spans to ``groups`` (in place): greedy best-first assignment, at
    most one span of this annotator per group; the rest open groups of their own. Only the
    groups overlapping a span (``_candidates``) are scored."""
    pairs: list[tuple[float, int, int]] = []
    for si, gi in _candidates(groups, spans):
        score = _closeness(spans[si], groups[gi])
        if score > 0:
            pairs.append((score, si, gi))
    _take_best(groups, spans, pairs)


def _position(spans: Sequence[Span]) -> tuple[int, int, str]:
    return (min(s.start for s in spans), max(s.end for s in spans), min(s.id for s in spans))


def passages(document_id: str, spans: Iterable[Span], links: Iterable[Link] = (),
             decisions: Iterable[Decision] = (), *, gold: str = GOLD,
             annotators: Sequence[str] | None = None,
             present: Iterable[str] | None = None) -> list[Passage]:
    """The passages of one document, in text order.

    ``spans`` are every annotator's spans of the document (gold's among them); ``links`` the
    links among them; ``decisions`` the stored decisions of the document (a rejection marks its
    passage decided: the one holding any of its ``from_span_ids``, else the one with its exact
    extent). ``annotators`` limits whose spans are compared (default: everyone but gold).

    Passages never reach past a stretch of text whose spans overlap one another (transitively):
    such a stretch, with the spans its spans link to, can be aligned alone and gives the same
    passages as the whole document. ``present`` then names the annotators with a span anywhere
    in the document (each passage's ``annotators``), which the stretch alone cannot tell.
    """
    spans = [s for s in spans if s.document_id == document_id]
    by_annotator: dict[str, list[Span]] = {}
    for span in sorted(spans, key=lambda s: (s.start, s.end, s.id)):
        by_annotator.setdefault(span.annotator, []).append(span)
    elsewhere = set() if present is None else set(present) - {gold}
    names = sorted({a for a in by_annotator if a != gold} | elsewhere) \
        if annotators is None else [a for a in sorted(annotators) if a != gold]
    groups: list[list[Span]] = []
    for name in names:
        _align(groups, by_annotator.get(name, []))
    here = elsewhere if present is not None else {n for n in names if by_annotator.get(n)}
    who = tuple(n for n in names if n in here)
    # gold joins the annotators' groups, never reshapes them
    gold_spans = by_annotator.get(gold, [])
    gold_of: dict[int, Span] = {}
    if gold_spans:
        with_gold = [list(g) for g in groups]
        before = len(with_gold)
        _align(with_gold, gold_spans)
        for gi, group in enumerate(with_gold):
            if gi < before and len(group) > len(groups[gi]):
                gold_of[gi] = group[-1]
        groups += with_gold[before:]
        for gi in range(before, len(with_gold)):
            gold_of[gi] = with_gold[gi][0]
    # each group's annotators' spans (gold's when only gold marked it) and their position,
    # (start, end, smallest id): the passage's extent, its id and the text order, computed once
    versions_of = [sorted((s for s in g if s.annotator != gold), key=lambda s: s.annotator)
                   for g in groups]
    position = [_position(versions_of[gi] or groups[gi]) for gi in range(len(groups))]
    order = sorted(range(len(groups)), key=position.__getitem__)
    passage_of = {span.id: position[gi][2] for gi, g in enumerate(groups) for span in g}
    link_map: dict[str, dict[str, str]] = {}
    for link in links:
        if link.from_span in passage_of and link.to_span in passage_of:
            link_map.setdefault(link.from_span, {})[str(link.kind)] = passage_of[link.to_span]
    decisions = [d for d in decisions if d.document_id == document_id]
    rejections = [d for d in decisions if d.span_id is None]
    accepted = {d.span_id: d for d in decisions if d.span_id is not None}
    # a rejection marks the passage holding any of its spans (the first such rejection in
    # the order given), else the passage with its exact extent: looked up, not searched
    rejected_span: dict[str, int] = {}
    rejected_extent: dict[tuple[int, int], Decision] = {}
    for i, d in enumerate(rejections):
        for span_id in d.from_span_ids:
            rejected_span.setdefault(span_id, i)
        rejected_extent.setdefault((d.start, d.end), d)
    out: list[Passage] = []
    for gi in order:
        versions = tuple(Version(s, link_map.get(s.id, {})) for s in versions_of[gi])
        g = gold_of.get(gi)
        start, end, pid = position[gi]
        decided = accepted.get(g.id) if g is not None else None
        if decided is None:
            hits = [rejected_span[s.id] for s in versions_of[gi] if s.id in rejected_span]
            decided = rejections[min(hits)] if hits else rejected_extent.get((start, end))
        out.append(Passage(pid, document_id, start, end, versions, who,
                           Version(g, link_map.get(g.id, {})) if g is not None else None,
                           decided))
    return out


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which conflicts to show: only those disagreeing in ``layer``, those where some version
    gives ``label`` (a value, or "layer:value"), those where some version has ``role``."""

    layer: str | None = None
    label: str | None = None
    role: str | None = None

    def admits(self, passage: Passage) -> bool:
        if self.layer is not None and passage.layer_agrees(self.layer) is not False:
            return False
        if self.label is not None:
            layer, _, value = self.label.rpartition(":")
            if not any((not layer or k == layer) and v == value for k, v in passage.labels):
                return False
        return self.role is None or self.role in passage.roles


def conflict_queue(by_document: Iterable[tuple[str, Sequence[Passage]]],
                   where: QueueFilter | None = None) -> list[Passage]:
    """The open conflicts, ordered by document (in the order given) and position."""
    where = where or QueueFilter()
    return [p for _, found in by_document
            for p in sorted(found, key=lambda p: (p.start, p.end, p.id))
            if p.is_conflict and where.admits(p)]


@dataclass(frozen=True, slots=True)
class BlindLanes:
    """Lanes in a seeded random order with names replaced by "Annotator 1..n"."""

    order: tuple[str, ...]  # the real names, in lane order
    aliases: Mapping[str, str]  # real name -> "Annotator i"

    def alias(self, name: str) -> str:
        return self.aliases.get(name, name)


def blind_lanes(annotators: Sequence[str], seed: int | str) -> BlindLanes:
    """The same seed and annotators always give the same order (the curator can come back to
    a document and find the lanes where they were), another seed another order."""
    order = sorted(set(annotators))
    random.Random(f"stancedesk-blind:{seed}").shuffle(order)
    return BlindLanes(tuple(order), {name: f"Annotator {i}" for i, name in
                                     enumerate(order, start=1)})


@dataclass(frozen=True, slots=True)
class AutoPick:
    """What "accept all agreeing" takes from one passage, or why it leaves it."""

    passage: Passage
    take: Version | None  # the version that goes to gold
    agreeing: tuple[Version, ...] = ()
    reason: str = ""  # why nothing is taken, when ``take`` is None

    @property
    def decision(self) -> str:
        return decision_kind(len(self.agreeing), len(self.passage.annotators))


def auto_pick(passage: Passage, min_agreement: int) -> AutoPick:
    """The version at least ``min_agreement`` annotators share exactly, if exactly one group
    reaches it; a decided passage is left as it is (re-running never overwrites)."""
    if passage.decided:
        return AutoPick(passage, None, reason="already decided")
    groups = passage.groups()
    if not groups:
        return AutoPick(passage, None, reason="no annotator's version")
    best = groups[0]
    if len(best) < min_agreement:
        return AutoPick(passage, None, reason=f"only {len(best)} of "
                        f"{len(passage.annotators)} annotators agree (need {min_agreement})")
    if len(groups) > 1 and len(groups[1]) == len(best):
        return AutoPick(passage, None, reason=f"a tie: two versions with {len(best)} "
                        "annotators each")
    return AutoPick(passage, best[0], best)
