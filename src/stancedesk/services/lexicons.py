"""A project's own lexicons: extension word lists kept in the project, so that the desk and
``stancedesk suggest`` of every team member use them (on PostgreSQL, one import serves all).

The files are stored as their text, one JSON entry per file name in the ``lexicons`` project
setting, so that an export gives back exactly what was imported, comments included. An import
replaces the project's lists as a whole and only after every line was checked: a bad line
stops it with the file and line, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from stancedesk.attribution import Lexicon, load_lexicon
from stancedesk.attribution.lexicon import (
    LEXICON_FILES,
    LexiconError,
    built_in_texts,
    count_entries,
    read_folder,
)
from stancedesk.domain.errors import NotFoundError
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

LEXICONS_SETTING = "lexicons"
PROJECT_NAME = "project lexicons"  # how a stored file is named in an error


@dataclass(frozen=True, slots=True)
class ProjectLexicons:
    """The project's extension files (name -> text) and where they came from."""

    files: dict[str, str]
    imported_from: str = ""
    imported_at: str = ""  # ISO 8601, UTC

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per lexicon file: (built-in entries, entries the project adds)."""
        built_in = built_in_texts()
        return {name: (count_entries(name, built_in[name]),
                       count_entries(name, self.files.get(name, "")))
                for name in LEXICON_FILES}

    def as_json(self) -> dict[str, object]:
        return {"files": {name: {"built_in": b, "project": p}
                          for name, (b, p) in self.counts().items()},
                "imported_from": self.imported_from or None,
                "imported_at": self.imported_at or None}


def project_lexicons(database: Database) -> ProjectLexicons:
    with database.read() as session:
        value = repo.get_setting(session, LEXICONS_SETTING)
    if not isinstance(value, dict) or not isinstance(value.get("files"), dict):
        return ProjectLexicons({})
    return ProjectLexicons({str(k): str(v) for k, v in value["files"].items()},
                           str(value.get("from") or ""), str(value.get("at") or ""))


def lexicon_for(database: Database, folder: Path | None = None) -> Lexicon:
    """The word lists the finder uses for this project: the built-in ones extended by the
    project's own, or, when ``folder`` is given, by that folder's files instead (to try lists
    out before importing them)."""
    if folder is not None:
        if not folder.is_dir():
            raise NotFoundError(f"{folder}: no such lexicon folder")
        return load_lexicon(folder)
    return load_lexicon(extension=project_lexicons(database).files, extension_name=PROJECT_NAME)


def import_lexicons(database: Database, folder: Path) -> ProjectLexicons:
    """Replace the project's lexicons by the files in ``folder`` (all of them checked first)."""
    if not folder.is_dir():
        raise NotFoundError(f"{folder}: no such lexicon folder")
    files = read_folder(folder)
    if not files:
        raise LexiconError(f"{folder}: no lexicon files in it (expected any of "
                           f"{', '.join(LEXICON_FILES)})")
    at = datetime.now(UTC).isoformat(timespec="seconds")
    with database.session() as session:
        repo.set_setting(session, LEXICONS_SETTING,
                         {"files": files, "from": str(folder.resolve()), "at": at})
    return project_lexicons(database)


def export_lexicons(database: Database, folder: Path) -> list[Path]:
    """Write the project's lexicon files into ``folder`` (made if missing); the paths written.
    An existing file of the same name is replaced: the folder is where the lists are edited."""
    files = project_lexicons(database).files
    if not files:
        raise NotFoundError("this project has no lexicons of its own to export (the built-in "
                            "ones are in stancedesk/resources/lexicons)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in files.items():
            path = folder / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise LexiconError(f"{folder}: cannot write the lexicon files ({exc})") from exc
    return written


def clear_lexicons(database: Database) -> bool:
    """Drop the project's lexicons (the built-in ones stay); False if it had none."""
    had = bool(project_lexicons(database).files)
    if had:
        with database.session() as session:
            repo.set_setting(session, LEXICONS_SETTING, None)
    return had
