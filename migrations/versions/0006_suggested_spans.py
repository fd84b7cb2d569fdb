"""Remember which spans were stored from the attribution finder's suggestions.

Why: an honest methods section says how many annotations were suggested by the tool and
accepted without change, and agreement can leave those out. A span stored by `suggest --apply`
(or accepted in the desk) gets a row here with the version it was stored at; a span whose
version has moved on since was edited by a person. Deleting the span deletes its row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggested_spans",
        sa.Column("span_id", sa.String(36), sa.ForeignKey("spans.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("stored_version", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False, server_default=""),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER suggested_spans_data_version AFTER INSERT OR UPDATE OR "
                   "DELETE OR TRUNCATE ON suggested_spans FOR EACH STATEMENT "
                   "EXECUTE FUNCTION stancedesk_bump_data_version()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER suggested_spans_data_version ON suggested_spans")
    op.drop_table("suggested_spans")
