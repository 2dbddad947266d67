"""Metadata and state (SQLAlchemy + Alembic; SQLite by default, PostgreSQL by URL)."""

from andmesh.store.metadata import MetadataStore

__all__ = ["MetadataStore"]
