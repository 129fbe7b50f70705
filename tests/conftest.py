"""Fixtures shared by the whole suite: settings, an in-process client, and a real server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import LiveServer, start_server, stop_server
from thingreg.app import create_app
from thingreg.config import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", purge_interval=0.2)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process, with its lifespan running."""
    async with _client_for(settings) as http:
        yield http


def _client_for(settings: Settings) -> _LifespanClient:
    return _LifespanClient(settings)


class _LifespanClient:
    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self._lifespan = self.app.router.lifespan_context(self.app)
        self._http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://thingreg.test"
        )

    async def __aenter__(self) -> httpx.AsyncClient:
        await self._lifespan.__aenter__()
        return await self._http.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self._http.__aexit__(None, None, None)
        await self._lifespan.__aexit__(None, None, None)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("live") / "data")
    yield server
    stop_server(server)
