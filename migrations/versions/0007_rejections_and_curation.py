"""Remember rejected suggestions per annotator, and the curator's decisions behind gold.

Why: a suggestion the annotator rejected must stay hidden for that annotator on every later
run of the finder, so the rejection is stored by a key the finder reproduces (its source and
claim offsets), not by a span id. A gold span has to say who decided it, when, from which
annotators' spans and whether it was unanimous, a majority or the curator's own; a curator's
"reject all versions" has no gold span at all, so a decision is its own row that points to
the gold span when there is one and disappears with it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TABLES = ("suggestion_rejections", "curation_decisions")


def upgrade() -> None:
    op.create_table(
        "suggestion_rejections",
        sa.Column("document_id", sa.String(36),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("annotator_id", sa.String(36),
                  sa.ForeignKey("annotators.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("rejected_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "curation_decisions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("document_id", sa.String(36),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("span_id", sa.String(36), sa.ForeignKey("spans.id", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("curated_by", sa.String(200), nullable=False),
        sa.Column("curated_at", sa.DateTime(), nullable=False),
        sa.Column("curated_from", sa.JSON(), nullable=False),
        sa.Column("from_span_ids", sa.JSON(), nullable=False),
    )
    op.create_index("ix_curation_decisions_document", "curation_decisions",
                    ["document_id", "start"])
    op.create_index("ix_curation_decisions_span", "curation_decisions", ["span_id"])
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR "
                       f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION stancedesk_bump_data_version()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER {table}_data_version ON {table}")
    op.drop_index("ix_curation_decisions_span", table_name="curation_decisions")
    op.drop_index("ix_curation_decisions_document", table_name="curation_decisions")
    op.drop_table("curation_decisions")
    op.drop_table("suggestion_rejections")
