"""``thingreg enroll FILE --group G``: register pre-made devices from a CSV or NDJSON file.

The file goes to ``POST /enrollment-groups/{group}/devices`` of the registry (the same path
first-contact registration takes); the answer is printed as a summary line on stdout and one
line per rejected device on stderr. Running it again is harmless: devices already registered
with their key are counted as unchanged.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

DEFAULT_URL = "http://127.0.0.1:8080"
TIMEOUT = 120.0
_KINDS = {"csv": "text/csv", "ndjson": "application/x-ndjson"}

EPILOG = """\
exit codes:
  0  every device was registered (or was already)
  1  the registry rejected some lines (listed on stderr) or the whole file
  2  bad usage, an unreadable file, or a registry that could not be reached

The file is CSV with a header row (id,key[,identifiers][,title]; key a did:key or PEM) or
NDJSON (one {"id", "key", "identifiers", "title"} object a line), told apart by its name
(.csv, .ndjson/.jsonl) or --format.
"""


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "enroll",
        help="register pre-made devices from a CSV or NDJSON file into an enrollment group",
        description="Register the devices a file lists (id and public key each) with an "
        "enrollment group of a registry, and report what was accepted and rejected.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, help="the device file (CSV or NDJSON)")
    parser.add_argument("--group", required=True, help="the enrollment group's id")
    parser.add_argument("--format", choices=list(_KINDS), help="default: from the file name")
    parser.add_argument(
        "--url",
        default=os.environ.get("THINGREG_URL", DEFAULT_URL),
        help=f"base URL of the registry (default $THINGREG_URL or {DEFAULT_URL})",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("THINGREG_API_TOKEN", ""),
        help="API token for changes (default $THINGREG_API_TOKEN)",
    )
    parser.add_argument("--json", action="store_true", help="print the registry's whole report")
    parser.set_defaults(run=run_enroll)


def run_enroll(args: argparse.Namespace) -> int:
    kind = args.format or ("csv" if args.file.suffix.lower() == ".csv" else "ndjson")
    body = args.file.read_bytes()
    headers = {"Content-Type": _KINDS[kind]}
    if args.token:
        headers["Authorization"] = f"Bearer {args.token}"
    url = f"{args.url.rstrip('/')}/enrollment-groups/{quote(args.group, safe='')}/devices"
    started = time.perf_counter()
    try:
        with httpx.Client(timeout=TIMEOUT, trust_env=False) as http:
            response = http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        sys.stderr.write(f"thingreg: {url}: cannot reach the registry ({type(exc).__name__})\n")
        return 2
    elapsed = time.perf_counter() - started
    try:
        report = response.json()
    except ValueError:
        report = None
    if response.status_code != 200 or not isinstance(report, dict):
        detail = report.get("detail") if isinstance(report, dict) else None
        reason = f"{response.status_code} {response.reason_phrase}"
        sys.stderr.write(f"thingreg: enroll: {reason}" + (f": {detail}" if detail else "") + "\n")
        return 1
    if args.json:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        accepted = report.get("accepted", 0)
        rate = accepted / elapsed if elapsed > 0 else 0.0
        sys.stdout.write(
            f"group {args.group}: {accepted} accepted ({report.get('created', 0)} created, "
            f"{report.get('unchanged', 0)} unchanged), {len(report.get('rejected', []))} "
            f"rejected; {elapsed:.2f} s, {rate:.0f} devices/s\n"
        )
    for entry in report.get("rejected", []):
        sys.stderr.write(
            f"{args.file}:{entry.get('line')}: {entry.get('id')}: {entry.get('reason')}\n"
        )
    return 1 if report.get("rejected") else 0
