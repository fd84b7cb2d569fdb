"""Open a project database: resolve where it is, migrate it, give it a scheme and sample data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from stancedesk.domain import Scheme
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database, resolve_location
from stancedesk.storage.errors import StorageError
from stancedesk.storage.migrate import current_revision, head_revision, require_current, upgrade

SAMPLE_LOADED_SETTING = "sample_corpus_loaded"


def default_scheme() -> Scheme:
    raw = resources.files("stancedesk.resources").joinpath("default_scheme.json").read_text(
        encoding="utf-8")
    return Scheme.from_dict(json.loads(raw), source="default_scheme.json")


class MissingDatabaseError(StorageError):
    """A command that only reads was pointed at a database file that does not exist."""


def open_database(db: str | None = None, *, seed_sample: bool | None = None,
                  sample_annotations: bool | None = None,
                  environ: Mapping[str, str] | None = None,
                  upgrade_server: bool = False, create: bool = True) -> Database:
    """Open the database named by --db, $STANCEDESK_DB or the per-user default.

    A SQLite file is created and migrated as needed (after a backup). A server database is
    migrated only with ``upgrade_server`` (the `db upgrade` command); otherwise one that is
    not at this version's schema is refused with OutdatedDatabaseError. The sample corpus is
    loaded once into an empty *default* database unless ``seed_sample`` says otherwise; with
    it come two annotators' worked examples of attribution, by default only into the default
    database (what a new user opens), so a project seeded for other reasons holds texts only.

    ``create=False`` is for commands that only read: a mistyped path must be an error, not a
    new empty database (and parent folders) that then reports "0 spans"."""
    location = resolve_location(db, environ)
    if not create and location.path is not None and not location.path.is_file():
        raise MissingDatabaseError(f"no database at {location.path}")
    database = Database(location)
    try:
        if database.is_sqlite or upgrade_server:
            database.last_migration = upgrade(database)
        else:
            require_current(database)
        with database.read() as session:
            has_scheme = repo.load_scheme(session) is not None
        if not has_scheme:
            with database.write() as session:
                if repo.load_scheme(session) is None:  # another process may have been first
                    repo.save_scheme(session, default_scheme())
        if create:  # a write-opening: rows of an import whose process died are deleted
            from stancedesk.storage.span_import import recover

            recover(database)
        if seed_sample if seed_sample is not None else location.is_default:
            load_sample_corpus_once(database, annotations=location.is_default
                                    if sample_annotations is None else sample_annotations)
    except BaseException:
        database.dispose()
        raise
    return database


def load_sample_corpus_once(database: Database, *, annotations: bool = False) -> int:
    """Import the bundled articles into an empty database, once; returns how many were added."""
    from stancedesk.services.corpus import import_paths, sample_corpus_dir

    with database.read() as session:
        if repo.get_setting(session, SAMPLE_LOADED_SETTING) is not None:
            return 0
        if repo.count_documents(session) > 0:
            return 0
    from stancedesk.services.samples import load_sample_annotations

    with sample_corpus_dir() as folder:
        report = import_paths(database, [folder])
    if annotations:
        load_sample_annotations(database)
    with database.session() as session:
        repo.set_setting(session, SAMPLE_LOADED_SETTING, True)
    return len(report.added)


def schema_head() -> str:
    """The schema revision this version of StanceDesk writes."""
    return head_revision()


def database_info(database: Database) -> dict[str, Any]:
    """Where the database is and what it holds (``stancedesk db info``); JSON-ready."""
    from stancedesk import __version__

    with database.read() as session:
        scheme = repo.load_scheme(session)
        return {
            "database": database.location.display,
            "is_default": database.location.is_default,
            "schema_revision": current_revision(database),
            "schema_head": head_revision(),
            "app_version": __version__,
            "documents": repo.count_documents(session),
            "spans": repo.count_spans(session),
            "annotators": [a.name for a in repo.list_annotators(session)],
            "scheme": scheme.name if scheme else None,
        }
def data_version(database: Database) -> int:
    """A cheap number that changes when someone else commits a change to the database: the
    desk polls it and reloads what it shows only when it moved. Compare only values from the
    same ``Database`` (on SQLite it is PRAGMA data_version of one watching connection)."""
    return database.data_version()
