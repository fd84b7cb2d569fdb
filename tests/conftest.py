"""Suite-wide setup: Qt offscreen and a private user-data folder, set here so nobody has to."""

from __future__ import annotations

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

from stancedesk.services.project import open_database  # noqa: E402
from stancedesk.storage.engine import Database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = ROOT / "sample_corpus"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "project.sqlite"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """An empty, migrated project database (default scheme, no documents)."""
    database = open_database(str(db_path), seed_sample=False)
    yield database
    database.dispose()


@pytest.fixture
def sample_db(db_path: Path) -> Iterator[Database]:
    """A database holding the sample corpus."""
    database = open_database(str(db_path), seed_sample=True)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _no_env_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STANCEDESK_DB", raising=False)
