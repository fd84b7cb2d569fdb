"""Attribution agreement against values worked out by hand."""

from __future__ import annotations

import pytest

from stancedesk.agreement.links import (
    AnnotatorAttribution,
    RoleSpan,
    align,
    attribution_agreement,
)


def sp(sid: str, start: int, end: int, doc: str = "d1", entity: str | None = None,
       **labels: str) -> RoleSpan:
    return RoleSpan(sid, doc, start, end, labels, entity)


def ana() -> AnnotatorAttribution:
    return AnnotatorAttribution(
        "ana",
        claims=[sp("a-c1", 0, 40), sp("a-c2", 50, 90), sp("a-c3", 0, 30, doc="d2")],
        sources=[sp("a-s1", 41, 49, entity="Reuters", sourcing="media", reliability="B"),
                 sp("a-s2", 91, 99, sourcing="anonymous", reliability="C"),
                 sp("a-s3", 31, 39, doc="d2", sourcing="official", reliability="A")],
        attributed_to={"a-c1": "a-s1", "a-c2": "a-s2", "a-c3": "a-s3"})


def test_identical_annotations_agree_perfectly() -> None:
    a = ana()
    b = AnnotatorAttribution("ben", a.claims, a.sources, a.attributed_to)
    result = attribution_agreement([a, b])
    assert result["link_f1"] == 1.0
    pair = result["pairwise"][0]
    assert pair["matches"] == 3 and pair["sourcing"]["agreement"] == 1.0
    assert pair["sourcing"]["kappa"] == 1.0 and pair["entity"] == {
        "n": 1, "agreement": 1.0, "kappa": None, "reason": None}
    # the same figures with their n, as every coefficient (the library applies no minimum)
    assert result["coefficients"]["link_f1"] == {
        "value": 1.0, "reason": None,
        "n": {"units": 3, "unit": "links made by either annotator", "coders": 2,
              "documents": 2, "matches": 3}}
    assert pair["coefficients"]["sourcing_kappa"]["value"] == 1.0
    assert pair["coefficients"]["entity_agreement"]["n"]["unit"] == \
        "aligned sources both annotators named in the registry"


def test_hand_computed_pair() -> None:
    # Ben: c1 and c2 like Ana but shifted; c2 attributed to the *other* source (s1);
    # in d2 Ben has the claim but no link; he has one extra claim linked to s2.
    ben = AnnotatorAttribution(
        "ben",
        claims=[sp("b-c1", 2, 38), sp("b-c2", 55, 90), sp("b-c3", 0, 28, doc="d2"),
                sp("b-c4", 100, 120)],
        sources=[sp("b-s1", 41, 48, entity="Reuters", sourcing="media", reliability="C"),
                 sp("b-s2", 92, 99, entity="Anon", sourcing="official", reliability="C")],
        attributed_to={"b-c1": "b-s1", "b-c2": "b-s1", "b-c4": "b-s2"})
    pair = attribution_agreement([ana(), ben])["pairwise"][0]
    # aligned claims: c1, c2, c3 (c4 has no partner); aligned sources: s1, s2 (Ben has no s3)
    assert (pair["aligned_claims"], pair["aligned_sources"]) == (3, 2)
    # Ana's links: c1->s1 matches (Ben c1->s1); c2->s2 does not (Ben c2->s1); c3->s3 has no
    # aligned source. Matches 1; F1 = 2*1 / (3 + 3) = 1/3.
    assert pair["matches"] == 1 and pair["link_f1"] == pytest.approx(1 / 3)
    # its n: links made by either annotator, the match counted once: 3 + 3 - 1
    assert pair["coefficients"]["link_f1"]["n"] == {
        "units": 5, "unit": "links made by either annotator", "coders": 2, "documents": 2,
        "matches": 1}
    # sourcing on aligned sources: (media, media), (anonymous, official): 1 of 2 agree;
    # kappa: po = .5, pe = (1/2*1/2) [media] + 0 + 0 = .25 -> (.5-.25)/(.75) = 1/3
    assert pair["sourcing"]["n"] == 2 and pair["sourcing"]["agreement"] == 0.5
    assert pair["sourcing"]["kappa"] == pytest.approx(1 / 3)
    # reliability: (B, C), (C, C): po .5, pe = 0*... + (1/2)(1) = .5 -> kappa 0
    assert pair["reliability"]["agreement"] == 0.5
    assert pair["reliability"]["kappa"] == pytest.approx(0.0)
    # entity: only s1 has an entity on both sides, and it agrees
    assert pair["entity"]["n"] == 1 and pair["entity"]["agreement"] == 1.0


