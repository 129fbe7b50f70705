"""WAL checkpoints off the writer's path.

In WAL mode with ``synchronous = NORMAL`` a commit only appends to the log; the database file
is written and synced when the log is checkpointed. SQLite does that by default inside the
commit that crosses 1,000 log pages, so the single writer thread — the serial stage of every
create — regularly stops to copy pages and wait for ``fsync``. Measured on 20,000 creates, that
wait was about a third of the writer's wall time (bench/README.md). Here a second connection
on its own thread runs passive checkpoints after commits instead (a passive checkpoint never
blocks the writer or readers), and the writer's automatic checkpoint is only a backstop for
the case where this one falls behind.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

BACKSTOP_PAGES = 16_384
"""The writer checkpoints by itself only past this many log pages (64 MiB of 4 KiB pages)."""


class Checkpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection, at most every
    ``interval`` seconds, whenever the writer says it committed something."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], interval: float = 0.1) -> None:
        self._connect = connect
        self._interval = interval
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="thingreg-sqlite-checkpoint")
        self._conn: sqlite3.Connection | None = None
        self._running: asyncio.Future[None] | None = None
        self._last = 0.0

    def nudge(self) -> None:
        """Called after each commit: start a checkpoint unless one runs or ran just now."""
        if self._running is not None and not self._running.done():
            return
        now = time.monotonic()
        if now - self._last < self._interval:
            return
        self._last = now
        self._running = asyncio.get_running_loop().run_in_executor(self._thread, self._run)

    def _run(self) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:
            log.exception("WAL checkpoint failed; the writer's backstop still bounds the log")

    async def close(self) -> None:
        """Wait for a running checkpoint, then close the connection and the thread."""
        if self._running is not None:
            await asyncio.gather(self._running, return_exceptions=True)
        loop = asyncio.get_running_loop()
        if self._conn is not None:
            await loop.run_in_executor(self._thread, self._conn.close)
            self._conn = None
        self._thread.shutdown(wait=True)
