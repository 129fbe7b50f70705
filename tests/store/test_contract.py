"""The storage contract: every backend must pass this same suite.

SQLite runs always. PostgreSQL runs on the server at ``THINGREG_TEST_DB`` (a ``postgresql://``
URL), or else at ``postgresql://127.0.0.1/test``, each test in a fresh schema: once as the
migrations create it, once hash-partitioned by docs/partitioning.sql (docs/scaling.md). When
that default server cannot be reached the PostgreSQL runs are skipped, except in CI (``CI`` set).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import TEST_DB, postgres_schema
from thingreg.core.errors import Conflict, NotFound
from thingreg.store import open_store
from thingreg.store.base import (
    Alias,
    Challenge,
    Credential,
    Decide,
    Delegation,
    MqttAccount,
    Mutation,
    SigningKey,
    Store,
    ThingFilter,
    ThingRecord,
)
from thingreg.store.postgres import PostgresStore

POSTGRES_URL = os.environ.get(TEST_DB) or "postgresql://127.0.0.1/test"


PARTITIONING = Path(__file__).resolve().parents[2] / "docs" / "partitioning.sql"


@pytest.fixture(params=["sqlite", "postgresql", "postgresql-partitioned"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of each backend (and of PostgreSQL's partitioned form)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'contract.db'}"
        return
    with postgres_or_skip() as url:
        if request.param == "postgresql-partitioned":
            partition(url)
        yield url


def partition(url: str) -> None:
    """Let the store create its schema at ``url``, then convert it by docs/partitioning.sql."""

    async def run() -> None:
        store = PostgresStore(url)
        await store.open()
        await store.close()
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(PARTITIONING.read_text("utf-8"))
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, run()).result()


@contextlib.contextmanager
def postgres_or_skip() -> Iterator[str]:
    """A fresh schema on the test server, or a skip when the default one cannot be reached."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_schema(POSTGRES_URL))
        except OSError as exc:
            if os.environ.get("CI") or os.environ.get(TEST_DB):
                raise
            pytest.skip(f"PostgreSQL at {POSTGRES_URL} cannot be reached: {exc}")
        yield url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    backend = open_store(store_url)
    await backend.open()
    yield backend
    await backend.close()


@pytest.fixture
async def other(store_url: str, store: Store) -> AsyncIterator[Store]:
    """A second store on the same database, as a second process would have."""
    backend = open_store(store_url)
    await backend.open()
    yield backend
    await backend.close()


