"""The attribution finder on hand-written sentences: each pattern, and what is not one."""

from __future__ import annotations

import pytest

from stancedesk.attribution import Suggestion, find_attributions


def one(text: str) -> Suggestion:
    found = find_attributions(text)
    assert len(found) == 1, [(s.source.text, s.claim.text, s.rule) for s in found]
    return found[0]


def check_offsets(text: str, s: Suggestion) -> None:
    for piece in (s.source, s.claim, s.cue, s.via):
        if piece is not None:
            assert text[piece.start:piece.end] == piece.text


def test_quotation_then_speaker_and_cue() -> None:
    text = "“The border will stay closed until further notice,” the source stated."
    s = one(text)
    assert s.source.text == "the source" and s.sourcing == "anonymous"
    assert s.claim.text == "The border will stay closed until further notice"
    assert s.cue is not None and s.cue.text == "stated"
    check_offsets(text, s)


def test_quotation_then_cue_then_named_speaker() -> None:
    s = one('"We are ready to talk," said Foreign Minister Anna Varo.')
    assert s.source.text == "Foreign Minister Anna Varo" and s.sourcing == "official"
    assert s.claim.text == "We are ready to talk"


def test_that_clause_after_the_cue() -> None:
    s = one("A Western diplomat based in the region said that the talks had stalled over "
            "the prisoner lists.")
    assert s.source.text == "A Western diplomat based in the region"
    assert s.sourcing == "diplomat"
    assert s.claim.text == "the talks had stalled over the prisoner lists"
    assert "that-clause" in s.rule


def test_clause_before_the_speaker() -> None:
    s = one("The ceasefire will take effect at midnight, the defence ministry said on Sunday.")
    assert s.source.text == "the defence ministry" and s.sourcing == "official"
    assert s.claim.text == "The ceasefire will take effect at midnight"


@pytest.mark.parametrize("where", ["front", "back"])
def test_according_to(where: str) -> None:
    claim = "exports fell by a third in the first quarter"
    source = "an anonymous source with knowledge of the regime's thinking"
    text = (f"According to {source}, {claim}." if where == "front"
            else f"{claim[0].upper() + claim[1:]}, according to {source}.")
    s = one(text)
    assert s.source.text == source and s.sourcing == "anonymous"
    assert s.claim.text.lower() == claim
    assert s.cue is not None and s.cue.text == "According to"[0:0] + text[s.cue.start:s.cue.end]
    check_offsets(text, s)


def test_according_to_cited_by_an_intermediary() -> None:
    text = ("According to an anonymous source with knowledge of the regime's thinking, cited by "
            "the Reuters news agency, the president fears that a meeting would hand his rival "
            "another achievement.")
    s = one(text)
    assert s.source.text == "an anonymous source with knowledge of the regime's thinking"
    assert s.via is not None and s.via.text == "the Reuters news agency"
    assert s.claim.text.startswith("the president fears")
    check_offsets(text, s)


def test_citing_sources_reported_that() -> None:
    text = "The daily Kessa Post, citing sources, reported that the cabinet would resign."
    s = one(text)
    assert s.source.text == "sources" and s.sourcing == "anonymous"
    assert s.via is not None and s.via.text == "The daily Kessa Post"
    assert s.claim.text == "the cabinet would resign"


def test_reported_citing_after_the_verb() -> None:
    s = one("The newspaper reported on Thursday, citing two unnamed officials, that the "
            "negotiators had been authorised to discuss the crossing.")
    assert s.source.text == "two unnamed officials" and s.via is not None
    assert s.via.text == "The newspaper"
    assert s.claim.text == "the negotiators had been authorised to discuss the crossing"


def test_cited_as_saying() -> None:
    s = one("Reuters cited a Turkish official as saying that the meeting would take place in "
            "Ankara.")
    assert s.source.text == "a Turkish official" and s.sourcing == "anonymous"
    assert s.via is not None and s.via.text == "Reuters"
    assert s.cue is not None and s.cue.text == "cited a Turkish official as saying"
    assert s.claim.text == "the meeting would take place in Ankara"


def test_media_as_source() -> None:
    s = one("Reuters reported that the pipeline had been shut for repairs.")
    assert s.sourcing == "media" and s.source.text == "Reuters"


