"""Turn database exceptions into messages a person can act on.

The split follows qutebrowser: problems the user can fix (locked, unreadable, full disk, not a
database) become ``StorageError`` with advice; anything else is our bug and propagates.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from stancedesk.domain.errors import UserError


class StorageError(UserError, RuntimeError):
    """A database problem with a message meant for the user."""


class NewerDatabaseError(StorageError):
    """The database was written by a newer StanceDesk than this one."""


class OutdatedDatabaseError(StorageError):
    """A server database needs `stancedesk db upgrade` before this version can use it."""


_ADVICE = (
    ("database is locked", "the database is busy in another program (another StanceDesk window "
     "or a script); close it or try again"),
    ("unable to open database file", "the database file cannot be opened; check that the folder "
     "exists and that you may write to it"),
    ("file is not a database", "this file is not a SQLite database (or it is encrypted or "
     "damaged)"),
    ("database disk image is malformed", "the database file is damaged; restore the latest "
     "backup (files ending in .bak-*) next to it"),
    ("disk i/o error", "the disk reported an error while reading or writing the database"),
    ("database or disk is full", "the disk is full; free some space and try again"),
    ("attempt to write a readonly database", "the database file is read-only; check its "
     "permissions"),
)


def describe(exc: BaseException, where: str) -> str | None:
    text = str(getattr(exc, "orig", exc)).lower()
    for needle, advice in _ADVICE:
        if needle in text:
            return f"{where}: {advice}"
    return None


@contextmanager
def translate_errors(where: str) -> Iterator[None]:
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.DatabaseError, sqlite3.DatabaseError) as exc:
        message = describe(exc, where)
        if message is None and isinstance(exc, sa_exc.OperationalError):
            # the environment's problem (server down, no permission, ...): say what it said
            message = f"{where}: the database reported: {getattr(exc, 'orig', exc)}"
        if message is None:
            raise  # anything else (integrity, programming errors) is our bug
        raise StorageError(message) from exc