def record(
    thing_id: str,
    title: str = "t",
    types: tuple[str, ...] = (),
    expires: str | None = None,
    aliases: tuple[Alias, ...] = (),
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
        aliases=aliases,
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


async def test_free_text_words_ignore_ascii_case(store: Store) -> None:
    await store.write("urn:1", create(record("urn:1", "Kitchen Lamp")))
    await store.write("urn:2", create(record("urn:2", "kitchen sensor")))
    await store.write("urn:3", create(record("urn:3", "Éclair")))

    async def found(*words: str) -> list[str]:
        where = ThingFilter(words=frozenset(words))
        got = await ids(store, where=where)
        assert await store.count(where) == len(got)
        return got

    assert await found("kitchen") == ["urn:1", "urn:2"]
    assert await found("kitchen", "lamp") == ["urn:1"]
    assert await found("urn:3") == ["urn:3"]
    assert await found("éclair") == []  # only ASCII letters are folded, on both backends
    assert await found("Éclair") == ["urn:3"]
    assert await found("nothing") == []
    await store.write("urn:4", create(record("urn:4", "50%_off")))
    assert await found("0%_") == ["urn:4"]
    assert await found("kitchen_") == [] and await found("%") == ["urn:4"]


async def test_stats(store: Store) -> None:
    imei = Alias("imei:1", "imei")
    things = [
        record("urn:1", types=("saref:Sensor",), aliases=(imei, Alias("mac:1", "mac"))),
        record("urn:2", types=("saref:Sensor", "saref:Meter"), aliases=(Alias("imei:2", "imei"),)),
        record("urn:3", types=("saref:Sensor",), expires="2026-01-05T10:00:00.000Z"),
        record("urn:4", expires="2026-01-05T11:00:00.000Z"),
        record("urn:5", expires="2026-01-07T00:00:00.000Z"),
        record("urn:6", expires="2025-12-31T00:00:00.000Z"),  # already past
        replace(record("urn:7"), created="2025-12-30T08:00:00.000Z"),
        replace(record("urn:8"), created="2025-11-01T08:00:00.000Z"),  # before the window
    ]
    for thing in things:
        await store.write(thing.id, create(thing))
    stats = await store.stats(
        since="2025-12-01",
        now="2026-01-02T00:00:00.000Z",
        until="2026-01-06",
        top=2,
    )
    assert stats.things == 8
    assert stats.types == (("saref:Sensor", 3), ("saref:Meter", 1))
    assert stats.schemes == (("imei", 2), ("mac", 1))
    assert stats.created == (("2025-12-30", 1), ("2026-01-01", 6))
    assert stats.expiring == (("2026-01-05", 2),)
    await store.write("urn:1", lambda current: Mutation(None, "thing_deleted"))
    after = await store.stats(since="2026-01-01", now="2026-01-01", until="2027", top=5)
    assert after.things == 7
    assert after.types == (("saref:Sensor", 2), ("saref:Meter", 1))
    assert after.schemes == (("imei", 1),)
    assert after.created == (("2026-01-01", 5),)
    assert after.expiring == (("2026-01-05", 2), ("2026-01-07", 1))


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


async def test_reopen_keeps_data(store_url: str) -> None:
    url = store_url
    first = open_store(url)
    await first.open()
    await first.write("urn:1", create(record("urn:1")))
    await first.close()
    second = open_store(url)
    await second.open()
    assert (await second.get("urn:1")) is not None
    await second.close()


async def test_record_round_trips(store: Store) -> None:
    rec = ThingRecord(
        id="urn:full",
        body='{"id":"urn:full","title":"Lämpchen \\u0000 ☃"}'.encode(),
        title="Lämpchen",
        types=("b", "a", "saref:Sensor"),
        created="2026-01-01T00:00:00.000Z",
        modified="2026-01-02T00:00:00.000Z",
        expires="2027-01-01T00:00:00.000Z",
        ttl=3600.5,
        anonymous=True,
        aliases=(Alias("urn:full", "uri"), Alias("tel:+15551234", "tel")),
    )
    await store.write(rec.id, create(rec))
    assert await store.get(rec.id) == rec
    assert [r async for chunk in store.scan() for r in chunk] == [rec]


async def test_aliases_are_indexed_replaced_and_freed(store: Store) -> None:
    mine = (Alias("urn:1", "uri"), Alias("tel:+1555", "tel"))
    await store.write("urn:1", create(record("urn:1", aliases=mine)))
    assert await store.find_alias("tel:+1555") == "urn:1"
    assert await ids(store, where=ThingFilter(schemes=frozenset({"tel"}))) == ["urn:1"]
    assert await ids(store, where=ThingFilter(aliases=frozenset({"tel:+1555"}))) == ["urn:1"]
    await store.write("urn:1", create(record("urn:1", aliases=(Alias("urn:1", "uri"),))))
    assert await store.find_alias("tel:+1555") is None
    assert await ids(store, where=ThingFilter(schemes=frozenset({"tel"}))) == []
    await store.write("urn:1", lambda current: Mutation(None, "thing_deleted"))
    assert await store.find_alias("urn:1") is None


async def test_alias_conflict_aborts_only_that_write(store: Store) -> None:
    await store.write("urn:1", create(record("urn:1", aliases=(Alias("tel:+1", "tel"),))))
    results = await asyncio.gather(
        store.write("urn:2", create(record("urn:2", aliases=(Alias("urn:2", "uri"),)))),
        store.write("urn:3", create(record("urn:3", aliases=(Alias("tel:+1", "tel"),)))),
        store.write("urn:4", create(record("urn:4"))),
        return_exceptions=True,
    )
    assert isinstance(results[1], Conflict)
    assert await ids(store) == ["urn:1", "urn:2", "urn:4"]
    assert await store.find_alias("tel:+1") == "urn:1"
    assert await store.find_alias("urn:2") == "urn:2"
    assert await store.count() == 3


async def test_an_id_and_an_alias_of_two_things_cannot_coincide(store: Store) -> None:
    own = (Alias("urn:1", "uri"),)
    await store.write("urn:1", create(record("urn:1", aliases=own)))
    await store.write("urn:2", create(record("urn:2", aliases=(Alias("tel:+2", "tel"),))))
    with pytest.raises(Conflict):  # an alias that is another thing's id
        await store.write("urn:3", create(record("urn:3", aliases=(Alias("urn:1", "uri"),))))
    with pytest.raises(Conflict):  # an id that is another thing's alias
        await store.write("tel:+2", create(record("tel:+2", aliases=(Alias("tel:+2", "tel"),))))
    assert await ids(store) == ["urn:1", "urn:2"]
    assert await store.find_alias("urn:1") == "urn:1"
    assert await ids(store, where=ThingFilter(schemes=frozenset({"uri"}))) == ["urn:1"]
    assert await ids(store, where=ThingFilter(aliases=frozenset({"urn:1", "tel:+2"}))) == [
        "urn:1",
        "urn:2",
    ]
    await store.write("urn:1", lambda current: Mutation(None, "thing_deleted"))
    await store.write("urn:3", create(record("urn:3", aliases=(Alias("urn:1", "uri"),))))
    assert await store.find_alias("urn:1") == "urn:3"


async def test_concurrent_creates_of_one_id_from_two_stores(store: Store, other: Store) -> None:
    events = await asyncio.gather(
        *(backend.write("urn:same", create(record("urn:same"))) for backend in (store, other))
    )
    assert sorted(e.type for e in events) == ["thing_created", "thing_updated"]
    assert await store.count() == 1 and await other.count() == 1


async def test_concurrent_claims_of_one_alias_exactly_one_wins(store: Store, other: Store) -> None:
    alias = (Alias("tel:+4930123", "tel"),)
    writes = [
        backend.write(f"urn:{n}", create(record(f"urn:{n}", aliases=alias)))
        for n in range(20)
        for backend in ((store, other)[n % 2],)
    ]
    results = await asyncio.gather(*writes, return_exceptions=True)
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) for r in results if r not in winners)
    assert await store.find_alias("tel:+4930123") == winners[0].thing_id
    assert await store.count() == 1


