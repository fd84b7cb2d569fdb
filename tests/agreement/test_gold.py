"""Annotators against gold, checked against counts worked out by hand."""

from __future__ import annotations

import pytest

from stancedesk.agreement.gold import gold_agreement
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
