"""Annotators against gold, checked against counts worked out by hand."""

from __future__ import annotations

import pytest

from stancedesk.agreement.gold import (
    ANNOTATOR_ONLY,
    BOUNDARIES,
    GOLD_ONLY,
    VALUE,
    GoldDifference,
    gold_agreement,
    gold_differences,
)
from stancedesk.domain import Span

TEXTS = {"d": "x" * 100, "other": "y" * 50}


def sp(sid: str, who: str, start: int, end: int, role: str | None = None, doc: str = "d",
       **labels: str) -> Span:
    return Span(sid, doc, who, start, end, TEXTS[doc][start:end], labels, role=role)


SPANS = [
    sp("g1", "gold", 0, 10, stance="favor"), sp("g2", "gold", 20, 30, stance="against"),
    sp("g3", "gold", 40, 50, "claim"),
    sp("a1", "ana", 0, 10, stance="favor"), sp("a2", "ana", 20, 28, stance="against"),
    sp("a3", "ana", 40, 50, "claim"),
    sp("b1", "ben", 0, 10, stance="favor"), sp("b2", "ben", 20, 30, stance="favor"),
    sp("b3", "ben", 60, 70, stance="against"),
    # a document gold has no span in says nothing about anyone
    sp("b4", "ben", 0, 5, doc="other", stance="favor"),
]


def test_per_layer_and_role_against_hand_counts() -> None:
    section = gold_agreement(SPANS, TEXTS, ["stance"], ["ana", "ben"])
    assert section["available"] and section["documents"] == ["d"]
    ana = section["annotators"]["ana"]["layers"]["stance"]
    # ana: 2 spans, gold 2; one exact (0-10), two matched by overlap (20-28 inside 20-30)
    assert (ana["n_annotator"], ana["n_gold"], ana["exact_matches"],
            ana["overlap_matches"]) == (2, 2, 1, 2)
    assert (ana["f1_exact"], ana["f1_overlap"]) == (0.5, 1.0)
    ben = section["annotators"]["ben"]["layers"]["stance"]
    # ben: 3 spans in d (20-30 has the wrong value, 60-70 is not in gold); one exact match
    assert (ben["n_annotator"], ben["exact_matches"], ben["overlap_matches"]) == (3, 1, 1)
    assert ben["f1_exact"] == pytest.approx(0.4) and ben["f1_overlap"] == pytest.approx(0.4)
    assert ben["precision_exact"] == pytest.approx(1 / 3) and ben["recall_exact"] == 0.5
    claims = {who: section["annotators"][who]["roles"]["claim"] for who in ("ana", "ben")}
    assert claims["ana"]["f1_exact"] == 1.0
    assert (claims["ben"]["f1_exact"], claims["ben"]["precision_exact"],
            claims["ben"]["recall_exact"]) == (0.0, None, 0.0)
    source = section["annotators"]["ana"]["roles"]["source"]
    assert source["f1_exact"] is None and "neither ana nor gold" in source["reason"]


def test_na_when_gold_is_absent_or_elsewhere() -> None:
    without = gold_agreement([s for s in SPANS if s.annotator != "gold"], TEXTS, ["stance"],
                             ["ana", "ben"])
    assert not without["available"] and "no gold standard" in without["reason"]
    elsewhere = gold_agreement(SPANS, TEXTS, ["stance"], ["ana", "ben"], documents=["other"])
    assert not elsewhere["available"] and "no span in the documents compared" in \
        elsewhere["reason"]


def test_each_figure_left_out_says_why() -> None:
    section = gold_agreement(SPANS, TEXTS, ["stance"], ["ana", "ben"])
    claims = section["annotators"]["ben"]["roles"]["claim"]
    # ben marks no claim: precision has nothing to divide by; recall and F1 are numbers
    assert claims["precision_exact"] is None and claims["reason"] is None
    assert claims["reasons"]["precision_exact"].startswith("ben has no span here")
    assert claims["reasons"]["precision_overlap"] == claims["reasons"]["precision_exact"]
    assert claims["reasons"]["recall_exact"] is None and claims["reasons"]["f1_exact"] is None
    source = section["annotators"]["ana"]["roles"]["source"]
    assert set(source["reasons"].values()) == {source["reason"]}
    stance = section["annotators"]["ana"]["layers"]["stance"]
    assert not any(stance["reasons"].values())


def test_differences_are_the_spans_not_matched_exactly() -> None:
    ana = gold_differences(SPANS, "ana", "stance")
    assert ana == [GoldDifference("d", 20, 30, BOUNDARIES, "against", "against", "a2", "g2")]
    ben = gold_differences(SPANS, "ben", "stance")
    # b1 matches exactly; b2 has gold's boundaries but another value; b3 is not in gold; the
    # other document, where gold has nothing, is not compared
    assert [(d.start, d.end, d.kind, d.annotator_value, d.gold_value) for d in ben] == [
        (20, 30, VALUE, "favor", "against"), (60, 70, ANNOTATOR_ONLY, "against", None)]
    assert gold_differences(SPANS, "ben", "claim", role=True) == [
        GoldDifference("d", 40, 50, GOLD_ONLY, None, "claim", None, "g3")]
    assert gold_differences(SPANS, "ana", "claim", role=True) == []
    assert gold_differences(SPANS, "ben", "stance", documents=["other"]) == []


def test_differences_hold_exactly_the_unmatched_spans_of_each_row() -> None:
    spans = [*SPANS, sp("g4", "gold", 80, 90, stance="favor"),
             sp("a4", "ana", 78, 84, stance="favor"), sp("a5", "ana", 85, 95, stance="favor"),
             sp("a6", "ana", 20, 30, stance="against")]
    section = gold_agreement(spans, TEXTS, ["stance"], ["ana", "ben"])
    for who in ("ana", "ben"):
        for kind, key, role in (("layers", "stance", False), ("roles", "claim", True),
                                ("roles", "source", True)):
            scores = section["annotators"][who][kind][key]
            found = gold_differences(spans, who, key, role=role)
            assert sum(d.annotator_span is not None for d in found) == \
                scores["n_annotator"] - scores["exact_matches"]
            assert sum(d.gold_span is not None for d in found) == \
                scores["n_gold"] - scores["exact_matches"]
    # a6 is the exact match of g2 now; a2 is left over with no gold span to pair with; of
    # a4 and a5 the one sharing more of g4 pairs with it
    ana = gold_differences(spans, "ana", "stance")
    assert [(d.annotator_span, d.gold_span, d.kind) for d in ana] == [
        ("a2", None, ANNOTATOR_ONLY), ("a4", None, ANNOTATOR_ONLY),
        ("a5", "g4", BOUNDARIES)]
