"""Alembic migrations for the whole schema (every layer's tables)."""
