"""The storage contract: every backend must pass this same suite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from thingreg.core.errors import NotFound
from thingreg.store import open_store
from thingreg.store.base import Decide, Mutation, Store, ThingFilter, ThingRecord


@pytest.fixture(params=["sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    backend = open_store(f"sqlite:///{tmp_path / 'contract.db'}")
    await backend.open()
    yield backend
    await backend.close()


def record(
    thing_id: str, title: str = "t", types: tuple[str, ...] = (), expires: str | None = None
) -> ThingRecord:
    body = b'{"id":"%s","title":"%s"}' % (thing_id.encode(), title.encode())
    return ThingRecord(
        id=thing_id,
        body=body,
        title=title,
        types=types,
        created="2026-01-01T00:00:00.000Z",
        modified="2026-01-01T00:00:00.000Z",
        expires=expires,
    )


def create(rec: ThingRecord) -> Decide:
    def decide(current: ThingRecord | None) -> Mutation:
        return Mutation(rec, "thing_created" if current is None else "thing_updated")

    return decide


async def ids(
    store: Store,
    *,
    offset: int = 0,
    limit: int | None = None,
    where: ThingFilter | None = None,
    chunk_size: int = 500,
) -> list[str]:
    scan = store.scan(offset=offset, limit=limit, where=where, chunk_size=chunk_size)
    return [r.id async for chunk in scan for r in chunk]


async def test_write_get_and_events(store: Store) -> None:
    event = await store.write("urn:a", create(record("urn:a")))
    assert event.type == "thing_created"
    assert event.id == await store.last_event_id()
    got = await store.get("urn:a")
    assert got is not None and got.body == record("urn:a").body
    assert await store.get("urn:b") is None
    assert await store.count() == 1


async def test_decide_error_aborts_only_that_write(store: Store) -> None:
    def fail(current: ThingRecord | None) -> Mutation:
        raise NotFound("nope")

    results = await asyncio.gather(
        store.write("urn:a", create(record("urn:a"))),
        store.write("urn:b", fail),
        store.write("urn:c", create(record("urn:c"))),
        return_exceptions=True,
    )
    assert isinstance(results[1], NotFound)
    assert await ids(store) == ["urn:a", "urn:c"]
    events = await store.events_after(0, 10)
    assert [e.thing_id for e in events] == ["urn:a", "urn:c"]


async def test_scan_order_offset_limit_and_chunks(store: Store) -> None:
    names = [f"urn:x:{i:03d}" for i in range(50)] + ["urn:x:Z", "urn:x:a", "urn:x:é"]
    await asyncio.gather(*(store.write(n, create(record(n))) for n in names))
    assert await ids(store, chunk_size=7) == sorted(names)
    assert await ids(store, offset=10, limit=5, chunk_size=2) == sorted(names)[10:15]
    assert await ids(store, offset=1000) == []


async def test_scan_filters(store: Store) -> None:
    await store.write("urn:1", create(record("urn:1", "lamp", ("saref:Actuator",))))
    await store.write("urn:2", create(record("urn:2", "sensor", ("saref:Sensor", "x"))))
    await store.write("urn:3", create(record("urn:3", "lamp")))
    assert await ids(store, where=ThingFilter(titles=frozenset({"lamp"}))) == ["urn:1", "urn:3"]
    assert await ids(store, where=ThingFilter(types=frozenset({"saref:Sensor"}))) == ["urn:2"]
    both = ThingFilter(titles=frozenset({"lamp"}), types=frozenset({"saref:Actuator"}))
    assert await ids(store, where=both) == ["urn:1"]
    assert await ids(store, where=ThingFilter(ids=frozenset({"urn:3", "urn:9"}))) == ["urn:3"]
    assert await ids(store, where=ThingFilter(texts=frozenset({'"lamp"'}))) == ["urn:1", "urn:3"]
    texts = frozenset({'"lamp"', '"urn:3"'})
    assert await ids(store, where=ThingFilter(texts=texts)) == ["urn:3"]


async def test_update_replaces_types(store: Store) -> None:
    await store.write("urn:1", create(record("urn:1", types=("a",))))
    await store.write("urn:1", create(record("urn:1", types=("b",))))
    assert await ids(store, where=ThingFilter(types=frozenset({"a"}))) == []
    assert await ids(store, where=ThingFilter(types=frozenset({"b"}))) == ["urn:1"]


async def test_delete_and_counters(store: Store) -> None:
    await store.write("urn:1", create(record("urn:1")))
    version = await store.collection_version()
    await store.write("urn:1", create(record("urn:1", "renamed")))
    assert await store.collection_version() == version
    await store.write("urn:1", lambda current: Mutation(None, "thing_deleted"))
    assert await store.count() == 0
    assert await store.collection_version() > version
    assert await store.get("urn:1") is None


async def test_expired_ids(store: Store) -> None:
    await store.write("urn:old", create(record("urn:old", expires="2000-01-01T00:00:00.000Z")))
    await store.write("urn:new", create(record("urn:new", expires="2999-01-01T00:00:00.000Z")))
    await store.write("urn:none", create(record("urn:none")))
    assert await store.expired_ids("2026-01-01T00:00:00.000Z", 10) == ["urn:old"]


async def test_events_replay_and_trim(store: Store) -> None:
    for n in range(20):
        await store.write(f"urn:{n}", create(record(f"urn:{n}")))
    events = await store.events_after(0, 100)
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert len(await store.events_after(events[4].id, 100)) == 15
    await store.trim_events(5)
    kept = await store.events_after(0, 100)
    assert [e.id for e in kept] == [e.id for e in events[-5:]]


async def test_reopen_keeps_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reopen.db'}"
    first = open_store(url)
    await first.open()
    await first.write("urn:1", create(record("urn:1")))
    await first.close()
    second = open_store(url)
    await second.open()
    assert (await second.get("urn:1")) is not None
    await second.close()
