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
from typing import Any

from thingreg.cli.database import add_database_options, opened_store, settings_from
from thingreg.cli.output import OK, add_command, add_json_flag, emit
from thingreg.config import Settings
from thingreg.core.auth.keyring import CLOCK_SKEW, Keyring
from thingreg.core.td.registration import format_time, parse_time
from thingreg.store.base import SigningKey

COLUMNS = ("kid", "alg", "state", "created", "publishedUntil")


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "keys",
        help="list or rotate the registry's token signing keys",
        description="List or rotate the keys that sign the registry's device tokens. Works on "
        "the database (THINGREG_DATA_DIR or THINGREG_DB, or the flags), with or without a "
        "running server.",
    )
    common = argparse.ArgumentParser(add_help=False)
    add_database_options(common)
    add_json_flag(common)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = add_command(
        actions,
        "list",
        help="show the signing keys: which one signs, which are still published",
        description="Show the signing keys, newest first.",
        parents=[common],
    )
    listing.set_defaults(run=run_list)
    rotate = add_command(
        actions,
        "rotate",
        help="make a new signing key and retire the current one",
        description="Make a new signing key (THINGREG_TOKEN_ALG) and retire the current one, "
        "which stays published until the tokens it signed have expired.",
        parents=[common],
    )
    rotate.set_defaults(run=run_rotate)


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


def run_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def listing() -> list[SigningKey]:
        async with opened_store(settings) as store:
            return await store.signing_keys()

    keys = asyncio.run(listing())
    if not keys and not args.json:
        sys.stdout.write("no signing keys yet: the server makes one at its first start\n")
        return OK
    emit(_rows(keys, settings), COLUMNS, as_json=args.json)
    return OK


def run_rotate(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def rotate() -> list[SigningKey]:
        async with opened_store(settings) as store:
            keyring = _keyring(settings, store)
            await keyring.refresh()
            await keyring.rotate()
            return await store.signing_keys()

    keys = asyncio.run(rotate())
    emit(_rows(keys, settings), COLUMNS, as_json=args.json)
    return OK
