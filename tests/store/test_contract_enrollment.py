"""The storage contract for fleet onboarding: enrollment groups, block lists, and devices
created together with their credentials. Runs on every backend, as test_contract.py does."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from tests.store.test_contract import credential, record, store, store_url  # noqa: F401
from thingreg.core.errors import Conflict, NotFound
from thingreg.store.base import Decide, EnrollmentGroup, Mutation, Store, ThingRecord

STAMP = "2026-01-01T00:00:00.000Z"


def group(group_id: str, **changes: object) -> EnrollmentGroup:
    base = EnrollmentGroup(group_id, b'{"title":"t"}', True, STAMP, STAMP)
    return replace(base, **changes)  # type: ignore[arg-type]


def with_credentials(rec: ThingRecord, *jkts: str, group_id: str = "g") -> Mutation:
    bound = tuple(credential(rec.id, jkt, group_id=group_id) for jkt in jkts)
    return Mutation(rec, "thing_created", credentials=bound)


async def test_groups_round_trip(store: Store) -> None:  # noqa: F811
    await store.add_enrollment_group(group("b"))
    await store.add_enrollment_group(group("a", enabled=False, body=b"{}"))
    with pytest.raises(Conflict):
        await store.add_enrollment_group(group("a"))
    assert await store.enrollment_group("a") == group("a", enabled=False, body=b"{}")
    assert await store.enrollment_group("c") is None
    assert [g.id for g in await store.enrollment_groups()] == ["a", "b"]
    changed = await store.update_enrollment_group(
        "a", lambda g: replace(g, enabled=True, body=b'{"x":1}', modified="2026-02-01")
    )
    assert await store.enrollment_group("a") == changed
    assert changed.enabled and changed.body == b'{"x":1}'
    with pytest.raises(NotFound):
        await store.update_enrollment_group("c", lambda g: g)
    assert await store.delete_enrollment_group("a")
    assert not await store.delete_enrollment_group("a")
    assert [g.id for g in await store.enrollment_groups()] == ["b"]


async def test_a_thing_created_with_its_credential(store: Store) -> None:  # noqa: F811
    rec = record("urn:dev:1")
    await store.write(rec.id, lambda current: with_credentials(rec, "k1"))
    found = await store.credential_with_thing("k1")
    assert found is not None
    assert found[0].group_id == "g" and found[1].id == "urn:dev:1"


async def test_a_bound_key_fails_the_whole_create(store: Store) -> None:  # noqa: F811
    first, second, third = record("urn:dev:1"), record("urn:dev:2"), record("urn:dev:3")
    await store.write(first.id, lambda current: with_credentials(first, "k1"))
    results = await asyncio.gather(
        store.write(second.id, lambda current: with_credentials(second, "k2", "k1")),
        store.write(third.id, lambda current: with_credentials(third, "k3")),
        return_exceptions=True,
    )
    assert isinstance(results[0], Conflict)
    assert not isinstance(results[1], BaseException)
    assert await store.get("urn:dev:2") is None  # no half-registered device
    assert await store.credential_by_jkt("k2") is None
    assert await store.credential_by_jkt("k3") is not None
    assert [e.thing_id for e in await store.events_after(0, 10)] == ["urn:dev:1", "urn:dev:3"]


async def test_two_creates_wanting_one_key_one_wins(store: Store) -> None:  # noqa: F811
    recs = [record(f"urn:dev:{n}") for n in range(4)]

    def decide(rec: ThingRecord) -> Decide:
        return lambda current: with_credentials(rec, "shared")

    results = await asyncio.gather(
        *(store.write(rec.id, decide(rec)) for rec in recs), return_exceptions=True
    )
    assert sum(not isinstance(result, BaseException) for result in results) == 1
    assert await store.count() == 1


async def test_credentials_are_bound_only_on_create(store: Store) -> None:  # noqa: F811
    rec = record("urn:dev:1")
    await store.write(rec.id, lambda current: with_credentials(rec))
    await store.write(rec.id, lambda current: with_credentials(rec, "k1"))  # an update
    assert await store.credential_by_jkt("k1") is None


async def test_blocking_disables_the_group_credentials(store: Store) -> None:  # noqa: F811
    rec = record("urn:dev:1")
    await store.write(rec.id, lambda current: with_credentials(rec, "k1"))
    await store.add_credential(credential("urn:dev:1", "own"), 16)  # bound by hand: untouched
    assert await store.block_device("g", "urn:dev:1", "2026-03-01T00:00:00.000Z")
    assert not await store.block_device("g", "urn:dev:1", "2026-03-01T00:00:00.000Z")
    assert await store.block_device("g", "urn:dev:9", STAMP)  # not registered yet
    assert await store.is_blocked("g", "urn:dev:1")
    assert not await store.is_blocked("h", "urn:dev:1")
    assert await store.blocked_devices("g") == ["urn:dev:1", "urn:dev:9"]
    states = {c.id: c.state for c in await store.credentials("urn:dev:1")}
    assert states == {"k1": "disabled", "own": "active"}
    assert await store.unblock_device("g", "urn:dev:1", "2026-03-02T00:00:00.000Z")
    assert not await store.unblock_device("g", "urn:dev:1", STAMP)
    assert not await store.is_blocked("g", "urn:dev:1")
    states = {c.id: c.state for c in await store.credentials("urn:dev:1")}
    assert states == {"k1": "active", "own": "active"}


async def test_deleting_a_group_forgets_its_block_list(store: Store) -> None:  # noqa: F811
    await store.add_enrollment_group(group("g"))
    await store.block_device("g", "urn:dev:1", STAMP)
    assert await store.delete_enrollment_group("g")
    assert await store.blocked_devices("g") == []
