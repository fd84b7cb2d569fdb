"""Storage: pragmas, locations, migrations that keep data, refusal of foreign or newer files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.services.schemes import get_scheme
from stancedesk.storage.engine import Database, default_database_path, resolve_location
from stancedesk.storage.errors import NewerDatabaseError, StorageError
from stancedesk.storage.migrate import head_revision, upgrade
from stancedesk.storage.tables import Base


@pytest.mark.sqlite_only
def test_sqlite_pragmas(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_location_precedence(tmp_path: Path) -> None:
    env = {"STANCEDESK_DB": str(tmp_path / "env.sqlite")}
    assert resolve_location(str(tmp_path / "opt.sqlite"), env).path == tmp_path / "opt.sqlite"
    assert resolve_location(None, env).path == tmp_path / "env.sqlite"
    default = resolve_location(None, {})
    assert default.is_default and default.path == default_database_path()
    assert "stancedesk" in str(default.path)
    url = resolve_location(f"sqlite:///{tmp_path / 'u.sqlite'}", {})
    assert url.path == tmp_path / "u.sqlite" and not url.is_default


def test_orm_tables_match_the_migrations(db: Database) -> None:
    """A model change without a migration would make this diff non-empty."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _populate_at_0001(path: Path) -> None:
    """Write rows the way version 0001 of the schema stored them, with raw SQL."""
    database = Database(resolve_location(str(path), {}))
    upgrade(database, revision="0001")
    with database.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO documents (id, title, text, sha256, source_file, outlet, published, url,"
            " metadata, imported_at) VALUES ('d1', 'Talks', 'Talks resume 🕊️ in Kessa', 'h1',"
            " 'a.md', 'Meridian', '2026-03-04', '', '{}', '2026-03-04 10:00:00')"))
        conn.execute(text("INSERT INTO annotators (id, name, is_reviewer, created_at) VALUES "
                          "('a1', 'alice', 0, '2026-03-04 10:00:00')"))
        conn.execute(text(
            "INSERT INTO spans (id, document_id, annotator_id, start, \"end\", text, note,"
            " created_at, updated_at) VALUES ('s1', 'd1', 'a1', 0, 5, 'Talks', 'n',"
            " '2026-03-04 10:00:00', '2026-03-04 10:00:00')"))
        conn.execute(text("INSERT INTO span_labels (span_id, layer, value) VALUES "
                          "('s1', 'stance', 'favor'), ('s1', 'target', 'rapprochement')"))
    database.dispose()


