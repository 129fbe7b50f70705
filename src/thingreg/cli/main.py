"""Entry point: ``thingreg <command>``; every error ends as one readable line and an exit code.

The exit codes (0 done, 1 refused or not found, 2 bad usage or input, 3 unreachable) are
defined once in :mod:`thingreg.cli.output`; argparse itself exits 2 on bad usage.
"""

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
    things,
    validate,
    verify,
)
from thingreg.cli.output import (
    EXIT_CODES,
    USAGE,
    CommandError,
    HelpFormatter,
    code_for_status,
    error_line,
)
from thingreg.core.errors import ThingregError

EPILOG = (
    EXIT_CODES
    + """
Every command has --help; commands that print data take --json. Commands that talk to a
running registry take --url (default $THINGREG_URL or http://127.0.0.1:8080) and --token
(default $THINGREG_TOKEN or $THINGREG_API_TOKEN). Reference: docs/cli.md.
"""
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thingreg",
        description="An open registry for the Internet of Things.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.register(commands)
    validate.register(commands)
    things.register(commands)
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
    except CommandError as exc:
        sys.stderr.write(error_line(str(exc)))
        return exc.code
    except ThingregError as exc:
        sys.stderr.write(error_line(exc.detail))
        return code_for_status(exc.status)
    except (ValueError, OSError) as exc:
        sys.stderr.write(error_line(str(exc)))
        return USAGE
    except KeyboardInterrupt:
        sys.stderr.write(error_line("interrupted"))
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
