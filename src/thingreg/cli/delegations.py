"""``thingreg delegations list|add|remove|import``: a registry's delegation table, over HTTP."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any
from urllib.parse import quote

import httpx
import orjson

DEFAULT_URL = "http://127.0.0.1:8080"
TIMEOUT = 10.0

EPILOG = """\
exit codes:
  0  done
  1  a registry answered with an error (e.g. 404 on remove, 401 without a valid --token)
  2  bad usage, or a registry could not be reached

The registry is --url (default $THINGREG_URL or http://127.0.0.1:8080); writes send
--token (default $THINGREG_API_TOKEN) as a bearer token.
"""


class CommandError(Exception):
    """One readable line for stderr, and the exit code that goes with it."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "delegations",
        help="list and change the delegation table of a registry",
        description="Manage which peer registry resolves which identifier prefix.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        default=os.environ.get("THINGREG_URL", DEFAULT_URL),
        help=f"base URL of the registry to manage (default $THINGREG_URL or {DEFAULT_URL})",
    )
    common.add_argument(
        "--token",
        default=os.environ.get("THINGREG_API_TOKEN", ""),
        help="API token for changes (default $THINGREG_API_TOKEN)",
    )
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(
            name,
            parents=[common],
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return sub

    action("list", "show the delegation table").set_defaults(run=run_list)
    add = action("add", "delegate an identifier prefix to a peer registry")
    add.add_argument("prefix", help="canonical-id prefix, e.g. tel:+81 or urn:dev:org:32473-")
    add.add_argument("registry", help="base URL of the peer registry, e.g. https://jp.example")
    add.add_argument("--note", default="", help="a remark kept with the delegation")
    add.set_defaults(run=run_add)
    remove = action("remove", "remove the delegation of a prefix")
    remove.add_argument("prefix")
    remove.set_defaults(run=run_remove)
    imports = action(
        "import", "delegate every namespace a peer publishes at /.well-known/thingreg to it"
    )
    imports.add_argument("peer", help="base URL of the peer registry")
    imports.set_defaults(run=run_import)


def _call(args: argparse.Namespace, run: Any) -> int:
    try:
        with httpx.Client(timeout=TIMEOUT, trust_env=False) as client:
            code: int = run(args, client)
            return code
    except CommandError as exc:
        sys.stderr.write(f"thingreg: {exc}\n")
        return exc.code


def _request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    token: str = "",
    body: object = None,
) -> httpx.Response:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    content = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        content = orjson.dumps(body)
    try:
        response = client.request(method, url, headers=headers, content=content)
    except httpx.InvalidURL as exc:
        raise CommandError(f"{url}: not a valid URL ({exc})", 2) from None
    except httpx.TransportError as exc:
        raise CommandError(f"{url}: cannot reach the registry ({type(exc).__name__})", 2) from None
    if response.status_code >= 400:
        raise CommandError(f"{method} {url}: {_problem_line(response)}", 1)
    return response


def _problem_line(response: httpx.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        problem = None
    detail = problem.get("detail") if isinstance(problem, dict) else None
    return f"{response.status_code} {response.reason_phrase}" + (f": {detail}" if detail else "")


def _base(url: str) -> str:
    return url.rstrip("/")


def _delegation_url(args: argparse.Namespace, prefix: str) -> str:
    return f"{_base(args.url)}/delegations/{quote(prefix, safe='')}"


def _print_table(rows: list[dict[str, str]], columns: tuple[str, ...]) -> None:
    table = [list(columns)] + [[str(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        sys.stdout.write("  ".join(cells).rstrip() + "\n")


def _print_json(value: object) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def run_list(args: argparse.Namespace) -> int:
    def run(args: argparse.Namespace, client: httpx.Client) -> int:
        rows = _request(client, "GET", f"{_base(args.url)}/delegations").json()
        if args.json:
            _print_json(rows)
        elif rows:
            _print_table(rows, ("prefix", "registry", "note", "created"))
        else:
            sys.stdout.write("no delegations\n")
        return 0

    return _call(args, run)


def run_add(args: argparse.Namespace) -> int:
    def run(args: argparse.Namespace, client: httpx.Client) -> int:
        body = {"registry": args.registry, "note": args.note}
        response = _request(
            client, "PUT", _delegation_url(args, args.prefix), token=args.token, body=body
        )
        outcome = "added" if response.status_code == 201 else "replaced"
        row = {"prefix": args.prefix, "registry": _base(args.registry), "result": outcome}
        if args.json:
            _print_json(row)
        else:
            sys.stdout.write(f"{outcome}: {args.prefix} -> {row['registry']}\n")
        return 0

    return _call(args, run)


def run_remove(args: argparse.Namespace) -> int:
    def run(args: argparse.Namespace, client: httpx.Client) -> int:
        _request(client, "DELETE", _delegation_url(args, args.prefix), token=args.token)
        if args.json:
            _print_json({"prefix": args.prefix, "result": "removed"})
        else:
            sys.stdout.write(f"removed: {args.prefix}\n")
        return 0

    return _call(args, run)


def run_import(args: argparse.Namespace) -> int:
    def run(args: argparse.Namespace, client: httpx.Client) -> int:
        peer = _base(args.peer)
        published = _request(client, "GET", f"{peer}/.well-known/thingreg").json()
        namespaces = published.get("namespaces") if isinstance(published, dict) else None
        if not isinstance(namespaces, list) or not all(isinstance(n, str) for n in namespaces):
            raise CommandError(f"{peer}/.well-known/thingreg has no list of namespaces", 1)
        if not namespaces:
            raise CommandError(f"{peer} publishes no namespaces; nothing to import", 1)
        note = f"imported from {published.get('registry') or peer}"
        rows = []
        for prefix in namespaces:
            response = _request(
                client,
                "PUT",
                _delegation_url(args, prefix),
                token=args.token,
                body={"registry": peer, "note": note},
            )
            outcome = "added" if response.status_code == 201 else "replaced"
            rows.append({"prefix": prefix, "registry": peer, "result": outcome})
        if args.json:
            _print_json(rows)
        else:
            _print_table(rows, ("prefix", "registry", "result"))
        return 0

    return _call(args, run)
