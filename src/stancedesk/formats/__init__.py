"""Readers and writers of exchange formats; no database, no Qt."""

from stancedesk.formats.errors import FormatError

__all__ = ["FormatError"]
