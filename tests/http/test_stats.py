"""``GET /stats`` and the listing's free-text filter ``q``, in-process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import orjson

from tests.http.test_things import put
from tests.support import minimal_td


async def test_stats_counts_types_schemes_and_days(client: httpx.AsyncClient) -> None:
    empty = (await client.get("/stats")).json()
    assert empty["things"] == 0 and empty["types"] == [] and empty["schemes"] == []
    soon = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    await put(client, minimal_td("urn:example:a", **{"@type": "saref:Sensor"}))
    await put(
        client,
        minimal_td(
            "urn:example:b",
            **{"@type": ["saref:Sensor", "saref:Meter"], "registration": {"expires": soon}},
        ),
    )
    response = await client.get("/stats")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    stats = response.json()
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert stats["things"] == 2
    assert stats["types"] == [
        {"type": "saref:Sensor", "count": 2},
        {"type": "saref:Meter", "count": 1},
    ]
    assert stats["schemes"] == [{"scheme": "uri", "count": 2}]
    assert stats["registrations"]["perDay"] == [{"day": today, "count": 2}]
    assert stats["expiring"]["perDay"] == [{"day": soon[:10], "count": 1}]
    assert stats["registrations"]["since"] < today < stats["expiring"]["until"]


async def test_stats_follow_changes(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td("urn:example:a"))
    assert (await client.get("/stats")).json()["things"] == 1
    await client.delete("/things/urn%3Aexample%3Aa")
    assert (await client.get("/stats")).json()["things"] == 0


async def test_stats_refuses_other_media_types(client: httpx.AsyncClient) -> None:
    response = await client.get("/stats", headers={"Accept": "text/html"})
    assert response.status_code == 406


async def test_listing_free_text(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td("urn:example:lamp", title="Kitchen Lamp"))
    await put(client, minimal_td("urn:example:fan", title="Kitchen fan", description="Quiet"))
    await put(client, minimal_td("urn:example:other", title="Other"))

    async def found(query: str, **params: str) -> list[str]:
        response = await client.get("/things", params={"q": query, **params})
        assert response.status_code == 200, response.text
        return [td["id"] for td in orjson.loads(response.content)]

    assert await found("kitchen") == ["urn:example:fan", "urn:example:lamp"]
    assert await found("KITCHEN fan") == ["urn:example:fan"]
    assert await found("quiet") == []  # titles and ids only: the description is not indexed
    assert await found("example:other") == ["urn:example:other"]
    assert await found("absent") == []
    page = await client.get(
        "/things", params={"q": "kitchen", "limit": "1", "format": "collection"}
    )
    collection = page.json()
    assert collection["total"] == 2
    assert "q=kitchen" in collection["next"]
    too_many = await client.get("/things", params={"q": " ".join("abcdefghi")})
    assert too_many.status_code == 400
