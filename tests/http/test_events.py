"""Server-Sent Events against a real server: types, diffs, replay, slow subscribers, expiry."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.conftest import ADMIN
from tests.support import LiveServer, minimal_td, start_server, stop_server

TD_JSON = {"Content-Type": "application/td+json"}


class EventReader:
    """Parses an SSE response into (event, data, id) triples."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 5.0) -> tuple[str, dict[str, object], int]:
        return await asyncio.wait_for(self._next(), timeout)

    async def _next(self) -> tuple[str, dict[str, object], int]:
        fields: dict[str, str] = {}
        async for line in self._lines:
            if line == "":
                if "event" in fields:
                    return fields["event"], orjson.loads(fields["data"]), int(fields["id"])
                fields.clear()
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        raise EOFError


@contextlib.asynccontextmanager
async def subscribe(
    server: LiveServer, path: str = "/events", headers: dict[str, str] | None = None
) -> AsyncIterator[EventReader]:
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=10, headers=ADMIN) as http,
        http.stream("GET", path, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response)


async def put(server: LiveServer, td: dict[str, object]) -> int:
    async with httpx.AsyncClient(base_url=server.url, headers=ADMIN) as http:
        path = "/things/" + quote(str(td["id"]), safe="")
        return (await http.put(path, content=orjson.dumps(td), headers=TD_JSON)).status_code


async def request(server: LiveServer, method: str, thing_id: str, body: bytes = b"") -> int:
    async with httpx.AsyncClient(base_url=server.url, headers=ADMIN) as http:
        path = "/things/" + quote(thing_id, safe="")
        headers = {"Content-Type": "application/merge-patch+json"}
        return (await http.request(method, path, content=body, headers=headers)).status_code


async def test_lifecycle_events_with_diff(live_server: LiveServer) -> None:
    async with subscribe(live_server, "/events?diff=true") as events:
        await asyncio.sleep(0.1)
        assert await put(live_server, minimal_td("urn:ev:1", description="d")) == 201
        kind, data, first_id = await events.next()
        assert kind == "thing_created"
        assert data["id"] == "urn:ev:1" and data["title"] == "Thing One"
        assert "registration" in data
        assert await request(live_server, "PATCH", "urn:ev:1", b'{"title":"New"}') == 204
        kind, data, second_id = await events.next()
        assert kind == "thing_updated"
        assert data["id"] == "urn:ev:1" and data["title"] == "New"
        assert "description" not in data and "security" not in data
        assert second_id > first_id
        assert await request(live_server, "DELETE", "urn:ev:1") == 204
        kind, data, _ = await events.next()
        assert (kind, data) == ("thing_deleted", {"id": "urn:ev:1"})


async def test_without_diff_only_ids(live_server: LiveServer) -> None:
    async with subscribe(live_server) as events:
        await asyncio.sleep(0.1)
        await put(live_server, minimal_td("urn:ev:2"))
        assert (await events.next())[:2] == ("thing_created", {"id": "urn:ev:2"})


async def test_filter_by_type(live_server: LiveServer) -> None:
    async with subscribe(live_server, "/events/thing_deleted") as events:
        await asyncio.sleep(0.1)
        await put(live_server, minimal_td("urn:ev:3"))
        await request(live_server, "DELETE", "urn:ev:3")
        assert (await events.next())[:2] == ("thing_deleted", {"id": "urn:ev:3"})


async def test_replay_with_last_event_id(live_server: LiveServer) -> None:
    async with subscribe(live_server) as events:
        await asyncio.sleep(0.1)
        await put(live_server, minimal_td("urn:ev:4"))
        _, _, seen = await events.next()
    for n in range(5, 8):
        await put(live_server, minimal_td(f"urn:ev:{n}"))
    async with subscribe(live_server, headers={"Last-Event-ID": str(seen)}) as events:
        replayed = [(await events.next())[1]["id"] for _ in range(3)]
    assert replayed == ["urn:ev:5", "urn:ev:6", "urn:ev:7"]


async def test_bad_subscriptions(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=ADMIN) as http:
        assert (await http.get("/events/thing_exploded")).status_code == 404
        assert (await http.get("/events?diff=maybe")).status_code == 400
        bad_id = await http.get("/events", headers={"Last-Event-ID": "x"})
        assert bad_id.status_code == 400
        assert bad_id.headers["content-type"] == "application/problem+json"


@pytest.fixture(scope="module")
def small_queue_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("slow") / "data"
    server = start_server(Path(data), THINGREG_SSE_QUEUE_SIZE="2")
    yield server
    stop_server(server)


async def test_subscriber_that_falls_behind_misses_nothing(small_queue_server: LiveServer) -> None:
    """A burst overflows the 2-event queue; the stream catches up from the store, in order."""
    async with subscribe(small_queue_server) as events:
        await asyncio.sleep(0.1)
        ids = [f"urn:burst:{n:03d}" for n in range(60)]
        statuses = await asyncio.gather(*(put(small_queue_server, minimal_td(i)) for i in ids))
        assert set(statuses) == {201}
        received = [await events.next() for _ in ids]
    assert sorted(str(data["id"]) for _, data, _ in received) == ids
    event_ids = [event_id for _, _, event_id in received]
    assert event_ids == sorted(event_ids) and len(set(event_ids)) == len(ids)


async def test_expired_things_are_purged(live_server: LiveServer) -> None:
    async with subscribe(live_server, "/events/thing_deleted") as events:
        await asyncio.sleep(0.1)
        td = minimal_td("urn:ev:short-lived", registration={"ttl": 0.5})
        assert await put(live_server, td) == 201
        kind, data, _ = await events.next(timeout=10)
    assert (kind, data) == ("thing_deleted", {"id": "urn:ev:short-lived"})
    assert await request(live_server, "GET", "urn:ev:short-lived") == 404
