"""``thingreg id parse`` (offline analysis) and ``thingreg resolve`` (ask a registry)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from thingreg.core.ids.analysis import analyse
from thingreg.core.ids.base import InvalidIdentifier, Reading

DEFAULT_URL = "http://127.0.0.1:8080"


def register(commands: Any) -> None:
    ident: argparse.ArgumentParser = commands.add_parser(
        "id", help="work with identifiers offline", description="Work with identifiers offline."
    )
    actions = ident.add_subparsers(dest="action", required=True, metavar="ACTION")
    parse = actions.add_parser(
        "parse",
        help="show every valid reading of an identifier",
        description="Parse, validate and normalise an identifier in any notation of any "
        "supported scheme. Exit code 0 when it is valid, 1 when it is not.",
    )
    parse.add_argument("identifier", help="e.g. 49-015420-323751-8, 00:24:be:80:4f:f1")
    parse.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parse.set_defaults(run=run_parse)

    resolve = commands.add_parser(
        "resolve",
        help="find the thing an identifier names, on a registry",
        description="Ask a registry which thing an identifier names. Exit code 0 when found, "
        "1 when not, 2 on other errors.",
    )
    resolve.add_argument("identifier")
    resolve.add_argument(
        "--url",
        default=os.environ.get("THINGREG_URL", DEFAULT_URL),
        help=f"registry base URL (default $THINGREG_URL or {DEFAULT_URL})",
    )
    resolve.add_argument("--json", action="store_true", help="print JSON instead of a table")
    resolve.set_defaults(run=run_resolve)


def _table(readings: list[Reading]) -> str:
    rows = [("scheme", "canonical", "notation", "details")]
    for r in readings:
        details = ", ".join(f"{k}={v}" for k, v in r.details.items())
        rows.append((r.scheme, r.canonical, r.notation, details))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        for row in rows
    )


def run_parse(args: argparse.Namespace) -> int:
    try:
        readings = analyse(args.identifier).readings
    except InvalidIdentifier as exc:
        sys.stderr.write(f"thingreg: invalid identifier: {exc.detail}\n")
        return 1
    if args.json:
        out = [r.as_json() for r in readings]
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(_table(readings) + "\n")
    return 0


def run_resolve(args: argparse.Namespace) -> int:
    url = args.url.rstrip("/") + "/resolve/" + quote(args.identifier.strip(), safe="")
    try:
        response = httpx.get(url, timeout=10, follow_redirects=True)
    except httpx.HTTPError as exc:
        sys.stderr.write(f"thingreg: cannot reach {args.url}: {exc}\n")
        return 2
    try:
        body = response.json()
    except ValueError:
        sys.stderr.write(f"thingreg: {url} answered {response.status_code} without JSON\n")
        return 2
    if response.status_code >= 400:
        sys.stderr.write(f"thingreg: {body.get('detail') or body.get('title')}\n")
        return 1 if response.status_code == 404 else 2
    if args.json:
        sys.stdout.write(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(f"{body.get('id', '?')}\t{body.get('href', '')}\n")
    return 0