@pytest.mark.parametrize("pronoun, verb", [("he", "added"), ("she", "said")])
def test_pronoun_resolved_to_the_nearest_named_source(pronoun: str, verb: str) -> None:
    text = ("Health Minister Petr Halas said the offer was final. Union leader Marta Kolin "
            "said the strike would go on. "
            f"“We cannot pay money we do not have,” {pronoun} {verb}.")
    found = find_attributions(text)
    last = found[-1]
    assert last.claim.text == "We cannot pay money we do not have"
    assert last.source.text == "Union leader Marta Kolin"  # the nearest named source
    assert f"pronoun '{pronoun}'" in last.rule
    check_offsets(text, last)


@pytest.mark.parametrize("verb", ["emphasized", "stressed", "insisted", "clarified",
                                  "mentioned", "urged", "warned", "denied", "confirmed"])
def test_reporting_verbs_beyond_said(verb: str) -> None:
    s = one(f"Interior Minister Lena Dahl {verb} that the curfew would be lifted on Monday.")
    assert s.cue is not None and s.cue.text == verb
    assert s.claim.text == "the curfew would be lifted on Monday"


def test_told_skips_the_hearer() -> None:
    s = one("Two officials told reporters the talks would resume next week.")
    assert s.claim.text == "the talks would resume next week"
    assert s.sourcing == "anonymous"


def test_non_breaking_spaces_and_curly_quotes() -> None:
    text = ("“Nothing\u00a0has been decided,” said spokeswoman Ilse\u00a0Kovar, adding that "
            "the cabinet\u00a0would meet on Friday.")
    found = find_attributions(text)
    assert [s.claim.text for s in found] == ["Nothing\u00a0has been decided",
                                             "the cabinet\u00a0would meet on Friday"]
    assert all(s.source.text == "spokeswoman Ilse\u00a0Kovar" for s in found)
    for s in found:
        check_offsets(text, s)


def test_continued_quotation_keeps_the_speaker() -> None:
    text = ("“We are not against peace,” said Radek Orsin, a farmer. “We are against "
            "forgetting.”")
    found = find_attributions(text)
    assert [s.claim.text for s in found] == ["We are not against peace",
                                             "We are against forgetting"]
    assert found[1].cue is None and "continued quotation" in found[1].rule


def test_offsets_survive_emoji_and_combining_marks_before() -> None:
    text = "Cafe\u0301 owners 🙂 protested.\n\nThe tax will rise in May, the ministry said."
    s = one(text)
    check_offsets(text, s)
    assert s.claim.text == "The tax will rise in May"


@pytest.mark.parametrize("text", [
    "“He said he would come, and then he said he would not,” she laughed about it later.",
    "The government is looking for new sources of revenue to balance the budget.",
    "The report's source code was published on Tuesday.",
    "Minister says talks will resume next week",  # a headline: no final full stop
    "Photo: The minister said goodbye to the delegation in Lindholm.",
    "By Ana Lisecki",
    "(Reporting by Ana Lisecki; Editing by Martin Osgood)",
    "He declined to say when the talks would resume.",
    "A charge the family denies.",
])
def test_not_attributions(text: str) -> None:
    assert find_attributions(text) == []


def test_said_inside_a_quotation_is_not_a_cue() -> None:
    text = "“They said it was only about prisoners,” Kazimir Dunaj told the crowd."
    s = one(text)
    assert s.source.text == "Kazimir Dunaj"
    assert s.claim.text == "They said it was only about prisoners"


def test_dateline_is_not_part_of_the_claim() -> None:
    s = one("KESSA, Feb 20 (CWS) - A strike by junior doctors spread to Orlan on Thursday, the "
            "doctors' union said.")
    assert s.claim.text == "A strike by junior doctors spread to Orlan on Thursday"


def test_relative_clause_subject_shared_by_a_coordinated_cue() -> None:
    s = one("A senior official who confirmed the memo's authenticity, speaking on condition of "
            "anonymity, described it as a draft and said no figures had been agreed.")
    assert s.source.text == "A senior official" and s.sourcing == "anonymous"
    assert s.claim.text == "no figures had been agreed"


def test_an_introductory_place_is_not_part_of_the_source() -> None:
    s = one("In Kessa, a source with knowledge of the cabinet's thinking said the offer stood.")
    assert s.source.text == "a source with knowledge of the cabinet's thinking"


def test_a_participle_clause_after_the_source_is_skipped() -> None:
    s = one("The weekly Nordpost, published in the port city of Vassen, reported that the "
            "ferry would stop in March.")
    assert s.source.text == "The weekly Nordpost" and s.sourcing == "media"
    assert s.claim.text == "the ferry would stop in March"
