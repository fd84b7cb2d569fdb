"""The one base of every error a person can act on.

A ``UserError`` is expected (a bad file, an unknown label, a busy database, a cancelled job): the
desk shows its message in a box and the CLI prints it as one line with exit status 2. Anything
that is not a ``UserError`` is a bug in StanceDesk and is shown with its traceback and logged, so
that a programming error can never pass for advice.
"""

from __future__ import annotations


class UserError(Exception):
    """An expected problem; ``str(error)`` is one line meant for the person."""


class Cancelled(UserError):
    """The person cancelled a long job; whatever it had not committed was rolled back."""

    def __init__(self, message: str = "cancelled; nothing was stored") -> None:
        super().__init__(message)


class NotFoundError(UserError, LookupError):
    """An id or name the person gave does not exist in the database."""


class StaleEditError(UserError):
    """An edit started from a copy of a span that someone else has changed (or deleted) since:
    it is refused rather than overwriting their change; reloading shows the stored span."""
