"""``stancedesk curate``: auto (threshold, dry run, re-run), status JSON, accept, merge, reject,
undo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.services import curation
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from tests.services.test_curation import TEXT, add_doc, mark


@pytest.fixture
def project(tmp_path: Path) -> tuple[str, dict[str, str]]:
    path = str(tmp_path / "p.sqlite")
    db = open_database(path, seed_sample=False)
    doc = add_doc(db)
    ids = {"doc": doc, "other": add_doc(db, "Nothing agreed here at all.", "second")}
    for who in ("ana", "ben", "cy"):
        ids[f"dead-{who}"] = mark(db, doc, who, "the plan was dead", stance="against")
    ids["mistake-ana"] = mark(db, doc, "ana", "a mistake", stance="against")
    ids["mistake-ben"] = mark(db, doc, "ben", "a mistake", stance="against")
    ids["mistake-cy"] = mark(db, doc, "cy", "a mistake", stance="neutral")
    other = "Nothing agreed here at all."
    ids["x-ana"] = mark(db, ids["other"], "ana", "Nothing", text=other, stance="favor")
    ids["x-ben"] = mark(db, ids["other"], "ben", "Nothing agreed", text=other, stance="favor")
    db.dispose()
    return path, ids


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def gold_count(path: str) -> int:
    db = open_database(path, create=False)
    try:
        return len(span_service.list_spans(db, annotators=["gold"]))
    finally:
        db.dispose()


def test_auto_dry_run_then_threshold_then_rerun(capsys: pytest.CaptureFixture[str],
                                                project: tuple[str, dict[str, str]]) -> None:
    path, ids = project
    code, out, _ = run(capsys, "--db", path, "curate", "auto", "--min-agreement", "2",
                       "--dry-run", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["dry_run"] is True
    assert [(x["text"], x["decision"]) for x in report["taken"]] == [
        ("the plan was dead", "unanimous"), ("a mistake", "majority")]
    assert gold_count(path) == 0
    code, out, _ = run(capsys, "--db", path, "curate", "auto", "--min-agreement", "3",
                       "--documents", ids["doc"], "--curator", "lead")
    assert code == 0 and out.startswith("took 1 passage(s)")
    code, out, _ = run(capsys, "--db", path, "curate", "auto", "--min-agreement", "2",
                       "--curator", "lead")
    assert "took 1 passage(s)" in out and "kept 1 passage(s) decided earlier" in out
    assert gold_count(path) == 2
    code, out, _ = run(capsys, "--db", path, "curate", "status", "--json")
    status = json.loads(out)
    by_doc = {d["document_id"]: d for d in status["documents"]}
    assert {k: by_doc[ids["doc"]][k] for k in ("passages", "agreeing", "conflicts", "decided",
                                               "open")} == \
        {"passages": 2, "agreeing": 1, "conflicts": 1, "decided": 2, "open": 0}
    assert by_doc[ids["other"]]["open"] == 1 and by_doc[ids["other"]]["agreement"] == 0.0
    assert status["totals"]["open"] == 1


def test_document_agreement_threshold(capsys: pytest.CaptureFixture[str],
                                      project: tuple[str, dict[str, str]]) -> None:
    path, ids = project
    code, out, _ = run(capsys, "--db", path, "curate", "auto", "--min-agreement", "1",
                       "--min-document-agreement", "0.5", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["skipped_documents"] == [{"document_id": ids["other"], "agreement": 0.0}]
    assert {x["document_id"] for x in report["taken"]} == {ids["doc"]}


def test_accept_reject_merge_undo(capsys: pytest.CaptureFixture[str],
                                  project: tuple[str, dict[str, str]]) -> None:
    path, ids = project
    code, out, _ = run(capsys, "--db", path, "curate", "accept", "--span", ids["mistake-cy"],
                       "--curator", "lead")
    assert code == 0 and out.startswith("curator: gold span")
    code, _, err = run(capsys, "--db", path, "curate", "accept", "--span", ids["mistake-ana"])
    assert code == 2 and "already decided" in err
    code, out, _ = run(capsys, "--db", path, "curate", "undo")
    assert code == 0 and out.startswith("undid curator")
    start = TEXT.index("a mistake")
    code, out, _ = run(capsys, "--db", path, "curate", "reject", "--document", ids["doc"],
                       "--start", str(start), "--end", str(start + 9), "--curator", "lead")
    assert code == 0 and out.startswith("rejected: rejected every version")
    decision_id = out.strip().rsplit("decision ", 1)[1].rstrip(")")
    code, out, _ = run(capsys, "--db", path, "curate", "queue", "--json")
    assert [p["start"] for p in json.loads(out)] == [0]  # only the other document is open
    code, out, _ = run(capsys, "--db", path, "curate", "undo", decision_id)
    assert code == 0
    code, out, _ = run(capsys, "--db", path, "curate", "merge", "--document", ids["doc"],
                       "--start", str(start + 2), "--end", str(start + 9), "--label",
                       "stance=neutral", "--from", f"{ids['mistake-ana']},{ids['mistake-cy']}",
                       "--curator", "lead")
    assert code == 0 and out.startswith("curator: gold span")
    code, out, _ = run(capsys, "--db", path, "curate", "decisions", "--json")
    (decision,) = json.loads(out)
    assert (decision["decision"], decision["curated_by"], decision["curated_from"]) == \
        ("curator", "lead", ["ana", "cy"])
    db = open_database(path, create=False)
    try:
        (gold,) = span_service.list_spans(db, annotators=["gold"])
        assert (gold.text, dict(gold.labels)) == ("mistake", {"stance": "neutral"})
        assert {x.document_id: x.open for x in curation.status(db)}[ids["doc"]] == 0
    finally:
        db.dispose()
    code, _, err = run(capsys, "--db", path, "curate", "merge", "--document", ids["doc"],
                       "--start", "0", "--end", "3", "--label", "stance")
    assert code == 2 and "KEY=VALUE" in err


def test_blind_queue_and_passages_hide_names_in_the_views_order(
        capsys: pytest.CaptureFixture[str], project: tuple[str, dict[str, str]]) -> None:
    path, ids = project
    code, out, _ = run(capsys, "--db", path, "curate", "queue", "--json", "--blind", "lea")
    assert code == 0
    found = json.loads(out)
    mistake = next(p for p in found if p["document_id"] == ids["doc"])
    lanes = curation.blind_lanes(["ana", "ben", "cy"], f"lea:{ids['doc']}")
    assert mistake["annotators"] == ["Annotator 1", "Annotator 2", "Annotator 3"]
    # the versions in the lanes' order, each named by its lane, as the view shows "lea"
    assert [v["annotator"] for v in mistake["versions"]] == [
        lanes.alias(n) for n in lanes.order]
    assert [v["span_id"] for v in mistake["versions"]] == [
        ids[f"mistake-{n}"] for n in lanes.order]
    assert not {"ana", "ben", "cy"} & set(out.split('"'))
    # the text listing too, and another seed may give another order but never a name
    code, text, _ = run(capsys, "--db", path, "curate", "queue", "--blind", "other seed")
    assert code == 0 and "Annotator 1" in text and "ana " not in text and "ben " not in text
    code, out, _ = run(capsys, "--db", path, "curate", "passages", ids["doc"], "--json",
                       "--blind", "lea")
    shown = json.loads(out)
    assert shown["annotators"] == ["Annotator 1", "Annotator 2", "Annotator 3"]
    assert "ana" not in out and "ben" not in out
    # a decision's provenance is aliased the same way
    run(capsys, "--db", path, "curate", "accept", "--span", ids["mistake-ana"], "--curator",
        "lea")
    code, out, _ = run(capsys, "--db", path, "curate", "passages", ids["doc"], "--json",
                       "--blind", "lea")
    decided = next(p for p in json.loads(out)["passages"] if p["decision"])
    assert decided["decision"]["curated_from"] == [lanes.alias(n) for n in ("ana", "ben")]
    assert "ana" not in out
