"""The JSONPath search API in-process: results, prefiltered plans, and bad queries."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.support import minimal_td

THINGS = [
    minimal_td("urn:s:1", title="Lamp", **{"@type": "saref:LightSwitch"}),
    minimal_td("urn:s:2", title="Heater", **{"@type": ["saref:Actuator", "saref:Device"]}),
    minimal_td(
        "urn:s:3",
        title="Thermometer",
        properties={
            "temperature": {
                "type": "number",
                "unit": "celsius",
                "forms": [{"href": "https://t.example/temp", "op": "readproperty"}],
            }
        },
    ),
]


@pytest.fixture
async def filled(client: httpx.AsyncClient) -> httpx.AsyncClient:
    for td in THINGS:
        response = await client.put(
            "/things/" + quote(str(td["id"]), safe=""),
            content=orjson.dumps(td),
            headers={"Content-Type": "application/td+json"},
        )
        assert response.status_code == 201
    return client


async def search(client: httpx.AsyncClient, query: str) -> httpx.Response:
    return await client.get("/search/jsonpath", params={"query": query})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("$[?@.title=='Lamp'].id", ["urn:s:1"]),
        ("$[?(@.title=='Heater')].id", ["urn:s:2"]),
        ("$[?@['@type']=='saref:LightSwitch'].title", ["Lamp"]),
        ("$[?@.properties.temperature.unit=='celsius'].id", ["urn:s:3"]),
        ("$..forms[?@.op=='readproperty'].href", ["https://t.example/temp"]),
        ("$[*].title", ["Lamp", "Heater", "Thermometer"]),
        ("$[0].id", ["urn:s:1"]),
        ("$[-1].id", ["urn:s:3"]),
        ("$[?@.title=='Nothing']", []),
        ("$.things", []),
        ("$[?@.registration.created].id", ["urn:s:1", "urn:s:2", "urn:s:3"]),
        ("$[?@.id == $[1].id].title", ["Heater"]),
    ],
)
async def test_search_results(filled: httpx.AsyncClient, query: str, expected: list[str]) -> None:
    response = await search(filled, query)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected


async def test_whole_tds_are_enriched(filled: httpx.AsyncClient) -> None:
    [td] = (await search(filled, "$[?@.id=='urn:s:1']")).json()
    assert "https://www.w3.org/2022/wot/discovery" in td["@context"]
    assert "created" in td["registration"]


@pytest.mark.parametrize("query", ["", "$[", "title", "$[?@.a==]", "$" + "." * 3000])
async def test_bad_queries_are_400(client: httpx.AsyncClient, query: str) -> None:
    response = await search(client, query)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]


async def test_missing_query_is_400(client: httpx.AsyncClient) -> None:
    assert (await client.get("/search/jsonpath")).status_code == 400


@pytest.mark.parametrize("language", ["xpath", "sparql"])
async def test_other_languages_are_501(client: httpx.AsyncClient, language: str) -> None:
    response = await client.get(f"/search/{language}", params={"query": "x"})
    assert response.status_code == 501
    assert response.headers["content-type"] == "application/problem+json"
