"""Attribution: span roles, links between spans, and a registry of source entities.

Why: a span was one bag of labels; news sourcing has structure. A span may now be a source, a
claim or a cue; a claim is attributed to a source, a source may be relayed via another, a claim
points to its cue; a source may name a registry entity shared across articles. Every existing
span keeps its labels and gets no role, so nothing changes for a scheme without roles.

A stored scheme that is still StanceDesk's default (by its name) learns which layers apply to
which role (stance, target and credibility to claims; sourcing and reliability to sources) and
that reliability F and credibility 6 are "no grade"; it gains keys, it loses nothing. A scheme a
project made its own is left exactly as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


DEFAULT_NAME = "Stance and sourcing (StanceDesk default)"
DEFAULT_ROLES = {"stance": "claim", "target": "claim", "credibility": "claim",
                 "sourcing": "source", "reliability": "source"}
NO_GRADE = {("reliability", "F"), ("credibility", "6")}


def _teach_default_scheme() -> None:
    bind = op.get_bind()
    settings = sa.table("project_settings", sa.column("key", sa.String),
                        sa.column("value", sa.JSON))
    stored = bind.execute(sa.select(settings.c.value).where(settings.c.key == "scheme")).scalar()
    if not isinstance(stored, dict) or stored.get("name") != DEFAULT_NAME:
        return
    layers = stored.get("layers") or []
    if any(isinstance(layer, dict) and layer.get("roles") for layer in layers):
        return
    for layer in layers:
        if not isinstance(layer, dict):
            continue
        if layer.get("key") in DEFAULT_ROLES:
            layer["roles"] = [DEFAULT_ROLES[layer["key"]]]
        for label in layer.get("labels") or []:
            if isinstance(label, dict) and (layer.get("key"), label.get("key")) in NO_GRADE:
                label.setdefault("no_grade", True)
    bind.execute(settings.update().where(settings.c.key == "scheme").values(value=stored))


def upgrade() -> None:
    _teach_default_scheme()
    op.create_table(
        "entities",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.String(400), nullable=False, unique=True),
        sa.Column("sourcing", sa.String(100), nullable=False, server_default=""),
        sa.Column("aliases", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("spans") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=True))
        batch.add_column(sa.Column("entity_id", sa.String(36), nullable=True))
        batch.create_foreign_key("fk_spans_entity_id", "entities", ["entity_id"], ["id"],
                                 ondelete="SET NULL")
        batch.create_index("ix_spans_entity_id", ["entity_id"])
    op.create_table(
        "links",
        sa.Column("from_span_id", sa.String(36),
                  sa.ForeignKey("spans.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("to_span_id", sa.String(36), sa.ForeignKey("spans.id", ondelete="CASCADE"),
                  nullable=False),
    )
    op.create_index("ix_links_to_span", "links", ["to_span_id"])
    if op.get_bind().dialect.name == "postgresql":
        for table in ("entities", "links"):  # the desk's change poll (see 0004)
            op.execute(f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE "
                       f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION stancedesk_bump_data_version()")


def _forget_roles() -> None:
    """An older StanceDesk refuses scheme keys it does not know: take 'roles' out again."""
    bind = op.get_bind()
    settings = sa.table("project_settings", sa.column("key", sa.String),
                        sa.column("value", sa.JSON))
    stored = bind.execute(sa.select(settings.c.value).where(settings.c.key == "scheme")).scalar()
    if not isinstance(stored, dict):
        return
    for layer in stored.get("layers") or []:
        if isinstance(layer, dict):
            layer.pop("roles", None)
    bind.execute(settings.update().where(settings.c.key == "scheme").values(value=stored))


def downgrade() -> None:
    _forget_roles()
    if op.get_bind().dialect.name == "postgresql":
        for table in ("entities", "links"):
            op.execute(f"DROP TRIGGER {table}_data_version ON {table}")
    op.drop_index("ix_links_to_span", table_name="links")
    op.drop_table("links")
    with op.batch_alter_table("spans") as batch:
        batch.drop_index("ix_spans_entity_id")
        batch.drop_constraint("fk_spans_entity_id", type_="foreignkey")
        batch.drop_column("entity_id")
        batch.drop_column("role")
    op.drop_table("entities")
