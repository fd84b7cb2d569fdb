"""Stale edits are refused, never overwritten; only the changed layers are written (both
back-ends: the ``db`` fixture runs on SQLite and on the PostgreSQL test server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stancedesk.domain.errors import StaleEditError, UserError
from stancedesk.services import corpus, project
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database

TEXT = "Officials said the talks would resume next week in Geneva."


@pytest.fixture
def doc(db: Database, tmp_path: Path) -> str:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    return corpus.import_paths(db, [tmp_path / "a.txt"]).added[0].id


def test_a_new_span_is_version_1_and_each_change_counts(db: Database, doc: str) -> None:
    span = span_service.create_span(db, doc, "alice", 0, 9, {"stance": "favor"})
    assert span.version == 1
    change = span_service.update_labels(db, span.id, {"sourcing": "official"})
    assert (change.before.version, change.after.version) == (1, 2)
    assert span_service.get_span(db, span.id).version == 2
    assert [s.version for s in span_service.list_spans(db)] == [2]


def test_only_the_changed_layers_are_written(db: Database, doc: str) -> None:
    """Desk A (read at v1) sets stance; desk B had set sourcing and credibility meanwhile:
    A's write is refused, and a write from the fresh copy keeps B's layers."""
    span = span_service.create_span(db, doc, "alice", 0, 9, {"stance": "favor"})
    span_service.update_labels(db, span.id, {"sourcing": "official", "credibility": "2"},
                               expected_version=span.version)
    with pytest.raises(StaleEditError, match=r"changed by alice at .*; reload\?"):
        span_service.update_labels(db, span.id, {"stance": "against"},
                                   expected_version=span.version)
    fresh = span_service.get_span(db, span.id)
    assert dict(fresh.labels) == {"stance": "favor", "sourcing": "official", "credibility": "2"}
    change = span_service.update_labels(db, span.id, {"stance": "against"},
                                        expected_version=fresh.version)
    assert dict(change.after.labels) == {"stance": "against", "sourcing": "official",
                                         "credibility": "2"}
    cleared = span_service.update_labels(db, span.id, {"stance": None})
    assert dict(cleared.after.labels) == {"sourcing": "official", "credibility": "2"}


def test_a_stale_edit_is_a_user_error_and_changes_nothing(db: Database, doc: str) -> None:
    span = span_service.create_span(db, doc, "alice", 0, 9, {"stance": "favor"}, note="n")
    span_service.update_span(db, span.id, note="theirs", expected_version=1)
    for attempt in (
        lambda: span_service.update_span(db, span.id, note="mine", expected_version=1),
        lambda: span_service.update_span(db, span.id, start=4, end=9, expected_version=1),
        lambda: span_service.delete_span(db, span.id, expected_version=1),
    ):
        with pytest.raises(UserError, match="reload"):
            attempt()
    stored = span_service.get_span(db, span.id)
    assert (stored.note, stored.start, stored.version) == ("theirs", 0, 2)


def test_undo_puts_back_its_change_and_refuses_when_someone_changed_it(db: Database,
                                                                       doc: str) -> None:
    span = span_service.create_span(db, doc, "alice", 0, 9, {"stance": "favor"}, note="n")
    mine = span_service.update_labels(db, span.id, {"stance": "against"},
                                      expected_version=span.version)
    undone = span_service.put_span(db, mine.before, expected=mine.after)
    assert (dict(undone.after.labels), undone.after.note, undone.after.version) == \
        ({"stance": "favor"}, "n", 3)
    redone = span_service.put_span(db, mine.after, expected=undone.after)
    assert dict(redone.after.labels) == {"stance": "against"}
    # someone sets sourcing after my redo: undoing from my older copy is refused
    span_service.update_labels(db, span.id, {"sourcing": "official"},
                               expected_version=redone.after.version)
    with pytest.raises(StaleEditError, match="reload"):
        span_service.put_span(db, mine.before, expected=redone.after)
    assert dict(span_service.get_span(db, span.id).labels) == {"stance": "against",
                                                               "sourcing": "official"}


def test_delete_and_restore_check_versions(db: Database, doc: str) -> None:
    span = span_service.create_span(db, doc, "alice", 0, 9, {"stance": "favor"})
    deleted = span_service.delete_span(db, span.id, expected_version=1)
    with pytest.raises(StaleEditError, match="deleted meanwhile"):
        span_service.update_labels(db, span.id, {"stance": "neutral"}, expected_version=1)
    restored = span_service.restore_span(db, deleted)
    assert restored.version == 2, "a copy read before the delete stays stale"
    with pytest.raises(StaleEditError, match="is back already"):
        span_service.restore_span(db, deleted)
    with pytest.raises(StaleEditError):
        span_service.delete_span(db, span.id, expected_version=1)
    assert span_service.get_span(db, span.id).labels == {"stance": "favor"}


def test_data_version_moves_when_another_connection_commits(db: Database, doc: str) -> None:
    other = Database(db.location)
    try:
        first = project.data_version(db)
        assert project.data_version(db) == first, "reading changes nothing"
        span_service.create_span(other, doc, "bob", 0, 9, {"stance": "favor"})
        second = project.data_version(db)
        assert second != first
        span_service.delete_span(other, span_service.list_spans(other)[0].id)
        assert project.data_version(db) not in (first, second)
    finally:
        other.dispose()


def test_a_unit_of_work_aborted_by_a_server_race_runs_again() -> None:
    """Serialization failures and deadlocks (SQLSTATE 40001, 40P01) are the server settling a
    race against us: the unit of work runs again; anything else reaches the caller at once."""
    from stancedesk.storage.engine import retry_conflicts
    from stancedesk.storage.errors import StorageError

    class Aborted(Exception):
        def __init__(self, sqlstate: str) -> None:
            super().__init__(sqlstate)
            self.orig = type("DriverError", (), {"sqlstate": sqlstate})()

    calls: list[str] = []

    @retry_conflicts
    def unit(fail: list[str]) -> str:
        calls.append("run")
        if fail:
            raise StorageError("server: the database reported: aborted") from \
                Aborted(fail.pop(0))
        return "stored"

    assert unit(["40P01", "40001"]) == "stored" and len(calls) == 3
    calls.clear()
    with pytest.raises(StorageError):
        unit(["23505"])  # a unique violation is not a race to retry
    assert len(calls) == 1
    calls.clear()
    with pytest.raises(StorageError):
        unit(["40001"] * 10)
    assert len(calls) == 4, "a few attempts, then the error"
