"""``thingreg id parse`` (offline analysis) and ``thingreg resolve`` (ask a registry)."""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import quote

from thingreg.cli.client import SERVER_HELP, Registry, add_server_options
from thingreg.cli.output import (
    EXIT_CODES,
    OK,
    Refused,
    add_command,
    add_json_flag,
    emit,
    print_json,
)
from thingreg.core.ids.analysis import analyse
from thingreg.core.ids.base import InvalidIdentifier


def register(commands: Any) -> None:
    ident = add_command(
        commands,
        "id",
        help="work with identifiers offline",
        description="Work with identifiers offline.",
    )
    actions = ident.add_subparsers(dest="action", required=True, metavar="ACTION")
    parse = add_command(
        actions,
        "parse",
        help="show every valid reading of an identifier",
        description="Parse, validate and normalise an identifier in any notation of any "
        "supported scheme. Exit code 0 when it is valid, 1 when it is not.",
    )
    parse.add_argument("identifier", help="e.g. 49-015420-323751-8, 00:24:be:80:4f:f1")
    add_json_flag(parse)
    parse.set_defaults(run=run_parse)

    resolve = add_command(
        commands,
        "resolve",
        help="find the thing an identifier names, on a registry",
        description="Ask a registry which thing an identifier names. Exit code 0 when found, "
        "1 when not.",
        epilog=EXIT_CODES + "\n" + SERVER_HELP,
    )
    resolve.add_argument("identifier", help="any identifier, in any notation")
    add_server_options(resolve)
    add_json_flag(resolve)
    resolve.set_defaults(run=run_resolve)


def run_parse(args: argparse.Namespace) -> int:
    try:
        readings = analyse(args.identifier).readings
    except InvalidIdentifier as exc:
        raise Refused(f"invalid identifier: {exc.detail}") from None
    rows = [
        {
            "scheme": r.scheme,
            "canonical": r.canonical,
            "notation": r.notation,
            "details": ", ".join(f"{k}={v}" for k, v in r.details.items()),
        }
        for r in readings
    ]
    if args.json:
        print_json([r.as_json() for r in readings])
    else:
        emit(rows, ("scheme", "canonical", "notation", "details"), as_json=False)
    return OK


def run_resolve(args: argparse.Namespace) -> int:
    path = "/resolve/" + quote(args.identifier.strip(), safe="")
    with Registry.from_args(args) as registry:
        body = registry.request("GET", path).json()
    if args.json:
        print_json(body)
    else:
        sys.stdout.write(f"{body.get('id', '?')}\t{body.get('href', '')}\n")
    return OK
