"""``thingreg import [FILE]`` and ``thingreg export [FILE]``: bulk loading, on the database.

Both work on the database directly (the data directory or ``--db``, as ``thingreg serve``
finds it), with or without a running server. ``import`` reads NDJSON or one JSON array, from a
file or stdin, streamed; it prints each rejected TD (line and reason) on stderr as its batch is
committed, a progress bar when stderr is a terminal, and a summary on stdout; the exit code is
1 when any TD was rejected. ``export`` writes every thing as NDJSON, in id order.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from thingreg.config import Settings
from thingreg.core.bulk import DEFAULT_BATCH, Importer, Rejection, Tally, export_ndjson
from thingreg.core.bulk_input import TDSplitter
from thingreg.core.directory import Directory
from thingreg.core.events import EventBus
from thingreg.store import open_store

_READ_BYTES = 1 << 20


def register(commands: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="data directory (default ./thingreg-data)")
    common.add_argument("--db", help="database URL, e.g. sqlite:///path/to/file.db")
    importing: argparse.ArgumentParser = commands.add_parser(
        "import",
        parents=[common],
        help="load Thing Descriptions from NDJSON or a JSON array",
        description="Validate and store TDs (each with its id) from FILE or stdin: NDJSON, one "
        "TD per line, or one JSON array. A TD stored before is left unchanged, so importing "
        "twice, or again after an interruption, is safe. Exit code 0 when every TD was stored, "
        "1 when any was rejected (each is printed on stderr with its line), 2 on errors.",
    )
    importing.add_argument("file", nargs="?", default="-", metavar="FILE", help="file, or - ")
    importing.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH,
        help=f"TDs committed per transaction (default {DEFAULT_BATCH})",
    )
    importing.add_argument(
        "--max-td-bytes",
        type=int,
        help="longest TD accepted (default THINGREG_MAX_BODY_BYTES)",
    )
    importing.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print a line on stderr after each committed batch",
    )
    importing.set_defaults(run=run_import)
    exporting: argparse.ArgumentParser = commands.add_parser(
        "export",
        parents=[common],
        help="write every Thing Description as NDJSON",
        description="Write every thing, in id order, to FILE or stdout as NDJSON: one enriched "
        "TD (with its registration information) per line, ready for thingreg import.",
    )
    exporting.add_argument("file", nargs="?", default="-", metavar="FILE", help="file, or -")
    exporting.set_defaults(run=run_export)


class _Progress:
    """A one-line progress bar on a terminal, redrawn at most five times a second."""

    def __init__(self, stream: IO[str], total_bytes: int | None) -> None:
        self.stream = stream
        self.total_bytes = total_bytes
        self.read_bytes = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def draw(self, tally: Tally, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < 0.2:
            return
        self._drawn = now
        rate = tally.things / max(now - self.started, 1e-9)
        counts = (
            f"{tally.things:,} TDs, {tally.created:,} created, {tally.updated:,} updated, "
            f"{tally.unchanged:,} unchanged, {tally.rejected:,} rejected, {rate:,.0f}/s"
        )
        if self.total_bytes:
            share = min(self.read_bytes / self.total_bytes, 1.0)
            filled = int(share * 24)
            counts = f"{share:4.0%} [{'#' * filled}{'.' * (24 - filled)}] {counts}"
        self.stream.write("\r" + counts + "\x1b[K")
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\x1b[K")


def run_import(args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise ValueError("--batch-size must be at least 1")
    settings = Settings.from_env(data_dir=args.data_dir, db=args.db)
    max_bytes = args.max_td_bytes or settings.max_body_bytes
    name = "<stdin>" if args.file == "-" else args.file
    source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    try:
        total = os.fstat(source.fileno()).st_size if args.file != "-" else None
        progress = _Progress(sys.stderr, total) if sys.stderr.isatty() else None
        started = time.monotonic()
        tally = asyncio.run(_import(settings.database_url, source, max_bytes, args, progress))
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    seconds = time.monotonic() - started
    sys.stdout.write(
        f"imported {name}: {tally.created} created, {tally.updated} updated, "
        f"{tally.unchanged} unchanged, {tally.rejected} rejected "
        f"({tally.things} TDs in {seconds:.1f} s, {tally.things / max(seconds, 1e-9):,.0f}/s)\n"
    )
    return 1 if tally.rejected else 0


async def _import(
    url: str,
    source: IO[bytes],
    max_bytes: int,
    args: argparse.Namespace,
    progress: _Progress | None,
) -> Tally:
    def committed(tally: Tally, rejections: list[Rejection]) -> None:
        if progress is not None and (rejections or args.verbose):
            progress.clear()
        for rejection in rejections:
            sys.stderr.write(f"rejected: {rejection.describe()}\n")
        if args.verbose:
            sys.stderr.write(
                f"committed through line {tally.last_line}: {tally.created} created, "
                f"{tally.updated} updated, {tally.unchanged} unchanged, "
                f"{tally.rejected} rejected\n"
            )
        if progress is not None:
            progress.draw(tally, force=bool(rejections))
        sys.stderr.flush()

    store = open_store(url)
    await store.open()
    try:
        importer = Importer(
            Directory(store, EventBus()), batch_size=args.batch_size, on_commit=committed
        )
        splitter = TDSplitter(max_bytes)
        while chunk := source.read(_READ_BYTES):
            if progress is not None:
                progress.read_bytes += len(chunk)
            for item in splitter.feed(chunk):
                await importer.add(item.line, item.raw, item.error)
        for item in splitter.end():
            await importer.add(item.line, item.raw, item.error)
        tally = await importer.finish()
        if progress is not None:
            progress.draw(tally, force=True)
            sys.stderr.write("\n")
        return tally
    finally:
        await store.close()


def run_export(args: argparse.Namespace) -> int:
    settings = Settings.from_env(data_dir=args.data_dir, db=args.db)
    target = sys.stdout.buffer if args.file == "-" else open(args.file, "wb")  # noqa: SIM115
    try:
        count = asyncio.run(_export(settings.database_url, target))
    finally:
        if target is not sys.stdout.buffer:
            target.close()
    if args.file != "-":
        sys.stderr.write(f"exported {count} things to {args.file}\n")
    return 0


async def _export(url: str, target: IO[bytes]) -> int:
    store = open_store(url)
    await store.open()
    count = 0
    try:
        async for chunk in export_ndjson(Directory(store, EventBus())):
            target.write(chunk)
            count += chunk.count(b"\n")
        target.flush()
    finally:
        await store.close()
    return count
