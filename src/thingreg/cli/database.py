"""The store for commands that work on the database directly (no server needed).

``--data-dir``/``--db`` as ``thingreg serve`` takes them, and a store opened so that a
database that cannot be reached is exit code 3, like a registry that cannot be reached.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from thingreg.cli.output import Unreachable
from thingreg.config import Settings

if TYPE_CHECKING:
    from thingreg.store.base import Store


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """``--data-dir`` and ``--db``, defaulting to THINGREG_DATA_DIR and THINGREG_DB."""
    parser.add_argument("--data-dir", type=Path, help="data directory (default ./thingreg-data)")
    parser.add_argument("--db", help="database URL, e.g. sqlite:///path/to/file.db")


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings the database flags and THINGREG_* variables make."""
    return Settings.from_env(data_dir=args.data_dir, db=args.db)


@asynccontextmanager
async def opened_store(settings: Settings) -> AsyncIterator[Store]:
    """The store of ``settings``, open for the block and closed after it."""
    # Imported here so that only the commands that open a database pay for its import.
    from thingreg.store import open_store  # noqa: PLC0415

    store = open_store(settings.database_url)
    try:
        await store.open()
    except (OSError, TimeoutError) as exc:
        raise Unreachable(f"cannot open the database: {exc}") from None
    try:
        yield store
    finally:
        await store.close()
