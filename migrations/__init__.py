"""Alembic migrations, shipped inside the package as ``stancedesk.migrations``."""
