"""Passages, agreement per passage and layer, the conflict queue and auto picks (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from stancedesk.domain import Span
from stancedesk.domain.attribution import Link, LinkKind
from stancedesk.domain.curation import (
    Decision,
    QueueFilter,
    auto_pick,
    conflict_queue,
    decision_kind,
    passages,
)

DOC = "d1"


def sp(sid: str, who: str, start: int, end: int, role: str | None = None,
       **labels: str) -> Span:
    return Span(sid, DOC, who, start, end, "x" * (end - start), labels, role=role)


def test_a_nested_source_stays_apart_from_the_claim() -> None:
    spans = [sp("a-claim", "ana", 10, 60, "claim", stance="favor"),
             sp("a-src", "ana", 12, 20, "source"),
             sp("b-claim", "ben", 10, 58, "claim", stance="favor"),
             sp("b-src", "ben", 12, 20, "source")]
    found = passages(DOC, spans)
    assert [p.span_ids for p in found] == [("a-claim", "b-claim"), ("a-src", "b-src")]
    claim, source = found
    assert claim.agreement == 1 and claim.layer_agrees("stance") is False
    assert source.unanimous and source.layer_agrees("stance") is None


def test_links_agree_by_the_passage_of_their_target() -> None:
    spans = [sp("a-claim", "ana", 30, 60, "claim"), sp("a-src", "ana", 0, 8, "source"),
             sp("a-src2", "ana", 10, 18, "source"),
             sp("b-claim", "ben", 30, 60, "claim"), sp("b-src", "ben", 0, 8, "source"),
             sp("b-src2", "ben", 10, 18, "source")]
    same = [Link("a-claim", LinkKind.ATTRIBUTED_TO, "a-src"),
            Link("b-claim", LinkKind.ATTRIBUTED_TO, "b-src")]
    claim = passages(DOC, spans, same)[2]
    assert claim.unanimous
    assert claim.versions[0].links == {"attributed_to": "a-src"}
    other = [same[0], Link("b-claim", LinkKind.ATTRIBUTED_TO, "b-src2")]
    assert passages(DOC, spans, other)[2].agreement == 1


def test_gold_joins_a_passage_without_reshaping_it() -> None:
    spans = [sp("a", "ana", 0, 10, stance="favor"), sp("b", "ben", 0, 10, stance="against"),
             sp("g", "gold", 0, 10, stance="favor"), sp("g2", "gold", 40, 50, stance="favor")]
    found = passages(DOC, spans)
    assert [(p.span_ids, p.gold.span.id if p.gold else None) for p in found] == [
        (("a", "b"), "g"), ((), "g2")]
    assert found[0].decided and not found[0].is_conflict
    assert found[0].annotators == ("ana", "ben")


def test_a_rejection_decides_its_passage() -> None:
    spans = [sp("a", "ana", 0, 10, stance="favor"), sp("b", "ben", 2, 10, stance="favor")]
    rejected = Decision("r", DOC, None, 0, 10, "rejected", "lead",
                        datetime(2026, 1, 1, tzinfo=UTC), ("ana", "ben"), ("a", "b"))
    (passage,) = passages(DOC, spans, decisions=[rejected])
    assert passage.decision == rejected and not passage.is_conflict
    assert auto_pick(passage, 1).reason == "already decided"


def test_queue_order_filters_and_auto_picks() -> None:
    spans = [sp("a1", "ana", 0, 5, stance="favor"), sp("b1", "ben", 0, 5, stance="favor"),
             sp("c1", "cy", 0, 5, stance="against"),
             sp("a2", "ana", 20, 25, "source", sourcing="expert"),
             sp("b2", "ben", 21, 25, "source", sourcing="expert")]
    found = passages(DOC, spans)
    queue = conflict_queue([("other", []), (DOC, found)])
    assert [p.id for p in queue] == ["a1", "a2"]
    assert [p.id for p in conflict_queue([(DOC, found)], QueueFilter(layer="stance"))] == ["a1"]
    assert [p.id for p in conflict_queue([(DOC, found)], QueueFilter(role="source"))] == ["a2"]
    assert [p.id for p in conflict_queue([(DOC, found)],
                                         QueueFilter(label="sourcing:expert"))] == ["a2"]
    assert conflict_queue([(DOC, found)], QueueFilter(label="neutral")) == []
    pick = auto_pick(found[0], 2)
    assert pick.take is not None and pick.take.annotator == "ana"
    assert [v.annotator for v in pick.agreeing] == ["ana", "ben"]
    assert pick.decision == "majority"
    assert auto_pick(found[0], 3).take is None
    assert auto_pick(found[1], 1).reason.startswith("a tie")


def test_decision_kinds() -> None:
    assert [decision_kind(n, 4) for n in (4, 3, 2, 1)] == \
        ["unanimous", "majority", "majority", "curator"]
    assert decision_kind(1, 1) == "unanimous"
