"""One annotator's review of a document's suggestions (what the desk's keys do): accept stores a
suggestion by the --apply code path and its undo removes exactly what it stored; a rejection
hides the suggestion for that annotator only; both are undoable; the CLI does the same."""

from __future__ import annotations

import json

import pytest

from stancedesk.cli import main
from stancedesk.domain.attribution import Link, LinkKind
from stancedesk.domain.errors import Cancelled, NotFoundError, StaleEditError, UserError
from stancedesk.services import attribution as attr
from stancedesk.services import spans as span_service
from stancedesk.services import suggestions
from stancedesk.services.suggestions import suggestion_key
from stancedesk.storage.engine import Database
from tests.services.test_attribution import add_doc
from tests.services.test_suggestions import TEXT

CEASEFIRE = TEXT.index("The ceasefire will hold")
MINISTRY = TEXT.index("the defence ministry")
KEY = f"{MINISTRY}:{MINISTRY + 20}:{CEASEFIRE}:{CEASEFIRE + 23}"  # the ministry's claim


def keys(db: Database, doc: str, who: str) -> list[str]:
    return [suggestion_key(s) for s in suggestions.live_suggestions(db, doc, who)]


def test_the_key_is_source_and_claim_offsets(db: Database) -> None:
    doc = add_doc(db, TEXT)
    found = suggestions.find_in_document(db, doc)
    assert next(suggestion_key(s) for s in found) == KEY
    assert len(found) == 2 and keys(db, doc, "ana") == [suggestion_key(s) for s in found]


def test_accept_stores_spans_links_sourcing_marked_and_hides_it(db: Database) -> None:
    doc = add_doc(db, TEXT)
    done = suggestions.accept(db, doc, "ana", KEY)
    by_text = {s.text: s for s in span_service.list_spans(db, [doc], ["ana"])}
    assert {s.text: s.role for s in done.spans} == {"The ceasefire will hold": "claim",
                                                   "the defence ministry": "source",
                                                   "said": "cue"}
    assert set(by_text) == {s.text for s in done.spans}
    assert dict(by_text["the defence ministry"].labels) == {"sourcing": "official"}
    claim, source, cue = (by_text[t].id for t in ("The ceasefire will hold",
                                                  "the defence ministry", "said"))
    assert set(attr.links_of(db, doc, "ana")) == {Link(claim, LinkKind.ATTRIBUTED_TO, source),
                                                 Link(claim, LinkKind.CUE, cue)}
    assert set(done.links) == set(attr.links_of(db, doc, "ana"))
    from stancedesk.services import agreement
    assert agreement.suggested_unedited(db, list(by_text.values())) == {claim, source, cue}
    assert done.changes.spans_added == {doc: {"ana": 3}}
    assert KEY not in keys(db, doc, "ana")  # her claim is there now
    assert KEY in keys(db, doc, "ben")
    with pytest.raises(UserError, match="already marked a claim"):
        suggestions.accept(db, doc, "ana", KEY)


def test_undo_of_accept_removes_exactly_what_it_stored_and_redo_restores_it(
        db: Database) -> None:
    doc = add_doc(db, TEXT)
    # her own source at the same place is linked to, never duplicated, and survives the undo
    own = span_service.create_span(db, doc, "ana", MINISTRY, MINISTRY + 20,
                                   {"sourcing": "diplomat"}, role="source")
    done = suggestions.accept(db, doc, "ana", KEY)
    assert own.id not in {s.id for s in done.spans} and len(done.spans) == 2
    undone = suggestions.unaccept(db, done)
    left = span_service.list_spans(db, [doc], ["ana"])
    assert left == [own] and attr.links_of(db, doc, "ana") == []
    assert KEY in keys(db, doc, "ana")
    back = suggestions.reaccept(db, undone)
    assert [s.id for s in back.spans] == [s.id for s in done.spans]
    assert set(attr.links_of(db, doc, "ana")) == set(done.links)
    from stancedesk.services import agreement
    assert agreement.suggested_unedited(db, list(back.spans)) == {s.id for s in back.spans}
    assert suggestions.unaccept(db, back).spans  # the restored copies are current


def test_undo_of_accept_refuses_an_edited_or_newly_linked_span(db: Database) -> None:
    doc = add_doc(db, TEXT)
    done = suggestions.accept(db, doc, "ana", KEY)
    source = next(s for s in done.spans if s.role == "source")
    span_service.update_labels(db, source.id, {"reliability": "B"})
    with pytest.raises(StaleEditError):
        suggestions.unaccept(db, done)
    assert len(span_service.list_spans(db, [doc], ["ana"])) == 3  # nothing was deleted
    second = suggestions.accept(db, doc, "ana", keys(db, doc, "ana")[0])
    mine = span_service.create_span(db, doc, "ana", 0, 3, role="claim")
    first_source = next(s for s in second.spans if s.role == "source")
    attr.link(db, mine.id, LinkKind.ATTRIBUTED_TO, first_source.id)
    with pytest.raises(StaleEditError, match="linked since"):
        suggestions.unaccept(db, second)
    assert len(span_service.list_spans(db, [doc], ["ana"])) == 3 + len(second.spans) + 1


