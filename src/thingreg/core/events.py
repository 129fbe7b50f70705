"""The in-process event bus that fans committed changes out to live subscribers.

Publishing never waits: each subscriber has a bounded queue, and a subscriber that falls behind
is marked *overflowed* and dropped instead of slowing writers or growing memory. Because every
event is also in the store, a dropped subscriber loses nothing: it reconnects with
``Last-Event-ID`` and the missed events are replayed from there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from thingreg.store.base import Event


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