def test_migration_upgrades_a_populated_database_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _populate_at_0001(path)
    database = open_database(str(path), seed_sample=False)
    try:
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
                head_revision()
        spans = span_service.list_spans(database)
        assert len(spans) == 1
        span = spans[0]
        assert (span.id, span.annotator, span.start, span.end, span.text, span.note) == \
            ("s1", "alice", 0, 5, "Talks", "n")
        assert dict(span.labels) == {"stance": "favor", "target": "rapprochement"}
        assert span.version == 1, "0004 starts every existing span at version 1"
        change = span_service.update_labels(database, "s1", {"sourcing": "official"})
        assert change.after is not None and change.after.version == 2
        assert corpus.get_document(database, "d1").text == "Talks resume 🕊️ in Kessa"
        # the new table of 0002 works on the upgraded file
        span_service.set_document_status(database, "d1", "alice", "done")
        assert span_service.document_statuses(database, "alice") == {"d1": "done"}
    finally:
        database.dispose()
    backups = list(tmp_path.glob("old.sqlite.bak-0001-*"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT count(*) FROM spans").fetchone() == (1,)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)


def test_no_backup_when_nothing_to_upgrade(db_path: Path) -> None:
    open_database(str(db_path), seed_sample=False).dispose()
    open_database(str(db_path), seed_sample=False).dispose()
    assert not list(db_path.parent.glob("*.bak-*"))


def test_a_newer_database_is_refused_and_left_alone(db_path: Path) -> None:
    open_database(str(db_path), seed_sample=False).dispose()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(NewerDatabaseError, match="newer version of StanceDesk"):
        open_database(str(db_path), seed_sample=False)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == \
            ("9999_future",)


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StorageError, match="not a StanceDesk database"):
        open_database(str(path), seed_sample=False)


def test_a_file_that_is_not_a_database_gives_advice(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("just some notes, not a database " * 100)
    with pytest.raises(StorageError, match="not a SQLite database"):
        open_database(str(path), seed_sample=False)


def test_default_database_is_created_in_user_data_and_seeded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    database = open_database(None)
    try:
        assert database.location.is_default
        assert database.location.path == tmp_path / "xdg" / "stancedesk" / "stancedesk.sqlite"
        assert len(corpus.list_documents(database)) >= 8
    finally:
        database.dispose()
    # the sample is loaded once: a user who deleted it does not get it back
    with sqlite3.connect(tmp_path / "xdg" / "stancedesk" / "stancedesk.sqlite") as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("DELETE FROM documents")
    database = open_database(None)
    try:
        assert corpus.list_documents(database) == []
    finally:
        database.dispose()


def test_a_non_default_database_is_not_seeded(db: Database) -> None:
    assert corpus.list_documents(db) == []


def test_labels_move_to_the_span_and_back(tmp_path: Path) -> None:
    """0003 moves span_labels rows into spans.labels; its downgrade moves them back."""
    from stancedesk.storage.migrate import downgrade

    path = tmp_path / "old.sqlite"
    _populate_at_0001(path)
    database = open_database(str(path), seed_sample=False)
    try:
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT labels FROM spans")).scalar() in (
                '{"stance":"favor","target":"rapprochement"}',
                '{"target":"rapprochement","stance":"favor"}')
            tables = {r[0] for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'index')"))}
        assert "span_labels" not in tables and "ix_spans_export_order" in tables
        downgrade(database, "0002")
        with database.engine.connect() as conn:
            rows = conn.execute(text("SELECT span_id, layer, value FROM span_labels "
                                     "ORDER BY layer")).all()
        assert [tuple(r) for r in rows] == [("s1", "stance", "favor"),
                                            ("s1", "target", "rapprochement")]
    finally:
        database.dispose()


def test_schema_head_constant_matches_the_migration_scripts() -> None:
    from stancedesk.storage.migrate import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD, "update SCHEMA_HEAD when adding a migration"


@pytest.mark.parametrize(("url", "message"), [
    ("bogus://somewhere/db", "unknown database type 'bogus'"),
    ("mysql+pymysql://user:secret@127.0.0.1/db", "the Python driver for mysql is not installed"),
])
def test_server_urls_that_cannot_work_get_a_message(url: str, message: str) -> None:
    with pytest.raises(StorageError, match=message) as info:
        open_database(url, seed_sample=False)
    assert "secret" not in str(info.value), "passwords never appear in messages"


def test_a_server_database_is_upgraded_only_by_db_upgrade(server_url: str, capsys) -> None:
    from stancedesk.cli import main
    from stancedesk.storage.errors import OutdatedDatabaseError

    with pytest.raises(OutdatedDatabaseError, match=r"empty.*db upgrade"):
        open_database(server_url)
    database = Database(resolve_location(server_url, {}))
    try:  # a database one version behind, with a labelled span in it
        upgrade(database, revision="0003")
        with database.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO documents (id, title, text, sha256, source_file, outlet, published,"
                " url, metadata, imported_at) VALUES ('d1', 'T', 'Talks resume', 'h1', 'a.md',"
                " '', '', '', '{}', '2026-03-04 10:00:00')"))
            conn.execute(text("INSERT INTO annotators (id, name, is_reviewer, created_at) "
                              "VALUES ('a1', 'alice', false, '2026-03-04 10:00:00')"))
            conn.execute(text(
                "INSERT INTO spans (id, document_id, annotator_id, start, \"end\", text, note,"
                " created_at, updated_at, labels) VALUES ('s1', 'd1', 'a1', 0, 5, 'Talks', 'n',"
                " '2026-03-04 10:00:00', '2026-03-04 10:00:00', '{\"stance\": \"favor\"}')"))
    finally:
        database.dispose()
    for opening in (lambda: open_database(server_url),
                    lambda: open_database(None, environ={"STANCEDESK_DB": server_url})):
        with pytest.raises(OutdatedDatabaseError,
                           match=rf"0003.*needs {head_revision()}.*db upgrade"):
            opening()
    assert main(["--db", server_url, "documents"]) == 2
    assert "never upgraded automatically" in capsys.readouterr().err
    assert main(["--db", server_url, "db", "upgrade"]) == 0
    assert f"upgraded from 0003 to {head_revision()}" in capsys.readouterr().out
    database = open_database(server_url)
    try:
        [span] = span_service.list_spans(database)
        assert (span.id, span.annotator, span.text, span.note, dict(span.labels),
                span.version) == ("s1", "alice", "Talks", "n", {"stance": "favor"}, 1)
        first = database.data_version()
        span_service.update_labels(database, "s1", {"sourcing": "official"})
        assert database.data_version() != first
    finally:
        database.dispose()
    assert main(["--db", server_url, "db", "upgrade"]) == 0
    assert f"already at schema revision {head_revision()}" in capsys.readouterr().out