async def test_event_ids_increase_in_commit_order_across_stores(store: Store, other: Store) -> None:
    writes = [
        backend.write(f"urn:{n % 7}", create(record(f"urn:{n % 7}", title=str(n))))
        for n in range(60)
        for backend in ((store, other)[n % 2],)
    ]
    returned = await asyncio.gather(*writes)
    logged = await store.events_after(0, 1000)
    assert [e.id for e in logged] == sorted({e.id for e in returned})
    assert await store.last_event_id() == await other.last_event_id() == logged[-1].id
    assert await store.count() == 7


async def test_maintenance_lock_is_granted_and_released(store: Store) -> None:
    for _ in range(2):
        async with store.maintenance_lock() as ours:
            assert ours


async def test_event_signals_follow_other_processes(store: Store, other: Store) -> None:
    signals = store.event_signals()
    if signals is None:  # the database has one writing process: its writes are all the events
        assert other.event_signals() is None
        return
    async with contextlib.aclosing(signals):
        await asyncio.wait_for(anext(signals), 5)
        event = await other.write("urn:s", create(record("urn:s")))
        await asyncio.wait_for(anext(signals), 5)
        assert await store.events_after(event.id - 1, 10) == [event]


async def test_delegations(store: Store) -> None:
    assert await store.put_delegation(Delegation("urn:b:", "https://b.example", "", "t0"))
    assert await store.put_delegation(Delegation("urn:a:", "https://a.example", "n", "t1"))
    assert not await store.put_delegation(Delegation("urn:a:", "https://a2.example", "m", "t2"))
    assert await store.delegations() == [
        Delegation("urn:a:", "https://a2.example", "m", "t1"),
        Delegation("urn:b:", "https://b.example", "", "t0"),
    ]
    assert await store.delete_delegation("urn:b:")
    assert not await store.delete_delegation("urn:b:")
    assert [d.prefix for d in await store.delegations()] == ["urn:a:"]


async def test_count_with_filters(store: Store) -> None:
    await store.write("urn:1", create(record("urn:1", "lamp", ("x",))))
    await store.write("urn:2", create(record("urn:2", "lamp")))
    assert await store.count(ThingFilter(titles=frozenset({"lamp"}))) == 2
    assert await store.count(ThingFilter(types=frozenset({"x", "y"}))) == 1
    assert await store.count(ThingFilter(ids=frozenset())) == 0


# -- device credentials, challenges and signing keys ------------------------------------------


