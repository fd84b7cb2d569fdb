"""Roles, links and the registry through the services: integrity, undo, merge, counts."""

from __future__ import annotations

import pytest

from stancedesk.domain import Document, document_id_for_text, sha256_text
from stancedesk.domain.attribution import LinkKind, SpanRole
from stancedesk.domain.errors import NotFoundError
from stancedesk.services import attribution as attr
from stancedesk.services import spans as span_service
from stancedesk.services.spans import AnnotationError
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

TEXT = ("According to a source with knowledge of the talks, cited by Reuters, the meeting "
        "was postponed. The minister said the delay was technical.")


def add_doc(db: Database, text: str = TEXT) -> str:
    doc = Document(id=document_id_for_text(text), title="t", text=text, sha256=sha256_text(text),
                   outlet="Meridian")
    with db.write() as session:
        repo.add_document(session, doc)
    return doc.id


def span(db: Database, doc: str, phrase: str, role: SpanRole | None, who: str = "ana",
         **labels: str) -> str:
    start = TEXT.index(phrase)
    return span_service.create_span(db, doc, who, start, start + len(phrase), labels,
                                    role=str(role) if role else None).id


@pytest.fixture
def chain(db: Database) -> dict[str, str]:
    doc = add_doc(db)
    ids = {
        "doc": doc,
        "claim": span(db, doc, "the meeting was postponed", SpanRole.CLAIM, stance="neutral"),
        "source": span(db, doc, "a source with knowledge of the talks", SpanRole.SOURCE,
                       sourcing="anonymous"),
        "reuters": span(db, doc, "Reuters", SpanRole.SOURCE, sourcing="media",
                        reliability="B"),
        "cue": span(db, doc, "According to", SpanRole.CUE),
    }
    attr.link(db, ids["claim"], LinkKind.ATTRIBUTED_TO, ids["source"])
    attr.link(db, ids["source"], LinkKind.VIA, ids["reuters"])
    attr.link(db, ids["claim"], LinkKind.CUE, ids["cue"])
    return ids


def test_a_chain_is_stored(db: Database, chain: dict[str, str]) -> None:
    links = attr.links_of(db, chain["doc"], "ana")
    assert {(x.from_span, x.kind, x.to_span) for x in links} == {
        (chain["claim"], LinkKind.ATTRIBUTED_TO, chain["source"]),
        (chain["source"], LinkKind.VIA, chain["reuters"]),
        (chain["claim"], LinkKind.CUE, chain["cue"])}


def test_links_across_annotators_wrong_roles_and_cycles_are_refused(
        db: Database, chain: dict[str, str]) -> None:
    bens = span(db, chain["doc"], "The minister", SpanRole.SOURCE, who="ben")
    with pytest.raises(attr.AttributionError, match="belong to different annotators"):
        attr.link(db, chain["claim"], LinkKind.ATTRIBUTED_TO, bens)
    with pytest.raises(attr.AttributionError, match="must point to a source span, not a cue"):
        attr.link(db, chain["claim"], LinkKind.ATTRIBUTED_TO, chain["cue"])
    with pytest.raises(attr.AttributionError, match="via links form a cycle"):
        attr.link(db, chain["reuters"], LinkKind.VIA, chain["source"])
    with pytest.raises(NotFoundError):
        attr.link(db, "nope", LinkKind.VIA, chain["source"])
    # nothing of the refused changes was stored
    assert len(attr.links_of(db, chain["doc"], "ana")) == 3


def test_changing_and_undoing_a_link(db: Database, chain: dict[str, str]) -> None:
    minister = span(db, chain["doc"], "The minister", SpanRole.SOURCE)
    change = attr.link(db, chain["claim"], LinkKind.ATTRIBUTED_TO, minister)
    assert change.before is not None and change.before.to_span == chain["source"]
    attr.restore_link(db, change)
    links = {(x.from_span, x.kind): x.to_span for x in attr.links_of(db, chain["doc"], "ana")}
    assert links[(chain["claim"], LinkKind.ATTRIBUTED_TO)] == chain["source"]
    cleared = attr.link(db, chain["claim"], LinkKind.ATTRIBUTED_TO, None)
    assert cleared.after is None
    attr.restore_link(db, cleared)
    assert len(attr.links_of(db, chain["doc"], "ana")) == 3


