"""The event relay: the bus of one process carries every process's events, in order, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.store.test_contract import create, postgres_or_skip, record
from thingreg.core.events import EventBus, EventRelay
from thingreg.store.base import Event
from thingreg.store.postgres import PostgresStore
from thingreg.store.sqlite import SQLiteStore


@pytest.fixture
async def pair() -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two stores on one fresh PostgreSQL schema, as two processes would have."""
    with postgres_or_skip() as url:
        # A long poll: events must arrive by notification (or this process's own commits).
        first, second = PostgresStore(url, event_poll=60), PostgresStore(url, event_poll=60)
        await first.open()
        await second.open()
        yield first, second
        await first.close()
        await second.close()


async def _collect(queue: asyncio.Queue[Event], count: int, timeout: float = 10) -> list[Event]:
    return [await asyncio.wait_for(queue.get(), timeout) for _ in range(count)]


async def test_every_process_events_in_id_order_once(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    here, there = pair
    bus = EventBus(10_000)
    relay = await EventRelay.start(here, bus)
    assert relay is not None
    try:
        with bus.subscribe() as subscription:
            written = await asyncio.gather(
                *(
                    (here, there)[n % 2].write(f"urn:r:{n % 13}", create(record(f"urn:r:{n % 13}")))
                    for n in range(300)
                )
            )
            received = await _collect(subscription.queue, len(written))
            assert [e.id for e in received] == sorted(e.id for e in written)
            assert [e.id for e in received] == list(range(1, 301))
            assert {e.thing_id for e in received} == {f"urn:r:{n}" for n in range(13)}
            with pytest.raises(TimeoutError):  # nothing twice
                await asyncio.wait_for(subscription.queue.get(), 0.5)
    finally:
        await relay.stop()


async def test_a_slow_subscriber_overflows_alone(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    here, there = pair
    bus = EventBus(4)
    relay = await EventRelay.start(here, bus)
    assert relay is not None
    try:
        with bus.subscribe() as slow, bus.subscribe() as keen:
            for n in range(10):
                await there.write(f"urn:s:{n}", create(record(f"urn:s:{n}")))
                await asyncio.wait_for(keen.queue.get(), 5)
            assert slow.overflowed and slow.queue.qsize() == 4
            assert not keen.overflowed
    finally:
        await relay.stop()


async def test_without_subscribers_the_relay_only_keeps_up(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    here, there = pair
    bus = EventBus(100)
    relay = await EventRelay.start(here, bus)
    assert relay is not None
    try:
        for n in range(3):
            await there.write(f"urn:q:{n}", create(record(f"urn:q:{n}")))
        for _ in range(100):
            if relay.last == 3:
                break
            await asyncio.sleep(0.02)
        assert relay.last == 3
        with bus.subscribe() as subscription:
            event = await there.write("urn:q:3", create(record("urn:q:3")))
            assert await _collect(subscription.queue, 1) == [event]
    finally:
        await relay.stop()


async def test_a_single_process_store_needs_no_relay(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "one.db")
    await store.open()
    try:
        assert await EventRelay.start(store, EventBus()) is None
    finally:
        await store.close()
