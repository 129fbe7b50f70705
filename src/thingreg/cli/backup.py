"""``thingreg backup FILE``: a consistent copy of the SQLite database, server running or not.

Restoring is starting thingreg on the copy (``--db sqlite:///FILE``, or putting it in place of
``thingreg.db`` in the data directory while the server is stopped). PostgreSQL deployments use
PostgreSQL's own tools (``pg_dump``/``pg_restore``): docs/operations.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from thingreg.config import Settings
from thingreg.store.sqlite import path_from_url
from thingreg.store.sqlite_backup import backup


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "backup",
        help="write a consistent copy of the SQLite database to a new file",
        description="Copy the SQLite database (THINGREG_DATA_DIR or THINGREG_DB, or the flags) "
        "to FILE while the server may keep running; the copy is integrity-checked. For "
        "PostgreSQL use pg_dump (docs/operations.md).",
    )
    parser.add_argument("file", type=Path, help="the new file to write (never overwritten)")
    parser.add_argument("--data-dir", type=Path, help="data directory (default ./thingreg-data)")
    parser.add_argument("--db", help="database URL, e.g. sqlite:///path/to/file.db")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    url = Settings.from_env(data_dir=args.data_dir, db=args.db).database_url
    if url.startswith(("postgresql:", "postgres:")):
        raise ValueError("backup copies SQLite databases; for PostgreSQL use pg_dump")
    size = backup(path_from_url(url), args.file)
    sys.stdout.write(f"wrote {args.file} ({size:,} bytes)\n")
    return 0
