"""``thingreg owners add|list`` and ``thingreg owners key create|list|revoke``.

These work on the database directly (the data directory or ``--db``, as ``thingreg serve``
finds it), whether or not the server runs, so an operator can make the first owners and keys.
A running server sees a revocation made here within ``THINGREG_KEY_CACHE_TTL`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson

from thingreg.config import Settings
from thingreg.core.access.keys import Gatekeeper, describe_key
from thingreg.core.errors import ThingregError
from thingreg.store import open_store

_T = TypeVar("_T")


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "owners",
        help="manage owners (tenants) and their API keys",
        description="Add and list owners, create, list and revoke their API keys. Works on the "
        "database (THINGREG_DATA_DIR or THINGREG_DB, or the flags), with or without a running "
        "server. Exit codes: 0 done, 1 refused (e.g. unknown owner), 2 bad usage.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="data directory (default ./thingreg-data)")
    common.add_argument("--db", help="database URL, e.g. sqlite:///path/to/file.db")
    common.add_argument("--json", action="store_true", help="print JSON")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", parents=[common], help="add an owner")
    add.add_argument("name", help="lowercase letters, digits, '.', '_' or '-'")
    add.add_argument("--note", default="", help="a note on who this is")
    add.set_defaults(run=lambda args: _run(args, _add))

    listing = actions.add_parser("list", parents=[common], help="list the owners")
    listing.set_defaults(run=lambda args: _run(args, _list))

    key = actions.add_parser("key", help="an owner's API keys")
    key_actions = key.add_subparsers(dest="key_action", required=True, metavar="ACTION")
    create = key_actions.add_parser(
        "create",
        parents=[common],
        help="create a key and print its token (shown this once only)",
    )
    create.add_argument("owner")
    create.add_argument(
        "--scope",
        action="append",
        choices=("read", "write", "admin"),
        help="a scope of the key (repeatable; default read and write)",
    )
    create.add_argument("--label", default="", help="what the key is for")
    create.set_defaults(run=lambda args: _run(args, _create_key))
    keys = key_actions.add_parser("list", parents=[common], help="list an owner's keys")
    keys.add_argument("owner")
    keys.set_defaults(run=lambda args: _run(args, _list_keys))
    revoke = key_actions.add_parser("revoke", parents=[common], help="revoke a key")
    revoke.add_argument("owner")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=lambda args: _run(args, _revoke_key))


def _run(args: argparse.Namespace, action: Callable[[Gatekeeper, argparse.Namespace], Any]) -> int:
    settings = Settings.from_env(data_dir=args.data_dir, db=args.db)

    async def run() -> Any:
        store = open_store(settings.database_url)
        await store.open()
        try:
            result: Any = action(Gatekeeper(store), args)
            if isinstance(result, Awaitable):
                result = await result
            return result
        finally:
            await store.close()

    try:
        output = asyncio.run(run())
    except ThingregError as exc:
        sys.stderr.write(f"thingreg: {exc.status} {exc.title}: {exc.detail}\n")
        return 1
    if args.json:
        sys.stdout.write(orjson.dumps(output, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(_text(output))
    return 0


def _text(output: Any) -> str:
    if isinstance(output, list):
        return "".join(_line(item) for item in output)
    return _line(output)


def _line(item: Any) -> str:
    if isinstance(item, str):
        return item + "\n"
    return "  ".join(f"{k}={v}" for k, v in item.items() if v not in ("", None)) + "\n"


async def _add(gatekeeper: Gatekeeper, args: argparse.Namespace) -> dict[str, Any]:
    owner = await gatekeeper.add_owner(args.name, args.note)
    return {"name": owner.name, "created": owner.created, "note": owner.note}


async def _list(gatekeeper: Gatekeeper, args: argparse.Namespace) -> list[dict[str, Any]]:
    owners = await gatekeeper.store.owners()
    return [{"name": o.name, "created": o.created, "note": o.note} for o in owners]


async def _create_key(gatekeeper: Gatekeeper, args: argparse.Namespace) -> Any:
    await gatekeeper.owner(args.owner)
    key, token = await gatekeeper.create_key(
        args.owner, args.scope or ("read", "write"), args.label
    )
    if args.json:
        return {**describe_key(key), "token": token}
    return token


async def _list_keys(gatekeeper: Gatekeeper, args: argparse.Namespace) -> list[dict[str, Any]]:
    await gatekeeper.owner(args.owner)
    keys = await gatekeeper.store.api_keys(args.owner)
    return [{**describe_key(k), "scopes": ",".join(k.scopes)} for k in keys]


async def _revoke_key(gatekeeper: Gatekeeper, args: argparse.Namespace) -> str:
    await gatekeeper.revoke_key(args.owner, args.key_id)
    return f"revoked: {args.key_id}"
