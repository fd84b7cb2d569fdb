"""Curation into gold through the services: accept, merge, reject, undo, accept all agreeing."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC
from pathlib import Path

import pytest

from stancedesk.domain import Document, document_id_for_text, sha256_text
from stancedesk.domain.annotation_table import CURATION_COLUMNS
from stancedesk.domain.attribution import LinkKind
from stancedesk.domain.errors import StaleEditError
from stancedesk.formats.agreement_report import render_report
from stancedesk.services import agreement, curation, formats_registry, study
from stancedesk.services import attribution as attr
from stancedesk.services import spans as span_service
from stancedesk.services.agreement import AgreementSettings
from stancedesk.services.curation import CurationError
from stancedesk.services.project import open_database
from stancedesk.services.study import BlindStudyError, Viewer
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

TEXT = ("The minister said the plan was dead. Critics called it a mistake. "
        "Officials denied everything.")


def add_doc(db: Database, text: str = TEXT, title: str = "t") -> str:
    doc = Document(id=document_id_for_text(text), title=title, text=text,
                   sha256=sha256_text(text))
    with db.write() as session:
        repo.add_document(session, doc)
    return doc.id


def mark(db: Database, doc: str, who: str, phrase: str, role: str | None = None,
         text: str = TEXT, shift: int = 0, **labels: str) -> str:
    start = text.index(phrase) + shift
    return span_service.create_span(db, doc, who, start, start + len(phrase) - shift, labels,
                                    role=role).id


def gold(db: Database, doc: str) -> list[tuple[int, int, str, dict[str, str], str | None]]:
    return sorted((s.start, s.end, s.text, dict(s.labels), s.role)
                  for s in span_service.spans_for_document(db, doc, ["gold"]))


@pytest.fixture
def three(db: Database) -> dict[str, str]:
    """Three annotators: all agree on "the plan was dead", two of three on "a mistake",
    each differently on "Officials"."""
    doc = add_doc(db)
    ids = {"doc": doc}
    for who in ("ana", "ben", "cy"):
        ids[f"dead-{who}"] = mark(db, doc, who, "the plan was dead", stance="against")
    ids["mistake-ana"] = mark(db, doc, "ana", "a mistake", stance="against")
    ids["mistake-ben"] = mark(db, doc, "ben", "a mistake", stance="against")
    ids["mistake-cy"] = mark(db, doc, "cy", "a mistake", stance="neutral")
    ids["off-ana"] = mark(db, doc, "ana", "Officials denied", stance="favor")
    ids["off-ben"] = mark(db, doc, "ben", "Officials denied everything", stance="favor")
    return ids


def test_passages_group_versions_and_say_who_agrees(db: Database, three: dict[str, str]) -> None:
    found = curation.document_curation(db, three["doc"])
    assert found.annotators == ("ana", "ben", "cy")
    assert [(p.start, p.end) for p in found.passages] == [
        (TEXT.index("the plan"), TEXT.index("the plan") + len("the plan was dead")),
        (TEXT.index("a mistake"), TEXT.index("a mistake") + 9),
        (TEXT.index("Officials"), len(TEXT) - 1)]
    dead, mistake, officials = found.passages
    assert dead.unanimous and not dead.is_conflict
    assert mistake.agreement == 2 and mistake.is_conflict
    assert mistake.layer_agrees("stance") is False
    assert officials.agreement == 1 and len(officials.versions) == 2
    queue = curation.conflict_queue(db)
    assert [p.id for p in queue] == [mistake.id, officials.id]
    assert curation.conflict_queue(db, label="stance:neutral") == [mistake]
    assert curation.conflict_queue(db, role="claim") == []


def test_accept_undo_restores_the_prior_state(db: Database, three: dict[str, str]) -> None:
    result = curation.accept_span(db, three["mistake-ana"], curator="lead")
    (decision,) = result.decisions
    assert decision.decision == "majority"
    assert decision.curated_from == ("ana", "ben")
    assert set(decision.from_span_ids) == {three["mistake-ana"], three["mistake-ben"]}
    assert decision.curated_by == "lead" and decision.curated_at is not None
    assert gold(db, three["doc"]) == [(TEXT.index("a mistake"), TEXT.index("a mistake") + 9,
                                       "a mistake", {"stance": "against"}, None)]
    assert result.changes.spans_added == {three["doc"]: {"gold": 1}}
    with pytest.raises(CurationError, match="already decided"):
        curation.accept_span(db, three["mistake-cy"], curator="lead")
    assert [p.id for p in curation.conflict_queue(db)] == \
        [curation.document_curation(db, three["doc"]).passages[2].id]
    undone = curation.undo(db, result)
    assert undone.removed[0].id == result.created[0].id
    assert gold(db, three["doc"]) == []
    assert curation.list_decisions(db) == []
    with pytest.raises(StaleEditError):
        curation.undo(db, result)


def test_undo_refuses_an_edited_gold_span(db: Database, three: dict[str, str]) -> None:
    result = curation.accept_span(db, three["off-ben"], curator="lead")
    assert result.decisions[0].decision == "curator"
    span_service.update_labels(db, result.created[0].id, {"stance": "against"})
    with pytest.raises(StaleEditError, match="after it was curated"):
        curation.undo_last(db)
    assert len(gold(db, three["doc"])) == 1


def test_reject_all_versions_and_undo(db: Database, three: dict[str, str]) -> None:
    officials = curation.document_curation(db, three["doc"]).passages[2]
    result = curation.reject_passage(db, three["doc"], officials.start, officials.end,
                                     curator="lead")
    (decision,) = result.decisions
    assert (decision.decision, decision.span_id, decision.curated_from) == \
        ("rejected", None, ("ana", "ben"))
    assert result.changes.curation_documents == {three["doc"]}
    after = curation.document_curation(db, three["doc"]).passages[2]
    assert after.decided and not after.is_conflict
    assert gold(db, three["doc"]) == []
    curation.undo_last(db, "lead")
    assert curation.document_curation(db, three["doc"]).passages[2].is_conflict


def test_merge_is_the_curators_own(db: Database, three: dict[str, str]) -> None:
    start = TEXT.index("Officials")
    result = curation.merge_spans(db, three["doc"], start, start + len("Officials denied"),
                                  labels={"stance": "against"}, curator="lead",
                                  from_span_ids=[three["off-ana"], three["off-ben"]])
    (decision,) = result.decisions
    assert (decision.decision, decision.curated_from) == ("curator", ("ana", "ben"))
    assert gold(db, three["doc"]) == [(start, start + 16, "Officials denied",
                                       {"stance": "against"}, None)]
    with pytest.raises(CurationError, match="already"):
        curation.merge_spans(db, three["doc"], start, start + 9, labels={}, curator="lead",
                             from_span_ids=[three["off-ana"]])


def test_auto_threshold_dry_run_and_rerun(db: Database, three: dict[str, str]) -> None:
    preview = curation.preview_auto(db, 2)
    assert [(x.text, x.decision) for x in preview.taken] == [
        ("the plan was dead", "unanimous"), ("a mistake", "majority")]
    assert gold(db, three["doc"]) == [] and curation.list_decisions(db) == []
    assert curation.auto_curate(db, 3, curator="lead").taken[0].decision == "unanimous"
    assert len(gold(db, three["doc"])) == 1
    report = curation.auto_curate(db, 2, curator="lead")
    assert [x.text for x in report.taken] == ["a mistake"]
    again = curation.auto_curate(db, 1, curator="lead")
    assert again.taken == ()  # the "Officials" versions tie 1-1; the rest is decided
    assert {x.reason for x in again.left} >= {"already decided"}
    assert len(gold(db, three["doc"])) == 2
    assert len(curation.list_decisions(db)) == 2


def test_accepting_a_claim_brings_its_source_and_links(db: Database) -> None:
    doc = add_doc(db)
    claims, sources = {}, {}
    for who in ("ana", "ben"):
        sources[who] = mark(db, doc, who, "The minister", role="source", sourcing="official")
        claims[who] = mark(db, doc, who, "the plan was dead", role="claim", stance="against")
        attr.link(db, claims[who], LinkKind.ATTRIBUTED_TO, sources[who])
    result = curation.accept_span(db, claims["ben"], curator="lead")
    assert [d.decision for d in result.decisions] == ["unanimous", "unanimous"]
    gold_spans = {s.role: s for s in span_service.spans_for_document(db, doc, ["gold"])}
    links = attr.links_of(db, doc, "gold")
    assert [(x.from_span, x.kind, x.to_span) for x in links] == [
        (gold_spans["claim"].id, LinkKind.ATTRIBUTED_TO, gold_spans["source"].id)]
    # undoing the source alone would cut the claim's link: refused
    source_decision = next(d for d in result.decisions
                           if d.span_id == gold_spans["source"].id)
    with pytest.raises(CurationError, match="still links"):
        curation.undo_decisions(db, [source_decision.id])
    curation.undo_last(db)
    assert gold(db, doc) == []
    # a rejected source refuses the claim
    curation.reject_passage(db, doc, 0, len("The minister"), curator="lead")
    with pytest.raises(CurationError, match="rejected"):
        curation.accept_span(db, claims["ana"], curator="lead")
    report = curation.auto_curate(db, 2, curator="lead")
    assert report.taken == ()
    assert [x.reason.split(":")[0] for x in report.left] == [
        "already decided", "the attributed_to link of 'the plan was dead'"]


def test_blind_lanes_are_seeded() -> None:
    a = curation.blind_lanes(["ana", "ben", "cy", "dee"], seed=7)
    assert a == curation.blind_lanes(["dee", "cy", "ben", "ana"], seed=7)
    assert sorted(a.order) == ["ana", "ben", "cy", "dee"]
    assert [a.alias(n) for n in a.order] == [f"Annotator {i}" for i in range(1, 5)]
    orders = {curation.blind_lanes(["ana", "ben", "cy", "dee"], seed=s).order
              for s in range(10)}
    assert len(orders) > 1


def test_a_blind_study_keeps_curation_for_the_lead(db: Database, three: dict[str, str]) -> None:
    study.set_blind(db, True, Viewer("lead", lead=True))
    with pytest.raises(BlindStudyError):
        curation.document_curation(db, three["doc"], viewer=Viewer("ana"))
    with pytest.raises(BlindStudyError):
        curation.accept_span(db, three["dead-ana"], curator="ana", viewer=Viewer("ana"))
    assert curation.status(db, viewer=Viewer("lead", lead=True))[0].open == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
def test_provenance_columns_in_the_export(db: Database, three: dict[str, str], tmp_path: Path,
                                          fmt: str) -> None:
    result = curation.accept_span(db, three["mistake-ben"], curator="lead")
    (decision,) = result.decisions
    out = tmp_path / f"spans.{fmt}"
    assert formats_registry.export_annotations(db, fmt, out) == 9
    if fmt == "jsonl":
        (line,) = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        rows = [{k: str(v) for k, v in s.items() if k != "labels"} for s in line["spans"]]
        key = "id"
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        key = "annotation_id"
    elif fmt == "xlsx":
        import openpyxl
        book = openpyxl.load_workbook(out, read_only=True)
        table = [["" if c is None else str(c) for c in row] for row in
                 book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        rows, key = [dict(zip(table[0], r, strict=True)) for r in table[1:]], "annotation_id"
    else:
        import pyarrow.parquet as pq
        table = pq.read_table(out).to_pylist()
        rows = [{k: "" if v is None else (v.isoformat().replace("+00:00", "Z") if k ==
                                          "curated_at" else str(v)) for k, v in r.items()}
                for r in table]
        key = "annotation_id"
    gold_row = next(r for r in rows if r[key] == result.created[0].id)
    assert {c: gold_row[c] for c in ("curated_by", "curated_from", "decision")} == \
        {"curated_by": "lead", "curated_from": "ana;ben", "decision": "majority"}
    assert gold_row["curated_at"].startswith(
        decision.curated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    others = [r for r in rows if r[key] != result.created[0].id]
    assert len(others) == 8
    assert all(r[c] == "" for r in others for c in CURATION_COLUMNS)
    if fmt != "jsonl":  # the table formats read their own file back (provenance ignored)
        fresh = tmp_path / "fresh.sqlite"
        other = open_database(str(fresh), seed_sample=False)
        try:
            add_doc(other)
            report = formats_registry.import_annotations(other, out, fmt=fmt)
            assert report.added == 9
        finally:
            other.dispose()


def test_agreement_reports_each_annotator_against_gold(db: Database,
                                                       three: dict[str, str]) -> None:
    settings = AgreementSettings(layers=["stance"], scope="all", bootstrap=0)
    before = agreement.span_agreement(db, settings)
    assert before["gold"]["available"] is False
    assert "no gold standard" in before["gold"]["reason"]
    curation.auto_curate(db, 2, curator="lead")
    after = agreement.span_agreement(db, settings)
    assert after["settings"]["annotators"] == ["ana", "ben", "cy"]  # gold is not compared
    stance = {who: after["gold"]["annotators"][who]["layers"]["stance"]
              for who in ("ana", "ben", "cy")}
    # gold: "the plan was dead" and "a mistake" (both against); cy said neutral on the second
    assert stance["ana"]["f1_exact"] == pytest.approx(2 * 2 / (3 + 2))
    assert stance["cy"]["f1_exact"] == pytest.approx(2 * 1 / (2 + 2))
    text = agreement.describe(after)
    assert "[against gold]  1 curated document(s)" in text
    html = render_report(after)
    assert 'id="gold"' in html and "Against gold" in html


def test_rerun_after_annotators_change_keeps_curated_work(db: Database,
                                                          three: dict[str, str]) -> None:
    """INCEpTION loses curated work on re-merge; here a re-run after annotators edited,
    deleted and re-added spans keeps every decision and never duplicates a gold span."""
    first = curation.auto_curate(db, 2, curator="lead")
    officials = curation.document_curation(db, three["doc"]).passages[2]
    curation.reject_passage(db, three["doc"], officials.start, officials.end, curator="lead")
    decided = {(d.id, d.span_id) for d in curation.list_decisions(db)}
    gold_before = gold(db, three["doc"])
    # annotators keep working: one edits an accepted version, one deletes hers, one re-marks
    span_service.update_labels(db, three["mistake-ben"], {"stance": "favor"})
    span_service.delete_span(db, three["dead-cy"])
    start = TEXT.index("the plan")
    span_service.create_span(db, three["doc"], "cy", start, start + len("the plan was dead"),
                             {"stance": "against"})
    span_service.update_labels(db, three["off-ana"], {"stance": "against"})
    again = curation.auto_curate(db, 1, curator="lead")
    assert again.taken == ()
    assert {x.reason for x in again.left} == {"already decided"}
    assert gold(db, three["doc"]) == gold_before
    assert {(d.id, d.span_id) for d in curation.list_decisions(db)} == decided
    assert len(first.taken) == 2
    assert curation.conflict_queue(db) == []
