"""What several processes on one PostgreSQL database coordinate through.

*Event wake-ups.* Each write batch sends ``NOTIFY`` on the schema's channel in its transaction,
so the notification is delivered at commit, to every process listening. A process listens on a
connection of its own (outside the pool, which resets nothing and must not carry a ``LISTEN``)
and treats a notification only as a wake-up: what changed is read from the event log, after
the last event it delivered. So a lost notification costs latency, not events: the listener
also wakes every few seconds, checks its connection, and reconnects when it is gone, waking once
more after ``LISTEN`` so that whatever was committed meanwhile is read.

*Maintenance.* The expiry purge and the trimming of the event log need to run in one process at
a time: a round takes a session-level advisory lock, without waiting, on a connection opened for
that round; closing the connection releases it whatever happened during the round.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import asyncpg

from thingreg.core.errors import StoreUnavailable

log = logging.getLogger(__name__)

EVENT_POLL = 2.0
"""Seconds a listener waits for a notification before it checks its connection and wakes."""

_CONNECT_TIMEOUT = 10.0
_MAX_BACKOFF = 5.0


def channel_for(schema: str) -> str:
    """The notification channel of a schema: databases are shared, schemas are not."""
    name = f"thingreg_events:{schema}"
    if len(name.encode()) <= 63:  # longer identifiers are truncated by the server
        return name
    return "thingreg_events:" + hashlib.sha256(schema.encode()).hexdigest()[:32]


def listener_name(schema: str) -> str:
    """The ``application_name`` of a schema's listener connections (``pg_stat_activity``)."""
    return f"thingreg events {schema}"[:63]


def maintenance_key(schema: str) -> str:
    """The text whose hash is the advisory lock key of a schema's maintenance."""
    return f"thingreg maintenance {schema}"


class Wakeups:
    """The wake-up flags of a store's listeners; its writer raises them all on each commit,
    so this process's own writes are relayed without waiting for their notification."""

    def __init__(self) -> None:
        self._flags: set[asyncio.Event] = set()

    def raise_all(self) -> None:
        for flag in self._flags:
            flag.set()

    async def listen(
        self, url: str, schema: str, poll: float = EVENT_POLL
    ) -> AsyncGenerator[None, None]:
        """See :meth:`thingreg.store.base.Store.event_signals`."""
        flag = asyncio.Event()
        self._flags.add(flag)
        backoff = 0.1
        try:
            while True:
                conn = await _listening(url, schema, flag)
                if conn is None:  # the pool may still work: read anyway, then try again
                    yield
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, _MAX_BACKOFF)
                    continue
                backoff = 0.1
                try:
                    yield  # LISTEN is active: what was committed before it is in the log
                    while await _wait(conn, flag, poll):
                        flag.clear()
                        yield
                finally:
                    conn.terminate()
                log.warning("event listener connection lost; reconnecting")
        finally:
            self._flags.discard(flag)


async def _listening(url: str, schema: str, flag: asyncio.Event) -> Any:
    """A new connection listening on the schema's channel that raises ``flag`` on each
    notification or when it is lost; ``None`` when the server cannot be reached."""

    def notified(*_: object) -> None:
        flag.set()

    try:
        conn = await asyncpg.connect(
            url,
            timeout=_CONNECT_TIMEOUT,
            server_settings={"application_name": listener_name(schema)},
        )
    except (OSError, asyncpg.PostgresError) as exc:
        log.warning("cannot open the event listener connection: %s", exc)
        return None
    try:
        conn.add_termination_listener(notified)
        await conn.add_listener(channel_for(schema), notified)
    except (OSError, asyncpg.PostgresError) as exc:
        conn.terminate()
        log.warning("cannot LISTEN for events: %s", exc)
        return None
    return conn


async def _wait(conn: Any, flag: asyncio.Event, poll: float) -> bool:
    """Wait for a wake-up or ``poll`` seconds; ``False`` when the connection is gone.

    ``asyncio.timeout`` rather than ``wait_for``: on Python 3.11 the latter can swallow a
    cancellation that arrives as the wait ends, and the relay would then never stop.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(poll):
            await flag.wait()
        return not conn.is_closed()
    # Quiet for a while: make sure the connection still lives (a dead peer sends nothing).
    try:
        async with asyncio.timeout(poll):
            await conn.execute("SELECT 1")
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
    return not conn.is_closed()


@contextlib.asynccontextmanager
async def maintenance_lock(url: str, schema: str) -> AsyncIterator[bool]:
    """See :meth:`thingreg.store.base.Store.maintenance_lock`."""
    try:
        conn = await asyncpg.connect(
            url,
            timeout=_CONNECT_TIMEOUT,
            server_settings={"application_name": "thingreg maintenance"},
        )
    except (OSError, asyncpg.PostgresError) as exc:
        raise StoreUnavailable(f"cannot connect for maintenance: {exc}") from exc
    try:
        granted = await conn.fetchval(
            "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", maintenance_key(schema)
        )
        yield bool(granted)
    finally:
        # The session ends, and the lock with it; terminate if even a polite close fails.
        try:
            await conn.close(timeout=5)
        except BaseException:
            conn.terminate()
            raise
