"""suggest --apply: suggestions stored as an annotator's spans and links, marked, never
touching what the annotator already has; agreement reports or leaves out the unedited ones."""

from __future__ import annotations

import json

import pytest

from stancedesk.cli import main
from stancedesk.domain.attribution import LinkKind
from stancedesk.services import agreement, suggestions
from stancedesk.services import attribution as attr
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database
from tests.services.test_attribution import add_doc

TEXT = ("The ceasefire will hold, the defence ministry said on Sunday. "
        "The daily Kessa Post, citing two unnamed officials, reported that the cabinet would "
        "resign.")


def test_apply_stores_roles_links_sourcing_and_marks(db: Database) -> None:
    doc = add_doc(db, TEXT)
    report = suggestions.apply(db, "robo")
    assert (report.spans_added, report.skipped) == (7, 0)
    spans = {s.text: s for s in span_service.list_spans(db, annotators=["robo"])}
    assert spans["The ceasefire will hold"].role == "claim"
    assert spans["the defence ministry"].role == "source"
    assert dict(spans["the defence ministry"].labels) == {"sourcing": "official"}
    assert spans["said"].role == "cue"
    links = {(x.from_span, x.kind): x.to_span for x in attr.links_of(db, doc, "robo")}
    officials, post = spans["two unnamed officials"], spans["The daily Kessa Post"]
    assert links[(officials.id, LinkKind.VIA)] == post.id
    assert links[(spans["the cabinet would resign"].id, LinkKind.ATTRIBUTED_TO)] == officials.id
    assert suggestions.apply(db, "robo").spans_added == 0  # applying twice adds nothing
    unedited = agreement.suggested_unedited(db, list(spans.values()))
    assert len(unedited) == 7
    span_service.update_labels(db, officials.id, {"reliability": "C"})
    assert officials.id not in agreement.suggested_unedited(db, list(spans.values()))


def test_apply_leaves_the_annotators_own_spans_alone(db: Database) -> None:
    doc = add_doc(db, TEXT)
    start = TEXT.index("The ceasefire")
    mine = span_service.create_span(db, doc, "ana", start, start + 23, {"stance": "favor"},
                                    role="claim")
    source_start = TEXT.index("the defence ministry")
    own_source = span_service.create_span(db, doc, "ana", source_start, source_start + 20,
                                          {"sourcing": "diplomat"}, role="source")
    report = suggestions.apply(db, "ana")
    assert report.skipped == 1  # the ceasefire claim was hers already
    after = {s.id: s for s in span_service.list_spans(db, annotators=["ana"])}
    assert after[mine.id].version == mine.version and after[own_source.id] == own_source
    assert sum(1 for s in after.values() if s.text == "the defence ministry") == 1


def test_agreement_counts_or_leaves_out_unedited_suggestions(
        db: Database, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    add_doc(db, TEXT)
    suggestions.apply(db, "robo")
    suggestions.apply(db, "bot2")
    db.dispose()
    base = ["--db", db_url, "agreement", "--layer", "sourcing", "--scope", "all", "--json",
            "--bootstrap", "0", "--min-units", "0"]
    assert main(base) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["suggestions"] == {"unedited": {"bot2": 7, "robo": 7}, "excluded": False}
    assert result["attribution"]["link_f1"] == 1.0
    assert main([*base, "--exclude-unedited-suggestions"]) == 0
    left_out = json.loads(capsys.readouterr().out)
    assert left_out["suggestions"]["excluded"] is True
    assert sum(left_out["layers"]["sourcing"]["n_spans"].values()) == 0
    assert result["layers"]["sourcing"]["n_spans"] == {"bot2": 3, "robo": 3}  # sourcing spans


def test_apply_needs_an_annotator(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db_url, "suggest", "--apply"]) == 2
    assert "--apply and --annotator NAME go together" in capsys.readouterr().err
