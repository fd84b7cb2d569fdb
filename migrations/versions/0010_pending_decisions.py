"""Curation decisions a bundle merge stores ahead, hidden until it publishes them.

Why: a gold bundle with many decisions stored them all inside the merge's one write
transaction, so on SQLite every desk save waited for them. The merge now stores them ahead in
short chunks, like its new spans (migration 0009), each marked with the merge's import id and
hidden from every reader of decisions until the merge publishes (``storage.visibility``).

Added: a nullable ``import_id`` on ``curation_decisions``. Existing decisions get NULL:
visible, as before. ADD COLUMN only: nothing is rewritten.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("curation_decisions") as batch:
        batch.add_column(sa.Column("import_id", sa.String(36), nullable=True))


def downgrade() -> None:
    """The decisions of a pending import are deleted first: without the mark they would show."""
    op.execute("DELETE FROM curation_decisions WHERE import_id IN "
               "(SELECT id FROM imports WHERE state = 'pending')")
    with op.batch_alter_table("curation_decisions") as batch:
        batch.drop_column("import_id")
