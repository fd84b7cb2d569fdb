"""Every foundation subcommand, driven through ``stancedesk.cli.main`` as a user would."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from stancedesk import __version__
from stancedesk.cli import annotators, main
from stancedesk.services import corpus, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.project import default_scheme, open_database

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def corpus_with_span(capsys: pytest.CaptureFixture[str], db: str, labels: dict[str, str] | None,
                     annotator: str = "al") -> None:
    """Import the sample corpus with the CLI, then label the first five characters."""
    run(capsys, "--db", db, "import", str(ROOT / "sample_corpus"))
    database = open_database(db)
    try:
        doc = corpus.list_documents(database)[0]
        span_service.create_span(database, doc.id, annotator, 0, 5, labels)
    finally:
        database.dispose()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"stancedesk {__version__}"


def test_console_script_runs_in_a_subprocess() -> None:
    result = subprocess.run([sys.executable, "-m", "stancedesk", "--version"], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == f"stancedesk {__version__}"


def test_db_info_and_upgrade(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    code, out, _ = run(capsys, "--db", db, "db", "upgrade")
    assert code == 0 and "upgraded from empty to" in out
    code, out, _ = run(capsys, "--db", db, "db", "upgrade")
    assert code == 0 and "already at schema revision" in out
    _, out, _ = run(capsys, "--db", db, "db", "info", "--json")
    info = json.loads(out)
    assert info["database"] == db and info["documents"] == 0
    assert info["schema_revision"] == info["schema_head"]
    assert info["scheme"].startswith("Stance and sourcing")
    code, out, _ = run(capsys, "--db", db, "db", "info")
    assert "schema revision" in out and db in out


def test_environment_variable_names_the_database(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCEDESK_DB", str(tmp_path / "env.sqlite"))
    run(capsys, "db", "upgrade")
    _, out, _ = run(capsys, "db", "info", "--json")
    assert json.loads(out)["database"] == str(tmp_path / "env.sqlite")
    run(capsys, "--db", str(tmp_path / "opt.sqlite"), "db", "upgrade")
    _, out, _ = run(capsys, "--db", str(tmp_path / "opt.sqlite"), "db", "info", "--json")
    assert json.loads(out)["database"] == str(tmp_path / "opt.sqlite")


def test_import_documents_and_listing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    code, out, _ = run(capsys, "--db", db, "import", str(ROOT / "sample_corpus"))
    assert code == 0 and "imported 10 document(s) from 10 file(s)" in out
    code, out, _ = run(capsys, "--db", db, "import", str(ROOT / "sample_corpus"))
    assert "imported 0 document(s)" in out and "already present, skipped" in out
    code, out, _ = run(capsys, "--db", db, "documents", "--json")
    docs = json.loads(out)
    assert len(docs) == 10
    assert set(docs[0]) == {"id", "title", "source_file", "outlet", "date", "length", "spans"}
    code, out, _ = run(capsys, "--db", db, "documents")
    assert docs[0]["id"] in out and docs[0]["title"] in out


def test_bad_import_exits_non_zero_with_message(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{oops}\n', encoding="utf-8")
    code, out, err = run(capsys, "--db", db, "import", str(bad))
    assert code == 2
    assert err.startswith(f"stancedesk: error: {bad}, line 2: malformed JSON")
    code, out, _ = run(capsys, "--db", db, "documents", "--json")
    assert json.loads(out) == []


def test_export_and_import_annotations(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    run(capsys, "--db", db, "import", str(ROOT / "sample_corpus"))
    database = open_database(db)
    try:
        doc = corpus.list_documents(database)[0]
        text = corpus.get_document(database, doc.id).text
        start = text.index("said")
        span_service.create_span(database, doc.id, "alice", start, start + 4,
                                {"stance": "neutral", "sourcing": "official"})
    finally:
        database.dispose()
    out_file = tmp_path / "a.csv"
    code, _, err = run(capsys, "--db", db, "export", "annotations", "--format", "csv", "-o",
                       str(out_file))
    assert code == 0 and "exported 1 annotation(s)" in err
    code, stdout_csv, _ = run(capsys, "--db", db, "export", "annotations")
    assert stdout_csv == out_file.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(stdout_csv)))
    assert rows[0]["text"] == "said" and rows[0]["sourcing"] == "official"

    db2 = str(tmp_path / "q.sqlite")
    run(capsys, "--db", db2, "import", str(ROOT / "sample_corpus"))
    code, out, _ = run(capsys, "--db", db2, "import", "annotations", str(out_file))
    assert code == 0 and "imported 1 annotation(s)" in out and "alice" in out
    code, again, _ = run(capsys, "--db", db2, "export", "annotations")
    assert again == stdout_csv

    bad = tmp_path / "bad.csv"
    bad.write_text(stdout_csv.replace(",official,", ",officer,"), encoding="utf-8")
    code, _, err = run(capsys, "--db", db2, "import", "annotations", str(bad))
    assert code == 2 and f"{bad}:" in err and "label 'officer' is not in layer 'sourcing'" in err


def test_scheme_show_export_import(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    run(capsys, "--db", db, "db", "upgrade")
    code, out, _ = run(capsys, "--db", db, "scheme", "show")
    assert code == 0 and "sourcing - Sourcing" in out and "[Shift+A]" in out
    code, out, _ = run(capsys, "--db", db, "scheme", "show", "--json")
    assert json.loads(out) == default_scheme().to_dict()
    path = tmp_path / "scheme.json"
    code, _, _ = run(capsys, "--db", db, "scheme", "export", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == default_scheme().to_dict()

    data["layers"][0]["labels"].append({"key": "mixed", "name": "Mixed", "shortcut": "Q",
                                        "color": "#123456"})
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = run(capsys, "--db", db, "scheme", "import", str(path))
    assert code == 0
    database = open_database(db)
    try:
        assert "mixed" in schemes.get_scheme(database).layer("stance").label_keys
    finally:
        database.dispose()


def test_scheme_import_refusals(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    corpus_with_span(capsys, db, {"sourcing": "media"})
    path = tmp_path / "s.json"

    data = default_scheme().to_dict()
    data["layers"][2]["labels"] = [lb for lb in data["layers"][2]["labels"]
                                   if lb["key"] != "media"]
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(capsys, "--db", db, "scheme", "import", str(path))
    assert code == 2 and "label sourcing/media is missing but 1 span(s) use it" in err

    data = default_scheme().to_dict()
    data["layers"][0]["labels"][0]["shortcut"] = "D"
    data["layers"][0]["labelz"] = []
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(capsys, "--db", db, "scheme", "import", str(path))
    assert code == 2 and str(path) in err
    assert "duplicate shortcut 'D'" in err and "unknown key 'labelz'" in err

    path.write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "--db", db, "scheme", "import", str(path))
    assert code == 2 and "malformed JSON" in err
    code, out, _ = run(capsys, "--db", db, "scheme", "show", "--json")
    assert json.loads(out) == default_scheme().to_dict(), "a refused scheme changes nothing"


def test_annotators_listing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    corpus_with_span(capsys, db, None)
    database = open_database(db)
    try:
        span_service.ensure_annotator(database, "bea")
    finally:
        database.dispose()
    _, out, _ = run(capsys, "--db", db, "annotators", "--json")
    assert json.loads(out) == [{"name": "al", "spans": 1}, {"name": "bea", "spans": 0}]


def test_newer_database_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "p.sqlite"
    run(capsys, "--db", str(db), "db", "upgrade")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num='0099'")
    code, _, err = run(capsys, "--db", str(db), "documents")
    assert code == 2 and "newer version of StanceDesk" in err


def test_document_status(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    run(capsys, "--db", db, "import", str(ROOT / "sample_corpus"))
    _, out, _ = run(capsys, "--db", db, "documents", "--json")
    first, second = (d["id"] for d in json.loads(out)[:2])
    code, out, _ = run(capsys, "--db", db, "status", "-a", "alice", "--set", "done", first,
                       "--json")
    assert code == 0 and json.loads(out) == [
        {"id": first, "title": json.loads(run(capsys, "--db", db, "documents", "--json")[1])[0]
         ["title"], "spans": 0, "status": "done"}]
    _, out, _ = run(capsys, "--db", db, "status", "-a", "alice", "--json")
    marks = {r["id"]: r["status"] for r in json.loads(out)}
    # an unopened document has no status, as in the desk's list (it used to say in_progress)
    assert marks[first] == "done" and marks[second] is None
    _, out, _ = run(capsys, "--db", db, "status", "-a", "bob", first, "--json")
    assert json.loads(out)[0]["status"] is None, "status is per annotator"
    database = open_database(db)
    try:
        span_service.create_span(database, second, "alice", 0, 5, {"stance": "favor"})
    finally:
        database.dispose()
    _, out, _ = run(capsys, "--db", db, "status", "-a", "alice", second, "--json")
    assert json.loads(out)[0]["status"] == "in_progress", "a span of hers: in progress"
    _, out, _ = run(capsys, "--db", db, "status", "-a", "bob")
    assert f"{first}  -  " in out
    code, _, err = run(capsys, "--db", db, "status", "-a", "alice", "--set", "done", "nope")
    assert code == 2 and "unknown document id(s): nope" in err


def test_import_annotations_takes_options_before_and_after_paths(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    corpus_with_span(capsys, db, {"stance": "favor"})
    out_file = tmp_path / "a.csv"
    run(capsys, "--db", db, "export", "annotations", "-o", str(out_file))
    db2 = str(tmp_path / "q.sqlite")
    run(capsys, "--db", db2, "import", str(ROOT / "sample_corpus"))
    code, out, _ = run(capsys, "--db", db2, "import", "annotations", "--format", "csv",
                       "--dry-run", str(out_file))
    assert code == 0 and "would import 1 annotation(s)" in out
    code, out, _ = run(capsys, "--db", db2, "import", "annotations", str(out_file), "--format",
                       "csv")
    assert code == 0 and "imported 1 annotation(s)" in out
    assert route_of(["--db", "x", "import", "annotations", "--format", "csv", "f"])[2] == \
        "import-annotations"
    assert route_of(["import", "annotations"]) == ["import", "annotations"], \
        "a folder named 'annotations' still imports as a corpus"


def test_import_annotations_of_several_files_is_all_or_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    corpus_with_span(capsys, db, {"stance": "favor"})
    good = tmp_path / "good.csv"
    run(capsys, "--db", db, "export", "annotations", "-o", str(good))
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text(encoding="utf-8").replace(",favor,", ",pro,"),
                   encoding="utf-8")
    db2 = str(tmp_path / "q.sqlite")
    run(capsys, "--db", db2, "import", str(ROOT / "sample_corpus"))
    code, _, err = run(capsys, "--db", db2, "import", "annotations", str(good), str(bad))
    assert code == 2 and str(bad) in err
    _, out, _ = run(capsys, "--db", db2, "annotators", "--json")
    assert json.loads(out) == [], "the good first file was not stored either"


def route_of(argv: list[str]) -> list[str]:
    from stancedesk.cli import route

    return route(argv)


@pytest.mark.parametrize("command", [
    ["documents"], ["annotators"], ["db", "info"], ["scheme", "show"], ["agreement"],
    ["export", "annotations", "--format", "csv"], ["status", "-a", "ann"],
    ["import", "annotations", "--dry-run", "spans.csv"],
])
def test_read_commands_refuse_a_database_that_does_not_exist(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo" / "nested" / "project.sqlite"
    code, out, err = run(capsys, "--db", str(missing), *command)
    assert code == 2 and out == ""
    assert err == f"stancedesk: error: no database at {missing}\n"
    assert not (tmp_path / "typo").exists(), "nothing is created, not even the parent folders"


def test_commands_that_store_data_create_the_database(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    db = tmp_path / "new" / "project.sqlite"
    code, out, _ = run(capsys, "--db", str(db), "import", str(ROOT / "sample_corpus"))
    assert code == 0 and db.is_file()
    code, out, _ = run(capsys, "--db", str(db), "documents", "--json")
    assert code == 0 and len(json.loads(out)) == 10


def test_each_command_builds_only_the_parser_of_its_module(tmp_path: Path) -> None:
    """``COMMANDS`` names, for every command word, the module that registers it; a command then
    imports only that module's services (the rest took a third of a second at each start)."""
    from importlib import import_module

    from stancedesk.cli import COMMAND_MODULES, COMMANDS, build_parser

    registered = {}
    for module in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers(dest="command")
        import_module(module).register(sub)
        registered.update(dict.fromkeys(sub.choices, module))
    assert registered == COMMANDS
    assert set(build_parser("agreement")._subparsers._group_actions[0].choices) == \
        {"reliability", "agreement", "report"}  # type: ignore[union-attr]
    db = tmp_path / "empty.sqlite"
    open_database(str(db), seed_sample=False).dispose()
    probe = ("import sys; from stancedesk.cli import main; "
             f"code = main(['--db', {str(db)!r}, 'agreement', '--layer', 'stance', '--json']); "
             "print(sorted(m for m in ('stancedesk.services.exchange', "
             "'stancedesk.services.suggestions', 'stancedesk.services.bundle_export', "
             "'stancedesk.cli.corpus') if m in sys.modules), code)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip().splitlines()[-1] == "[] 0"


def test_opening_the_desk_builds_no_command_parser(tmp_path: Path) -> None:
    """``stancedesk`` with no command opens the desk after parsing the global options only:
    building every command's parser imported every command's services first (a fifth of the
    launch). The help still lists every command."""
    probe = ("import sys; import stancedesk.app as root; "
             "root.run_gui = lambda db, annotator, started: print(db, annotator) or 0; "
             "from stancedesk.cli import main; "
             f"code = main(['--db', {str(tmp_path / 'x.sqlite')!r}, '--annotator', 'al']); "
             "print(sorted(m for m in sys.modules if m.startswith('stancedesk.cli.')), code)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip().splitlines() == [f"{tmp_path / 'x.sqlite'} al", "[] 0"]
    result = subprocess.run([sys.executable, "-m", "stancedesk", "--help"], capture_output=True,
                            text=True, check=True)
    assert "agreement" in result.stdout and "curate" in result.stdout


def test_the_collector_is_paused_while_starting_and_runs_for_the_work(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Start-up makes long-lived objects only, so the cyclic garbage collector is paused until
    a command runs, or until the desk has painted (``started``); it is on again after ``main``,
    and a caller that had turned it off keeps it off."""
    import gc

    import stancedesk.app

    seen: list[tuple[str, bool]] = []

    def desk(db: str | None, annotator: str | None, started: Callable[[], None]) -> int:
        seen.append(("desk", gc.isenabled()))
        started()
        seen.append(("painted", gc.isenabled()))
        return 0

    monkeypatch.setattr(stancedesk.app, "run_gui", desk)
    monkeypatch.setattr(annotators.span_service, "spans_per_annotator",
                        lambda _db: seen.append(("command", gc.isenabled())) or {})
    db = str(tmp_path / "x.sqlite")
    open_database(db, seed_sample=False).dispose()
    assert gc.isenabled()
    assert main(["--db", db]) == 0
    assert main(["--db", db, "annotators"]) == 0
    assert gc.isenabled()
    assert seen == [("desk", False), ("painted", True), ("command", True)]
    gc.disable()
    try:
        assert main(["--db", db]) == 0
        assert seen[-2:] == [("desk", False), ("painted", False)]
    finally:
        gc.enable()
