"""A blind study: stored in the project, switched only in the lead role, enforced by services."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.services import agreement, corpus, documents, formats_registry, preview, study
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.services.study import BlindStudyError, Viewer
from stancedesk.storage.engine import Database

ANA, BEN, LEAD = Viewer("ana"), Viewer("ben"), Viewer("lee", lead=True)


def _two_annotators(db: Database) -> str:
    doc = corpus.list_documents(db)[0].id
    span_service.create_span(db, doc, "ana", 0, 5, {"stance": "favor", "target": "the talks"})
    span_service.create_span(db, doc, "ben", 0, 5, {"stance": "against",
                                                    "target": "ben's own target"})
    return doc


def test_only_the_lead_switches_it_and_it_is_stored(sample_db: Database) -> None:
    assert study.study_settings(sample_db) == study.StudySettings()
    with pytest.raises(BlindStudyError, match="only the study lead"):
        study.set_blind(sample_db, True, ANA)
    settings = study.set_blind(sample_db, True, LEAD)
    assert settings.blind and settings.changed_by == "lee" and settings.changed_at
    assert study.is_blind(sample_db)
    with pytest.raises(BlindStudyError):
        study.set_blind(sample_db, False, BEN)
    assert not study.set_blind(sample_db, False, LEAD).blind


def test_services_refuse_annotators_in_a_blind_study(sample_db: Database,
                                                     tmp_path: Path) -> None:
    doc = _two_annotators(sample_db)
    settings = agreement.AgreementSettings(layers=["stance"], bootstrap=0)
    # open project: everyone sees everything, as before
    assert agreement.span_agreement(sample_db, settings, viewer=BEN)["layers"]["stance"]
    assert {v for v, _ in span_service.target_suggestions(sample_db, viewer=BEN)} >= \
        {"the talks", "ben's own target"}

    study.set_blind(sample_db, True, LEAD)
    for who in (BEN, None):
        with pytest.raises(BlindStudyError, match="agreement statistics are for the study lead"):
            agreement.span_agreement(sample_db, settings, viewer=who)
        with pytest.raises(BlindStudyError):
            agreement.write_report(sample_db, settings, tmp_path / "r.html", viewer=who)
        with pytest.raises(BlindStudyError):
            agreement.alignments(sample_db, settings, viewer=who)
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(BlindStudyError, match="only your own spans"):
        formats_registry.export_annotations(sample_db, "csv", tmp_path / "all.csv", viewer=BEN)
    with pytest.raises(BlindStudyError):
        formats_registry.export_annotations(sample_db, "csv", tmp_path / "a.csv",
                                            annotators=["ana"], viewer=BEN)
    with pytest.raises(BlindStudyError):
        preview.export_preview(sample_db, "csv", annotators=None, documents=None,
                               spreadsheet_safe=False, viewer=BEN)
    assert not (tmp_path / "all.csv").exists()
    n = formats_registry.export_annotations(sample_db, "csv", tmp_path / "own.csv",
                                            annotators=["ben"], viewer=BEN)
    assert n == 1
    assert [v for v, _ in span_service.target_suggestions(sample_db, viewer=BEN)
            if v in ("the talks", "ben's own target")] == ["ben's own target"]
    with pytest.raises(BlindStudyError, match="other annotators' spans"):
        documents.delete_documents(sample_db, [doc], BEN)
    # the lead sees everything
    assert agreement.span_agreement(sample_db, settings, viewer=LEAD)["layers"]["stance"]
    assert formats_registry.export_annotations(sample_db, "csv", tmp_path / "all.csv",
                                               viewer=LEAD) == 2


def test_cli_study_and_the_lead_role(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "p.sqlite")
    database = open_database(db, seed_sample=True)
    try:
        _two_annotators(database)
    finally:
        database.dispose()

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", db, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run("study")[1].strip() == "blind study: off"
    code, _, err = run("study", "--blind", "on")
    assert code == 2 and "only the study lead" in err
    code, _, err = run("study", "--blind", "on", "--lead")
    assert code == 2 and "the lead role was not taken: no terminal to confirm on; add --yes" \
        in err
    code, out, _ = run("--annotator", "lee", "study", "--blind", "on", "--lead", "--yes")
    assert code == 0 and "blind study: on" in out and "by lee" in out
    assert json.loads(run("study", "--json")[1])["blind"] is True

    code, _, err = run("agreement", "--layer", "stance", "--bootstrap", "0")
    assert code == 2 and "blind study" in err
    code, _, err = run("export", "annotations")
    assert code == 2 and "only your own spans" in err
    code, out, _ = run("--annotator", "ben", "export", "annotations", "--annotators", "ben")
    assert code == 0 and "ben's own target" in out and "the talks" not in out
    code, out, _ = run("--annotator", "ben", "annotators", "--json")
    assert json.loads(out) == [{"name": "ben", "spans": 1}]
    code, out, _ = run("agreement", "--layer", "stance", "--bootstrap", "0", "--json",
                       "--lead", "--yes")
    assert code == 0 and json.loads(out)["layers"]["stance"]
    code, out, _ = run("export", "annotations", "--lead", "--yes")
    assert code == 0 and "the talks" in out and "ben's own target" in out
