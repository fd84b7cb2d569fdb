"""Engine and session factory; where the database lives and how SQLite is tuned."""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import quote

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from stancedesk.storage.errors import StorageError, translate_errors

if TYPE_CHECKING:
    from stancedesk.storage.migrate import MigrationResult

log = logging.getLogger(__name__)

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
            name = url.database
            if name.startswith("file:") and str(url.query.get("uri", "")).lower() in (
                    "true", "1"):  # a SQLite URI filename, e.g. file:/x.sqlite?mode=ro
                name = name.removeprefix("file:").removeprefix("//")
            file = Path(name).expanduser().resolve()
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
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


WRITE_OPTION = "stancedesk_write"
# Session.info keys: annotators met in this unit of work (name -> row), and the database's
# name -> id of annotators already committed (shared by every session of one Database)
ANNOTATORS_IN_UNIT = "annotators_by_name"
COMMITTED_ANNOTATORS = "committed_annotators"
BUSY_TIMEOUT_MS = 5000
WRITE_WAIT_S = 15.0  # how long a write waits for another program's lock before giving up
WRITE_POLL_MS = 2  # a waiting write tries for the lock this often (see _sqlite_begin)
# the WAL size (pages) at which a committing write still checkpoints when the checkpoints are
# deferred (see Database.defer_checkpoints): four times SQLite's default, about 16 MB
CHECKPOINT_BACKSTOP_PAGES = 4000


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling is off (isolation_level=None) so SAVEPOINTs and
    # transactional DDL behave; begin explicitly instead (SQLAlchemy's pysqlite recipe).
    # A write transaction takes the write lock up front: a deferred BEGIN that reads first and
    # writes later fails with SQLITE_BUSY_SNAPSHOT when another process committed meanwhile,
    # and SQLite never waits on that, whatever busy_timeout says. BEGIN IMMEDIATE waits for
    # the lock (up to busy_timeout) before reading anything, so the write then cannot fail.
    if not conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN")
        return
    # SQLite's waiting is not fair: a waiter sleeps ever longer between tries (up to 100 ms),
    # so it keeps missing the lock of a writer that frees it for a few milliseconds between
    # short transactions (a long import committing in chunks). A write therefore polls: each
    # attempt waits at most WRITE_POLL_MS, and attempts follow each other until WRITE_WAIT_S;
    # only then is the database really held by someone (a StorageError).
    raw = conn.connection.dbapi_connection
    raw.execute(f"PRAGMA busy_timeout={WRITE_POLL_MS}")
    try:
        deadline = time.monotonic() + WRITE_WAIT_S
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "locked" not in str(exc.orig).lower() or time.monotonic() >= deadline:
                    raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _only_readable_immutable(path: Path) -> bool:
    """A database in a folder nobody may write to here (a read-only share or mount) with no
    WAL beside it: SQLite cannot open a WAL database there, even read-only, because it must
    create the ``-shm`` index next to it, unless it is told the file cannot change
    (``immutable``). No ``-wal`` means no program has it open in WAL mode now; every write is
    refused like on any read-only database."""
    return (path.is_file() and not os.access(path.parent, os.W_OK)
            and not path.with_name(f"{path.name}-wal").exists())


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
        if location.path is not None and _only_readable_immutable(location.path) and \
                not str(url.database).startswith("file:"):
            url = make_url(f"sqlite:///file:{quote(str(location.path))}?immutable=1&uri=true")
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


# serialization_failure and deadlock_detected: the server rolled the transaction back because
# another one won; running the same unit of work again is the documented remedy
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
RETRY_ATTEMPTS = 4

P = ParamSpec("P")
R = TypeVar("R")


def _retryable(exc: BaseException | None) -> bool:
    while exc is not None:
        if getattr(getattr(exc, "orig", None), "sqlstate", None) in RETRYABLE_SQLSTATES:
            return True
        exc = exc.__cause__
    return False


def retry_conflicts(unit: Callable[P, R]) -> Callable[P, R]:
    """Run a whole unit of work again when the server aborted it for a serialization failure
    or a deadlock (a race it settled against us), a few times with a short back-off; any
    other error, or the last attempt's, goes to the caller. Only for functions that can run
    twice: each attempt is its own transaction."""
    @functools.wraps(unit)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(RETRY_ATTEMPTS):
            try:
                return unit(*args, **kwargs)
            except StorageError as exc:
                if attempt == RETRY_ATTEMPTS - 1 or not _retryable(exc):
                    raise
                time.sleep(0.02 * 2 ** attempt)
        raise AssertionError("unreachable")
    return run


def _passive_checkpoint(path: Path) -> None:
    try:
        connection = sqlite3.connect(path, timeout=0, check_same_thread=False)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()
    except sqlite3.Error:  # the next one, or a commit past the backstop, checkpoints instead
        log.warning("a deferred WAL checkpoint of %s failed", path, exc_info=True)


