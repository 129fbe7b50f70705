"""Storage: one interface (``base.Store``), one module per backend, chosen by the database URL."""

from __future__ import annotations

from thingreg.store.base import Store
from thingreg.store.postgres import PostgresStore
from thingreg.store.sqlite import SQLiteStore, path_from_url


def open_store(url: str) -> Store:
    """The backend for a database URL (not yet opened)."""
    if url.startswith("sqlite:") or "://" not in url:
        return SQLiteStore(path_from_url(url))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    scheme = url.split("://", 1)[0]
    raise ValueError(
        f"unsupported database URL scheme {scheme!r}: use sqlite:///path/to/file.db or "
        "postgresql://user@host/database"
    )
