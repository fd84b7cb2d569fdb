"""The one rule by which readers hide the rows of an import that is not published yet.

A long annotation import stores its rows in committed chunks (``storage.span_import``), each
row marked with the import's id, and publishes them all with one small commit that flips the
import's state in ``imports``. Until then the rows are in the tables but must be invisible to
every reader, so every query that reads spans (and the annotators, entities and documents an
import creates) adds this one clause; a query that forgets it would show half an import.

``import_id IS NULL OR import_id NOT IN (pending imports)``: rows that no import stored, or
whose import is published. The subquery is uncorrelated, so SQLite and PostgreSQL evaluate it
once per statement (into a tiny ephemeral set, usually empty) and test each row against it: no
index changes, no change of plan (EXPLAIN QUERY PLAN of the export and agreement reads is the
same with and without it), and a row that no import stored stops at ``IS NULL``. Published
rows keep their ``import_id`` (provenance): publishing never rewrites a million rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select

from stancedesk.storage.tables import ImportRow

PENDING = "pending"
PUBLISHED = "published"

# the ids of the imports whose rows are hidden, as SQL text for the raw-SQL readers
PENDING_IMPORTS_SQL = f"SELECT id FROM imports WHERE state = '{PENDING}'"


def visible(import_id: Any) -> ColumnElement[bool]:
    """The clause for a Core/ORM query: ``import_id`` is the marked table's column (of the
    table itself or of an alias), e.g. ``visible(SpanRow.import_id)``."""
    return or_(import_id.is_(None),
               import_id.not_in(select(ImportRow.id).where(ImportRow.state == PENDING)))


def visible_sql(table: str) -> str:
    """The same clause as SQL text, for ``table`` (a table name or alias, e.g. ``"s"``)."""
    return f"({table}.import_id IS NULL OR {table}.import_id NOT IN ({PENDING_IMPORTS_SQL}))"