class Database:
    """One open project database: engine plus session factory."""

    def __init__(self, location: DatabaseLocation, engine: Engine | None = None, *,
                 commits: bool = True) -> None:
        self.location = location
        self.commits = commits  # False: every unit of work is rolled back (see rolled_back)
        self.engine = engine or create_db_engine(location)
        # what opening it did to the schema (set by services.project.open_database)
        self.last_migration: MigrationResult | None = None
        # name -> id of annotators known to be committed. Annotators are never deleted or
        # renamed, so a desk labelling all day asks the database for its own id once, not on
        # every span (see repositories.annotator_id); filled only after a commit
        self.annotator_ids: dict[str, str] = {}
        info = {COMMITTED_ANNOTATORS: self.annotator_ids}
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._writers = sessionmaker(self.engine.execution_options(**{WRITE_OPTION: True}),
                                     expire_on_commit=False, info=info)
        self._version_probe: Any = None  # the SQLite connection that watches data_version
        self._checkpointer: threading.Thread | None = None
        self._disposed = False

    @property
    def url(self) -> str:
        return self.location.url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that writes: committed on success, rolled back on any error.

        On SQLite it holds the write lock from its first statement (BEGIN IMMEDIATE), waiting
        up to the busy timeout for another writer; still busy after that is a StorageError."""
        with translate_errors(self.location.display), self._writers() as session:
            with session.begin() as transaction:
                yield session
                if not self.commits:
                    transaction.rollback()
            if self.commits:  # committed: the annotators it met or made exist for good
                for name, row in session.info.get(ANNOTATORS_IN_UNIT, {}).items():
                    self.annotator_ids[name] = row.id

    # the historical name of a write unit; kept so callers read naturally either way
    session = write

    @contextmanager
    def read(self) -> Iterator[Session]:
        with translate_errors(self.location.display), self._sessions() as session:
            yield session

    def rolled_back(self) -> Database:
        """The same database, except that every unit of work is rolled back instead of
        committed: a dry run runs the real import against it, so it checks exactly what the
        import checks, reports what it would store, and leaves the database as it was."""
        return Database(self.location, self.engine, commits=False)

    def data_version(self) -> int:
        """A number that changes whenever another connection commits a change (cheap: the
        desk polls it). Only comparable with earlier values from the same ``Database``.

        SQLite: ``PRAGMA data_version`` on one connection kept for the purpose, which sees
        every commit made through any other connection, this process's included.
        PostgreSQL: a sequence bumped by triggers on every table's writes (migration 0004)."""
        with translate_errors(self.location.display):
            if not self.is_sqlite:
                with self.engine.connect() as conn:
                    return int(conn.exec_driver_sql(
                        "SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END "
                        "FROM stancedesk_data_version").scalar_one())
            if self.location.path is None:  # in memory: only this process can change it
                with self.engine.connect() as conn:
                    return int(conn.exec_driver_sql("PRAGMA data_version").scalar_one())
            if self._version_probe is None:
                self._version_probe = sqlite3.connect(self.location.path,
                                                      check_same_thread=False)
            return int(self._version_probe.execute("PRAGMA data_version").fetchone()[0])

    def defer_checkpoints(self) -> bool:
        """Keep SQLite's WAL checkpoint out of this process's commits; ``checkpoint`` runs it
        instead, when the caller has time. Returns whether there is anything to defer (a SQLite
        file; a server checkpoints by itself).

        SQLite checkpoints inside the COMMIT that takes the WAL past 1,000 pages: the pages are
        copied back into the database and the file is synced. A desk's label writes about six
        pages, so one key in about 175 waited for that (tens of milliseconds, more while the
        disk is busy). Deferred, a commit checkpoints only past ``CHECKPOINT_BACKSTOP_PAGES``,
        so the WAL stays bounded even if ``checkpoint`` never gets its turn. Crash safety is
        the WAL's either way: a commit is in the WAL when it returns, checkpointed or not."""
        if not self.is_sqlite or self.location.path is None:
            return False
        pages = CHECKPOINT_BACKSTOP_PAGES

        def backstop(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {pages}")

        event.listen(self.engine, "connect", backstop)
        self.engine.pool.dispose()  # the connections pooled so far were opened without it
        return True

    def checkpoint(self) -> None:
        """Start a PASSIVE checkpoint of the WAL on a thread of its own (at most one at a time)
        and return at once. Passive: it copies what no reader still needs and waits for no
        one, so a write may commit meanwhile (SQLite releases the interpreter while it works).
        A SQLite file only; nothing to do on a server."""
        if not self.is_sqlite or self.location.path is None or self._disposed:
            return  # disposed: a timer that fires after a window closed must not open the
            # file again (were it moved or deleted meanwhile, SQLite would make an empty one)
        if self._checkpointer is not None and self._checkpointer.is_alive():
            return
        path = self.location.path
        self._checkpointer = threading.Thread(target=_passive_checkpoint, args=(path,),
                                              name="stancedesk-checkpoint", daemon=True)
        self._checkpointer.start()

    def wait_for_checkpoint(self, timeout_s: float | None = None) -> None:
        if self._checkpointer is not None:
            self._checkpointer.join(timeout_s)

    def dispose(self) -> None:
        self._disposed = True
        self.wait_for_checkpoint()
        if self._version_probe is not None:
            self._version_probe.close()
            self._version_probe = None
        self.engine.dispose()
