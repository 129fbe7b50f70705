"""``thingreg validate FILE``: check a Thing Description offline, as the directory would."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from thingreg.core.td.validation import validate_td


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "validate",
        help="validate Thing Description files",
        description="Validate TD files (JSON) against the TD 1.1 information model. "
        "Exit code 0 when all are valid, 1 when any is not.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="TD JSON file, or -")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        name = "<stdin>" if str(path) == "-" else str(path)
        raw = sys.stdin.buffer.read() if name == "<stdin>" else path.read_bytes()
        try:
            td = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            sys.stdout.write(f"{name}: not valid JSON: {exc}\n")
            failed += 1
            continue
        errors = validate_td(td)
        if errors:
            failed += 1
            for error in errors:
                sys.stdout.write(f"{name}: {error.field}: {error.description}\n")
        else:
            sys.stdout.write(f"{name}: valid\n")
    return 1 if failed else 0
