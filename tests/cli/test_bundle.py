"""``stancedesk bundle export|import``: the file, the report, dry runs, mapping and errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.domain import Scheme
from stancedesk.services import corpus, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database


@pytest.fixture
def two(tmp_path: Path) -> tuple[str, str, str]:
    """(laptop, team) database files of the sample corpus; ana has two spans on the laptop.
    Also returns the id of ana's claim."""
    laptop, team = str(tmp_path / "laptop.sqlite"), str(tmp_path / "team.sqlite")
    open_database(team, seed_sample=True).dispose()
    db = open_database(laptop, seed_sample=True)
    try:
        doc = corpus.list_documents(db)[0]
        text = corpus.get_document(db, doc.id).text
        claim = span_service.create_span(db, doc.id, "ana", 0, 8, {"stance": "favor"},
                                         role="claim").id
        span_service.create_span(db, doc.id, "ana", 10, 20, {"sourcing": "official"})
        assert text[0:8]
    finally:
        db.dispose()
    return laptop, team, claim


def test_export_to_a_file_and_to_standard_output(two, tmp_path: Path, capsys) -> None:
    laptop, _team, claim = two
    out = tmp_path / "ana.stancedesk-bundle.json"
    assert main(["--db", laptop, "bundle", "export", "--annotator", "ana", "-o", str(out)]) == 0
    assert "2 span(s)" in capsys.readouterr().err
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["annotator"] == "ana" and {s["id"] for s in written["spans"]} >= {claim}
    assert len(written["documents"]) == 10 and len(written["scheme"]["sha256"]) == 64
    assert main(["--db", laptop, "--annotator", "ana", "bundle", "export", "-o", "-"]) == 0
    streamed = json.loads(capsys.readouterr().out)
    assert streamed["spans"] == written["spans"]
    assert not list(tmp_path.glob("*.part"))
    # a special file is written directly, never replaced by a renamed regular file
    assert main(["--db", laptop, "bundle", "export", "--annotator", "ana", "-o",
                 os.devnull]) == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_an_unknown_annotator_writes_nothing(two, tmp_path: Path, capsys) -> None:
    laptop, _team, _claim = two
    out = tmp_path / "nobody.json"
    assert main(["--db", laptop, "bundle", "export", "--annotator", "zoe", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("stancedesk: error: no annotator 'zoe'") and "ana" in err
    assert not out.exists()


def test_dry_run_then_import_then_again(two, tmp_path: Path, capsys) -> None:
    laptop, team, _claim = two
    out = tmp_path / "ana.json"
    main(["--db", laptop, "bundle", "export", "--annotator", "ana", "-o", str(out)])
    capsys.readouterr()
    assert main(["--db", team, "bundle", "import", str(out), "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert dry.startswith("would merge 1 bundle(s): 2 span(s) added")
    assert dry.rstrip().endswith("dry run: nothing was stored")
    check = open_database(team, seed_sample=False)
    try:
        assert span_service.list_spans(check) == []
    finally:
        check.dispose()
    assert main(["--db", team, "bundle", "import", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["bundles"][0]["added"]) == 2 and not report["dry_run"]
    assert main(["--db", team, "bundle", "import", str(out)]) == 0
    assert "0 span(s) added, 0 updated, 2 unchanged" in capsys.readouterr().out


def test_scheme_refusal_and_map_option(two, tmp_path: Path, capsys) -> None:
    laptop, team, claim = two
    db = open_database(laptop, seed_sample=False)
    try:
        data = schemes.get_scheme(db).to_dict()
        next(x for x in data["layers"] if x["key"] == "stance")["labels"].append(
            {"key": "sceptical", "name": "Sceptical"})
        schemes.replace_scheme(db, Scheme.from_dict(data))
        span_service.update_labels(db, claim, {"stance": "sceptical"})
    finally:
        db.dispose()
    out = tmp_path / "ana.json"
    main(["--db", laptop, "bundle", "export", "--annotator", "ana", "-o", str(out)])
    capsys.readouterr()
    assert main(["--db", team, "bundle", "import", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"stancedesk: error: {out}: the bundle's scheme is not compatible" in err
    assert "'stance:sceptical': 1 span(s)" in err
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"stance:sceptical": "stance:against"}), encoding="utf-8")
    assert main(["--db", team, "bundle", "import", str(out), "--mapping", str(mapping)]) == 0
    assert "2 span(s) added" in capsys.readouterr().out
    check = open_database(team, seed_sample=False)
    try:
        assert span_service.get_span(check, claim).labels == {"stance": "against"}
    finally:
        check.dispose()
    assert main(["--db", team, "bundle", "import", str(out),
                 "--map", "stance:sceptical=stance:nonsense"]) == 2
    assert "does not fit the scheme" in capsys.readouterr().err
