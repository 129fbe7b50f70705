"""``thingreg import [FILE]`` and ``thingreg export [FILE]``: bulk loading, on the database.

Both work on the database directly (the data directory or ``--db``, as ``thingreg serve``
finds it), with or without a running server. ``import`` reads NDJSON or one JSON array, from a
file or stdin, streamed; it prints each rejected TD (line and reason) on stderr as its batch is
committed, a progress bar when stderr is a terminal, and a summary on stdout; the exit code is
1 when any TD was rejected. New things belong to ``--owner`` (default: the administrator's
``admin`` owner when it exists, else no owner) and are private, as with ``PUT``; things that
exist keep their owner and access; the audit log names the writer "operator (thingreg CLI)".
``export`` writes every thing as NDJSON, in id order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import IO, Any

from thingreg.config import Settings
from thingreg.core.access.keys import ADMIN_OWNER, CLI
from thingreg.core.access.principal import SYSTEM
from thingreg.core.bulk import (
    DEFAULT_BATCH,
    Importer,
    Rejection,
    Tally,
    export_ndjson,
    prepare_items,
)
from thingreg.core.bulk_input import Item, TDSplitter
from thingreg.core.directory import Directory
from thingreg.core.events import EventBus
from thingreg.store import open_store
from thingreg.store.base import ThingRecord

_READ_BYTES = 1 << 20
_CHUNK_ITEMS = 250


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
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes parsing and validating TDs (default: one per CPU; 1: none)",
    )
    importing.add_argument(
        "--owner",
        help=f"the owner new things belong to (default: {ADMIN_OWNER!r}, the administrator's "
        "owner, when it exists; otherwise no owner, so only administrators see them)",
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
    pool = _worker_pool(args.workers)
    try:
        total = os.fstat(source.fileno()).st_size if args.file != "-" else None
        progress = _Progress(sys.stderr, total) if sys.stderr.isatty() else None
        started = time.monotonic()
        tally = asyncio.run(
            _import(settings, source, max_bytes=max_bytes, args=args, progress=progress, pool=pool)
        )
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
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
    settings: Settings,
    source: IO[bytes],
    *,
    max_bytes: int,
    args: argparse.Namespace,
    progress: _Progress | None,
    pool: ProcessPoolExecutor | None,
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

    store = open_store(settings.database_url)
    await store.open()
    try:
        owner = args.owner
        if owner is None and await store.owner(ADMIN_OWNER) is not None:
            owner = ADMIN_OWNER
        importer = Importer(
            Directory(
                store,
                EventBus(),
                default_visibility="public" if settings.default_visibility == "public" else "owner",
            ),
            SYSTEM,
            owner=owner,
            actor=CLI,
            batch_size=args.batch_size,
            on_commit=committed,
            keep_events=settings.event_retention,
        )
        await _feed(
            importer,
            source,
            splitter=TDSplitter(max_bytes),
            progress=progress,
            pool=pool,
            workers=args.workers,
        )
        tally = await importer.finish()
        if progress is not None:
            progress.draw(tally, force=True)
            sys.stderr.write("\n")
        return tally
    finally:
        await store.close()


def _items(source: IO[bytes], splitter: TDSplitter, progress: _Progress | None) -> Iterator[Item]:
    while chunk := source.read(_READ_BYTES):
        if progress is not None:
            progress.read_bytes += len(chunk)
        yield from splitter.feed(chunk)
    yield from splitter.end()


async def _feed(
    importer: Importer,
    source: IO[bytes],
    *,
    splitter: TDSplitter,
    progress: _Progress | None,
    pool: ProcessPoolExecutor | None,
    workers: int,
) -> None:
    """Hand every TD of ``source`` to the importer, validated here or by worker processes.

    With workers, chunks of TDs are validated in parallel while this process writes; their
    results are taken in input order, at most two chunks per worker ahead of the writer.
    """
    if pool is None:
        for item in _items(source, splitter, progress):
            await importer.add(item.line, item.raw, item.error)
        return
    loop = asyncio.get_running_loop()
    pending: deque[asyncio.Future[list[tuple[int, ThingRecord | Rejection]]]] = deque()

    async def drain(limit: int) -> None:
        while len(pending) > limit:
            for line, prepared in await pending.popleft():
                await importer.add_prepared(line, prepared)

    chunk: list[tuple[int, bytes, str | None]] = []
    for item in _items(source, splitter, progress):
        chunk.append((item.line, item.raw, item.error))
        if len(chunk) == _CHUNK_ITEMS:
            pending.append(loop.run_in_executor(pool, prepare_items, chunk))
            chunk = []
            await drain(2 * workers)
    if chunk:
        pending.append(loop.run_in_executor(pool, prepare_items, chunk))
    await drain(0)


def _worker_pool(workers: int) -> ProcessPoolExecutor | None:
    """Worker processes for validation, started now, while this process has one thread (so
    forking is safe), and tied to it: each dies with it, even when it is killed."""
    if workers <= 1:
        return None
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
    pool.submit(int).result()  # starts every worker (fork pools start them all at once)
    return pool


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when the importer ends (``PR_SET_PDEATHSIG``)."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() != parent:  # the importer is already gone
        os._exit(1)


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
