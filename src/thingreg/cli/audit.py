"""``thingreg audit verify``: check the audit log's hash chain in the database.

Exit codes: 0 the chain holds, 1 it is broken (the first broken entry is named), 2 bad usage
or the database cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from thingreg.config import Settings
from thingreg.core.audit import verify
from thingreg.store import open_store

_PAGE = 10_000


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "audit",
        help="verify the audit log",
        description="Verify the hash chain of the audit log in the database "
        "(THINGREG_DATA_DIR or THINGREG_DB, or the flags). Exit codes: 0 intact, 1 broken "
        "(the first broken entry is named), 2 bad usage or unreadable database.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("verify", help="check every entry and the head")
    check.add_argument("--data-dir", type=Path, help="data directory (default ./thingreg-data)")
    check.add_argument("--db", help="database URL, e.g. sqlite:///path/to/file.db")
    check.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    settings = Settings.from_env(data_dir=args.data_dir, db=args.db)

    async def check() -> tuple[int | None, int]:
        store = open_store(settings.database_url)
        await store.open()
        try:
            head = await store.audit_head()
            entries = []
            after = 0
            while page := await store.audit_entries(after=after, limit=_PAGE):
                entries.extend(page)
                after = page[-1].seq
            return verify(entries, head), len(entries)
        finally:
            await store.close()

    broken, count = asyncio.run(check())
    if broken is not None:
        sys.stdout.write(f"audit log broken at entry {broken} (of {count} read)\n")
        return 1
    sys.stdout.write(f"audit log intact: {count} entries\n")
    return 0
