"""What only the PostgreSQL store has: its migrations, its connection errors, U+0000, jsonb,
and what several processes on one database coordinate through."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import re
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from tests.conftest import _sweep_stale_schemas
from tests.store.test_contract import (
    PARTITIONING,
    POSTGRES_URL,
    create,
    partition,
    postgres_or_skip,
    record,
)
from thingreg.core.errors import BadRequest, StoreUnavailable
from thingreg.store.migrations import migrations
from thingreg.store.postgres import PostgresStore
from thingreg.store.postgres_shared import listener_name


@pytest.fixture
def url() -> Iterator[str]:
    with postgres_or_skip() as fresh:
        yield fresh


@pytest.fixture
async def store(url: str) -> AsyncIterator[PostgresStore]:
    backend = PostgresStore(url)
    await backend.open()
    yield backend
    await backend.close()


async def test_concurrent_opens_migrate_once(url: str) -> None:
    stores = [PostgresStore(url) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    conn = await asyncpg.connect(url)
    try:
        applied = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
    finally:
        await conn.close()
    assert applied == [m.version for m in migrations("postgres")]
    for s in stores:
        await s.close()


async def test_a_newer_database_is_refused(store: PostgresStore, url: str) -> None:
    await store.close()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'x')")
    finally:
        await conn.close()
    with pytest.raises(StoreUnavailable, match="upgrade thingreg"):
        await PostgresStore(url).open()


async def test_a_missing_schema_is_named() -> None:
    with pytest.raises(StoreUnavailable, match="no schema to create"):
        await PostgresStore(POSTGRES_URL + "?search_path=thingreg_no_such_schema").open()


async def test_an_unreachable_server_is_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match=r"postgresql://u:\*\*\*@127\.0\.0\.1:1/"):
        await PostgresStore("postgresql://u:secret@127.0.0.1:1/test").open()


async def test_nul_in_indexed_text_is_a_bad_request_alone(store: PostgresStore) -> None:
    results = await asyncio.gather(
        store.write("urn:nul", create(record("urn:nul", title="a\x00b"))),
        store.write("urn:ok", create(record("urn:ok"))),
        return_exceptions=True,
    )
    assert isinstance(results[0], BadRequest)
    assert await store.get("urn:ok") is not None
    assert await store.get("urn:\x00") is None
    assert await store.find_alias("urn:\x00") is None


async def test_body_is_also_jsonb(store: PostgresStore, url: str) -> None:
    await store.write("urn:j", create(record("urn:j", title="lamp")))
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT doc->>'title' FROM things WHERE id = 'urn:j'") == "lamp"
    finally:
        await conn.close()


# -- several processes on one database --------------------------------------------------------


class Wakeups:
    """A store's event signals, counted by a task of their own (so waiting for one with a
    timeout does not close the generator)."""

    def __init__(self, store: PostgresStore) -> None:
        self.queue: asyncio.Queue[None] = asyncio.Queue()
        self._task = asyncio.create_task(self._count(store))

    async def _count(self, store: PostgresStore) -> None:
        async with contextlib.aclosing(store.event_signals()) as signals:
            async for _ in signals:
                self.queue.put_nowait(None)

    async def next(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self.queue.get(), timeout)

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until no wake-up came for ``quiet`` seconds."""
        while True:
            try:
                await asyncio.wait_for(self.queue.get(), quiet)
            except TimeoutError:
                return

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@contextlib.asynccontextmanager
async def stores(url: str, *polls: float) -> AsyncIterator[list[PostgresStore]]:
    opened = [PostgresStore(url, event_poll=poll) for poll in polls]
    try:
        for store in opened:
            await store.open()
        yield opened
    finally:
        for store in opened:
            await store.close()


async def test_another_process_commit_is_signalled(url: str) -> None:
    # A poll far longer than the test: only the notification can wake the listener in time.
    async with stores(url, 60, 60) as (listener, writer):
        wakeups = Wakeups(listener)
        try:
            await wakeups.next()  # listening
            await wakeups.settle()
            await writer.write("urn:n1", create(record("urn:n1")))
            await wakeups.next()
            assert [e.thing_id for e in await listener.events_after(0, 10)] == ["urn:n1"]
            await wakeups.settle()
            await listener.write("urn:n2", create(record("urn:n2")))
            await wakeups.next()
            await wakeups.settle()
            with pytest.raises(TimeoutError):  # no commit, no wake-up
                await wakeups.next(0.5)
        finally:
            await wakeups.close()


async def test_a_bulk_write_is_signalled(url: str) -> None:
    # write_many commits beside the writer: it must notify the other instances all the same.
    async with stores(url, 60, 60) as (listener, writer):
        wakeups = Wakeups(listener)
        try:
            await wakeups.next()  # listening
            await wakeups.settle()
            await writer.write_many([(f"urn:b{n}", create(record(f"urn:b{n}"))) for n in range(3)])
            await wakeups.next()
            got = [e.thing_id for e in await listener.events_after(0, 10)]
            assert got == ["urn:b0", "urn:b1", "urn:b2"]
        finally:
            await wakeups.close()


