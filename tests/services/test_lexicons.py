"""A project's own lexicons: imported into the project (checked first, all or nothing), used by
``suggest`` and the desk's service calls by default, exported back as the same files, shown
and cleared; ``stancedesk lexicons`` does each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.attribution.lexicon import LexiconError
from stancedesk.cli import main
from stancedesk.domain.errors import NotFoundError, UserError
from stancedesk.services import lexicons, suggestions
from stancedesk.services.project import open_database
from stancedesk.storage.engine import Database
from tests.services.test_attribution import add_doc

TEXT = "The ceasefire would hold, the envoy opined on Sunday."
VERBS = "# verbs our outlets use\nopined *\n"


def lists(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def claims(db: Database, doc: str, folder: Path | None = None) -> list[str]:
    return [s.claim.text for s in suggestions.find_in_document(db, doc, folder)]


def test_imported_lexicons_are_used_by_default_and_a_folder_replaces_them(
        db: Database, tmp_path: Path) -> None:
    doc = add_doc(db, TEXT)
    assert claims(db, doc) == []
    project = lexicons.import_lexicons(db, lists(tmp_path / "ours", speech_verbs=VERBS))
    assert project.files == {"speech_verbs.txt": VERBS}
    assert project.counts()["speech_verbs.txt"][1] == 1
    assert claims(db, doc) == ["The ceasefire would hold"]
    # the desk's background path (with a cancel callback) reads the same lists
    assert [s.claim.text for s in suggestions.find_in_document(
        db, doc, cancelled=lambda: False)] == ["The ceasefire would hold"]
    assert [k for k, _ in suggestions.suggest(db)] == [doc]
    # --lexicons DIR tries another folder instead of the project's lists
    assert claims(db, doc, lists(tmp_path / "other", media_names="Nordbladet\n")) == []


def test_a_bad_line_stops_the_import_and_keeps_what_was_there(db: Database,
                                                              tmp_path: Path) -> None:
    lexicons.import_lexicons(db, lists(tmp_path / "good", speech_verbs=VERBS))
    bad = lists(tmp_path / "bad", speech_verbs="claimed\n",
                source_nouns="expert\tanalyst\nnot-a-kind\tcolumnist\n")
    with pytest.raises(LexiconError, match=r"source_nouns\.txt, line 2: expected KIND") as err:
        lexicons.import_lexicons(db, bad)
    assert isinstance(err.value, UserError) and "\n" not in str(err.value)
    assert lexicons.project_lexicons(db).files == {"speech_verbs.txt": VERBS}


def test_an_empty_or_missing_folder_is_refused(db: Database, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(LexiconError, match="no lexicon files in it"):
        lexicons.import_lexicons(db, tmp_path / "empty")
    with pytest.raises(NotFoundError, match="no such lexicon folder"):
        lexicons.import_lexicons(db, tmp_path / "nowhere")
    assert lexicons.project_lexicons(db).files == {}


def test_export_gives_back_the_imported_files_and_clear_drops_them(db: Database,
                                                                   tmp_path: Path) -> None:
    source = lists(tmp_path / "ours", speech_verbs=VERBS, media_names="Nordbladet\n")
    with pytest.raises(NotFoundError, match="no lexicons of its own"):
        lexicons.export_lexicons(db, tmp_path / "out")
    lexicons.import_lexicons(db, source)
    written = lexicons.export_lexicons(db, tmp_path / "out" / "new")
    assert sorted(p.name for p in written) == ["media_names.txt", "speech_verbs.txt"]
    for path in written:
        assert path.read_text(encoding="utf-8") == (source / path.name).read_text("utf-8")
    assert lexicons.clear_lexicons(db) is True
    assert lexicons.project_lexicons(db).files == {} and lexicons.clear_lexicons(db) is False


def test_cli_show_import_export_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "p.sqlite")
    article = tmp_path / "envoy.txt"
    article.write_text("Envoy\n\n" + TEXT + "\n", encoding="utf-8")
    assert main(["--db", db, "import", str(article)]) == 0
    source = lists(tmp_path / "ours", speech_verbs=VERBS)
    capsys.readouterr()
    assert main(["--db", db, "lexicons", "import", str(source)]) == 0
    assert "speech_verbs.txt (1)" in capsys.readouterr().out
    assert main(["--db", db, "lexicons", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["files"]["speech_verbs.txt"]["project"] == 1
    assert shown["files"]["speech_verbs.txt"]["built_in"] > 10
    assert shown["imported_from"] == str(source.resolve())
    assert main(["--db", db, "lexicons", "show"]) == 0
    assert "1 added by the project" in capsys.readouterr().out
    assert main(["--db", db, "suggest", "--json"]) == 0  # suggest uses them by default
    assert [s["claim"]["text"] for s in json.loads(capsys.readouterr().out)] == [
        "The ceasefire would hold"]
    assert main(["--db", db, "lexicons", "export", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "speech_verbs.txt").read_text(encoding="utf-8") == VERBS
    (source / "anaphors.txt").write_text("person\tthem and\nnobody\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", db, "lexicons", "import", str(source)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("anaphors.txt, line 2: expected KIND<TAB>words with KIND one of "
                        "person, any") and "\n" not in err
    assert main(["--db", db, "lexicons", "clear"]) == 0
    assert main(["--db", db, "suggest", "--json"]) == 0
    capsys.readouterr()
    database = open_database(db)
    try:
        assert lexicons.project_lexicons(database).files == {}
    finally:
        database.dispose()
