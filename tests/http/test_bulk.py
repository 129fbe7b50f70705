"""``POST /things:import``: NDJSON and arrays, per-line results, idempotence, write access."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import orjson

from tests.conftest import _client_for
from tests.support import minimal_td
from thingreg.config import Settings

NDJSON = {"Content-Type": "application/x-ndjson"}


def ndjson(*tds: object) -> bytes:
    return b"".join(orjson.dumps(td) + b"\n" for td in tds)


async def test_import_then_again_unchanged(client: httpx.AsyncClient) -> None:
    body = ndjson(*(minimal_td(f"urn:example:bulk-{n}", title=f"T{n}") for n in range(5)))
    answer = await client.post("/things:import", content=body, headers=NDJSON)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    result = answer.json()
    assert result == {
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "lastLine": 5,
        "rejections": [],
        "rejectionsNotShown": 0,
    }
    got = (await client.get("/things/urn%3Aexample%3Abulk-3")).json()
    assert got["title"] == "T3" and "registration" in got
    listed = (await client.get("/things?limit=100")).json()
    assert [td["id"] for td in listed] == [f"urn:example:bulk-{n}" for n in range(5)]
    again = (await client.post("/things:import", content=body, headers=NDJSON)).json()
    assert (again["created"], again["unchanged"]) == (0, 5)
    changed = ndjson(minimal_td("urn:example:bulk-1", title="changed"))
    third = (await client.post("/things:import", content=changed, headers=NDJSON)).json()
    assert third["updated"] == 1
    got = (await client.get("/things/urn%3Aexample%3Abulk-1")).json()
    assert got["title"] == "changed"


async def test_rejected_lines_have_numbers_and_problems(client: httpx.AsyncClient) -> None:
    body = b"\n".join(
        [
            orjson.dumps(minimal_td("urn:example:ok-1")),
            b"{not json",
            b"",
            orjson.dumps({"id": "urn:example:no-title", "@context": "x"}),
            orjson.dumps(minimal_td(None)),
            orjson.dumps(minimal_td("urn:example:ok-2", identifiers=["tel:+4930123456"])),
            orjson.dumps(minimal_td("urn:example:ok-3", identifiers=["tel:+4930123456"])),
        ]
    )
    result = (await client.post("/things:import", content=body, headers=NDJSON)).json()
    assert (result["created"], result["rejected"], result["lastLine"]) == (2, 4, 7)
    rejections = {r["line"]: r for r in result["rejections"]}
    assert sorted(rejections) == [2, 4, 5, 7]
    assert "not valid JSON" in rejections[2]["detail"]
    assert rejections[4]["id"] == "urn:example:no-title"
    assert rejections[4]["validationErrors"]
    assert rejections[4]["status"] == 400
    assert "has no id" in rejections[5]["detail"]
    assert rejections[7]["status"] == 409
    assert rejections[7]["type"].endswith("/conflict")


async def test_json_array_streamed(client: httpx.AsyncClient) -> None:
    tds = [minimal_td(f"urn:example:arr-{n}") for n in range(30)]
    raw = orjson.dumps(tds, option=orjson.OPT_INDENT_2)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 97):  # cut anywhere, mid-string included
            yield raw[start : start + 97]

    answer = await client.post(
        "/things:import", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert answer.json()["created"] == 30
    assert (await client.get("/things")).json()[29]["id"] == "urn:example:arr-9"


async def test_wrong_media_type_is_415(client: httpx.AsyncClient) -> None:
    answer = await client.post("/things:import", content=b"x", headers={"Content-Type": "text/csv"})
    assert answer.status_code == 415
    assert answer.headers["content-type"] == "application/problem+json"


async def test_needs_write_access(settings: Settings) -> None:
    tuned = dataclasses.replace(settings, api_token="s3cret")
    async with _client_for(tuned) as client:
        body = ndjson(minimal_td("urn:example:guarded"))
        assert (await client.post("/things:import", content=body)).status_code == 401
        auth = {"Authorization": "Bearer s3cret", **NDJSON}
        answer = await client.post("/things:import", content=body, headers=auth)
        assert answer.json()["created"] == 1


async def test_things_belong_to_the_principals_owner(client: httpx.AsyncClient) -> None:
    assert (await client.post("/owners", json={"name": "acme"})).status_code == 201
    made = await client.post("/owners/acme/keys", json={"label": "import"})
    acme = {"Authorization": f"Bearer {made.json()['token']}", **NDJSON}
    admins = ndjson(minimal_td("urn:example:admins-own"))
    assert (await client.post("/things:import", content=admins, headers=NDJSON)).json()[
        "created"
    ] == 1
    body = ndjson(minimal_td("urn:example:acme-1"), minimal_td("urn:example:admins-own"))
    answer = (await client.post("/things:import", content=body, headers=acme)).json()
    assert (answer["created"], answer["rejected"]) == (1, 1)
    assert answer["rejections"][0]["line"] == 2 and answer["rejections"][0]["status"] == 409
    access = await client.get("/things/urn:example:acme-1/access")
    assert access.json()["owner"] == "acme" and access.json()["visibility"] == "owner"
    assert (await client.get("/things/urn:example:acme-1", headers=acme)).status_code == 200
    anonymous = {"Authorization": "", **NDJSON}
    assert (await client.post("/things:import", content=body, headers=anonymous)).status_code == 401
