"""Alembic environment: runs on the connection StanceDesk hands over, never on its own URL."""

from __future__ import annotations

from alembic import context

from stancedesk.storage.tables import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - developer use: `alembic -c alembic.ini ...`
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table safely
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
