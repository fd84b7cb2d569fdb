"""Remember the version at which each span came in from an annotator bundle.

Why: merging a bundle must tell an annotator's new edit from a lead's edit made in the team's
database since the last merge, and a span the annotator deleted from one they never sent. The
version a span was imported at answers both: a stored span still at that version is unchanged
here, so a newer bundle version may replace it and its absence from a bundle deletes it; one
whose version moved on was edited here and is kept, reported as a conflict. The row goes with
its span (ON DELETE CASCADE).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bundle_imports",
        sa.Column("span_id", sa.String(36), sa.ForeignKey("spans.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER bundle_imports_data_version AFTER INSERT OR UPDATE OR "
                   "DELETE OR TRUNCATE ON bundle_imports FOR EACH STATEMENT "
                   "EXECUTE FUNCTION stancedesk_bump_data_version()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER bundle_imports_data_version ON bundle_imports")
    op.drop_table("bundle_imports")
