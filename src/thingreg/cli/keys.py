"""``thingreg keys list|rotate``: the registry's token signing keys, in its database.

These work on the database directly (the data directory or ``--db``, as ``thingreg serve``
finds it), whether or not the server is running: a running server picks up a rotation at its
next maintenance run (``THINGREG_PURGE_INTERVAL``) and keeps publishing the retired key until
every token it signed has expired.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

from thingreg.config import Settings
from thingreg.core.auth.keyring import CLOCK_SKEW, Keyring
from thingreg.core.td.registration import format_time, parse_time
from thingreg.store import open_store
from thingreg.store.base import SigningKey


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "keys",
        help="list or rotate the registry's token signing keys",
        description="List or rotate the keys that sign the registry's device tokens. Works on "
        "the database (THINGREG_DATA_DIR or THINGREG_DB, or the flags), with or without a "
        "running server.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="data directory (default ./thingreg-data)")
    common.add_argument("--db", help="database URL, e.g. sqlite:///path/to/file.db")
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list",
        parents=[common],
        help="show the signing keys: which one signs, which are still published",
        description="Show the signing keys, newest first.",
    )
    listing.set_defaults(run=run_list)
    rotate = actions.add_parser(
        "rotate",
        parents=[common],
        help="make a new signing key and retire the current one",
        description="Make a new signing key (THINGREG_TOKEN_ALG) and retire the current one, "
        "which stays published until the tokens it signed have expired.",
    )
    rotate.set_defaults(run=run_rotate)


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(data_dir=args.data_dir, db=args.db)


def _keyring(settings: Settings, store: Any) -> Keyring:
    return Keyring(
        store,
        alg=settings.token_alg,
        passphrase=settings.signing_key_passphrase,
        token_ttl=settings.token_ttl,
        reload_interval=settings.purge_interval,
    )


def _rows(keys: list[SigningKey], settings: Settings) -> list[dict[str, str]]:
    window = timedelta(seconds=settings.token_ttl + settings.purge_interval + CLOCK_SKEW)
    rows = []
    for key in keys:
        retired = parse_time(key.retired) if key.retired else None
        rows.append(
            {
                "kid": key.kid,
                "alg": key.alg,
                "created": key.created,
                "state": "signing" if retired is None else "retired",
                "publishedUntil": "" if retired is None else format_time(retired + window),
            }
        )
    return rows


def _print(rows: list[dict[str, str]], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    columns = ("kid", "alg", "state", "created", "publishedUntil")
    table = [list(columns)] + [[row[c] for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        sys.stdout.write("  ".join(cells).rstrip() + "\n")


def run_list(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def listing() -> list[SigningKey]:
        store = open_store(settings.database_url)
        await store.open()
        try:
            return await store.signing_keys()
        finally:
            await store.close()

    keys = asyncio.run(listing())
    if not keys and not args.json:
        sys.stdout.write("no signing keys yet: the server makes one at its first start\n")
        return 0
    _print(_rows(keys, settings), args.json)
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def rotate() -> list[SigningKey]:
        store = open_store(settings.database_url)
        await store.open()
        try:
            keyring = _keyring(settings, store)
            await keyring.refresh()
            await keyring.rotate()
            return await store.signing_keys()
        finally:
            await store.close()

    keys = asyncio.run(rotate())
    _print(_rows(keys, settings), args.json)
    return 0
