"""Initial schema: documents, annotators, spans with per-layer labels, targets, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False, server_default=""),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("source_file", sa.Text(), nullable=False, server_default=""),
        sa.Column("outlet", sa.Text(), nullable=False, server_default=""),
        sa.Column("published", sa.String(32), nullable=False, server_default=""),
        sa.Column("url", sa.Text(), nullable=False, server_default=""),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_documents_source_file", "documents", ["source_file"])
    op.create_table(
        "annotators",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("is_reviewer", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "spans",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("document_id", sa.String(36),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("annotator_id", sa.String(36),
                  sa.ForeignKey("annotators.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("start >= 0 AND \"end\" >= start", name="ck_spans_offsets"),
    )
    op.create_index("ix_spans_doc_annotator", "spans", ["document_id", "annotator_id", "start"])
    op.create_table(
        "span_labels",
        sa.Column("span_id", sa.String(36), sa.ForeignKey("spans.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("layer", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_index("ix_span_labels_layer_value", "span_labels", ["layer", "value"])
    op.create_table(
        "targets",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "project_settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    for table in ("project_settings", "targets", "span_labels", "spans", "annotators",
                  "documents"):
        op.drop_table(table)
