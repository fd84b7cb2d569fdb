"""Regression tests for the output defects of issue 10: special files and ``-`` are written
directly, exports and scheme exports are whole or absent, agreement tables are spreadsheet-safe,
and upgrade backups are whole files and never made of a database that cannot be upgraded.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from stancedesk.cli import main
from stancedesk.services import agreement, corpus, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.storage import migrate
from stancedesk.storage.engine import Database, resolve_location
from stancedesk.storage.errors import StorageError

EVIL = '=HYPERLINK("http://example.org/steal","click")'


def read_fifo_in_thread(path: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def reader() -> None:
        with open(path, "rb") as fifo:
            got.append(fifo.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return thread, got


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_an_export_to_a_fifo_reaches_its_reader(annotated, tmp_path, fmt):
    fifo = tmp_path / "out" / "pipe"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    thread, got = read_fifo_in_thread(fifo)
    assert main(["--db", annotated.db.url, "export", "annotations", "--format",
                 fmt, "-o", str(fifo)]) == 0
    thread.join(timeout=20)
    assert not thread.is_alive(), "the reader never got the export"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    data = got[0]
    if fmt == "csv":
        assert len(list(csv.reader(io.StringIO(data.decode("utf-8"))))) == 12  # header + 11
    elif fmt == "jsonl":
        assert data.count(b"\n") == 3
    else:
        assert data.startswith(b"PK")  # a whole workbook
    assert [p.name for p in fifo.parent.iterdir()] == ["pipe"]


FULL_DISK_EXPORT = """
import errno, io, sys

from stancedesk.cli import main

real_open = io.open


