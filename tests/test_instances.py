"""Two ``thingreg serve`` processes on one PostgreSQL database, as behind a load balancer.

Each sees the other's writes at once, every SSE subscriber receives every change whichever
process made it (in event id order, each once), an alias claimed concurrently through both is
won by exactly one thing, and an expired thing is purged once. Skipped when PostgreSQL cannot
be reached (never in CI: see ``postgres_or_skip``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx
import orjson
import pytest

from tests.conftest import ADMIN
from tests.http.test_events import TD_JSON, put, request, subscribe
from tests.store.test_contract import postgres_or_skip
from tests.support import LiveServer, minimal_td, start_server, stop_server


class Instances:
    def __init__(self, url: str, a: LiveServer, b: LiveServer) -> None:
        self.url = url
        self.a = a
        self.b = b


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instances]:
    with postgres_or_skip() as url:
        started: list[LiveServer] = []
        try:
            for name in ("a", "b"):
                data = Path(tmp_path_factory.mktemp(f"instance-{name}")) / "data"
                started.append(start_server(data, THINGREG_DB=url))
            yield Instances(url, *started)
        finally:
            for server in started:
                stop_server(server)


def _path(thing_id: str) -> str:
    return "/things/" + quote(thing_id, safe="")


async def test_a_write_through_one_is_read_through_the_other(instances: Instances) -> None:
    async with (
        httpx.AsyncClient(base_url=instances.a.url, headers=ADMIN) as a,
        httpx.AsyncClient(base_url=instances.b.url, headers=ADMIN) as b,
    ):
        for n in range(20):
            thing_id = f"urn:inst:seen:{n}"
            td = minimal_td(thing_id, title=f"written through A #{n}")
            response = await a.put(_path(thing_id), content=orjson.dumps(td), headers=TD_JSON)
            assert response.status_code == 201
            got = await b.get(_path(thing_id))  # no wait: committed is visible everywhere
            assert got.status_code == 200
            assert got.json()["title"] == f"written through A #{n}"
        patched = await b.patch(
            _path("urn:inst:seen:0"),
            content=b'{"title":"patched through B"}',
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert patched.status_code == 204
        assert (await a.get(_path("urn:inst:seen:0"))).json()["title"] == "patched through B"


async def test_a_subscriber_of_b_receives_changes_made_through_a(instances: Instances) -> None:
    async with (
        subscribe(instances.b, "/events?diff=true") as on_b,
        subscribe(instances.a, "/events") as on_a,
    ):
        await asyncio.sleep(0.2)
        assert await put(instances.a, minimal_td("urn:inst:ev", description="d")) == 201
        kind, data, created = await on_b.next()
        assert (kind, data["id"], data["title"]) == ("thing_created", "urn:inst:ev", "Thing One")
        assert await request(instances.a, "PATCH", "urn:inst:ev", b'{"title":"New"}') == 204
        kind, data, updated = await on_b.next()
        assert (kind, data["id"], data["title"]) == ("thing_updated", "urn:inst:ev", "New")
        assert await request(instances.a, "DELETE", "urn:inst:ev") == 204
        kind, data, deleted = await on_b.next()
        assert (kind, data) == ("thing_deleted", {"id": "urn:inst:ev"})
        assert created < updated < deleted
        assert [(await on_a.next())[2] for _ in range(3)] == [created, updated, deleted]


async def test_concurrent_writes_to_both_reach_every_subscriber_in_order(
    instances: Instances,
) -> None:
    async with (
        subscribe(instances.a) as on_a,
        subscribe(instances.b) as on_b,
    ):
        await asyncio.sleep(0.2)
        writes = [
            put((instances.a, instances.b)[n % 2], minimal_td(f"urn:inst:burst:{n % 25}"))
            for n in range(100)
        ]
        assert set(await asyncio.gather(*writes)) <= {200, 201, 204}
        seen_a = [await on_a.next(10) for _ in range(100)]
        seen_b = [await on_b.next(10) for _ in range(100)]
    ids = [event_id for _, _, event_id in seen_a]
    assert ids == list(range(ids[0], ids[0] + 100))  # no gap, no duplicate, in order
    assert seen_b == seen_a
    assert sum(kind == "thing_created" for kind, _, _ in seen_a) == 25


async def test_an_alias_claimed_through_both_is_won_once(instances: Instances) -> None:
    async with (
        httpx.AsyncClient(base_url=instances.a.url, timeout=30, headers=ADMIN) as a,
        httpx.AsyncClient(base_url=instances.b.url, timeout=30, headers=ADMIN) as b,
    ):
        for round_ in range(3):
            mac = f"02:00:5e:10:00:{round_:02x}"
            contenders = [f"urn:inst:claim:{round_}:{n}" for n in range(40)]
            responses = await asyncio.gather(
                *(
                    (a, b)[n % 2].put(
                        _path(thing_id),
                        content=orjson.dumps(minimal_td(thing_id, identifiers=[mac])),
                        headers=TD_JSON,
                    )
                    for n, thing_id in enumerate(contenders)
                )
            )
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [201] + [409] * 39, statuses
            winner = contenders[[r.status_code for r in responses].index(201)]
            for client in (a, b):
                resolved = await client.get("/resolve/" + quote(mac, safe=""))
                assert resolved.status_code == 200 and resolved.json()["id"] == winner


async def test_an_expired_thing_is_purged_once(instances: Instances) -> None:
    thing_id = "urn:inst:short-lived"
    async with (
        subscribe(instances.a, "/events/thing_deleted") as on_a,
        subscribe(instances.b, "/events/thing_deleted") as on_b,
    ):
        await asyncio.sleep(0.2)
        assert await put(instances.b, minimal_td(thing_id, registration={"ttl": 0.5})) == 201
        deleted_a = await on_a.next(10)
        deleted_b = await on_b.next(10)
        assert deleted_a == deleted_b
        assert deleted_a[1] == {"id": thing_id}
        await asyncio.sleep(1.5)  # three more purge rounds in each process
        with pytest.raises(TimeoutError):
            await on_b.next(0.1)
    conn = await asyncpg.connect(instances.url)
    try:
        logged = await conn.fetch(
            "SELECT type FROM events WHERE thing_id = $1 ORDER BY id", thing_id
        )
    finally:
        await conn.close()
    assert [row[0] for row in logged] == ["thing_created", "thing_deleted"]
