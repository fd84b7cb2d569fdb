"""The passages behind the against-gold table (``agreement.gold_passages``), its CSV rows and
its guard in a blind study."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from stancedesk.formats.agreement_report import render_report
from stancedesk.formats.errors import FormatError
from stancedesk.services import agreement, curation, study
from stancedesk.services.agreement import AgreementSettings
from stancedesk.services.study import BlindStudyError, Viewer
from stancedesk.storage.engine import Database
from tests.services.test_curation import TEXT, add_doc, mark


@pytest.fixture
def curated(db: Database) -> dict[str, str]:
    """ana and ben on one document; the lead takes ana's "a mistake" (ben says neutral), ben's
    longer "Officials denied everything", ana's source "The minister" (ben has none) and the
    passage both agree on."""
    doc = add_doc(db)
    ids = {"doc": doc}
    for who in ("ana", "ben"):
        ids[f"dead-{who}"] = mark(db, doc, who, "the plan was dead", stance="against")
    ids["mistake-ana"] = mark(db, doc, "ana", "a mistake", stance="against")
    ids["mistake-ben"] = mark(db, doc, "ben", "a mistake", stance="neutral")
    ids["off-ana"] = mark(db, doc, "ana", "Officials denied", stance="favor")
    ids["off-ben"] = mark(db, doc, "ben", "Officials denied everything", stance="favor")
    ids["minister-ana"] = mark(db, doc, "ana", "The minister", "source", sourcing="official")
    for key in ("dead-ana", "mistake-ana", "off-ben", "minister-ana"):
        curation.accept_span(db, ids[key], curator="lead")
    return ids


def _where(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


def test_the_passages_where_each_annotator_differs_from_gold(
        db: Database, curated: dict[str, str]) -> None:
    settings = AgreementSettings(bootstrap=0)
    ben = agreement.gold_passages(db, settings, "ben", layer="stance")
    assert [(p.start, p.end, p.text, p.row_value, p.column_value, p.note) for p in ben] == [
        (*_where("a mistake"), "a mistake", "neutral", "against", "value differs")]
    assert (ben[0].row_span, ben[0].title) == (curated["mistake-ben"], "t")
    ana = agreement.gold_passages(db, settings, "ana", layer="stance")
    assert [(p.text, p.note, p.row_span) for p in ana] == [
        ("Officials denied everything", "boundaries differ", curated["off-ana"])]
    missed = agreement.gold_passages(db, settings, "ben", role="source")
    assert [(p.text, p.row_value, p.column_value, p.note) for p in missed] == [
        ("The minister", None, "source", "missed")]
    assert agreement.gold_passages(db, settings, "ana", role="source") == []
    # the same spans as the figures count: every span not matched exactly
    section = agreement.span_agreement(db, settings)["gold"]
    for who, found in (("ben", ben), ("ana", ana)):
        scores = section["annotators"][who]["layers"]["stance"]
        assert sum(p.row_span is not None for p in found) == \
            scores["n_annotator"] - scores["exact_matches"]
        assert sum(p.column_span is not None for p in found) == \
            scores["n_gold"] - scores["exact_matches"]
    # documents named: gold speaks only where it was curated
    other = add_doc(db, "Nothing agreed here at all.", "second")
    assert agreement.gold_passages(db, AgreementSettings(documents=[other]), "ben",
                                   layer="stance") == []


def test_one_layer_or_one_role_of_a_known_annotator(db: Database,
                                                    curated: dict[str, str]) -> None:
    settings = AgreementSettings()
    for kwargs, message in (({"layer": "stance", "role": "claim"}, "one layer"),
                            ({}, "one layer"), ({"role": "speaker"}, "unknown role"),
                            ({"layer": "mood"}, "unknown layer")):
        with pytest.raises(FormatError, match=message):
            agreement.gold_passages(db, settings, "ana", **kwargs)
    with pytest.raises(FormatError, match="name an annotator"):
        agreement.gold_passages(db, settings, "gold", layer="stance")
    with pytest.raises(FormatError, match="unknown annotator 'zoe'"):
        agreement.gold_passages(db, settings, "zoe", layer="stance")


def test_a_blind_study_keeps_the_comparison_for_the_lead(db: Database,
                                                         curated: dict[str, str]) -> None:
    study.set_blind(db, True, Viewer("lead", lead=True))
    with pytest.raises(BlindStudyError):
        agreement.gold_passages(db, AgreementSettings(), "ben", layer="stance",
                                viewer=Viewer("ana"))
    assert agreement.gold_passages(db, AgreementSettings(), "ben", layer="stance",
                                   viewer=Viewer("lead", lead=True))


def test_the_tables_csv_holds_the_gold_table_spreadsheet_safe(
        db: Database, curated: dict[str, str], tmp_path: Path) -> None:
    mark(db, curated["doc"], "=HYPERLINK(1)", "a mistake", stance="against")
    result = agreement.span_agreement(db, AgreementSettings(bootstrap=0, layers=["stance"]))
    path = tmp_path / "tables.csv"
    agreement.export_tables_csv(result, path)
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["table"] in ("gold", "gold_role")]
    section = result["gold"]
    (head,) = [r for r in rows if r["metric"] == "n_documents"]
    assert (head["b"], head["value"], head["reason"]) == ("gold", "1", "")
    ben = {r["metric"]: r for r in rows if r["a"] == "ben" and r["table"] == "gold"}
    scores = section["annotators"]["ben"]["layers"]["stance"]
    assert ben["f1_exact"]["layer"] == "stance"
    assert float(ben["f1_exact"]["value"]) == pytest.approx(scores["f1_exact"])
    assert ben["exact_matches"]["value"] == str(scores["exact_matches"])
    assert ben["f1_exact"]["n"] == str(scores["n_annotator"] + scores["n_gold"])
    source = {r["metric"]: r for r in rows if r["a"] == "ben" and r["label"] == "source"}
    assert source["precision_exact"]["value"] == ""  # ben marks no source: n/a, and why
    assert source["precision_exact"]["reason"] == \
        section["annotators"]["ben"]["roles"]["source"]["reasons"]["precision_exact"]
    assert source["recall_exact"]["value"] == "0.0" and source["recall_exact"]["reason"] == ""
    # a name a spreadsheet would run is written as text
    assert {r["a"] for r in rows} >= {"ana", "ben", "'=HYPERLINK(1)"}
    # the HTML report gives the same reason, from the service
    html = render_report(result)
    assert f'title="{source["precision_exact"]["reason"]}">n/a' in html


def test_no_gold_is_one_csv_row_with_the_reason(db: Database, tmp_path: Path) -> None:
    doc = add_doc(db)
    for who in ("ana", "ben"):
        mark(db, doc, who, "a mistake", stance="against")
    result = agreement.span_agreement(db, AgreementSettings(bootstrap=0, layers=["stance"]))
    path = tmp_path / "tables.csv"
    agreement.export_tables_csv(result, path)
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["table"].startswith("gold")]
    assert [(r["metric"], r["value"], r["reason"]) for r in rows] == [
        ("n_documents", "0", result["gold"]["reason"])]
    assert "no gold standard" in result["gold"]["reason"]
