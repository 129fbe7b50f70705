"""The in-process event bus that fans committed changes out to live subscribers.

Publishing never waits: each subscriber has a bounded queue, and a subscriber that falls behind
is marked *overflowed* and dropped instead of slowing writers or growing memory. Because every
event is also in the store, a dropped subscriber loses nothing: it reconnects with
``Last-Event-ID`` and the missed events are replayed from there.

Where the bus's events come from depends on the store. When this process is the database's
only writer (SQLite), the directory publishes the event of each of its writes. When several
processes share the database (PostgreSQL), an :class:`EventRelay` publishes instead: woken by
the store, it reads the event log after the last event it published, so the bus carries every
process's events, in id order, each once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager

from thingreg.store.base import Event, Store

log = logging.getLogger(__name__)

_PAGE = 500
_RETRY_AFTER = 1.0


class Subscription:
    """One subscriber's bounded queue of events."""

    def __init__(self, size: int) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=size)
        self.overflowed = False

    def offer(self, event: Event) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True


class EventBus:
    """Fan-out of committed events to the subscriptions of this process."""

    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._subscriptions: set[Subscription] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    def publish(self, event: Event) -> None:
        for subscription in tuple(self._subscriptions):
            subscription.offer(event)

    @contextmanager
    def subscribe(self) -> Iterator[Subscription]:
        subscription = Subscription(self.queue_size)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)


class EventRelay:
    """Publishes the store's event log on the bus, for stores other processes write to too.

    Made by :meth:`start` with its position at the newest event, before the service takes
    requests: every subscriber then starts at or after it, so whatever the relay publishes from
    there on leaves no subscriber a gap.
    """

    def __init__(
        self, store: Store, bus: EventBus, signals: AsyncGenerator[None, None], last: int
    ) -> None:
        self.store = store
        self.bus = bus
        self.last = last
        """The id of the newest event published (or skipped while nobody listened)."""
        self._signals = signals
        self._task = asyncio.create_task(self._run(), name="event-relay")

    @classmethod
    async def start(cls, store: Store, bus: EventBus) -> EventRelay | None:
        """A running relay, or ``None`` when the store's own writes are all its events."""
        signals = store.event_signals()
        if signals is None:
            return None
        return cls(store, bus, signals, await store.last_event_id())

    async def stop(self) -> None:
        # Cancel until it is done: a wait inside a library may swallow one cancellation.
        while not self._task.done():
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=1)
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        async with contextlib.aclosing(self._signals) as signals:
            async for _ in signals:
                while True:
                    try:
                        await self._catch_up()
                        break
                    except Exception as exc:  # the database is away: nothing is lost meanwhile
                        log.warning(
                            "reading the event log failed (again in %ss): %s", _RETRY_AFTER, exc
                        )
                        await asyncio.sleep(_RETRY_AFTER)

    async def _catch_up(self) -> None:
        """Publish every event after :attr:`last`, in pages, oldest first."""
        if not self.bus.subscriber_count:
            # Nobody listens: move to the newest id without reading the events themselves. A
            # subscriber arriving meanwhile may have started from an older id: the second look
            # sees it, and the events are then read and published after all.
            newest = await self.store.last_event_id()
            if not self.bus.subscriber_count:
                self.last = max(self.last, newest)
                return
        while True:
            batch = await self.store.events_after(self.last, _PAGE)
            for event in batch:
                self.bus.publish(event)
                self.last = event.id
            if len(batch) < _PAGE:
                return
