"""Fixtures shared by the whole suite: settings, an in-process client, and a real server."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import os
import re
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
import pytest
from hypothesis import settings as hypothesis_profile

from tests.support import LiveServer, start_server, stop_server
from thingreg.app import create_app
from thingreg.config import Settings

# Property tests judge correctness, not speed: on a loaded CI machine the first example (which
# loads the identifier tables) can exceed Hypothesis' 200 ms deadline.
hypothesis_profile.register_profile("thingreg", deadline=None)
hypothesis_profile.load_profile("thingreg")
ADMIN_TOKEN = "test-admin-token"
"""The administrator token (``THINGREG_API_TOKEN``) of every app and server the tests start."""
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

TEST_DB = "THINGREG_TEST_DB"
"""Set to a ``postgresql://`` URL to run the app's tests on PostgreSQL, a fresh schema each."""

SCHEMA_PREFIX = "thingreg_test_"
_SCHEMA_NAME = re.compile(r"^thingreg_test_(\d{14})_[0-9a-f]{8}$")
_STALE_AFTER = datetime.timedelta(hours=1)
"""A test schema this old belongs to a run that was killed (others may be running now)."""
_swept: set[str] = set()

log = logging.getLogger(__name__)


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    with fresh_database() as url:
        yield Settings(
            data_dir=tmp_path / "data", db=url, purge_interval=0.2, api_token=ADMIN_TOKEN
        )


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """``""`` (the SQLite file in the data directory), or, when ``THINGREG_TEST_DB`` is set,
    the URL of a new PostgreSQL schema in that database, dropped afterwards."""
    url = os.environ.get(TEST_DB, "")
    if not url:
        yield ""
        return
    if not url.startswith(("postgresql://", "postgres://")):
        raise ValueError(f"{TEST_DB} must be a postgresql:// URL, not {url!r}")
    with postgres_schema(url) as schema_url:
        yield schema_url


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A uniquely named schema in the database at ``url``, dropped on exit; yields ``url`` with
    ``?search_path=`` set to it (asyncpg sends unknown URL parameters as session settings).

    The name holds its creation time, so that the first use in a test session can drop the
    schemas that killed runs left behind (:func:`_sweep_stale_schemas`)."""
    now = datetime.datetime.now(datetime.UTC)
    if url not in _swept:
        _swept.add(url)
        _sweep_stale_schemas(url, now - _STALE_AFTER)
    schema = f"{SCHEMA_PREFIX}{now:%Y%m%d%H%M%S}_{uuid.uuid4().hex[:8]}"
    _run_sql(url, f'CREATE SCHEMA "{schema}"')
    try:
        parts = urllib.parse.urlsplit(url)
        query = [*urllib.parse.parse_qsl(parts.query), ("search_path", schema)]
        yield urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    finally:
        _run_sql(url, f"SET lock_timeout = '10s'; DROP SCHEMA \"{schema}\" CASCADE")


def _sweep_stale_schemas(url: str, before: datetime.datetime) -> None:
    """Drop the test schemas created before ``before``: only names of :func:`postgres_schema`'s
    form, whose time says they are from a run that cannot still be going."""

    async def sweep() -> None:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            names = await conn.fetch(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", SCHEMA_PREFIX
            )
            for (name,) in names:
                match = _SCHEMA_NAME.match(name)
                if match is None:
                    continue
                created = datetime.datetime.strptime(match.group(1), "%Y%m%d%H%M%S")
                if created.replace(tzinfo=datetime.UTC) >= before:
                    continue
                try:
                    await conn.execute(
                        f"SET lock_timeout = '2s'; DROP SCHEMA IF EXISTS \"{name}\" CASCADE"
                    )
                    log.info("dropped the stale test schema %s", name)
                except asyncpg.PostgresError as exc:
                    log.warning("could not drop the stale test schema %s: %s", name, exc)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, sweep()).result()


def _run_sql(url: str, sql: str) -> None:
    """Run SQL on a connection of its own, on a thread with its own event loop (so that this
    works from sync fixtures and from inside a running loop alike)."""

    async def run() -> None:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, run()).result()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process, with its lifespan running; it sends the
    administrator token unless a request sets its own ``Authorization``."""
    async with _client_for(settings) as http:
        yield http


def _client_for(settings: Settings) -> _LifespanClient:
    return _LifespanClient(settings)


class _LifespanClient:
    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self._lifespan = self.app.router.lifespan_context(self.app)
        self._http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://thingreg.test",
            headers=ADMIN if settings.api_token == ADMIN_TOKEN else None,
        )

    async def __aenter__(self) -> httpx.AsyncClient:
        await self._lifespan.__aenter__()
        return await self._http.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self._http.__aexit__(None, None, None)
        await self._lifespan.__aexit__(None, None, None)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with fresh_database() as url:
        env = {"THINGREG_DB": url} if url else {}
        server = start_server(tmp_path_factory.mktemp("live") / "data", **env)
        yield server
        stop_server(server)
