"""Imports that store their rows in committed chunks, hidden until one commit publishes them.

Why: an annotation import of a million rows stored in one write transaction held SQLite's
write lock for seconds (tens under load), and every desk save meanwhile waited or failed. The
import now commits its rows in short chunks, each row marked with the import's id, and the
``imports`` row says whether that import is ``pending`` (every reader hides its rows) or
``published``. Publishing is one tiny commit that flips the state; the rows keep their mark as
provenance. A pending import whose process died is deleted by the next import or the next
write-opening of the database (``storage.pending_imports``).

Added: the ``imports`` table, and a nullable ``import_id`` on spans, annotators, entities and
documents (the rows an annotation import creates and readers see). Existing rows get NULL:
visible, as before. Nothing is rewritten (ADD COLUMN only), so a large file upgrades at once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MARKED = ("spans", "annotators", "entities", "documents")


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
    )
    for table in MARKED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("import_id", sa.String(36), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER imports_data_version AFTER INSERT OR UPDATE OR "
                   "DELETE OR TRUNCATE ON imports FOR EACH STATEMENT "
                   "EXECUTE FUNCTION stancedesk_bump_data_version()")


def downgrade() -> None:
    """Rows of a pending import are deleted first: without the mark they would show."""
    pending = "SELECT id FROM imports WHERE state = 'pending'"
    hidden = f"SELECT id FROM spans WHERE import_id IN ({pending})"
    for table in ("links", "suggested_spans", "bundle_imports", "curation_decisions"):
        column = "from_span_id" if table == "links" else "span_id"
        op.execute(f"DELETE FROM {table} WHERE {column} IN ({hidden})")
    op.execute(f"DELETE FROM links WHERE to_span_id IN ({hidden})")
    op.execute(f"DELETE FROM spans WHERE import_id IN ({pending})")
    # what a pending import created and something else has come to use since is kept
    for table, used in (("annotators", "SELECT annotator_id FROM spans"),
                        ("entities", "SELECT entity_id FROM spans WHERE entity_id IS NOT NULL"),
                        ("documents", "SELECT document_id FROM spans")):
        op.execute(f"DELETE FROM {table} WHERE import_id IN ({pending}) AND id NOT IN ({used})")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER imports_data_version ON imports")
    for table in MARKED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("import_id")
    op.drop_table("imports")
