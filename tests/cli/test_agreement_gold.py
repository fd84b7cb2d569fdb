"""``stancedesk agreement --gold-passages``: the dashboard's drill-down from its Against gold tab,
on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.services import agreement, curation, study
from stancedesk.services.agreement import AgreementSettings
from stancedesk.services.project import open_database
from stancedesk.services.study import Viewer
from tests.services.test_curation import add_doc, mark


@pytest.fixture
def project(tmp_path: Path) -> str:
    path = str(tmp_path / "p.sqlite")
    db = open_database(path, seed_sample=False)
    doc = add_doc(db)
    taken = [mark(db, doc, "ana", "a mistake", stance="against"),
             mark(db, doc, "ana", "The minister", "source", sourcing="official"),
             mark(db, doc, "ana", "the plan was dead", stance="against")]
    mark(db, doc, "ben", "a mistake", stance="neutral")
    mark(db, doc, "ben", "the plan was dead", stance="against")
    for span in taken:
        curation.accept_span(db, span, curator="lead")
    db.dispose()
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_and_text_list_what_the_service_lists(capsys: pytest.CaptureFixture[str],
                                                    project: str) -> None:
    code, out, _ = run(capsys, "--db", project, "agreement", "--gold-passages", "ben",
                       "--layer", "stance", "--json")
    assert code == 0
    listed = json.loads(out)
    db = open_database(project, create=False)
    try:
        expected = agreement.gold_passages(db, AgreementSettings(), "ben", layer="stance")
    finally:
        db.dispose()
    assert [(x["document_id"], x["start"], x["end"], x["difference"], x["annotator_value"],
             x["gold_value"], x["annotator_span"], x["gold_span"]) for x in listed] == [
        (p.document_id, p.start, p.end, p.note, p.row_value, p.column_value, p.row_span,
         p.column_span) for p in expected]
    assert [(x["text"], x["difference"], x["annotator_value"], x["gold_value"])
            for x in listed] == [("a mistake", "value differs", "neutral", "against")]

    code, out, _ = run(capsys, "--db", project, "agreement", "--gold-passages", "ben",
                       "--role", "source")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "1 passage(s) where ben differs from gold in role source"
    assert "missed" in lines[1] and "ben: (no span)" in lines[1] and "gold: source" in lines[1]
    assert lines[1].endswith("'The minister'")


def test_one_layer_or_role_and_the_lead_in_a_blind_study(capsys: pytest.CaptureFixture[str],
                                                         project: str) -> None:
    code, _, err = run(capsys, "--db", project, "agreement", "--gold-passages", "ben",
                       "--layer", "stance", "--layer", "sourcing")
    assert code == 2 and "name one layer (--layer) or one role (--role)" in err
    code, _, err = run(capsys, "--db", project, "agreement", "--role", "claim")
    assert code == 2 and "--role: goes with --gold-passages ANNOTATOR" in err
    code, _, err = run(capsys, "--db", project, "agreement", "--gold-passages", "zoe",
                       "--layer", "stance")
    assert code == 2 and "unknown annotator 'zoe'" in err
    db = open_database(project, create=False)
    try:
        study.set_blind(db, True, Viewer("lead", lead=True))
    finally:
        db.dispose()
    code, _, err = run(capsys, "--db", project, "--annotator", "ana", "agreement",
                       "--gold-passages", "ben", "--layer", "stance")
    assert code == 2 and "blind study" in err
    code, out, _ = run(capsys, "--db", project, "--annotator", "lead", "agreement",
                       "--gold-passages", "ben", "--layer", "stance", "--lead", "--yes")
    assert code == 0 and out.startswith("1 passage(s) where ben differs from gold")
