"""``thingreg delegations list|add|remove|import``: a registry's delegation table, over HTTP."""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import quote

from thingreg.cli.client import SERVER_HELP, Registry, server_options
from thingreg.cli.output import (
    EXIT_CODES,
    OK,
    Refused,
    add_command,
    add_json_flag,
    emit,
    print_json,
)

EPILOG = EXIT_CODES + "\n" + SERVER_HELP


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "delegations",
        help="list and change the delegation table of a registry",
        description="Manage which peer registry resolves which identifier prefix.",
        epilog=EPILOG,
    )
    common = server_options()
    add_json_flag(common)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        return add_command(actions, name, help=help_text, epilog=EPILOG, parents=[common])

    action("list", "show the delegation table").set_defaults(run=run_list)
    add = action("add", "delegate an identifier prefix to a peer registry")
    add.add_argument("prefix", help="canonical-id prefix, e.g. tel:+81 or urn:dev:org:32473-")
    add.add_argument("registry", help="base URL of the peer registry, e.g. https://jp.example")
    add.add_argument("--note", default="", help="a remark kept with the delegation")
    add.set_defaults(run=run_add)
    remove = action("remove", "remove the delegation of a prefix")
    remove.add_argument("prefix", help="the delegated prefix")
    remove.set_defaults(run=run_remove)
    imports = action(
        "import", "delegate every namespace a peer publishes at /.well-known/thingreg to it"
    )
    imports.add_argument("peer", help="base URL of the peer registry")
    imports.set_defaults(run=run_import)


def _path(prefix: str) -> str:
    return f"/delegations/{quote(prefix, safe='')}"


def run_list(args: argparse.Namespace) -> int:
    with Registry.from_args(args) as registry:
        rows = registry.request("GET", "/delegations").json()
    emit(rows, ("prefix", "registry", "note", "created"), as_json=args.json, empty="no delegations")
    return OK


def run_add(args: argparse.Namespace) -> int:
    body = {"registry": args.registry, "note": args.note}
    with Registry.from_args(args) as registry:
        response = registry.request("PUT", _path(args.prefix), json=body)
    outcome = "added" if response.status_code == 201 else "replaced"
    row = {"prefix": args.prefix, "registry": args.registry.rstrip("/"), "result": outcome}
    if args.json:
        print_json(row)
    else:
        sys.stdout.write(f"{outcome}: {args.prefix} -> {row['registry']}\n")
    return OK


def run_remove(args: argparse.Namespace) -> int:
    with Registry.from_args(args) as registry:
        registry.request("DELETE", _path(args.prefix))
    if args.json:
        print_json({"prefix": args.prefix, "result": "removed"})
    else:
        sys.stdout.write(f"removed: {args.prefix}\n")
    return OK


def run_import(args: argparse.Namespace) -> int:
    peer = args.peer.rstrip("/")
    with Registry.from_args(args) as registry:
        published = registry.request("GET", f"{peer}/.well-known/thingreg").json()
        namespaces = published.get("namespaces") if isinstance(published, dict) else None
        if not isinstance(namespaces, list) or not all(isinstance(n, str) for n in namespaces):
            raise Refused(f"{peer}/.well-known/thingreg has no list of namespaces")
        if not namespaces:
            raise Refused(f"{peer} publishes no namespaces; nothing to import")
        note = f"imported from {published.get('registry') or peer}"
        rows = []
        for prefix in namespaces:
            response = registry.request("PUT", _path(prefix), json={"registry": peer, "note": note})
            outcome = "added" if response.status_code == 201 else "replaced"
            rows.append({"prefix": prefix, "registry": peer, "result": outcome})
    emit(rows, ("prefix", "registry", "result"), as_json=args.json)
    return OK
