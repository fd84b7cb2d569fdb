"""The sourcing profile on a hand-made set of claims."""

from __future__ import annotations

import pytest

from stancedesk.attribution.profile import ClaimRecord, profile, table_rows


def claim(doc: str, outlet: str, stance: str | None, sourcing: str | None,
          chain: tuple[str, ...] = (), reliability: str | None = None,
          credibility: str | None = None, annotator: str = "ana") -> ClaimRecord:
    return ClaimRecord(doc, f"title {doc}", outlet, annotator, stance, credibility, sourcing,
                       reliability, chain)


CLAIMS = [
    # d1 (Meridian): against/anonymous via media (laundered), favor/official, neutral/unattributed
    claim("d1", "Meridian", "against", "anonymous", ("media",), "C", "3"),
    claim("d1", "Meridian", "favor", "official", (), "B", "2"),
    claim("d1", "Meridian", "neutral", None),
    # d2 (Meridian): against/media relaying an anonymous source; against/anonymous
    claim("d2", "Meridian", "against", "media", ("anonymous",), "B", "4"),
    claim("d2", "Meridian", "against", "anonymous", (), "F", "6", annotator="ben"),
    # d3 (CWS): favor/diplomat
    claim("d3", "CWS", "favor", "diplomat", (), "A", "1"),
]


def test_by_outlet() -> None:
    rows = {r["group"]: r for r in profile(CLAIMS, "outlet")}
    meridian = rows["Meridian"]
    assert meridian["claims"] == 5
    # three claims rest on an anonymous source: d1 #1, d2 #1 (via), d2 #2
    assert meridian["anonymous"] == {"count": 3, "share": pytest.approx(0.6)}
    # relayed via media: only d1 #1
    assert meridian["relayed_via_media"] == {"count": 1, "share": pytest.approx(0.2)}
    assert meridian["by_sourcing"] == {
        "anonymous": {"count": 2, "share": 0.4}, "media": {"count": 1, "share": 0.2},
        "official": {"count": 1, "share": 0.2}, "unattributed": {"count": 1, "share": 0.2}}
    assert meridian["stance_by_sourcing"] == {
        "anonymous": {"against": 2}, "media": {"against": 1}, "official": {"favor": 1},
        "unattributed": {"neutral": 1}}
    assert meridian["reliability"]["(none)"] == {"count": 1, "share": 0.2}
    assert rows["CWS"]["by_sourcing"] == {"diplomat": {"count": 1, "share": 1.0}}


def test_by_document_and_annotator() -> None:
    docs = profile(CLAIMS, "document")
    assert [(r["group"], r["claims"], r["title"], r["outlet"]) for r in docs] == [
        ("d1", 3, "title d1", "Meridian"), ("d2", 2, "title d2", "Meridian"),
        ("d3", 1, "title d3", "CWS")]
    people = {r["group"]: r["claims"] for r in profile(CLAIMS, "annotator")}
    assert people == {"ana": 5, "ben": 1}


def test_flat_rows_for_csv() -> None:
    flat = table_rows(profile(CLAIMS[:1], "document"), "document")
    assert {"document": "d1", "claims": 1, "measure": "anonymous", "value": "yes",
            "count": 1, "share": 1.0} in flat
    assert {"document": "d1", "claims": 1, "measure": "stance_by_sourcing",
            "value": "anonymous/against", "count": 1, "share": 1.0} in flat


def test_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="group by one of document, outlet, annotator"):
        profile(CLAIMS, "topic")
