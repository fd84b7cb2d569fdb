"""Every command that touches the database works the same through --db and $STANCEDESK_DB, on a
SQLite file and on the PostgreSQL test server (the ``db_url`` fixture runs both)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.storage.migrate import SCHEMA_HEAD

ROOT = Path(__file__).resolve().parents[2]


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def test_every_command(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    db = ["--db", db_url]
    assert main([*db, "import", str(ROOT / "sample_corpus")]) == 0
    capsys.readouterr()
    assert main([*db, "documents", "--json"]) == 0
    docs = _json(capsys)
    assert isinstance(docs, list) and len(docs) >= 8
    first = docs[0]["id"]
    text = docs[0]["title"]
    assert main([*db, "documents", "set", first, "--outlet", "Wire"]) == 0
    rows = ["document_id,annotator,start,end,text,stance,sourcing"]
    from stancedesk.services import corpus
    from stancedesk.services.project import open_database

    database = open_database(db_url)
    try:
        body = corpus.get_document(database, first).text
    finally:
        database.dispose()
    for name in ("ana", "ben"):
        rows += [f"{first},{name},0,6,{body[0:6]},favor,official",
                 f"{first},{name},10,20,{body[10:20]},{'against' if name == 'ben' else 'favor'},"]
    spans = tmp_path / "spans.csv"
    spans.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main([*db, "import", "annotations", "--dry-run", str(spans)]) == 0
    assert main([*db, "import", "annotations", str(spans)]) == 0
    capsys.readouterr()
    assert main([*db, "annotators", "--json"]) == 0
    assert "ana" in json.dumps(_json(capsys))
    out = tmp_path / "out.jsonl"
    assert main([*db, "export", "annotations", "--format", "jsonl", "-o", str(out)]) == 0
    assert out.stat().st_size > 0
    assert main([*db, "status", "-a", "ana", "--set", "done", first]) == 0
    assert main([*db, "scheme", "export", str(tmp_path / "scheme.json")]) == 0
    assert main([*db, "scheme", "import", str(tmp_path / "scheme.json")]) == 0
    capsys.readouterr()
    assert main([*db, "agreement", "--layer", "stance", "--annotators", "ana,ben", "--scope",
                 "all", "--json"]) == 0
    assert capsys.readouterr().out.strip().startswith("{")
    assert main([*db, "report", "-o", str(tmp_path / "r.html")]) == 0
    assert main([*db, "suggest", "--documents", first, "--json"]) == 0
    assert main([*db, "study", "--json"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("STANCEDESK_DB", db_url)  # the same database named by the environment
    assert main(["db", "info", "--json"]) == 0
    info = _json(capsys)
    assert isinstance(info, dict) and info["spans"] == 4 and info["schema_revision"] == SCHEMA_HEAD
    assert main(["curate", "auto", "--min-agreement", "2", "--curator", "lead", "--json"]) == 0
    assert [x["start"] for x in _json(capsys)["taken"]] == [0]  # type: ignore[index]
    assert main(["curate", "status", "--json"]) == 0
    assert _json(capsys)["totals"]["open"] == 1  # type: ignore[index]
    assert main(["curate", "undo"]) == 0
    assert main(["documents", "delete", "--yes", first]) == 0
    capsys.readouterr()
    assert main(["db", "info", "--json"]) == 0
    assert _json(capsys)["spans"] == 0  # type: ignore[index]
    assert text  # the titles came through
