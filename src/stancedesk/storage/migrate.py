"""Bring a database to the schema this version expects, safely.

A SQLite file is upgraded at every start, after a backup of the file. A server database is
shared by a team, so it is upgraded only by an explicit ``stancedesk db upgrade`` (Taguette's
rule): every other start refuses an out-of-date one with a message saying so. Either way a
database that a newer StanceDesk wrote (its revision is unknown here) is refused, and so is a
foreign database with tables but no StanceDesk revision.
"""

from __future__ import annotations

import glob
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from stancedesk.storage.engine import WRITE_OPTION, Database
from stancedesk.storage.errors import (
    NewerDatabaseError,
    OutdatedDatabaseError,
    StorageError,
    translate_errors,
)

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# The newest migration this version ships. Checked against the scripts by a test; knowing it
# here lets a start on an up-to-date database skip importing Alembic (a seventh of launch time).
SCHEMA_HEAD = "0010"
UPGRADE_LOCK = 0x5D_0001  # PostgreSQL advisory lock key held while migrating


@dataclass(frozen=True, slots=True)
class MigrationResult:
    before: str | None
    after: str
    backup: Path | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("stancedesk.migrations")))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url",
                            engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    """The stamped revision, read with plain SQL (None for an empty database)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        revisions = [r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version"))]
    if len(revisions) > 1:
        raise StorageError(f"{db.location.display}: the database has several schema revisions "
                           f"({', '.join(revisions)}); it was not made by StanceDesk")
    return revisions[0] if revisions else None


def backup_sqlite(path: Path, revision: str | None) -> Path:
    """Copy with SQLite's online backup API, which is consistent even with a WAL.

    The copy is made under a hidden ``.part`` name and renamed once complete and on disk, so a
    ``.bak-*`` file (the one the "damaged" advice says to restore) is always a whole database;
    a process killed mid-copy leaves only the hidden part, which the next backup removes.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.bak-{revision or 'none'}-{stamp}")
    partial = path.with_name(f".{path.name}.backup-{stamp}.part")
    for stale in path.parent.glob(f".{glob.escape(path.name)}.backup-*.part*"):
        stale.unlink(missing_ok=True)  # with its -journal
    try:
        src = sqlite3.connect(path)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        with partial.open("rb+") as written:
            os.fsync(written.fileno())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _read_only(db: Database) -> bool:
    """Whether SQLite refuses writes to this database (a read-only file, folder or mount, or a
    ``mode=ro`` URL): try a no-op write and roll it back."""
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if raw is None:
            return False
        version = raw.execute("PRAGMA user_version").fetchone()[0]
        try:
            raw.execute("BEGIN")
            raw.execute(f"PRAGMA user_version = {int(version)}")
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc).replace("-", "").replace(" ", "").lower():
                return True
            raise
        finally:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
    return False


def run_alembic(db: Database, step: Callable[[Config], None]) -> None:
    """Run an Alembic command in one transaction, with SQLite's foreign keys off.

    Batch migrations rebuild a table (copy, DROP, rename), and with foreign keys on, DROP TABLE
    first deletes the rows and cascades into child tables: a migration would silently lose
    labels or statuses. Integrity is checked with foreign_key_check before committing instead.
    """
    cfg = _config(db.engine)
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})  # SQLite: hold the lock from the start
        raw = conn.connection.dbapi_connection
        if sqlite and raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # only effective outside a transaction
        try:
            with conn.begin():
                if db.engine.dialect.name == "postgresql":
                    # two `db upgrade` runs at once: the second waits, then finds it done
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
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
    from alembic import command

    with translate_errors(db.location.display):
        run_alembic(db, lambda cfg: command.downgrade(cfg, revision))


def require_current(db: Database) -> None:
    """Refuse a server database that is not at this version's schema, without changing it."""
    with translate_errors(db.location.display):
        before = current_revision(db)
        if before == SCHEMA_HEAD:
            return
        _refuse_newer(db, before, script_directory(), SCHEMA_HEAD)
        state = "empty (no StanceDesk schema yet)" if before is None else \
            f"at schema revision {before}, and this StanceDesk needs {SCHEMA_HEAD}"
        raise OutdatedDatabaseError(
            f"{db.location.display}: the server database is {state}. Server databases are "
            "never upgraded automatically: whoever looks after it runs "
            "`stancedesk --db URL db upgrade` (after a pg_dump backup); nothing was changed.")


def _refuse_newer(db: Database, before: str | None, scripts: ScriptDirectory,
                  head: str) -> None:
    """A revision this version has no script for was written by a newer StanceDesk."""
    if before is None:
        return
    try:
        known = scripts.get_revision(before)
    except Exception:  # alembic raises several types for an unknown revision
        known = None
    if known is None:
        raise NewerDatabaseError(
            f"{db.location.display}: this database was written by a newer version of "
            f"StanceDesk (schema revision {before!r}; this version knows up to {head!r}). "
            "Install the newer StanceDesk to open it; nothing was changed.")


def upgrade(db: Database, *, revision: str = "head") -> MigrationResult:
    with translate_errors(db.location.display):
        if revision == "head":
            before = current_revision(db)
            if before == SCHEMA_HEAD:
                return MigrationResult(before, before, None)
        return _upgrade(db, revision)


def _upgrade(db: Database, revision: str) -> MigrationResult:
    from alembic import command

    scripts = script_directory()
    head = scripts.get_current_head()
    assert head is not None
    before = current_revision(db)
    _refuse_newer(db, before, scripts, head)
    if before is None:
        tables = set(inspect(db.engine).get_table_names())
        if tables - {"alembic_version"}:
            raise StorageError(
                f"{db.location.display}: this database has tables but is not a StanceDesk "
                f"database ({', '.join(sorted(tables)[:5])}); choose another file.")
    target = head if revision == "head" else revision
    if before == target:
        return MigrationResult(before, target, None)
    backup = None
    if db.engine.dialect.name == "sqlite" and before is not None and _read_only(db):
        # before any backup: each attempt would otherwise leave another full copy behind
        raise StorageError(
            f"{db.location.display}: the database is read-only and has the schema of an older "
            f"StanceDesk (revision {before!r}; this version needs {target!r}), so it can be "
            "neither upgraded nor read here. Make the file and its folder writable (or copy it "
            "somewhere writable) and run `stancedesk db upgrade` on it, which backs it up "
            "first; nothing was changed.")
    if before is not None and db.location.path is not None and db.location.path.exists():
        backup = backup_sqlite(db.location.path, before)
    run_alembic(db, lambda cfg: command.upgrade(cfg, revision))
    after = current_revision(db)
    assert after is not None
    return MigrationResult(before, after, backup)
