"""``thingreg serve``: run the HTTP service."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from thingreg.cli.database import add_database_options
from thingreg.cli.output import add_command
from thingreg.config import Settings


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "serve",
        help="run the directory's HTTP service",
        description="Run the HTTP service. Flags override THINGREG_* environment variables.",
    )
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default 8080)")
    add_database_options(parser)
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the server's dependencies would slow every other command's start.
    import uvicorn  # noqa: PLC0415

    from thingreg.app import create_app  # noqa: PLC0415

    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        db=args.db,
        log_level=args.log_level,
    )
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.log_level == "debug",
        proxy_headers=False,
    )
    return 0
