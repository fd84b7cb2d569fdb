"""A database that cannot be written: read commands read a current one, and refuse an old one
with one line (exit 2), leaving no backup behind however often they are tried.

An old schema cannot be read in place (the queries need the columns later migrations added),
and upgrading needs a writable file, so refusing with advice is the honest answer. Read-only
is made with SQLite's ``mode=ro`` URI (CI runs as root, where file permissions do not stop a
write), and with file permissions where they are enforced.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.services.project import open_database
from stancedesk.storage import migrate
from stancedesk.storage.engine import Database, resolve_location

READ_COMMANDS = [["documents"], ["documents", "--json"], ["db", "info"], ["db", "info", "--json"],
                 ["export", "annotations", "-o", "-"], ["agreement"], ["sources"], ["profile"],
                 ["suggest"], ["scheme", "show"], ["annotators"]]


def _database(path: Path, revision: str | None = None) -> None:
    database = open_database(str(path), seed_sample=True, sample_annotations=True)
    try:
        if revision is not None:
            migrate.downgrade(database, revision)
    finally:
        database.dispose()


def _read_only_url(path: Path) -> str:
    return f"sqlite:///file:{path}?mode=ro&uri=true"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    path = tmp_path / "old.sqlite"
    _database(path, "0004")
    return path


def _run(db: str, command: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str,
                                                                                    str]:
    code = main(["--db", db, *command])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_an_old_read_only_database_is_refused_in_one_line(
        old: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):  # each attempt: the same line, and still no backup
        code, _out, err = _run(_read_only_url(old), command, capsys)
        assert code == 2, err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert str(old) in err and "read-only" in err and "'0004'" in err
        assert "db upgrade" in err
    assert sorted(p.name for p in old.parent.iterdir() if ".bak-" in p.name
                  or ".part" in p.name) == []
    assert migrate.current_revision(Database(resolve_location(str(old)))) == "0004"


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_current_read_only_database_reads(
        tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "current.sqlite"
    _database(path)
    code, out, err = _run(_read_only_url(path), command, capsys)
    assert code == 0, err
    assert out


@pytest.fixture
def read_only_folder(old: Path) -> Iterator[Path]:
    """``old`` in a folder nobody may write to, with a read-only file."""
    folder = old.parent
    old.chmod(stat.S_IRUSR | stat.S_IRGRP)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        yield old
    finally:
        folder.chmod(stat.S_IRWXU)
        old.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes through file permissions (the mode=ro tests cover it)")
def test_an_old_database_in_a_read_only_folder_is_refused_without_a_backup(
        read_only_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["documents"], ["db", "info"]):
        code, _out, err = _run(str(read_only_folder), command, capsys)
        assert code == 2 and err.count("\n") == 1 and "read-only" in err, err
    assert sorted(p.name for p in read_only_folder.parent.iterdir()) == ["old.sqlite"]



@pytest.fixture
def in_read_only_folder(tmp_path: Path) -> Iterator[Callable[[Path], Path]]:
    """Moves a database into a folder nobody may write to here and gives its new path: by
    permissions, or (as root, whom permissions do not stop) through a read-only bind mount,
    where the system allows mounting."""
    folder, view = tmp_path / "share", tmp_path / "mounted"
    folder.mkdir()
    undo: list[Callable[[], object]] = []

    def move(database: Path) -> Path:
        moved = database.rename(folder / database.name)
        if os.geteuid() != 0:
            folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
            undo.append(lambda: folder.chmod(stat.S_IRWXU))
            return moved
        view.mkdir()
        if subprocess.run(["mount", "--bind", str(folder), str(view)],
                          capture_output=True).returncode != 0:
            pytest.skip("cannot make a read-only folder here (not permitted to mount)")
        undo.append(lambda: subprocess.run(["umount", str(view)], capture_output=True))
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(view)],
                          capture_output=True).returncode != 0:
            pytest.skip("cannot make a read-only folder here (not permitted to remount)")
        return view / database.name

    try:
        yield move
    finally:
        for step in reversed(undo):
            step()


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions and mounts")
@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_current_database_in_a_read_only_folder_reads(
        tmp_path: Path, in_read_only_folder: Callable[[Path], Path], command: list[str],
        capsys: pytest.CaptureFixture[str]) -> None:
    # SQLite cannot open a WAL database where it cannot create the -shm file beside it, not
    # even read-only; this used to refuse every command ("the database file cannot be opened")
    path = tmp_path / "current.sqlite"
    _database(path)
    shared = in_read_only_folder(path)
    code, out, err = _run(str(shared), command, capsys)
    assert code == 0, err
    assert out
    assert sorted(p.name for p in shared.parent.iterdir()) == ["current.sqlite"]


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions and mounts")
def test_an_old_database_in_a_read_only_folder_names_its_revision(
        old: Path, in_read_only_folder: Callable[[Path], Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    shared = in_read_only_folder(old)
    for command in (["documents"], ["db", "info"]):
        code, _out, err = _run(str(shared), command, capsys)
        assert code == 2 and err.count("\n") == 1, err
        assert "read-only" in err and "'0004'" in err and "db upgrade" in err
    assert sorted(p.name for p in shared.parent.iterdir()) == ["old.sqlite"]
