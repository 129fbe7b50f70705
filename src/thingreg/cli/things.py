"""``thingreg things get|put|delete|list|search``: the directory's Things, on a running registry."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from thingreg.cli.client import SERVER_HELP, Registry, server_options, thing_path
from thingreg.cli.output import (
    EXIT_CODES,
    OK,
    UsageError,
    add_command,
    add_json_flag,
    print_json,
    print_ndjson,
    table,
)

EPILOG = EXIT_CODES + "\n" + SERVER_HELP
COLUMNS = ("id", "title", "@type", "modified")


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "things",
        help="read and change the Thing Descriptions of a running registry",
        description="Get, create or replace, delete, list and search the Thing Descriptions "
        "a running registry holds, through its HTTP API.",
        epilog=EPILOG,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    server = server_options()

    get = add_command(
        actions,
        "get",
        help="print one thing's TD",
        description="Print the TD of the thing with id ID (JSON; --json prints it compact).",
        epilog=EPILOG,
        parents=[server],
    )
    get.add_argument("thing_id", metavar="ID", help="the thing's id, e.g. urn:dev:ops:32473-1")
    add_json_flag(get, "print the TD as one line of JSON")
    get.set_defaults(run=run_get)

    put = add_command(
        actions,
        "put",
        help="create or replace a thing from a TD file",
        description="Create or replace the thing a TD describes; its id is the TD's id. "
        "FILE is a JSON file, or - for stdin.",
        epilog=EPILOG,
        parents=[server],
    )
    put.add_argument("file", metavar="FILE", help="the TD (JSON), or - to read stdin")
    add_json_flag(put, "print the outcome as JSON")
    put.set_defaults(run=run_put)

    delete = add_command(
        actions,
        "delete",
        help="delete a thing",
        description="Delete the thing with id ID. Exit code 1 when there is none.",
        epilog=EPILOG,
        parents=[server],
    )
    delete.add_argument("thing_id", metavar="ID", help="the thing's id")
    add_json_flag(delete, "print the outcome as JSON")
    delete.set_defaults(run=run_delete)

    listing = add_command(
        actions,
        "list",
        help="list things: id, title, @type, modified",
        description="List the things in id order as a table (id, title, @type, modified); "
        "--json streams the TDs, one per line (NDJSON).",
        epilog=EPILOG,
        parents=[server],
    )
    listing.add_argument("--limit", type=int, help="at most this many things")
    listing.add_argument("--offset", type=int, default=0, help="skip this many (default 0)")
    listing.add_argument(
        "--scheme", help="only things with an identifier of this scheme, e.g. imei"
    )
    listing.add_argument("--alias", help="only things with this identifier (any notation)")
    add_json_flag(listing, "stream the TDs as NDJSON instead of a table")
    listing.set_defaults(run=run_list)

    search = add_command(
        actions,
        "search",
        help="search the things with a JSONPath query",
        description="Run a JSONPath (RFC 9535) query over every TD and print what it selects "
        "(one JSON value a line with --json, else a table where the values are TDs).",
        epilog=EPILOG,
        parents=[server],
    )
    search.add_argument("query", metavar="JSONPATH", help="e.g. '$[?@.title==\"Lamp\"]'")
    search.add_argument("--scheme", help="only things with an identifier of this scheme")
    search.add_argument("--alias", help="only things with this identifier")
    add_json_flag(search, "print the selected values as NDJSON")
    search.set_defaults(run=run_search)


def _read_td(source: str) -> dict[str, Any]:
    name = "<stdin>" if source == "-" else source
    raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    try:
        td = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"{name}: not valid JSON ({exc})") from None
    if not isinstance(td, dict):
        raise UsageError(f"{name}: a TD is a JSON object")
    if not isinstance(td.get("id"), str) or not td["id"]:
        raise UsageError(f"{name}: the TD has no id; put needs one (the thing's URL uses it)")
    return td


def row_of(td: Mapping[str, Any]) -> dict[str, object]:
    """The table row of a TD: id, title, @type and the registration's modified time."""
    registration = td.get("registration")
    modified = registration.get("modified") if isinstance(registration, dict) else None
    return {
        "id": td.get("id"),
        "title": td.get("title"),
        "@type": td.get("@type"),
        "modified": modified,
    }


def _filters(args: argparse.Namespace) -> dict[str, str]:
    return {k: v for k in ("scheme", "alias") if (v := getattr(args, k)) is not None}


def _print_tds(items: Iterable[Any], as_json: bool) -> None:
    """NDJSON with ``--json`` (streamed); else a table of TDs, or JSON lines for other values."""
    if as_json:
        print_ndjson(items)
        return
    values = list(items)
    if not values:
        sys.stdout.write("no things\n")
    elif all(isinstance(v, dict) and "id" in v for v in values):
        sys.stdout.write(table([row_of(td) for td in values], COLUMNS))
    else:
        print_ndjson(values)


def run_get(args: argparse.Namespace) -> int:
    with Registry.from_args(args) as registry:
        td = registry.request("GET", thing_path(args.thing_id)).json()
    if args.json:
        print_ndjson([td])
    else:
        print_json(td)
    return OK


def run_put(args: argparse.Namespace) -> int:
    td = _read_td(args.file)
    with Registry.from_args(args) as registry:
        response = registry.request("PUT", thing_path(td["id"]), json=td)
    outcome = "created" if response.status_code == 201 else "replaced"
    if args.json:
        print_json({"id": td["id"], "result": outcome})
    else:
        sys.stdout.write(f"{outcome}: {td['id']}\n")
    return OK


def run_delete(args: argparse.Namespace) -> int:
    with Registry.from_args(args) as registry:
        registry.request("DELETE", thing_path(args.thing_id))
    if args.json:
        print_json({"id": args.thing_id, "result": "deleted"})
    else:
        sys.stdout.write(f"deleted: {args.thing_id}\n")
    return OK


def run_list(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit is at least 1")
    if args.offset < 0:
        raise UsageError("--offset is at least 0")
    params: dict[str, object] = {"offset": args.offset, **_filters(args)}
    if args.limit is not None:
        params["limit"] = args.limit
    with Registry.from_args(args) as registry:
        _print_tds(registry.stream_array("/things", params=params), args.json)
    return OK


def run_search(args: argparse.Namespace) -> int:
    params = {"query": args.query, **_filters(args)}
    with Registry.from_args(args) as registry:
        _print_tds(registry.stream_array("/search/jsonpath", params=params), args.json)
    return OK
