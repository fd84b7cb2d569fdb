"""Persistence: SQLAlchemy tables, engine, migrations and repositories."""
