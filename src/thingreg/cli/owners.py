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
from typing import TYPE_CHECKING, Any

from thingreg.cli.database import add_database_options, opened_store, settings_from
from thingreg.cli.output import OK, add_command, add_json_flag, print_json

if TYPE_CHECKING:
    from thingreg.core.access.keys import Gatekeeper


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "owners",
        help="manage owners (tenants) and their API keys",
        description="Add and list owners, create, list and revoke their API keys. Works on the "
        "database (THINGREG_DATA_DIR or THINGREG_DB, or the flags), with or without a running "
        "server.",
    )
    common = argparse.ArgumentParser(add_help=False)
    add_database_options(common)
    add_json_flag(common, "print JSON")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = add_command(actions, "add", help="add an owner", parents=[common])
    add.add_argument("name", help="lowercase letters, digits, '.', '_' or '-'")
    add.add_argument("--note", default="", help="a note on who this is")
    add.set_defaults(run=lambda args: _run(args, _add))

    listing = add_command(actions, "list", help="list the owners", parents=[common])
    listing.set_defaults(run=lambda args: _run(args, _list))

    key = add_command(
        actions,
        "key",
        help="an owner's API keys",
        description="Create, list and revoke an owner's API keys.",
    )
    key_actions = key.add_subparsers(dest="key_action", required=True, metavar="ACTION")
    create = add_command(
        key_actions,
        "create",
        help="create a key and print its token (shown this once only)",
        parents=[common],
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
    keys = add_command(key_actions, "list", help="list an owner's keys", parents=[common])
    keys.add_argument("owner")
    keys.set_defaults(run=lambda args: _run(args, _list_keys))
    revoke = add_command(key_actions, "revoke", help="revoke a key", parents=[common])
    revoke.add_argument("owner")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=lambda args: _run(args, _revoke_key))


def _run(args: argparse.Namespace, action: Callable[[Gatekeeper, argparse.Namespace], Any]) -> int:
    """Run ``action`` on the store; a refusal (unknown owner, ...) is exit 1 via ``main``."""
    # Imported here so that other commands do not pay for the store's import.
    from thingreg.core.access.keys import Gatekeeper  # noqa: PLC0415

    settings = settings_from(args)

    async def run() -> Any:
        async with opened_store(settings) as store:
            result: Any = action(Gatekeeper(store), args)
            if isinstance(result, Awaitable):
                result = await result
            return result

    output = asyncio.run(run())
    if args.json:
        print_json(output)
    else:
        sys.stdout.write(_text(output))
    return OK


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
    from thingreg.core.access.keys import describe_key  # noqa: PLC0415

    if args.json:
        return {**describe_key(key), "token": token}
    return token


async def _list_keys(gatekeeper: Gatekeeper, args: argparse.Namespace) -> list[dict[str, Any]]:
    from thingreg.core.access.keys import describe_key  # noqa: PLC0415

    await gatekeeper.owner(args.owner)
    keys = await gatekeeper.store.api_keys(args.owner)
    return [{**describe_key(k), "scopes": ",".join(k.scopes)} for k in keys]


async def _revoke_key(gatekeeper: Gatekeeper, args: argparse.Namespace) -> str:
    await gatekeeper.revoke_key(args.owner, args.key_id)
    return f"revoked: {args.key_id}"
