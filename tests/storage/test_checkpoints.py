"""A database whose checkpoints are deferred (the desk's) commits without copying the WAL back
into the database file; ``checkpoint`` does that later, on its own thread; past a backstop a
commit still does, so the WAL stays bounded. A server has nothing to defer."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import CHECKPOINT_BACKSTOP_PAGES, Database

# about 1,500 pages of 4 kB: past SQLite's automatic checkpoint (1,000), under the backstop
BLOB = 6_000_000


def _fill_wal(db: Database) -> None:
    with db.write() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS scratch (x BLOB)"))
        session.execute(text("INSERT INTO scratch VALUES (randomblob(:n))"), {"n": BLOB})


def test_a_deferred_commit_leaves_the_checkpoint_to_checkpoint(db: Database, backend: str,
                                                               tmp_path: Path) -> None:
    deferred = db.defer_checkpoints()
    assert deferred == (backend == "sqlite")
    if not deferred:  # a server: writes and the no-op checkpoint still work
        (tmp_path / "a.txt").write_text("A short text to label.", encoding="utf-8")
        corpus.import_paths(db, [tmp_path / "a.txt"])
        doc = corpus.list_documents(db)[0].id
        span_service.create_span(db, doc, "alice", 0, 7, {"stance": "favor"})
        db.checkpoint()
        db.wait_for_checkpoint()
        assert len(span_service.list_spans(db)) == 1
        return
    path = db.location.path
    assert isinstance(path, Path)
    with db.write() as session:
        assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() \
            == CHECKPOINT_BACKSTOP_PAGES
    before = path.stat().st_size
    _fill_wal(db)
    assert path.stat().st_size == before, "the commit checkpointed"
    assert Path(f"{path}-wal").stat().st_size > BLOB
    db.checkpoint()
    db.wait_for_checkpoint(30)
    assert path.stat().st_size > before + BLOB, "the checkpoint did not copy the WAL back"
    _fill_wal(db)  # the WAL is reused from its start after a full checkpoint
    assert Path(f"{path}-wal").stat().st_size < 2 * BLOB


def test_past_the_backstop_a_commit_checkpoints(db: Database, backend: str) -> None:
    if not db.defer_checkpoints():
        return
    path = db.location.path
    assert isinstance(path, Path)
    before = path.stat().st_size
    for _ in range(CHECKPOINT_BACKSTOP_PAGES * 4096 // BLOB + 1):
        _fill_wal(db)
    assert path.stat().st_size > before + BLOB


def test_a_checkpoint_asked_for_after_dispose_opens_nothing(db: Database, backend: str) -> None:
    """The desk's idle timer can fire after its window closed and disposed the database: the
    checkpoint it asks for must not open the file again (SQLite would create an empty one
    where a project was moved away)."""
    db.defer_checkpoints()
    path = db.location.path
    db.dispose()
    if path is not None:
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
    db.checkpoint()
    db.wait_for_checkpoint()
    assert path is None or not path.exists()
