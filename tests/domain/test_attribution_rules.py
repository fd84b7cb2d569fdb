"""Link integrity, via chains and registry name matching, on plain values."""

from __future__ import annotations

from stancedesk.domain.attribution import (
    Link,
    LinkEnd,
    LinkKind,
    SourceEntity,
    SpanRole,
    chain,
    check_links,
    matching_entities,
    name_key,
    via_cycles,
)

C, S, CUE = SpanRole.CLAIM, SpanRole.SOURCE, SpanRole.CUE


def spans(**roles: SpanRole | None) -> dict[str, LinkEnd]:
    return {name: LinkEnd("doc", "ana", role) for name, role in roles.items()}


def test_a_claim_source_intermediary_chain_is_valid() -> None:
    links = [Link("c1", LinkKind.ATTRIBUTED_TO, "anon"), Link("anon", LinkKind.VIA, "reuters"),
             Link("c1", LinkKind.CUE, "said")]
    assert check_links(spans(c1=C, anon=S, reuters=S, said=CUE), links) == []


def test_each_rule_is_named() -> None:
    table = spans(c1=C, c2=C, s1=S, s2=S, cue=CUE, bare=None)
    table["other_doc"] = LinkEnd("doc2", "ana", S)
    table["other_ann"] = LinkEnd("doc", "ben", S)
    problems = check_links(table, [
        Link("c1", LinkKind.ATTRIBUTED_TO, "gone"),
        Link("c1", LinkKind.ATTRIBUTED_TO, "other_doc"),
        Link("c2", LinkKind.ATTRIBUTED_TO, "other_ann"),
        Link("s1", LinkKind.ATTRIBUTED_TO, "s2"),
        Link("c1", LinkKind.CUE, "bare"),
        Link("s1", LinkKind.VIA, "s1"),
    ])
    assert problems == [
        "attributed_to link c1 -> gone: no span gone",
        "attributed_to link c1 -> other_doc: the two spans are in different documents",
        "attributed_to link c2 -> other_ann: the two spans belong to different annotators "
        "(ana, ben)",
        "attributed_to link s1 -> s2: it must start at a claim span, not a source",
        "cue link c1 -> bare: it must point to a cue span, not a span without a role",
        "via link s1 -> s1: a span cannot be linked to itself",
    ]


def test_one_link_of_each_kind_per_span() -> None:
    problems = check_links(spans(c1=C, s1=S, s2=S), [
        Link("c1", LinkKind.ATTRIBUTED_TO, "s1"), Link("c1", LinkKind.ATTRIBUTED_TO, "s2")])
    assert problems == ["attributed_to link c1 -> s2: span c1 already has a attributed_to link "
                        "(to s1)"]


def test_via_cycles_are_refused_once_each() -> None:
    links = [Link("a", LinkKind.VIA, "b"), Link("b", LinkKind.VIA, "c"),
             Link("c", LinkKind.VIA, "a"), Link("d", LinkKind.VIA, "a")]
    assert check_links(spans(a=S, b=S, c=S, d=S), links) == [
        "via links form a cycle: a -> b -> c -> a"]
    assert via_cycles({"x": "y", "y": "x"}) == [["x", "y", "x"]]
    assert via_cycles({"x": "y", "y": "z"}) == []


def test_chain_follows_intermediaries() -> None:
    assert chain("anon", {"anon": "reuters", "reuters": "outlet"}) == ["anon", "reuters",
                                                                       "outlet"]
    assert chain("alone", {}) == ["alone"]


def test_names_match_across_case_accents_articles() -> None:
    assert name_key("the Reuters  news-agency") == name_key("REUTERS News Agency")
    assert name_key("Zoé Arnaud") == name_key("Zoe Arnaud")
    reuters = SourceEntity("e1", "Reuters", "media", ("the Reuters news agency", "the agency"))
    agency = SourceEntity("e2", "Agence Nord-Presse", "media", ("ANP",))
    assert matching_entities("The agency", [agency, reuters]) == [reuters]
    assert matching_entities("Reuters", [agency, reuters]) == [reuters]
    assert matching_entities("the Reuters news agency's", [agency, reuters]) == [reuters]
    assert matching_entities("anp", [reuters, agency]) == [agency]
    assert matching_entities("the", [reuters, agency]) == []