@pytest.mark.parametrize("claims", ["keep", "delete"])
def test_deleting_a_source_and_undo_restores_the_links(
        db: Database, chain: dict[str, str], claims: str) -> None:
    removal = attr.delete_spans(db, [chain["source"]], claims=claims)  # type: ignore[arg-type]
    left = {s.id for s in span_service.list_spans(db)}
    assert chain["source"] not in left
    assert (chain["claim"] in left) is (claims == "keep")
    assert attr.links_of(db, chain["doc"], "ana") == (
        [] if claims == "delete" else
        [x for x in attr.links_of(db, chain["doc"], "ana")])
    attr.restore(db, removal)
    assert len(attr.links_of(db, chain["doc"], "ana")) == 3
    assert {s.id for s in span_service.list_spans(db)} >= {chain["source"], chain["claim"]}


def test_roles_that_links_need_and_layers_that_do_not_fit(
        db: Database, chain: dict[str, str]) -> None:
    with pytest.raises(attr.AttributionError, match="remove those links first"):
        attr.set_role(db, chain["cue"], SpanRole.SOURCE)  # the claim's cue link needs a cue
    with pytest.raises(AnnotationError, match="sourcing, reliability, which the scheme does "
                                              "not give to a claim"):
        attr.set_role(db, chain["reuters"], SpanRole.CLAIM)
    lone = span(db, chain["doc"], "The minister", SpanRole.SOURCE, sourcing="official")
    change = attr.set_role(db, lone, None)  # no role: every layer fits
    assert change.after is not None and change.after.role is None
    assert change.after.version == change.before.version + 1  # type: ignore[union-attr]
    with pytest.raises(AnnotationError, match="layer 'stance' does not apply to a source"):
        span_service.update_labels(db, chain["source"], {"stance": "favor"})
    # a span without a role takes every layer, as before roles existed
    free = span(db, chain["doc"], "the delay was technical", None, stance="against",
                sourcing="official")
    assert span_service.get_span(db, free).role is None


def test_registry_names_aliases_merge_and_counts(db: Database, chain: dict[str, str]) -> None:
    reuters = attr.create_entity(db, "Reuters", "media", ["the Reuters news agency"])
    with pytest.raises(attr.AttributionError, match="already in the registry as 'Reuters'"):
        attr.create_entity(db, "the reuters")
    agency = attr.create_entity(db, "The agency", "media")
    # the exact alias first, then a name it contains
    assert [e.name for e in attr.matching(db, "the Reuters News Agency")] == ["Reuters",
                                                                            "The agency"]
    attr.name_source(db, chain["reuters"], "Reuters")
    with pytest.raises(attr.AttributionError, match="only a source can name"):
        attr.name_source(db, chain["claim"], "Reuters")
    merged = attr.merge_entities(db, reuters.id, "the agency")
    assert merged.aliases == ("the Reuters news agency", "The agency")
    with pytest.raises(NotFoundError):
        attr.update_entity(db, agency.id, notes="gone")
    renamed = attr.update_entity(db, "Reuters", name="Reuters News", add_aliases=["RTRS"])
    assert renamed.name == "Reuters News" and "Reuters" in renamed.aliases
    entry = next(e for e in attr.registry(db) if e.entity.id == reuters.id)
    assert (entry.mentions, entry.claims, entry.documents) == (1, 0, 1)
    assert entry.current_grade == "B" and entry.grades[0].annotator == "ana"
    # a claim attributed to the Reuters span counts, and is listed across the corpus
    attr.link(db, chain["claim"], LinkKind.ATTRIBUTED_TO, chain["reuters"])
    entry = next(e for e in attr.registry(db) if e.entity.id == reuters.id)
    assert entry.claims == 1
    assert [c.id for c in attr.claims_of(db, "rtrs")] == [chain["claim"]]


