"""Open a project database: resolve where it is, migrate it, give it a scheme and sample data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources

from stancedesk.domain import Scheme
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database, resolve_location
from stancedesk.storage.migrate import upgrade
from stancedesk.storage.tables import SettingRow

SAMPLE_LOADED_SETTING = "sample_corpus_loaded"


def default_scheme() -> Scheme:
    raw = resources.files("stancedesk.resources").joinpath("default_scheme.json").read_text(
        encoding="utf-8")
    return Scheme.from_dict(json.loads(raw), source="default_scheme.json")


def open_database(db: str | None = None, *, seed_sample: bool | None = None,
                  environ: Mapping[str, str] | None = None) -> Database:
    """Open (creating and migrating as needed) the database named by --db, $STANCEDESK_DB or the
    per-user default. The sample corpus is loaded once into an empty *default* database unless
    ``seed_sample`` says otherwise."""
    location = resolve_location(db, environ)
    database = Database(location)
    try:
        database.last_migration = upgrade(database)
        with database.session() as session:
            if repo.load_scheme(session) is None:
                repo.save_scheme(session, default_scheme())
        if seed_sample if seed_sample is not None else location.is_default:
            load_sample_corpus_once(database)
    except BaseException:
        database.dispose()
        raise
    return database


def load_sample_corpus_once(database: Database) -> int:
    """Import the bundled articles into an empty database, once; returns how many were added."""
    from stancedesk.services.corpus import import_paths, sample_corpus_dir

    with database.read() as session:
        if session.get(SettingRow, SAMPLE_LOADED_SETTING) is not None:
            return 0
        if repo.count_documents(session) > 0:
            return 0
    with sample_corpus_dir() as folder:
        report = import_paths(database, [folder])
    with database.session() as session:
        session.merge(SettingRow(key=SAMPLE_LOADED_SETTING, value=True))
    return len(report.added)
