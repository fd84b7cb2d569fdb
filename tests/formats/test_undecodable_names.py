"""Names the operating system hands over in bytes that are not UTF-8 (a Latin-1 file name, a
command-line word typed in another encoding): Python passes each such byte on as a lone
surrogate, which no database driver can encode. Each used to end in a UnicodeEncodeError
traceback; now one line names the file or option and nothing is stored (both back-ends)."""

from __future__ import annotations

import json
import os

import pytest

from stancedesk.cli import main
from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database

TEXT = "The minister said talks would resume.\n"


def latin1(name: str) -> str:
    """``name`` as Python spells a Latin-1 file name or argument in a UTF-8 locale."""
    return os.fsdecode(name.encode("latin-1"))


def run(db: Database, words: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--db", db.url, *words])
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return code, err


def nothing_stored(db: Database) -> None:
    assert corpus.count_documents(db) == 0
    assert span_service.spans_per_annotator(db) == {}


def test_corpus_files_with_a_latin1_name_are_refused_naming_them(db, tmp_path, capsys):
    bad = tmp_path / latin1("café.txt")
    bad.write_text(TEXT, encoding="utf-8")
    code, err = run(db, ["import", str(bad)], capsys)
    assert code == 2 and "café.txt".replace("é", "\\udce9") in err
    assert "not valid UTF-8 (byte 0xE9)" in err
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "good.txt").write_text("Another article entirely.\n", encoding="utf-8")
    bad.rename(folder / bad.name)
    code, err = run(db, ["import", str(folder)], capsys)  # found inside a folder
    assert code == 2 and "not valid UTF-8" in err and "folder/caf\\udce9.txt" in err
    nothing_stored(db)


def test_annotation_files_annotators_and_maps_not_in_utf8_are_refused(db, tmp_path, capsys):
    line = {"text": TEXT, "spans": [{"start": 4, "end": 12, "text": "minister",
                                     "labels": {"stance": "favor"}}]}
    bad = tmp_path / latin1("notes-é.jsonl")
    bad.write_text(json.dumps(line) + "\n", encoding="utf-8")
    code, err = run(db, ["import", "annotations", str(bad)], capsys)
    assert code == 2 and "notes-\\udce9.jsonl" in err and "not valid UTF-8" in err
    good = tmp_path / "notes.jsonl"
    good.write_text(json.dumps(line) + "\n", encoding="utf-8")
    code, err = run(db, ["import", "annotations", "--annotator", latin1("José"), str(good)],
                    capsys)
    assert code == 2 and "annotator name" in err and "not valid UTF-8" in err
    code, err = run(db, ["import", "annotations", "--map", latin1("é=stance:favor"),
                         str(good)], capsys)
    assert code == 2 and "--map" in err and "not valid UTF-8" in err
    code, err = run(db, ["--annotator", latin1("José"), "annotators"], capsys)
    assert code == 2 and err.startswith("stancedesk: error: --annotator")
    nothing_stored(db)


def test_other_names_not_in_utf8_end_in_one_line(db, capsys):
    code, err = run(db, ["sources", "add", latin1("Café Press")], capsys)
    assert code == 2 and "not valid UTF-8" in err
    code, _out = main(["--db", db.url, "sources", "--json"]), capsys.readouterr()
    assert code == 0 and "Caf" not in _out.out