def test_0005_keeps_every_span_teaches_the_default_scheme_and_downgrades(tmp_path: Path) -> None:
    """0005 adds roles, links and entities: an upgraded file keeps its spans unchanged, a stored
    default scheme learns its roles and no-grade labels, and the downgrade takes out only what
    0005 added."""
    import json

    from stancedesk.domain.attribution import LinkKind, SpanRole
    from stancedesk.services import attribution as attr
    from stancedesk.storage.migrate import downgrade

    path = tmp_path / "old.sqlite"
    _populate_at_0001(path)
    database = open_database(str(path), seed_sample=False)
    try:
        downgrade(database, "0004")
        with database.engine.begin() as conn:  # the default scheme as 0004 stored it
            stored = json.loads(conn.execute(text(
                "SELECT value FROM project_settings WHERE key = 'scheme'")).scalar())
            for layer in stored["layers"]:
                layer.pop("roles", None)
                for label in layer.get("labels", []):
                    label.pop("no_grade", None)
            conn.execute(text("UPDATE project_settings SET value = :v WHERE key = 'scheme'"),
                         {"v": json.dumps(stored)})
    finally:
        database.dispose()
    database = open_database(str(path), seed_sample=False)
    try:
        span = span_service.list_spans(database)[0]
        assert (span.id, span.text, dict(span.labels), span.role, span.entity_id) == \
            ("s1", "Talks", {"stance": "favor", "target": "rapprochement"}, None, None)
        scheme = get_scheme(database)
        assert scheme.layer("stance").roles == ("claim",)
        assert scheme.layer("reliability").roles == ("source",)
        assert scheme.layer("credibility").no_grade_keys == ("6",)
        attr.set_role(database, "s1", SpanRole.CLAIM)
        source = span_service.create_span(database, "d1", "alice", 6, 12, role="source")
        attr.link(database, "s1", LinkKind.ATTRIBUTED_TO, source.id)
        attr.create_entity(database, "Kessa daily")
        downgrade(database, "0004")
        with database.engine.connect() as conn:
            tables = {r[0] for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'table'"))}
            stored = json.loads(conn.execute(text(
                "SELECT value FROM project_settings WHERE key = 'scheme'")).scalar())
            columns = {r[1] for r in conn.execute(text("PRAGMA table_info(spans)"))}
            labels = conn.execute(text("SELECT labels FROM spans WHERE id = 's1'")).scalar()
        assert "links" not in tables and "entities" not in tables
        assert "role" not in columns and "entity_id" not in columns
        assert json.loads(labels) == {"stance": "favor", "target": "rapprochement"}
        assert all("roles" not in layer for layer in stored["layers"])
    finally:
        database.dispose()


def _add_decision(conn: Connection, decision_id: str, span_id: str | None, start: int,
                  import_id: str | None = None) -> None:
    """A decision on document d1 of ``_populate_at_0001`` (a rejection when ``span_id`` is
    None); ``import_id`` only from 0010 on."""
    mark = ", import_id" if import_id else ""
    conn.execute(text(
        "INSERT INTO curation_decisions (id, document_id, span_id, start, \"end\", decision,"
        f" curated_by, curated_at, curated_from, from_span_ids{mark}) VALUES (:id, 'd1',"
        " :span, :start, 12, :decision, 'lead', '2026-12-02 10:00:00', '[\"alice\"]', '[]'"
        + (", :mark)" if import_id else ")")),
        {"id": decision_id, "span": span_id, "start": start, "mark": import_id,
         "decision": "rejected" if span_id is None else "unanimous"})


def test_0007_adds_rejections_and_decisions_and_downgrades_without_loss(tmp_path: Path) -> None:
    """0007 only adds two tables: a populated file keeps its spans, the new tables take rows,
    and the downgrade to 0006 drops exactly those tables and nothing else."""
    from stancedesk.storage.migrate import downgrade

    path = tmp_path / "old.sqlite"
    _populate_at_0001(path)
    database = open_database(str(path), seed_sample=False)
    try:
        with database.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO suggestion_rejections (document_id, annotator_id, key, rejected_at)"
                " VALUES ('d1', 'a1', '0:5:6:12', '2026-12-02 10:00:00')"))
            _add_decision(conn, "c1", "s1", 0)
        downgrade(database, "0006")
        with database.engine.connect() as conn:
            tables = {r[0] for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'table'"))}
            spans = conn.execute(text("SELECT id, text FROM spans")).all()
        assert "suggestion_rejections" not in tables and "curation_decisions" not in tables
        assert [tuple(r) for r in spans] == [("s1", "Talks")]
    finally:
        database.dispose()
    database = open_database(str(path), seed_sample=False)  # and up again
    try:
        assert [s.id for s in span_service.list_spans(database)] == ["s1"]
    finally:
        database.dispose()


def test_0008_adds_bundle_imports_and_downgrades_without_loss(tmp_path: Path) -> None:
    """0008 only adds the table of imported versions: a populated file keeps its spans, the
    table takes a row that goes with its span, and the downgrade to 0007 drops only it."""
    from stancedesk.storage.migrate import downgrade

    path = tmp_path / "old.sqlite"
    _populate_at_0001(path)
    database = open_database(str(path), seed_sample=False)
    try:
        assert [s.text for s in span_service.list_spans(database)] == ["Talks"]
        with database.engine.begin() as conn:
            conn.execute(text("INSERT INTO bundle_imports (span_id, version, imported_at) "
                              "VALUES ('s1', 1, '2026-12-02 10:00:00')"))
        downgrade(database, "0007")
        with database.engine.connect() as conn:
            tables = {r[0] for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'table'"))}
            spans = conn.execute(text("SELECT id, text, version FROM spans")).all()
        assert "bundle_imports" not in tables and "curation_decisions" in tables
        assert [tuple(r) for r in spans] == [("s1", "Talks", 1)]
    finally:
        database.dispose()
    database = open_database(str(path), seed_sample=False)  # and up again, empty
    try:
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM bundle_imports")).scalar() == 0
        assert [s.id for s in span_service.list_spans(database)] == ["s1"]
    finally:
        database.dispose()


def test_0009_marks_imports_keeps_every_row_visible_and_downgrades(tmp_path: Path) -> None:
    """0009 adds the imports table and a NULL ``import_id`` (visible) to every stored span,
    annotator, entity and document; the downgrade drops them, deleting only the rows of an
    import that was still pending (without the mark they would show)."""
    from stancedesk.storage.migrate import downgrade

    path = tmp_path / "old.sqlite"
    _populate_at_0001(path)
    database = open_database(str(path), seed_sample=False)
    try:
        with database.engine.begin() as conn:
            for table in ("spans", "annotators", "documents", "entities"):
                marks = conn.execute(text(f"SELECT import_id FROM {table}")).all()
                assert all(mark == (None,) for mark in marks), table
            conn.execute(text(
                "INSERT INTO imports (id, kind, state, source, started_at, pid, host) VALUES "
                "('i1', 'annotations', 'pending', 'x.csv', '2026-12-02 10:00:00', 1, 'h'),"
                "('i2', 'annotations', 'published', 'y.csv', '2026-12-02 10:00:00', 1, 'h')"))
            for span_id, mark in (("s2", "i1"), ("s3", "i2")):
                conn.execute(text(
                    "INSERT INTO spans (id, document_id, annotator_id, start, \"end\", text, "
                    "note, created_at, updated_at, labels, version, import_id) VALUES "
                    f"('{span_id}', 'd1', 'a1', 0, 5, 'Talks', '', '2026-12-02 10:00:00', "
                    f"'2026-12-02 10:00:00', '{{}}', 1, '{mark}')"))
        assert [s.id for s in span_service.list_spans(database)] == ["s1", "s3"]
        downgrade(database, "0008")
        with database.engine.connect() as conn:
            tables = {r[0] for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'table'"))}
            columns = {r[1] for r in conn.execute(text("PRAGMA table_info(spans)"))}
            spans = conn.execute(text("SELECT id, text FROM spans ORDER BY id")).all()
        assert "imports" not in tables and "import_id" not in columns
        assert [tuple(r) for r in spans] == [("s1", "Talks"), ("s3", "Talks")]
    finally:
        database.dispose()
    database = open_database(str(path), seed_sample=False)  # and up again
    try:
        assert [s.id for s in span_service.list_spans(database)] == ["s1", "s3"]
        assert span_service.list_spans(database)[0].labels == {"stance": "favor",
                                                                "target": "rapprochement"}
    finally:
        database.dispose()


def test_0010_hides_pending_decisions_keeps_the_others_and_downgrades(tmp_path: Path) -> None:
    """0010 adds a NULL ``import_id`` (visible) to every stored curation decision; readers
    hide a pending import's decisions; the downgrade to 0009 deletes only those (without the
    mark they would show) and keeps every other decision and span."""
    from stancedesk.services import curation
    from stancedesk.storage.migrate import downgrade

    path = tmp_path / "old.sqlite"
    _populate_at_0001(path)
    database = open_database(str(path), seed_sample=False)
    try:
        with database.engine.begin() as conn:
            _add_decision(conn, "c1", "s1", 0)
            assert conn.execute(text("SELECT import_id FROM curation_decisions")).all() == \
                [(None,)]
            conn.execute(text(
                "INSERT INTO imports (id, kind, state, source, started_at, pid, host) VALUES "
                "('i1', 'bundle', 'pending', 'g.json', '2026-12-02 10:00:00', 1, 'h'),"
                "('i2', 'bundle', 'published', 'h.json', '2026-12-02 10:00:00', 1, 'h')"))
            _add_decision(conn, "c2", None, 6, "i1")
            _add_decision(conn, "c3", None, 7, "i2")
        assert [d.id for d in curation.list_decisions(database)] == ["c1", "c3"]
        downgrade(database, "0009")
        with database.engine.connect() as conn:
            columns = {r[1] for r in conn.execute(text(
                "PRAGMA table_info(curation_decisions)"))}
            decisions = conn.execute(text("SELECT id FROM curation_decisions ORDER BY id")).all()
            spans = conn.execute(text("SELECT id, text FROM spans")).all()
        assert "import_id" not in columns
        assert [tuple(r) for r in decisions] == [("c1",), ("c3",)]
        assert [tuple(r) for r in spans] == [("s1", "Talks")]
    finally:
        database.dispose()
    database = open_database(str(path), seed_sample=False)  # and up again
    try:
        assert [d.id for d in curation.list_decisions(database)] == ["c1", "c3"]
        assert [s.id for s in span_service.list_spans(database)] == ["s1"]
    finally:
        database.dispose()
