"""Semantic discovery in-process: listing and searching things by SAREF class."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.support import minimal_td

TD = "https://www.w3.org/2022/wot/td/v1.1"
OLD = {"saref": "https://w3id.org/saref#"}
NEW = {"saref": "https://saref.etsi.org/core/"}
FORM = [{"href": "https://t.example/p", "op": "readproperty"}]


def thing(thing_id: str, context: Any, **members: Any) -> dict[str, Any]:
    return minimal_td(thing_id, **{"@context": context, **members})


THINGS = [
    # Sensors, in every notation: compact with either namespace bound, full IRIs of each.
    thing("urn:t:temp-old", [TD, OLD], **{"@type": "saref:TemperatureSensor"}),
    thing("urn:t:temp-new", [TD, NEW], **{"@type": ["Thing", "saref:TemperatureSensor"]}),
    thing("urn:t:smoke-iri-old", TD, **{"@type": "https://w3id.org/saref#SmokeSensor"}),
    thing("urn:t:sensor-iri-new", TD, **{"@type": "https://saref.etsi.org/core/Sensor"}),
    thing(
        "urn:t:meter-sensor",
        [TD, {"s": "https://saref.etsi.org/core/"}],
        **{"@type": ["s:Meter", "s:Sensor"]},
    ),
    # Not sensors.
    thing("urn:t:meter", [TD, NEW], **{"@type": "saref:Meter"}),
    thing(
        "urn:t:switch",
        [TD, OLD],
        **{"@type": "saref:LightSwitch", "saref:hasFunction": {"@type": "saref:OnOffFunction"}},
        properties={"on": {"@type": "saref:OnOffState", "type": "boolean", "forms": FORM}},
    ),
    thing(
        "urn:t:plain",
        TD,
        properties={
            "t": {"@type": "https://saref.etsi.org/core/Temperature", "forms": FORM},
        },
    ),
    thing("urn:t:not-saref", [TD, {"saref": "https://example.com/"}], **{"@type": "saref:Sensor"}),
]
SENSORS = ["urn:t:meter-sensor", "urn:t:sensor-iri-new", "urn:t:smoke-iri-old"]
SENSORS += ["urn:t:temp-new", "urn:t:temp-old"]


@pytest.fixture
async def filled(client: httpx.AsyncClient) -> httpx.AsyncClient:
    for td in THINGS:
        response = await client.put(
            "/things/" + quote(str(td["id"]), safe=""),
            content=orjson.dumps(td),
            headers={"Content-Type": "application/td+json"},
        )
        assert response.status_code == 201, response.text
    return client


async def listed(client: httpx.AsyncClient, query: str) -> list[str]:
    response = await client.get("/things?" + query)
    assert response.status_code == 200, response.text
    return [td["id"] for td in response.json()]


@pytest.mark.parametrize(
    "sensor",
    [
        "saref:Sensor",
        "https://w3id.org/saref%23Sensor",
        "https://saref.etsi.org/core/Sensor",
        quote("https://w3id.org/saref#Sensor", safe=""),
    ],
)
async def test_sensor_query_finds_exactly_the_sensors(
    filled: httpx.AsyncClient, sensor: str
) -> None:
    assert await listed(filled, f"type={sensor}") == SENSORS


async def test_narrower_and_several_classes(filled: httpx.AsyncClient) -> None:
    assert await listed(filled, "type=saref:TemperatureSensor") == [
        "urn:t:temp-new",
        "urn:t:temp-old",
    ]
    meters_or_smoke = ["urn:t:meter", "urn:t:meter-sensor", "urn:t:smoke-iri-old"]
    assert await listed(filled, "type=saref:Meter&type=saref:SmokeSensor") == meters_or_smoke
    assert await listed(filled, "type=saref:Meter,saref:SmokeSensor") == meters_or_smoke
    assert await listed(filled, "type=saref:Device") == sorted(
        [*SENSORS, "urn:t:meter", "urn:t:switch"]
    )


async def test_affordances_functions_and_properties(filled: httpx.AsyncClient) -> None:
    assert await listed(filled, "type=saref:State") == ["urn:t:switch"]
    assert await listed(filled, "function=saref:ActuatingFunction") == ["urn:t:switch"]
    assert await listed(filled, "function=saref:SensingFunction") == []
    assert await listed(filled, "property=saref:Temperature") == ["urn:t:plain"]
    assert await listed(filled, "property=saref:Property") == ["urn:t:plain"]
    # Kinds are ANDed: a light switch with an on/off function.
    query = "type=saref:Switch&function=saref:OnOffFunction"
    assert await listed(filled, query) == ["urn:t:switch"]
    assert await listed(filled, "type=saref:Sensor&function=saref:OnOffFunction") == []


async def test_combines_with_other_filters_and_pages(filled: httpx.AsyncClient) -> None:
    assert await listed(filled, "type=saref:Sensor&alias=urn:t:temp-old") == ["urn:t:temp-old"]
    page = await filled.get("/things?type=saref:Sensor&limit=2&format=collection")
    body = page.json()
    assert body["total"] == len(SENSORS)
    assert [td["id"] for td in body["members"]] == SENSORS[:2]
    assert "type=saref%3ASensor" in body["next"]
    following = await filled.get(body["next"])
    assert [td["id"] for td in following.json()["members"]] == SENSORS[2:4]


async def test_search_takes_the_same_parameters(filled: httpx.AsyncClient) -> None:
    query = quote("$[*].id", safe="")
    response = await filled.get(f"/search/jsonpath?query={query}&type=saref:Sensor")
    assert response.status_code == 200
    assert response.json() == SENSORS
    query = quote("$[?@.title == 'Thing One'].id", safe="")
    response = await filled.get(f"/search/jsonpath?query={query}&property=saref:Temperature")
    assert response.json() == ["urn:t:plain"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("type=saref:Sensors", "not a class of SAREF core"),
        ("type=Sensor", "not a class of SAREF core"),
        ("function=saref:Sensor", "not a saref:Function"),
        ("property=saref:OnOffState", "not a saref:Property"),
    ],
)
async def test_unknown_classes_are_a_problem(
    filled: httpx.AsyncClient, query: str, message: str
) -> None:
    for path in ("/things?", "/search/jsonpath?query=%24%5B*%5D&"):
        response = await filled.get(path + query)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert message in response.json()["detail"]


async def test_a_replaced_thing_is_found_by_its_new_classes(filled: httpx.AsyncClient) -> None:
    patch = {"@type": "https://w3id.org/saref#Meter"}
    response = await filled.patch(
        "/things/urn:t:temp-old",
        content=orjson.dumps(patch),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 204
    assert "urn:t:temp-old" not in await listed(filled, "type=saref:Sensor")
    assert "urn:t:temp-old" in await listed(filled, "type=saref:Meter")


async def test_access_changes_keep_the_class_index(filled: httpx.AsyncClient) -> None:
    """Changing who may see a thing rewrites its row but not its TD: its classes stay indexed,
    and a reader who may now see it finds it by class."""
    switch = "/things/" + quote("urn:t:switch", safe="")
    response = await filled.put(switch + "/access", json={"visibility": "public"})
    assert response.status_code == 200, response.text
    assert await listed(filled, "type=saref:Switch") == ["urn:t:switch"]
    anonymous = {"Authorization": ""}
    response = await filled.get("/things?type=saref:Switch&format=collection", headers=anonymous)
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 1
    assert [td["id"] for td in response.json()["members"]] == ["urn:t:switch"]
