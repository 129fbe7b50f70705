"""``Store.write_many`` on both backends: order, identifier uniqueness, events, failures."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from tests.store.test_contract import create, ids, other, record, store, store_url
from thingreg.core.errors import Conflict, NotFound
from thingreg.store.base import (
    Access,
    Alias,
    Audience,
    Event,
    Mutation,
    Store,
    ThingFilter,
    ThingRecord,
    Unchanged,
)
from thingreg.store.sqlite import SQLiteStore

__all__ = ["other", "store", "store_url"]  # the fixtures, shared with the contract suite


def unchanged(current: ThingRecord | None) -> Mutation:
    raise Unchanged


def missing(current: ThingRecord | None) -> Mutation:
    raise NotFound("nope")


async def test_creates_updates_and_events_in_order(store: Store) -> None:
    await store.write("urn:b", create(record("urn:b", "old", ("x",))))
    before = await store.last_event_id()
    outcomes = await store.write_many(
        [
            ("urn:c", create(record("urn:c", types=("saref:Meter", "y")))),
            ("urn:b", create(record("urn:b", "new", ("y",)))),
            ("urn:a", create(record("urn:a"))),
        ]
    )
    assert all(isinstance(o, Event) for o in outcomes)
    events = [o for o in outcomes if isinstance(o, Event)]
    assert [(e.thing_id, e.type) for e in events] == [
        ("urn:c", "thing_created"),
        ("urn:b", "thing_updated"),
        ("urn:a", "thing_created"),
    ]
    assert [e.id for e in events] == [before + 1, before + 2, before + 3]
    assert await store.events_after(before, 10) == events
    assert await store.count() == 3
    assert await ids(store, where=ThingFilter(types=frozenset({"y"}))) == ["urn:b", "urn:c"]
    assert await ids(store, where=ThingFilter(types=frozenset({"x"}))) == []
    got = await store.get("urn:b")
    assert got is not None and got.title == "new"


async def test_failures_stay_with_their_write(store: Store) -> None:
    await store.write("urn:held", create(record("urn:held", aliases=(Alias("tel:+1", "tel"),))))
    version = await store.collection_version()
    outcomes = await store.write_many(
        [
            ("urn:1", create(record("urn:1"))),
            ("urn:2", missing),
            ("urn:held", unchanged),
            ("urn:3", create(record("urn:3", aliases=(Alias("tel:+1", "tel"),)))),
            ("urn:4", create(record("urn:4"))),
        ]
    )
    assert isinstance(outcomes[1], NotFound)
    assert isinstance(outcomes[2], Unchanged)
    assert isinstance(outcomes[3], Conflict)
    assert [o.thing_id for o in outcomes if isinstance(o, Event)] == ["urn:1", "urn:4"]
    assert await ids(store) == ["urn:1", "urn:4", "urn:held"]
    assert await store.find_alias("tel:+1") == "urn:held"
    assert await store.collection_version() == version + 2
    assert await store.count() == 3


async def test_aliases_claimed_in_order(store: Store) -> None:
    phone = (Alias("tel:+2", "tel"),)
    await store.write("urn:old", create(record("urn:old", aliases=phone)))
    outcomes = await store.write_many(
        [
            ("urn:first", create(record("urn:first", aliases=(Alias("tel:+3", "tel"),)))),
            ("urn:second", create(record("urn:second", aliases=(Alias("tel:+3", "tel"),)))),
            ("urn:old", create(record("urn:old"))),  # releases tel:+2 ...
            ("urn:new", create(record("urn:new", aliases=phone))),  # ... which this one takes
        ]
    )
    assert isinstance(outcomes[1], Conflict)
    assert all(isinstance(outcomes[i], Event) for i in (0, 2, 3))
    assert await store.find_alias("tel:+3") == "urn:first"
    assert await store.find_alias("tel:+2") == "urn:new"


async def test_deletes(store: Store) -> None:
    await store.write("urn:1", create(record("urn:1", aliases=(Alias("tel:+4", "tel"),))))
    outcomes = await store.write_many(
        [
            ("urn:1", lambda current: Mutation(None, "thing_deleted")),
            ("urn:2", create(record("urn:2", aliases=(Alias("tel:+4", "tel"),)))),
        ]
    )
    assert [o.type for o in outcomes if isinstance(o, Event)] == ["thing_deleted", "thing_created"]
    assert await ids(store) == ["urn:2"]
    assert await store.find_alias("tel:+4") == "urn:2"


async def test_one_write_per_thing(store: Store) -> None:
    with pytest.raises(ValueError, match="one write per thing"):
        await store.write_many([("urn:1", create(record("urn:1")))] * 2)
    assert await store.count() == 0


async def test_concurrent_bulk_writes_of_one_alias(store: Store, other: Store) -> None:
    """Two processes loading different things with the same identifier: exactly one wins."""
    phone = (Alias("tel:+5", "tel"),)
    results = await asyncio.gather(
        store.write_many([(f"urn:p{n}", create(record(f"urn:p{n}", aliases=phone))) for n in [1]]),
        other.write_many([(f"urn:p{n}", create(record(f"urn:p{n}", aliases=phone))) for n in [2]]),
    )
    outcomes = [o for batch in results for o in batch]
    assert sum(isinstance(o, Event) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1
    assert await store.count() == 1


async def test_concurrent_bulk_creates_of_one_thing(store: Store, other: Store) -> None:
    """The loser of a race to create the same thing updates it instead."""
    results = await asyncio.gather(
        store.write_many([("urn:same", create(record("urn:same", "one")))]),
        other.write_many([("urn:same", create(record("urn:same", "two")))]),
    )
    types = sorted(o.type for batch in results for o in batch if isinstance(o, Event))
    assert types == ["thing_created", "thing_updated"]
    assert await store.count() == 1


async def test_access_audit_and_own_id(store: Store) -> None:
    """As single writes: records keep their access, events carry it, each write is audited,
    and a thing's own id (one of its identifiers) stays unique across things."""
    await store.write(
        "urn:single", create(record("urn:single", aliases=(Alias("urn:single", "urn"),)))
    )
    head, _ = await store.audit_head()
    shared = Access("alice", "shared", ("bob",))
    own = dataclasses.replace(
        record("urn:own", aliases=(Alias("urn:own", "urn"), Alias("tel:+2", "tel"))),
        access=shared,
    )
    outcomes = await store.write_many(
        [
            ("urn:own", lambda current: Mutation(own, "thing_created", actor="importer")),
            ("urn:thief", create(record("urn:thief", aliases=(Alias("urn:single", "urn"),)))),
            ("urn:late", create(record("urn:late", aliases=(Alias("urn:own", "urn"),)))),
        ]
    )
    event = outcomes[0]
    assert isinstance(event, Event) and event.access == shared
    assert isinstance(outcomes[1], Conflict) and isinstance(outcomes[2], Conflict)
    got = await store.get("urn:own")
    assert got is not None and got.access == shared and got.aliases == own.aliases
    assert await store.find_alias("urn:own") == "urn:own"
    assert await store.find_alias("tel:+2") == "urn:own"
    if isinstance(store, SQLiteStore):  # the own id is held by `things` alone, as on `write`
        rows = store._loop_conn().execute("SELECT alias FROM aliases ORDER BY alias").fetchall()
        assert [row[0] for row in rows] == ["tel:+2"]
    assert await ids(store, where=ThingFilter(audience=Audience("bob"))) == ["urn:own"]
    assert await ids(store, where=ThingFilter(audience=Audience("carol"))) == []
    (entry,) = await store.audit_entries(after=head)
    assert (entry.actor, entry.action, entry.subject, entry.owner) == (
        "importer",
        "thing_created",
        "urn:own",
        "alice",
    )
    # The own id is taken for single writes too, and its release in a batch frees it.
    with pytest.raises(Conflict):
        await store.write("urn:x", create(record("urn:x", aliases=(Alias("urn:own", "urn"),))))
    outcomes = await store.write_many(
        [
            ("urn:own", lambda current: Mutation(None, "thing_deleted")),
            ("urn:heir", create(record("urn:heir", aliases=(Alias("urn:own", "urn"),)))),
        ]
    )
    assert all(isinstance(o, Event) for o in outcomes)
    assert await store.find_alias("urn:own") == "urn:heir"