def test_no_links_is_na_with_a_reason() -> None:
    empty = AnnotatorAttribution("ben", [], [], {})
    alone = AnnotatorAttribution("cem", [], [], {})
    result = attribution_agreement([empty, alone])
    assert result["link_f1"] is None
    assert result["link_f1_reason"] == "no annotator linked a claim to a source"
    pair = result["pairwise"][0]
    assert pair["link_f1"] is None and pair["sourcing"]["reason"].startswith("no aligned source")
    assert pair["coefficients"]["link_f1"]["n"]["units"] == 0
    one = attribution_agreement([ana()], min_units=30)
    assert one["link_f1_reason"] == "fewer than two annotators" and one["pairwise"] == []
    assert one["coefficients"]["link_f1"]["value"] is None


def test_kappa_with_one_category_is_na() -> None:
    a = AnnotatorAttribution("a", [], [sp("x", 0, 5, sourcing="media"),
                                       sp("y", 10, 15, sourcing="media")], {})
    b = AnnotatorAttribution("b", [], [sp("x2", 0, 5, sourcing="media"),
                                       sp("y2", 10, 15, sourcing="media")], {})
    s = attribution_agreement([a, b])["pairwise"][0]["sourcing"]
    # as percent agreement on spans: with one value in use, 1.0 says nothing about skill
    assert s["agreement"] is None and s["kappa"] is None
    assert s["reason"] == ("every compared value is 'media': with no variation, chance "
                           "agreement is 1 and agreement cannot be told from chance")


def test_alignment_is_per_document_and_one_to_one() -> None:
    a = [sp("a1", 0, 10), sp("a2", 5, 15), sp("a3", 0, 10, doc="d2")]
    b = [sp("b1", 4, 14), sp("b2", 0, 10, doc="d3")]
    assert align(a, b) == {"a2": "b1"}


def test_pooled_f1_over_three_annotators() -> None:
    a = ana()
    same = AnnotatorAttribution("ben", a.claims, a.sources, a.attributed_to)
    none = AnnotatorAttribution("cem", a.claims, a.sources, {})
    result = attribution_agreement([a, same, none])
    # pairs: (ana, ben) 3 matches of 3+3; (ana, cem) 0 of 3+0; (ben, cem) 0 of 3+0
    assert result["link_f1"] == pytest.approx(2 * 3 / 12)
    assert [p["link_f1"] for p in result["pairwise"]] == [1.0, 0.0, 0.0]


def test_below_the_minimum_every_figure_is_na_with_its_n() -> None:
    a = ana()
    b = AnnotatorAttribution("ben", a.claims, a.sources, a.attributed_to)
    result = attribution_agreement([a, b], min_units=4)
    assert result["minimums"] == {"units": 4}
    reason = "3 links made by either annotator, fewer than the minimum of 4"
    assert (result["link_f1"], result["link_f1_reason"]) == (None, reason)
    pair = result["pairwise"][0]
    assert (pair["link_f1"], pair["link_f1_reason"]) == (None, reason)
    assert pair["matches"] == 3  # the counts stay: only the figures are withheld
    assert pair["sourcing"] == {
        "n": 3, "agreement": None, "kappa": None,
        "reason": "3 aligned sources with a sourcing value from both annotators, fewer than "
                  "the minimum of 4"}
    assert pair["entity"]["reason"] == ("1 aligned sources both annotators named in the "
                                        "registry, fewer than the minimum of 4")
    assert set(pair["coefficients"]) == {
        "link_f1", "sourcing_agreement", "sourcing_kappa", "reliability_agreement",
        "reliability_kappa", "entity_agreement"}
    for entry in pair["coefficients"].values():
        assert entry["value"] is None and "fewer than the minimum of 4" in entry["reason"]
    # at the minimum the figures are given
    at = attribution_agreement([a, b], min_units=3)
    assert at["link_f1"] == 1.0 and at["pairwise"][0]["sourcing"]["kappa"] == 1.0
    assert at["pairwise"][0]["entity"]["agreement"] is None  # n 1 < 3


def test_the_pooled_n_sums_each_pairs_links() -> None:
    a = ana()
    same = AnnotatorAttribution("ben", a.claims, a.sources, a.attributed_to)
    none = AnnotatorAttribution("cem", a.claims, a.sources, {})
    result = attribution_agreement([a, same, none], min_units=9)
    # links made by either annotator: 3 (ana, ben: all matched) + 3 + 3
    n = result["coefficients"]["link_f1"]["n"]
    assert (n["units"], n["coders"], n["matches"]) == (9, 2, 3)
    assert result["link_f1"] == pytest.approx(2 * 3 / 12)
    assert [p["link_f1"] for p in result["pairwise"]] == [None, None, None]
    with pytest.raises(ValueError):
        attribution_agreement([a, same], min_units=-1)
