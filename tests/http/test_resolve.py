"""Aliases and resolution in-process: identifiers in TDs, uniqueness, any notation resolves."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.support import minimal_td

TD_JSON = {"Content-Type": "application/td+json"}
IMEI_CANONICAL = "urn:gsma:imei:49015420-323751-0"
MAC_CANONICAL = "urn:dev:mac:0024beffff804ff1"


def path(thing_id: str) -> str:
    return "/things/" + quote(thing_id, safe="")


async def put(client: httpx.AsyncClient, td: dict[str, object]) -> httpx.Response:
    return await client.put(path(str(td["id"])), content=orjson.dumps(td), headers=TD_JSON)


async def resolve(client: httpx.AsyncClient, text: str, **params: str) -> httpx.Response:
    return await client.get("/resolve/" + quote(text, safe=""), params=params)


async def test_identifiers_are_stored_canonical(client: httpx.AsyncClient) -> None:
    td = minimal_td("urn:example:tracker", identifiers=["49-015420-323751-8", "00:24:BE:80:4F:F1"])
    assert (await put(client, td)).status_code == 201
    stored = (await client.get(path("urn:example:tracker"))).json()
    assert stored["identifiers"] == [IMEI_CANONICAL, MAC_CANONICAL]


@pytest.mark.parametrize(
    "notation",
    [
        "49-015420-323751-8",
        "490154203237518",
        "urn:gsma:imei:49015420-323751-0",
        "urn:imei:490154203237518",
        "00:24:be:80:4f:f1",
        "0024.be80.4ff1",
        "urn:example:tracker",
    ],
)
async def test_any_notation_resolves(client: httpx.AsyncClient, notation: str) -> None:
    td = minimal_td("urn:example:tracker", identifiers=["49-015420-323751-8", "00:24:BE:80:4F:F1"])
    await put(client, td)
    response = await resolve(client, notation)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == "urn:example:tracker"
    assert body["href"] == path("urn:example:tracker")
    assert body["readings"] or notation == "urn:example:tracker"


async def test_redirect_when_asked(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td("urn:example:tracker", identifiers=["490154203237518"]))
    response = await resolve(client, "490154203237518", redirect="true")
    assert response.status_code == 303
    assert response.headers["location"] == path("urn:example:tracker")
    by_accept = await client.get(
        "/resolve/490154203237518", headers={"Accept": "application/td+json"}
    )
    assert by_accept.status_code == 303


async def test_thing_id_in_a_known_scheme_resolves_from_other_notations(
    client: httpx.AsyncClient,
) -> None:
    assert (await put(client, minimal_td("urn:imei:490154203237518"))).status_code == 201
    body = (await resolve(client, "49-015420-323751-8")).json()
    assert body["id"] == "urn:imei:490154203237518"


async def test_alias_in_use_is_409(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td("urn:example:a", identifiers=["00:24:be:80:4f:f1"]))
    second = await put(client, minimal_td("urn:example:b", identifiers=["0024-be80-4ff1"]))
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    assert (await client.get(path("urn:example:b"))).status_code == 404


async def test_alias_uniqueness_under_concurrency(client: httpx.AsyncClient) -> None:
    tds = [minimal_td(f"urn:example:c{n}", identifiers=["490154203237518"]) for n in range(20)]
    statuses = [r.status_code for r in await asyncio.gather(*(put(client, td) for td in tds))]
    assert statuses.count(201) == 1
    assert statuses.count(409) == 19


async def test_alias_is_released_on_delete_and_replace(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td("urn:example:a", identifiers=["490154203237518"]))
    await put(client, minimal_td("urn:example:a"))
    assert (
        await put(client, minimal_td("urn:example:b", identifiers=["490154203237518"]))
    ).status_code == 201
    await client.delete(path("urn:example:b"))
    assert (await resolve(client, "490154203237518")).status_code == 404


async def test_bad_identifiers_are_validation_errors(client: httpx.AsyncClient) -> None:
    td = minimal_td("urn:example:a", identifiers=["urn:gsma:imei:49015420-323751-9", 7])
    response = await put(client, td)
    assert response.status_code == 400
    fields = [e["field"] for e in response.json()["validationErrors"]]
    assert fields == ["identifiers.0", "identifiers.1"]


async def test_unknown_and_invalid_identifiers(client: httpx.AsyncClient) -> None:
    unknown = await resolve(client, "00:11:22:33:44:55")
    assert unknown.status_code == 404
    assert unknown.json()["readings"][0]["scheme"] == "mac"
    invalid = await resolve(client, "urn:gsma:imei:49015420-323751-9")
    assert invalid.status_code == 400
    assert "imei" in invalid.json()["detail"].lower()


async def test_parse_endpoint(client: httpx.AsyncClient) -> None:
    body = (await client.get("/ids/" + quote("49-015420-323751-8", safe=""))).json()
    assert body["readings"][0]["canonical"] == IMEI_CANONICAL


async def test_listing_filters_by_scheme_and_alias(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td("urn:example:a", identifiers=["490154203237518"]))
    await put(client, minimal_td("urn:example:b", identifiers=["00:24:be:80:4f:f1"]))
    await put(client, minimal_td("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"))
    by_scheme = await client.get("/things", params={"scheme": "imei"})
    assert [td["id"] for td in by_scheme.json()] == ["urn:example:a"]
    several = await client.get("/things", params={"scheme": "imei,uuid"})
    assert [td["id"] for td in several.json()] == [
        "urn:example:a",
        "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
    ]
    by_alias = await client.get("/things", params={"alias": "0024.BE80.4FF1"})
    assert [td["id"] for td in by_alias.json()] == ["urn:example:b"]
    page = await client.get(
        "/things", params={"scheme": "imei,uuid", "limit": 1, "format": "collection"}
    )
    assert page.json()["total"] == 2
    assert "scheme=imei%2Cuuid" in page.json()["next"]


async def test_search_within_a_scheme(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td("urn:example:a", identifiers=["490154203237518"]))
    await put(client, minimal_td("urn:example:b", identifiers=["00:24:be:80:4f:f1"]))
    everything = await client.get("/search/jsonpath", params={"query": "$[*].id"})
    assert everything.json() == ["urn:example:a", "urn:example:b"]
    macs = await client.get("/search/jsonpath", params={"query": "$[*].id", "scheme": "mac"})
    assert macs.json() == ["urn:example:b"]
    first = await client.get(
        "/search/jsonpath", params={"query": "$[0].id", "alias": "49-015420-323751-8"}
    )
    assert first.json() == ["urn:example:a"]