async def test_a_lost_notification_is_made_up_by_polling(url: str) -> None:
    async with stores(url, 0.3) as (listener,):
        wakeups = Wakeups(listener)
        try:
            await wakeups.next()
            conn = await asyncpg.connect(url)
            try:  # an event committed without its NOTIFY
                await conn.execute(
                    "INSERT INTO events (id, type, thing_id) VALUES (1, 'thing_created', 'urn:x')"
                )
            finally:
                await conn.close()
            await wakeups.next(2.0)
            assert [e.thing_id for e in await listener.events_after(0, 10)] == ["urn:x"]
        finally:
            await wakeups.close()


async def test_the_listener_reconnects(url: str) -> None:
    async with stores(url, 60, 60) as (listener, writer):
        wakeups = Wakeups(listener)
        conn = await asyncpg.connect(url)
        try:
            await wakeups.next()
            name = listener_name(await conn.fetchval("SELECT current_schema()"))
            killed = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = $1",
                name,
            )
            assert killed == 1
            await wakeups.next()  # woken on reconnecting: what was missed is in the log
            await wakeups.settle()
            await writer.write("urn:r", create(record("urn:r")))
            await wakeups.next()  # heard through the new connection (the poll is 60 s)
            assert [e.thing_id for e in await listener.events_after(0, 10)] == ["urn:r"]
            listening = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", name
            )
            assert listening == 1
        finally:
            await conn.close()
            await wakeups.close()


async def test_one_process_at_a_time_maintains(url: str) -> None:
    first, second = PostgresStore(url), PostgresStore(url)
    await first.open()
    await second.open()
    try:
        async with first.maintenance_lock() as ours:
            assert ours
            async with second.maintenance_lock() as theirs:
                assert not theirs
        async with second.maintenance_lock() as theirs:
            assert theirs
    finally:
        await first.close()
        await second.close()


async def test_stale_test_schemas_are_swept() -> None:
    with postgres_or_skip() as fresh:
        conn = await asyncpg.connect(fresh)
        try:
            old, recent, other = (
                "thingreg_test_20000101000000_0123abcd",
                f"thingreg_test_{datetime.datetime.now(datetime.UTC):%Y%m%d%H%M%S}_0123abcd",
                "thingreg_test_keep_me",
            )
            for name in (old, recent, other):
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
                await conn.execute(f'CREATE TABLE "{name}".t (x int)')
            await asyncio.to_thread(
                _sweep_stale_schemas,
                POSTGRES_URL,
                datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5),
            )
            left = {
                row[0]
                for row in await conn.fetch(
                    "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])",
                    [old, recent, other],
                )
            }
            assert left == {recent, other}
            for name in (recent, other):
                await conn.execute(f'DROP SCHEMA "{name}" CASCADE')
        finally:
            await conn.close()


# -- hash partitioning (docs/scaling.md, docs/partitioning.sql) -------------------------------


def scaling_plan() -> dict[str, str]:
    """docs/scaling.md's table of tables: each table and its "partitioned by" cell."""
    text = (PARTITIONING.parent / "scaling.md").read_text("utf-8")
    rows = re.findall(r"^\| `(\w+)` \|(.*)\|$", text, re.MULTILINE)
    return {table: cells.split("|")[2].strip() for table, cells in rows}


async def test_every_table_is_partitioned_as_documented(url: str) -> None:
    await asyncio.to_thread(partition, url)
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
            "AND relkind IN ('r', 'p') AND NOT relispartition"
        )
        keys = await conn.fetch(
            "SELECT c.relname, pg_get_partkeydef(c.oid), "
            "(SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid) "
            "FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relnamespace = current_schema()::regnamespace"
        )
    finally:
        await conn.close()
    plan = scaling_plan()
    assert set(plan) == {row[0] for row in tables}, "docs/scaling.md must list every table"
    hashed = {
        table: f"HASH ({match.group(1)})"
        for table, cell in plan.items()
        if (match := re.fullmatch(r"hash of `(\w+)`", cell))
    }
    assert hashed.keys() == {"things", "aliases", "credentials"}
    assert {row[0]: row[1] for row in keys} == hashed
    assert {row[2] for row in keys} == {8}


@pytest.mark.parametrize("partitioned", [False, True], ids=["plain", "partitioned"])
async def test_a_create_racing_another_process_becomes_an_update(
    url: str, partitioned: bool
) -> None:
    if partitioned:
        await asyncio.to_thread(partition, url)
    store = PostgresStore(url)
    await store.open()
    other = await asyncpg.connect(url)
    try:
        async with other.transaction():  # another process's create, not yet committed
            await other.execute(
                "INSERT INTO things (id, body, title, types, created, modified) "
                "VALUES ('urn:race', '{}', 'theirs', '{}', 't0', 't0')"
            )
            write = asyncio.create_task(store.write("urn:race", create(record("urn:race"))))
            await asyncio.sleep(0.3)  # the store's insert now waits for this transaction
            assert not write.done()
        event = await write
        assert event.type == "thing_updated"
        got = await store.get("urn:race")
        assert got is not None and got.title == "t"
    finally:
        await other.close()
        await store.close()
