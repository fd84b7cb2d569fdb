"""Suite-wide setup: Qt offscreen and a private user-data folder, set here so nobody has to.

Storage, service, exchange and concurrency tests (everything under the folders in
``BOTH_BACKENDS`` that uses the ``db``/``db_url`` fixtures) run twice: on a SQLite file and on
the PostgreSQL server named by $STANCEDESK_TEST_PG (``.ci/run`` starts a throwaway one). Without
that variable the PostgreSQL runs are skipped with the reason, so the suite still runs anywhere.
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before anything imports Qt: no display is needed, on a laptop or on CI.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
# Never touch the real user's database or settings: platformdirs and QSettings follow XDG.
_HOME = Path(tempfile.mkdtemp(prefix="stancedesk-tests-"))
os.environ["XDG_DATA_HOME"] = str(_HOME / "data")
os.environ["XDG_CONFIG_HOME"] = str(_HOME / "config")
os.environ["XDG_STATE_HOME"] = str(_HOME / "state")  # the log file
os.environ["XDG_CACHE_HOME"] = str(_HOME / "cache")
os.environ.pop("STANCEDESK_DB", None)

import pytest  # noqa: E402
from sqlalchemy import Engine, create_engine  # noqa: E402

from stancedesk.services.project import open_database  # noqa: E402
from stancedesk.storage.engine import Database  # noqa: E402
from stancedesk.storage.migrate import SCHEMA_HEAD  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = ROOT / "sample_corpus"
PG_ENV = "STANCEDESK_TEST_PG"
BOTH_BACKENDS = {"foundation", "formats", "integration", "services", "storage"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: runs on SQLite only (files, pragmas)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    folder = Path(str(metafunc.definition.path)).relative_to(ROOT / "tests").parts[0]
    if folder in BOTH_BACKENDS and not metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    name = getattr(request, "param", "sqlite")
    if name == "postgresql" and not os.environ.get(PG_ENV):
        pytest.skip(f"no PostgreSQL server for the tests: set {PG_ENV} to a "
                    "postgresql+psycopg://... URL (.ci/run does)")
    if name == "postgresql":
        request.addfinalizer(gc.collect)
    return str(name)


@pytest.fixture(scope="session")
def _pg_admin() -> Iterator[Engine]:
    engine = create_engine(os.environ[PG_ENV], isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def reset_server_database(admin: Engine, *, drop: bool = False) -> None:
    """Empty the test server database: truncate its tables when it is at this version's
    schema (fast), else drop everything so the next open migrates from scratch."""
    with admin.connect() as conn:
        conn.exec_driver_sql("SET lock_timeout = '20s'")  # a leaked session fails, not hangs
        revision = None
        if conn.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar():
            revision = conn.exec_driver_sql("SELECT max(version_num) FROM alembic_version"
                                            ).scalar()
        if revision == SCHEMA_HEAD and not drop:
            tables = [name for (name,) in conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version'")]
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "project.sqlite"


@pytest.fixture
def db_url(backend: str, db_path: Path, request: pytest.FixtureRequest) -> str:
    """What --db gets: a SQLite file, or the emptied, migrated test server database."""
    if backend == "sqlite":
        return str(db_path)
    reset_server_database(request.getfixturevalue("_pg_admin"))
    open_database(os.environ[PG_ENV], seed_sample=False, upgrade_server=True).dispose()
    return os.environ[PG_ENV]


@pytest.fixture
def empty_server(request: pytest.FixtureRequest) -> str:
    """The PostgreSQL test database with no tables at all; skipped without a server."""
    if not os.environ.get(PG_ENV):
        pytest.skip(f"no PostgreSQL server for the tests: set {PG_ENV}")
    reset_server_database(request.getfixturevalue("_pg_admin"), drop=True)
    return os.environ[PG_ENV]


@pytest.fixture
def server_url(backend: str, request: pytest.FixtureRequest) -> str:
    """``empty_server`` on the server back-end's run of a test (skipped on SQLite's)."""
    if backend != "postgresql":
        pytest.skip("server databases only")
    return str(request.getfixturevalue("empty_server"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """An empty, migrated project database (default scheme, no documents)."""
    database = open_database(db_url, seed_sample=False)
    yield database
    database.dispose()


@pytest.fixture
def sample_db(db_url: str) -> Iterator[Database]:
    """A database holding the sample corpus."""
    database = open_database(db_url, seed_sample=True)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _no_env_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STANCEDESK_DB", raising=False)
