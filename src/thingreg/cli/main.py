"""Entry point: ``thingreg <command>``; errors end as one readable line and exit code 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from thingreg.cli import (
    audit,
    backup,
    bulk,
    delegations,
    device,
    enroll,
    ids,
    keys,
    owners,
    serve,
    validate,
    verify,
)
from thingreg.core.errors import ThingregError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thingreg", description="An open registry for the Internet of Things."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.register(commands)
    validate.register(commands)
    ids.register(commands)
    delegations.register(commands)
    device.register(commands)
    enroll.register(commands)
    keys.register(commands)
    backup.register(commands)
    verify.register(commands)
    owners.register(commands)
    audit.register(commands)
    bulk.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except (ValueError, OSError, ThingregError) as exc:
        sys.stderr.write(f"thingreg: error: {exc}\n")
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