def test_reject_hides_it_for_that_annotator_only_and_unreject_shows_it(db: Database) -> None:
    doc = add_doc(db, TEXT)
    changes = suggestions.reject(db, doc, "ana", KEY)
    assert changes.suggestions_changed == {doc} and bool(changes)
    assert KEY not in keys(db, doc, "ana") and len(keys(db, doc, "ana")) == 1
    assert KEY in keys(db, doc, "ben")
    assert suggestions.rejected(db, doc, "ana") == {KEY}
    assert not suggestions.reject(db, doc, "ana", KEY)  # again: nothing new
    with pytest.raises(UserError, match="rejected suggestion"):
        suggestions.accept(db, doc, "ana", KEY)
    assert span_service.list_spans(db, [doc]) == []
    assert suggestions.unreject(db, doc, "ana", KEY).suggestions_changed == {doc}
    assert KEY in keys(db, doc, "ana")
    with pytest.raises(NotFoundError):
        suggestions.unreject(db, doc, "ana", KEY)


def test_unknown_and_malformed_keys_are_user_errors(db: Database) -> None:
    doc = add_doc(db, TEXT)
    with pytest.raises(NotFoundError, match="has no suggestion 1:2:3:4"):
        suggestions.accept(db, doc, "ana", "1:2:3:4")
    with pytest.raises(UserError, match="not a suggestion key"):
        suggestions.reject(db, doc, "ana", "source")
    with pytest.raises(NotFoundError):
        suggestions.reject(db, "nope", "ana", KEY)
    assert suggestions.rejected(db, doc, "ana") == set()


def test_cli_reviews_like_the_desk(db: Database, db_url: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    doc = add_doc(db, TEXT)
    db.dispose()
    base = ["--db", db_url, "suggest", "--documents", doc, "--annotator", "ana"]
    assert main([*base, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 2 and set(listed[0]) == {"document_id", "source", "cue", "claim",
                                                   "via", "rule"}
    assert main([*base, "--reject", KEY]) == 0
    assert capsys.readouterr().out == f"rejected {KEY} for ana\n"
    assert main([*base, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert main([*base, "--accept", KEY]) == 2
    assert "rejected suggestion" in capsys.readouterr().err
    assert main([*base, "--unreject", KEY]) == 0
    capsys.readouterr()
    assert main([*base, "--accept", KEY, "--json"]) == 0
    accepted = json.loads(capsys.readouterr().out)
    assert (accepted["spans_added"], accepted["links_added"]) == (3, 2)
    assert main([*base]) == 0
    out = capsys.readouterr().out
    assert "1 suggestion(s)" in out and "key:   " in out and KEY not in out
    # taken back from the command line: the spans it stored go, unless edited since
    assert main([*base, "--unaccept", KEY]) == 0
    assert capsys.readouterr().out == f"took {KEY} back for ana: 3 span(s) deleted\n"
    assert main([*base, "--unaccept", KEY]) == 2
    assert "no unedited claim from suggestion" in capsys.readouterr().err
    assert main(["--db", db_url, "suggest", "--reject", KEY, "--annotator", "ana"]) == 2
    assert "(--documents ID)" in capsys.readouterr().err
    assert main(["--db", db_url, "suggest", "--documents", doc, "--reject", KEY]) == 2
    assert "--reject needs --annotator NAME" in capsys.readouterr().err


def test_accepted_reads_back_only_what_the_suggestion_alone_stored(db: Database) -> None:
    doc = add_doc(db, TEXT)
    done = suggestions.accept(db, doc, "ana", KEY)
    found = suggestions.accepted(db, doc, "ana", KEY)
    assert {s.id for s in found.spans} == {s.id for s in done.spans}
    assert set(found.links) == set(done.links)
    # another claim of hers now relies on the accepted source: that source stays
    source = next(s for s in done.spans if s.role == "source")
    other = span_service.create_span(db, doc, "ana", 0, 3, role="claim")
    attr.link(db, other.id, LinkKind.ATTRIBUTED_TO, source.id)
    kept = suggestions.accepted(db, doc, "ana", KEY)
    assert source.id not in {s.id for s in kept.spans} and len(kept.spans) == 2
    suggestions.unaccept(db, kept)
    left = {s.id for s in span_service.list_spans(db, [doc], ["ana"])}
    assert left == {source.id, other.id}
    assert attr.links_of(db, doc, "ana") == [Link(other.id, LinkKind.ATTRIBUTED_TO, source.id)]


def test_a_long_search_can_be_cancelled(db: Database) -> None:
    doc = add_doc(db, TEXT)
    asked: list[int] = []
    with pytest.raises(Cancelled):
        suggestions.find_in_document(db, doc, cancelled=lambda: asked.append(1) or True)
    assert asked == [1]  # asked before the first paragraph
    assert len(suggestions.find_in_document(db, doc, cancelled=lambda: False)) == 2