def credential(thing_id: str, jkt: str, **changes: object) -> Credential:
    base = Credential(
        id=jkt,
        thing_id=thing_id,
        kind="key",
        alg="EdDSA",
        jkt=jkt,
        spki_sha256="00" * 32,
        public_key=b"spki-" + jkt.encode(),
        state="active",
        created="2026-01-01T00:00:00.000Z",
        modified="2026-01-01T00:00:00.000Z",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_credentials_round_trip(store: Store) -> None:
    await store.write("urn:lamp", create(record("urn:lamp", aliases=(Alias("urn:lamp", "uri"),))))
    key = credential("urn:lamp", "k1", label="factory", not_after="2030-01-01T00:00:00.000Z")
    cert = credential(
        "urn:lamp",
        "k2",
        kind="x509",
        alg="ES256",
        certificate=b"\x30\x82der",
        subject="CN=lamp",
        created="2026-01-02T00:00:00.000Z",
    )
    await store.add_credential(key, 16)
    await store.add_credential(cert, 16)
    assert await store.credentials("urn:lamp") == [key, cert]
    assert await store.credential("urn:lamp", "k2") == cert
    assert await store.credential("urn:other", "k2") is None
    assert await store.credential_by_jkt("k1") == key
    assert await store.credential_by_jkt("k3") is None
    found = await store.credential_with_thing("k2")
    assert found is not None and found[0] == cert and found[1].id == "urn:lamp"
    assert found[1].aliases == (Alias("urn:lamp", "uri"),)
    assert await store.credential_with_thing("k3") is None


async def test_credential_needs_its_thing_and_a_free_key(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.add_credential(credential("urn:none", "k1"), 16)
    await store.write("urn:a", create(record("urn:a")))
    await store.write("urn:b", create(record("urn:b")))
    await store.add_credential(credential("urn:a", "k1"), 16)
    with pytest.raises(Conflict):
        await store.add_credential(credential("urn:b", "k1"), 16)
    with pytest.raises(Conflict):
        await store.add_credential(credential("urn:a", "k1"), 16)
    await store.add_credential(credential("urn:a", "k2"), 2)
    with pytest.raises(Conflict, match="at most 2"):
        await store.add_credential(credential("urn:a", "k3"), 2)
    assert [c.id for c in await store.credentials("urn:b")] == []


async def test_update_and_delete_credential(store: Store) -> None:
    await store.write("urn:a", create(record("urn:a")))
    await store.add_credential(credential("urn:a", "k1"), 16)
    updated = await store.update_credential(
        "urn:a", "k1", lambda c: replace(c, state="revoked", modified="2026-02-01T00:00:00.000Z")
    )
    assert updated.state == "revoked"
    assert await store.credential("urn:a", "k1") == updated

    def refuse(current: Credential) -> Credential:
        raise Conflict("no")

    with pytest.raises(Conflict):
        await store.update_credential("urn:a", "k1", refuse)
    with pytest.raises(NotFound):
        await store.update_credential("urn:b", "k1", lambda c: c)
    assert not await store.delete_credential("urn:b", "k1")
    assert await store.delete_credential("urn:a", "k1")
    assert await store.credential_by_jkt("k1") is None


async def test_deleting_a_thing_deletes_its_credentials(store: Store) -> None:
    await store.write("urn:a", create(record("urn:a")))
    await store.add_credential(credential("urn:a", "k1"), 16)
    await store.write("urn:a", lambda current: Mutation(None, "thing_deleted"))
    assert await store.credential_by_jkt("k1") is None
    await store.write("urn:b", create(record("urn:b")))
    await store.add_credential(credential("urn:b", "k1"), 16)  # the key is free again


async def test_challenges_are_taken_once(store: Store, other: Store) -> None:
    first = Challenge("n1", "urn:a", "https://registry.example", 2000.0)
    await store.put_challenge(first)
    await store.put_challenge(Challenge("n2", "urn:b", "https://registry.example", 1000.0))
    results = await asyncio.gather(
        store.take_challenge("n1", 1500.0), other.take_challenge("n1", 1500.5)
    )
    assert sorted(results, key=lambda c: c is None) == [first, None]
    assert await store.take_challenge("n1", 1600.0) is None
    assert await store.take_challenge("unknown", 1600.0) is None
    kept = await store.challenge("n1")
    assert kept is not None and kept.used in (1500.0, 1500.5)
    assert await store.challenge("unknown") is None
    assert await store.purge_challenges(1500.0) == 1
    assert await store.challenge("n2") is None
    assert await store.challenge("n1") is not None


async def test_many_challenges_at_once(store: Store) -> None:
    nonces = [f"n{i:04d}" for i in range(300)]
    await asyncio.gather(*(store.put_challenge(Challenge(n, "urn:a", "aud", 9e9)) for n in nonces))
    taken = await asyncio.gather(*(store.take_challenge(n, 1.0) for n in nonces + nonces))
    assert [c.nonce for c in taken if c is not None] == nonces


async def test_duplicate_challenge_fails_alone(store: Store) -> None:
    results = await asyncio.gather(
        store.put_challenge(Challenge("n1", "urn:a", "aud", 9e9)),
        store.put_challenge(Challenge("n1", "urn:b", "aud", 9e9)),
        store.put_challenge(Challenge("n2", "urn:c", "aud", 9e9)),
        return_exceptions=True,
    )
    assert sorted(isinstance(result, Exception) for result in results[:2]) == [False, True]
    assert results[2] is None
    assert await store.challenge("n2") is not None


def signing_key(kid: str, created: str) -> SigningKey:
    return SigningKey(kid, "ES256", b"-----BEGIN PRIVATE KEY-----", '{"kty":"EC"}', created)


async def test_signing_key_rotation(store: Store, other: Store) -> None:
    assert await store.signing_keys() == []
    assert await store.rotate_signing_key(signing_key("a", "2026-01-01T00:00:00.000Z"), None)
    assert not await store.rotate_signing_key(signing_key("x", "2026-01-01T00:00:01.000Z"), None)
    b = signing_key("b", "2026-02-01T00:00:00.000Z")
    c = signing_key("c", "2026-02-01T00:00:00.001Z")
    # Two processes rotating from the same key at once: exactly one wins.
    won = await asyncio.gather(store.rotate_signing_key(b, "a"), other.rotate_signing_key(c, "a"))
    assert sorted(won) == [False, True]
    keys = await other.signing_keys()
    assert [k.retired is None for k in keys] == [True, False]
    assert keys[1].kid == "a" and keys[1].retired in (b.created, c.created)
    assert await store.delete_signing_keys("2026-01-15T00:00:00.000Z") == 0
    assert await store.delete_signing_keys("2026-03-01T00:00:00.000Z") == 1
    assert [k.kid for k in await store.signing_keys()] == [keys[0].kid]


# -- MQTT accounts and follower cursors ---------------------------------------------------------


def mqtt_account(thing_id: str, **changes: object) -> MqttAccount:
    account = MqttAccount(
        thing_id, "salt-1", "active", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"
    )
    return replace(account, **changes)  # type: ignore[arg-type]


async def test_mqtt_accounts_round_trip(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.put_mqtt_account(mqtt_account("urn:none"))
    for thing_id in ("urn:c", "urn:a", "urn:b"):
        await store.write(thing_id, create(record(thing_id)))
        await store.put_mqtt_account(mqtt_account(thing_id))
    assert await store.mqtt_account("urn:a") == mqtt_account("urn:a")
    assert await store.mqtt_account("urn:none") is None
    assert await store.mqtt_account("urn:\x00") is None
    assert [a.thing_id for a in await store.mqtt_accounts(None, 2)] == ["urn:a", "urn:b"]
    assert [a.thing_id for a in await store.mqtt_accounts("urn:b", 2)] == ["urn:c"]
    replaced = mqtt_account("urn:a", salt="salt-2", modified="2026-02-01T00:00:00.000Z")
    await store.put_mqtt_account(replaced)
    assert await store.mqtt_account("urn:a") == replaced


async def test_update_and_delete_mqtt_account(store: Store) -> None:
    await store.write("urn:a", create(record("urn:a")))
    await store.put_mqtt_account(mqtt_account("urn:a"))
    updated = await store.update_mqtt_account(
        "urn:a", lambda a: replace(a, state="disabled", modified="2026-03-01T00:00:00.000Z")
    )
    assert updated.state == "disabled"
    assert await store.mqtt_account("urn:a") == updated

    def refuse(current: MqttAccount) -> MqttAccount:
        raise Conflict("no")

    with pytest.raises(Conflict):
        await store.update_mqtt_account("urn:a", refuse)
    assert await store.mqtt_account("urn:a") == updated
    with pytest.raises(NotFound):
        await store.update_mqtt_account("urn:b", lambda a: a)
    assert not await store.delete_mqtt_account("urn:b")
    assert await store.delete_mqtt_account("urn:a")
    assert await store.mqtt_account("urn:a") is None


async def test_deleting_a_thing_deletes_its_mqtt_account(store: Store) -> None:
    await store.write("urn:a", create(record("urn:a")))
    await store.put_mqtt_account(mqtt_account("urn:a"))
    await store.write("urn:a", lambda current: Mutation(None, "thing_deleted"))
    assert await store.mqtt_account("urn:a") is None
    await store.write("urn:a", create(record("urn:a")))
    assert await store.mqtt_account("urn:a") is None  # a new thing does not inherit it


async def test_cursors(store: Store, other: Store) -> None:
    assert await store.cursor("mqtt") == 0
    await store.set_cursor("mqtt", 41)
    await other.set_cursor("mqtt", 42)
    await store.set_cursor("other", 7)
    assert await store.cursor("mqtt") == 42
    assert await other.cursor("other") == 7


def meter(thing_id: str) -> ThingRecord:
    return record(thing_id, aliases=(Alias(thing_id, "uri"),))


async def test_class_index(store: Store) -> None:
    """Each member of ``classes`` is one condition (any of its classes); members are ANDed."""
    await store.write("urn:1", create(replace(record("urn:1"), classes=("TemperatureSensor",))))
    await store.write(
        "urn:2",
        create(
            replace(record("urn:2", aliases=(Alias("urn:2", "uri"),)), classes=("Meter", "Sensor"))
        ),
    )
    await store.write("urn:3", create(replace(record("urn:3", "lamp"), classes=("LightSwitch",))))
    await store.write("urn:4", create(record("urn:4")))
    sensors = frozenset({"Sensor", "SmokeSensor", "TemperatureSensor"})
    assert await ids(store, where=ThingFilter(classes=(sensors,))) == ["urn:1", "urn:2"]
    assert await store.count(ThingFilter(classes=(sensors,))) == 2
    both = ThingFilter(classes=(sensors, frozenset({"Meter"})))
    assert await ids(store, where=both) == ["urn:2"]
    lamp = ThingFilter(titles=frozenset({"lamp"}), classes=(frozenset({"LightSwitch"}),))
    assert await ids(store, where=lamp) == ["urn:3"]
    assert await ids(store, where=ThingFilter(classes=(frozenset({"Nothing"}),))) == []
    # One class drives the query through the class index: order, paging, counting, other filters.
    meters = ThingFilter(classes=(frozenset({"Meter"}),))
    assert await ids(store, where=meters) == ["urn:2"]
    switches = ThingFilter(classes=(frozenset({"LightSwitch"}),), titles=frozenset({"x"}))
    assert await ids(store, where=switches) == []
    assert await store.count(switches) == 0
    await asyncio.gather(
        *(
            store.write(f"urn:m:{i}", create(replace(meter(f"urn:m:{i}"), classes=("Meter",))))
            for i in range(9, -1, -1)
        )
    )
    assert await store.count(meters) == 11
    assert await store.count(meters, limit=3) == 3
    assert await store.count(meters, limit=50) == 11
    assert await store.count(limit=2) == 2
    assert await store.count(ThingFilter(titles=frozenset({"t"})), limit=4) == 4
    expected = ["urn:2", *(f"urn:m:{i}" for i in range(10))]
    assert await ids(store, where=meters, chunk_size=3) == expected
    assert await ids(store, where=meters, offset=2, limit=5, chunk_size=2) == expected[2:7]
    two = ThingFilter(classes=(frozenset({"Meter"}), frozenset({"Sensor"})))
    assert await ids(store, where=two) == ["urn:2"]
    assert await store.count(two) == 1
    aliased = replace(meters, aliases=frozenset({"urn:m:3"}))
    assert await ids(store, where=aliased) == ["urn:m:3"]
    # A replacement replaces the thing's classes; a deletion forgets them.
    await store.write("urn:1", create(replace(record("urn:1"), classes=("Meter", "Sensor"))))
    await store.write("urn:1", create(replace(record("urn:1"), classes=("Meter",))))
    assert await ids(store, where=ThingFilter(classes=(sensors,))) == ["urn:2"]
    await store.write("urn:2", lambda current: Mutation(None, "thing_deleted"))
    assert await ids(store, where=ThingFilter(classes=(frozenset({"Meter"}),)), limit=1) == [
        "urn:1"
    ]
    # Counts follow replacements and deletions.
    assert await store.count(meters) == 11
    assert await store.count(ThingFilter(classes=(frozenset({"Sensor"}),))) == 0
    assert await store.count(ThingFilter(classes=(frozenset({"LightSwitch"}),))) == 1
