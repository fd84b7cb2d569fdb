"""Engine and session factory; where the database lives and how SQLite is tuned."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from stancedesk.storage.errors import StorageError, translate_errors

if TYPE_CHECKING:
    from stancedesk.storage.migrate import MigrationResult

APP_NAME = "stancedesk"
DB_ENV_VAR = "STANCEDESK_DB"
DEFAULT_DB_FILENAME = "stancedesk.sqlite"


def default_database_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DEFAULT_DB_FILENAME


@dataclass(frozen=True, slots=True)
class DatabaseLocation:
    url: str
    is_default: bool
    path: Path | None  # the SQLite file, when there is one

    @property
    def display(self) -> str:
        return str(self.path) if self.path is not None else make_url(self.url).render_as_string()


def resolve_location(db: str | None = None,
                     environ: Mapping[str, str] | None = None) -> DatabaseLocation:
    """--db wins over $STANCEDESK_DB, which wins over the per-user default file."""
    env = os.environ if environ is None else environ
    value = db or env.get(DB_ENV_VAR) or ""
    if not value:
        path = default_database_path()
        return DatabaseLocation(f"sqlite:///{path}", True, path)
    if "://" in value:
        url = make_url(value)
        file: Path | None = None
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            file = Path(url.database).expanduser().resolve()
        return DatabaseLocation(value, False, file)
    path = Path(value).expanduser().resolve()
    return DatabaseLocation(f"sqlite:///{path}", False, path)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL + synchronous=NORMAL survives a killed process without losing committed rows and keeps
    # each commit well under a millisecond; the busy timeout lets a second window or CLI wait.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling is off (isolation_level=None) so SAVEPOINTs and
    # transactional DDL behave; begin explicitly instead.
    conn.exec_driver_sql("BEGIN")


def create_db_engine(location: DatabaseLocation) -> Engine:
    url = make_url(location.url)
    if url.get_backend_name() == "sqlite":
        if location.path is not None:
            try:
                location.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the folder for the database {location.path.parent}: "
                    f"{exc.strerror}") from exc
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except NoSuchModuleError:
        raise StorageError(f"{location.display}: unknown database type "
                           f"{url.get_backend_name()!r} (use a file path, sqlite:///..., or a "
                           "server URL such as postgresql+psycopg://...)") from None
    except ImportError as exc:
        raise StorageError(f"{location.display}: the Python driver for "
                           f"{url.get_backend_name()} is not installed ({exc.name}); install "
                           f"it in StanceDesk's environment, e.g. pip install {exc.name}") \
            from None


class Database:
    """One open project database: engine plus session factory."""

    def __init__(self, location: DatabaseLocation, engine: Engine | None = None, *,
                 commits: bool = True) -> None:
        self.location = location
        self.commits = commits  # False: every unit of work is rolled back (see rolled_back)
        self.engine = engine or create_db_engine(location)
        # what opening it did to the schema (set by services.project.open_database)
        self.last_migration: MigrationResult | None = None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.location.url

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with translate_errors(self.location.display), self._sessions() as session, \
                session.begin() as transaction:
            yield session
            if not self.commits:
                transaction.rollback()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with translate_errors(self.location.display), self._sessions() as session:
            yield session

    def rolled_back(self) -> Database:
        """The same database, except that every unit of work is rolled back instead of
        committed: a dry run runs the real import against it, so it checks exactly what the
        import checks, reports what it would store, and leaves the database as it was."""
        return Database(self.location, self.engine, commits=False)

    def dispose(self) -> None:
        self.engine.dispose()
