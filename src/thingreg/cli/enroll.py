"""``thingreg enroll FILE --group G``: register pre-made devices from a CSV or NDJSON file.

The file goes to ``POST /enrollment-groups/{group}/devices`` of the registry (the same path
first-contact registration takes); the answer is printed as a summary line on stdout and one
line per rejected device on stderr. Running it again is harmless: devices already registered
with their key are counted as unchanged.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from thingreg.cli.client import SERVER_HELP, Registry, add_server_options
from thingreg.cli.output import (
    EXIT_CODES,
    OK,
    REFUSED,
    Refused,
    add_command,
    add_json_flag,
    print_json,
)

TIMEOUT = 120.0
_KINDS = {"csv": "text/csv", "ndjson": "application/x-ndjson"}

EPILOG = (
    EXIT_CODES
    + """
A refusal (1) is the registry rejecting some lines (listed on stderr) or the whole file.
The file is CSV with a header row (id,key[,identifiers][,title]; key a did:key or PEM) or
NDJSON (one {"id", "key", "identifiers", "title"} object a line), told apart by its name
(.csv, .ndjson/.jsonl) or --format.

"""
    + SERVER_HELP
)


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "enroll",
        help="register pre-made devices from a CSV or NDJSON file into an enrollment group",
        description="Register the devices a file lists (id and public key each) with an "
        "enrollment group of a registry, and report what was accepted and rejected.",
        epilog=EPILOG,
    )
    parser.add_argument("file", type=Path, help="the device file (CSV or NDJSON)")
    parser.add_argument("--group", required=True, help="the enrollment group's id")
    parser.add_argument("--format", choices=list(_KINDS), help="default: from the file name")
    add_server_options(parser)
    add_json_flag(parser, "print the registry's whole report")
    parser.set_defaults(run=run_enroll)


def run_enroll(args: argparse.Namespace) -> int:
    kind = args.format or ("csv" if args.file.suffix.lower() == ".csv" else "ndjson")
    body = args.file.read_bytes()
    path = f"/enrollment-groups/{quote(args.group, safe='')}/devices"
    started = time.perf_counter()
    with Registry.from_args(args, timeout=TIMEOUT) as registry:
        response = registry.request(
            "POST", path, content=body, headers={"Content-Type": _KINDS[kind]}
        )
    elapsed = time.perf_counter() - started
    try:
        report = response.json()
    except ValueError:
        report = None
    if response.status_code != 200 or not isinstance(report, dict):
        raise Refused(f"enroll: {response.status_code} {response.reason_phrase}: not a report")
    if args.json:
        print_json(report)
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
    return REFUSED if report.get("rejected") else OK