def test_clearing_the_last_label_of_a_span_with_a_role_keeps_it_and_its_links(
        db: Database, chain: dict[str, str]) -> None:
    change = span_service.update_labels(db, chain["source"], {"sourcing": None})
    assert change.after is not None and change.after.role == "source"
    assert dict(change.after.labels) == {}
    assert len(attr.links_of(db, chain["doc"], "ana")) == 3
    bare = span(db, chain["doc"], "the delay was technical", None, stance="against")
    assert span_service.update_labels(db, bare, {"stance": None}).after is None  # still a ghost


def _registry_state(db: Database) -> tuple:
    """Everything a registry undo must give back: entities, who names what, and when."""
    with db.read() as session:
        from stancedesk.storage import attribution as arepo

        entities = sorted(((e, arepo.entity_times(session, e.id))
                           for e in arepo.list_entities(session)), key=lambda x: x[0].id)
    spans = sorted((s.id, s.entity_id, s.updated_at) for s in span_service.list_spans(db))
    grades = sorted((e.entity.id, e.current_grade) for e in attr.registry(db))
    return entities, spans, grades


def test_an_edit_is_put_back_exactly_and_never_over_a_later_edit(
        db: Database, chain: dict[str, str]) -> None:
    reuters = attr.create_entity(db, "Reuters", "media", ["the Reuters news agency"])
    edit = attr.edit_entity(db, reuters.id, name="Reuters News", add_aliases=["RTRS"],
                            remove_aliases=["the Reuters news agency"])
    assert edit.before == reuters and edit.after.name == "Reuters News"
    assert edit.after.aliases == ("Reuters", "RTRS")
    # the undo is exact: the old name is not left behind as an alias
    assert attr.put_entity(db, edit.after, edit.before) == reuters
    assert attr.matching(db, "RTRS") == []
    assert attr.put_entity(db, edit.before, edit.after) == edit.after
    attr.update_entity(db, reuters.id, notes="someone else's note")
    with pytest.raises(attr.AttributionError, match="was changed since"):
        attr.put_entity(db, edit.after, edit.before)


def test_unmerge_gives_back_both_sources_and_which_spans_named_which(
        db: Database, chain: dict[str, str]) -> None:
    reuters = attr.create_entity(db, "Reuters", "media", ["RTRS"], notes="wire")
    agency = attr.create_entity(db, "The agency", "", ["the news agency"], notes="vague")
    attr.name_source(db, chain["reuters"], reuters.id)
    attr.name_source(db, chain["source"], agency.id)
    other = span(db, chain["doc"], "a source with knowledge of the talks", SpanRole.SOURCE,
                 who="ben", reliability="D")
    attr.name_source(db, other, agency.id)
    before = _registry_state(db)
    merged = attr.merge(db, reuters.id, agency.id)
    assert {n.span_id for n in merged.namings} == {chain["source"], other}
    assert set(merged.changes.spans_changed[chain["doc"]]) == {"ana", "ben"}
    assert [e.entity.name for e in attr.registry(db)] == ["Reuters"]
    attr.unmerge(db, merged)
    assert _registry_state(db) == before
    # redo, then undo again: the same split
    again = attr.merge(db, reuters.id, agency.id)
    attr.unmerge(db, again)
    assert _registry_state(db) == before
    # an undo refuses to overwrite an edit made after the merge
    third = attr.merge(db, reuters.id, agency.id)
    attr.update_entity(db, reuters.id, name="Reuters Ltd")
    with pytest.raises(attr.AttributionError, match="was changed since"):
        attr.unmerge(db, third)
