"""``stancedesk suggest``: the JSON contract, offsets into the stored text, and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.services import corpus

ARTICLE = ("PORT VASSEN, March 3 (Northline) - Talvoria reopened its grain corridor on "
           "Tuesday, the transport ministry said.\n\n"
           "“The corridor is open,” Deputy Minister Ivo Rask told reporters. 🙂\n")


def test_json_contract_and_offsets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "corridor.txt"
    article.write_text("Corridor reopens\n" + ARTICLE, encoding="utf-8")
    db = str(tmp_path / "p.sqlite")
    assert main(["--db", db, "import", str(article)]) == 0
    capsys.readouterr()
    assert main(["--db", db, "suggest", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [set(s) for s in out] == [{"document_id", "source", "cue", "claim", "via", "rule"}] * 2
    from stancedesk.services.project import open_database
    database = open_database(db)
    text = corpus.get_document(database, out[0]["document_id"]).text
    database.dispose()
    first, second = out
    assert first["source"] == {"start": first["source"]["start"],
                               "end": first["source"]["end"],
                               "text": "the transport ministry", "sourcing": "official"}
    assert second["claim"]["text"] == "The corridor is open"
    for s in out:
        for key in ("source", "claim", "cue"):
            assert text[s[key]["start"]:s[key]["end"]] == s[key]["text"]
        assert s["via"] is None and s["rule"]


def test_unknown_document_is_one_line_and_exit_2(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(tmp_path / "p.sqlite"), "db", "upgrade"]) == 0
    capsys.readouterr()
    code = main(["--db", str(tmp_path / "p.sqlite"), "suggest", "--documents", "nope"])
    assert code == 2
    assert capsys.readouterr().err == "stancedesk: error: unknown document id(s): nope\n"


def test_text_output_names_rule_and_count(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Title\n" + ARTICLE, encoding="utf-8")
    db = str(tmp_path / "p.sqlite")
    main(["--db", db, "import", str(article)])
    capsys.readouterr()
    assert main(["--db", db, "suggest"]) == 0
    out = capsys.readouterr().out
    assert "rule:  reporting verb 'said': clause before the speaker" in out
    assert out.rstrip().endswith("2 suggestion(s)")
