"""Every span carries a version; a server database counts its changes.

Why: an update or undo now says which version of a span it read, and a span that changed since
is refused instead of silently overwritten (two desks on one file, a team on a server). Existing
spans start at version 1, which is what a freshly created span gets.

On PostgreSQL a sequence, bumped by a statement trigger on every table StanceDesk writes, is the
cheap "has anything changed?" number the desk polls (SQLite has PRAGMA data_version for that).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

WATCHED = ("documents", "annotators", "spans", "document_status", "project_settings", "targets")


def upgrade() -> None:
    with op.batch_alter_table("spans") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE stancedesk_data_version")
    op.execute("CREATE FUNCTION stancedesk_bump_data_version() RETURNS trigger "
               "LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('stancedesk_data_version'); "
               "RETURN NULL; END $$")
    for table in WATCHED:
        op.execute(f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE "
                   f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION stancedesk_bump_data_version()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER {table}_data_version ON {table}")
        op.execute("DROP FUNCTION stancedesk_bump_data_version()")
        op.execute("DROP SEQUENCE stancedesk_data_version")
    with op.batch_alter_table("spans") as batch:
        batch.drop_column("version")