class FullDisk:
    \"\"\"A file on a disk with room for 2,000 bytes.\"\"\"

    def __init__(self, raw):
        self.raw, self.written = raw, 0

    def write(self, data):
        if self.written + len(data) > 2000:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.written += len(data)
        return self.raw.write(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.raw.close()


def full_open(file, mode="r", *args, **kwargs):
    opened = real_open(file, mode, *args, **kwargs)
    return FullDisk(opened) if str(file).startswith(sys.argv[2]) and "w" in mode else opened


io.open = full_open
sys.exit(main(["--db", sys.argv[1], "export", "annotations", "--format", "xlsx", "-o",
               sys.argv[2]]))
"""


def test_an_xlsx_export_to_a_full_disk_is_one_line_naming_the_output(annotated, tmp_path):
    # xlsxwriter zips the workbook in its close(); a write failing there used to leave its
    # ZipFile open, and the garbage collector's second close printed a traceback after the
    # message, which named the temporary .part file
    target = tmp_path / "out.xlsx"
    run = subprocess.run([sys.executable, "-c", FULL_DISK_EXPORT, annotated.db.url,
                          str(target)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert run.stderr == f"stancedesk: error: {target}: cannot write the output: No space " \
        "left on device\n"
    assert not target.exists() and not [p for p in tmp_path.iterdir() if ".part" in p.name]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "labelstudio"])
def test_an_export_to_dev_null_leaves_the_device(annotated, fmt):
    assert main(["--db", annotated.db.url, "export", "annotations", "--format",
                 fmt, "-o", os.devnull]) == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert not Path(os.devnull + ".part").exists()


def test_dash_is_standard_output(annotated, tmp_path, capsys, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    db = annotated.db.url
    assert main(["--db", db, "export", "annotations", "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("annotation_id,")
    assert main(["--db", db, "scheme", "export", "-"]) == 0
    assert '"layers"' in capsys.readouterr().out
    assert list(here.iterdir()) == []


def test_scheme_export_is_whole_or_absent(db, tmp_path, monkeypatch, capsys):
    target = tmp_path / "out" / "scheme.json"
    target.parent.mkdir()
    target.write_text("the previous scheme file\n", encoding="utf-8")
    # a failure halfway through writing (here: text that cannot be encoded)
    monkeypatch.setattr(schemes, "scheme_to_json", lambda scheme: '{"name": "x\ud800"}\n')
    assert main(["--db", db.url, "scheme", "export", str(target)]) == 1
    assert "UnicodeEncodeError" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "the previous scheme file\n"
    assert [p.name for p in target.parent.iterdir()] == ["scheme.json"]
    monkeypatch.undo()
    assert main(["--db", db.url, "scheme", "export", str(target)]) == 0
    assert '"layers"' in target.read_text(encoding="utf-8")


def test_scheme_export_to_dev_null_leaves_the_device(db):
    assert main(["--db", db.url, "scheme", "export", os.devnull]) == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.fixture
def evil_names(db: Database, tmp_path: Path) -> Database:
    text = "Talks resume in Geneva. The minister said yes.\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    doc = corpus.import_paths(db, [tmp_path / "a.txt"]).added[0]
    span_service.create_span(db, doc.id, EVIL, 0, 5, {"stance": "favor"})
    span_service.create_span(db, doc.id, "bob", 0, 5, {"stance": "against"})
    span_service.create_span(db, doc.id, "+bob", 6, 12, {"stance": "against"})
    return db


def cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def test_agreement_csv_and_alignment_neutralise_formula_names(evil_names, tmp_path, capsys):
    tables, alignment = tmp_path / "t.csv", tmp_path / "al.csv"
    assert main(["--db", evil_names.url, "agreement", "--layer", "stance",
                 "--bootstrap", "0", "--csv", str(tables), "--alignment", str(alignment)]) == 0
    capsys.readouterr()
    for path in (tables, alignment):
        written = cells(path)
        assert not [c for c in written if c[:1] in ("=", "+", "@")], path
        assert any(c.startswith("'" + EVIL) for c in written), path
        assert any(c.startswith("'+bob") for c in written), path


def test_the_dashboard_csv_neutralises_formula_names(evil_names, tmp_path):
    result = agreement.span_agreement(evil_names, agreement.AgreementSettings(
        layers=["stance"], bootstrap=0))
    path = tmp_path / "dashboard.csv"
    assert agreement.export_tables_csv(result, path) > 0  # what the dashboard's button calls
    written = cells(path)
    assert "'" + EVIL in written and EVIL not in written


# --- upgrade backups ---------------------------------------------------------------------------

def old_database(path: Path) -> None:
    """A database with some data, one schema revision behind."""
    database = open_database(str(path), seed_sample=True)
    try:
        migrate.downgrade(database, "0002")
    finally:
        database.dispose()


KILL_DURING_BACKUP = """
import os, signal, sqlite3, sys
from pathlib import Path

from stancedesk.services.project import open_database

real_connect = sqlite3.connect
target = Path(sys.argv[1])


class KilledMidCopy:
    def __init__(self, conn):
        self.conn = conn

    def backup(self, dst, **_):
        def die(status, remaining, total):
            os.kill(os.getpid(), signal.SIGKILL)
        self.conn.backup(dst, pages=1, progress=die)

    def close(self):
        self.conn.close()


def connect(database, *args, **kwargs):
    conn = real_connect(database, *args, **kwargs)
    return KilledMidCopy(conn) if isinstance(database, Path) and database == target else conn


sqlite3.connect = connect
open_database(str(target), seed_sample=False)
"""


def test_an_upgrade_killed_while_copying_its_backup_leaves_no_bak(tmp_path):
    path = tmp_path / "old.sqlite"
    old_database(path)
    run = subprocess.run([sys.executable, "-c", KILL_DURING_BACKUP, str(path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == -9, run.stderr
    assert list(tmp_path.glob("old.sqlite.bak-*")) == []
    # the next start makes a whole backup and clears the leftover
    database = open_database(str(path), seed_sample=False)
    database.dispose()
    backups = list(tmp_path.glob("old.sqlite.bak-*"))
    assert len(backups) == 1
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]
    database = open_database(str(backups[0]), seed_sample=False)
    try:
        assert corpus.count_documents(database) > 0
    finally:
        database.dispose()


def test_a_read_only_old_database_is_refused_without_a_backup(tmp_path):
    path = tmp_path / "old.sqlite"
    old_database(path)
    location = resolve_location(str(path))
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    read_only = Database(location, engine)
    try:
        for _ in range(2):
            with pytest.raises(StorageError, match="read-only") as caught:
                migrate.upgrade(read_only)
            assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    finally:
        read_only.dispose()
    assert list(tmp_path.glob("*.bak-*")) == []
    assert migrate.current_revision(Database(location)) == "0002"


def test_io_helpers_are_not_fooled_by_a_dash_file(tmp_path, monkeypatch):
    # a file really named "-" in the working folder is not where "-" writes
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_text("keep", encoding="utf-8")
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    from stancedesk.services.atomic import text_replaced_on_success

    with text_replaced_on_success(Path("-")) as stream:
        stream.write("to stdout")
    assert out.getvalue() == "to stdout"
    assert (tmp_path / "-").read_text(encoding="utf-8") == "keep"
