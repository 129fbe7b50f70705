"""``thingreg audit verify``: check the audit log's hash chain in the database.

Exit codes: 0 the chain holds, 1 it is broken (the first broken entry is named), 2 bad usage,
3 the database cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from thingreg.cli.database import add_database_options, opened_store, settings_from
from thingreg.cli.output import OK, REFUSED, add_command, add_json_flag, print_json

_PAGE = 10_000


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "audit",
        help="verify the audit log",
        description="Verify the hash chain of the audit log in the database "
        "(THINGREG_DATA_DIR or THINGREG_DB, or the flags).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = add_command(
        actions,
        "verify",
        help="check every entry and the head",
        description="Check every entry of the audit log and its head. Exit 0 when the chain "
        "holds, 1 when it is broken (the first broken entry is named).",
    )
    add_database_options(check)
    add_json_flag(check, "print the result as JSON")
    check.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    # Imported here so that other commands do not pay for the store's import.
    from thingreg.core.audit import verify  # noqa: PLC0415

    async def check() -> tuple[int | None, int]:
        async with opened_store(settings) as store:
            head = await store.audit_head()
            entries = []
            after = 0
            while page := await store.audit_entries(after=after, limit=_PAGE):
                entries.extend(page)
                after = page[-1].seq
            return verify(entries, head), len(entries)

    broken, count = asyncio.run(check())
    if args.json:
        print_json({"intact": broken is None, "entries": count, "brokenAt": broken})
        return OK if broken is None else REFUSED
    if broken is not None:
        sys.stdout.write(f"audit log broken at entry {broken} (of {count} read)\n")
        return REFUSED
    sys.stdout.write(f"audit log intact: {count} entries\n")
    return OK
