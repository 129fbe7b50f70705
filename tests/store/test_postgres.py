"""What only the PostgreSQL store has: its migrations, its connection errors, U+0000, jsonb."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from tests.store.test_contract import POSTGRES_URL, create, postgres_or_skip, record
from thingreg.core.errors import BadRequest, StoreUnavailable
from thingreg.store.migrations import migrations
from thingreg.store.postgres import PostgresStore


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
