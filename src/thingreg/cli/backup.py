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

from thingreg.cli.database import add_database_options, settings_from
from thingreg.cli.output import OK, UsageError, add_command, add_json_flag, print_json
from thingreg.store.sqlite import path_from_url
from thingreg.store.sqlite_backup import backup


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "backup",
        help="write a consistent copy of the SQLite database to a new file",
        description="Copy the SQLite database (THINGREG_DATA_DIR or THINGREG_DB, or the flags) "
        "to FILE while the server may keep running; the copy is integrity-checked. For "
        "PostgreSQL use pg_dump (docs/operations.md).",
    )
    parser.add_argument("file", type=Path, help="the new file to write (never overwritten)")
    add_database_options(parser)
    add_json_flag(parser, "print {file, bytes} as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    url = settings_from(args).database_url
    if url.startswith(("postgresql:", "postgres:")):
        raise UsageError("backup copies SQLite databases; for PostgreSQL use pg_dump")
    size = backup(path_from_url(url), args.file)
    if args.json:
        print_json({"file": str(args.file), "bytes": size})
    else:
        sys.stdout.write(f"wrote {args.file} ({size:,} bytes)\n")
    return OK
