"""``thingreg validate FILE``: check a Thing Description offline, as the directory would."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from thingreg.cli.output import OK, REFUSED, add_command, add_json_flag, print_json
from thingreg.core.td.validation import validate_td


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "validate",
        help="validate Thing Description files",
        description="Validate TD files (JSON) against the TD 1.1 information model, offline. "
        "Exit code 0 when all are valid, 1 when any is not.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="TD JSON file, or -")
    add_json_flag(parser, "print one {file, valid, errors} object per file as a JSON array")
    parser.set_defaults(run=run)


def check(path: Path) -> dict[str, Any]:
    """What is wrong with one file: ``{"file", "valid", "errors": [{field, description}]}``."""
    name = "<stdin>" if str(path) == "-" else str(path)
    raw = sys.stdin.buffer.read() if name == "<stdin>" else path.read_bytes()
    try:
        td = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        errors = [{"field": "(file)", "description": f"not valid JSON: {exc}"}]
    else:
        errors = [error.as_dict() for error in validate_td(td)]
    return {"file": name, "valid": not errors, "errors": errors}


def run(args: argparse.Namespace) -> int:
    results = [check(path) for path in args.files]
    if args.json:
        print_json(results)
    else:
        for result in results:
            if result["valid"]:
                sys.stdout.write(f"{result['file']}: valid\n")
            for error in result["errors"]:
                sys.stdout.write(f"{result['file']}: {error['field']}: {error['description']}\n")
    return REFUSED if any(not r["valid"] for r in results) else OK
