"""Bring a database to the schema this version expects, safely.

Runs at every start: back up the SQLite file before any upgrade, refuse a database that a newer
StanceDesk wrote (its revision is unknown here), refuse a foreign database with tables but no
StanceDesk revision.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from stancedesk.storage.engine import Database
from stancedesk.storage.errors import NewerDatabaseError, StorageError, translate_errors


@dataclass(frozen=True, slots=True)
class MigrationResult:
    before: str | None
    after: str
    backup: Path | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("stancedesk.migrations")))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url",
                            engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(path: Path, revision: str | None) -> Path:
    """Copy with SQLite's online backup API, which is consistent even with a WAL."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.bak-{revision or 'none'}-{stamp}")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def run_alembic(db: Database, step: Callable[[Config], None]) -> None:
    """Run an Alembic command in one transaction, with SQLite's foreign keys off.

    Batch migrations rebuild a table (copy, DROP, rename), and with foreign keys on, DROP TABLE
    first deletes the rows and cascades into child tables: a migration would silently lose
    labels or statuses. Integrity is checked with foreign_key_check before committing instead.
    """
    cfg = _config(db.engine)
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if sqlite and raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # only effective outside a transaction
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StorageError(
                            f"{db.location.display}: the migration would leave {len(broken)} "
                            "row(s) pointing at missing rows; nothing was changed")
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def downgrade(db: Database, revision: str) -> None:
    """For developers and tests; the application itself only ever upgrades."""
    with translate_errors(db.location.display):
        run_alembic(db, lambda cfg: command.downgrade(cfg, revision))


def upgrade(db: Database, *, revision: str = "head") -> MigrationResult:
    with translate_errors(db.location.display):
        return _upgrade(db, revision)


def _upgrade(db: Database, revision: str) -> MigrationResult:
    scripts = script_directory()
    head = scripts.get_current_head()
    assert head is not None
    before = current_revision(db)
    if before is not None:
        try:
            known = scripts.get_revision(before)
        except Exception:  # alembic raises several types for an unknown revision
            known = None
        if known is None:
            raise NewerDatabaseError(
                f"{db.location.display}: this database was written by a newer version of "
                f"StanceDesk (schema revision {before!r}; this version knows up to {head!r}). "
                "Install the newer StanceDesk to open it; nothing was changed.")
    else:
        tables = set(inspect(db.engine).get_table_names())
        if tables - {"alembic_version"}:
            raise StorageError(
                f"{db.location.display}: this database has tables but is not a StanceDesk "
                f"database ({', '.join(sorted(tables)[:5])}); choose another file.")
    target = head if revision == "head" else revision
    if before == target:
        return MigrationResult(before, target, None)
    backup = None
    if before is not None and db.location.path is not None and db.location.path.exists():
        backup = backup_sqlite(db.location.path, before)
    run_alembic(db, lambda cfg: command.upgrade(cfg, revision))
    after = current_revision(db)
    assert after is not None
    return MigrationResult(before, after, backup)
