"""The Things API in-process: create, read, replace, patch, delete, list, and bad input."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.support import minimal_td

TD_JSON = {"Content-Type": "application/td+json"}
PATCH_JSON = {"Content-Type": "application/merge-patch+json"}


def path(thing_id: str) -> str:
    return "/things/" + quote(thing_id, safe="")


async def put(client: httpx.AsyncClient, td: dict[str, object]) -> httpx.Response:
    return await client.put(path(str(td["id"])), content=orjson.dumps(td), headers=TD_JSON)


async def test_put_creates_then_replaces(client: httpx.AsyncClient) -> None:
    td = minimal_td()
    created = await put(client, td)
    assert created.status_code == 201
    assert created.headers["location"] == path("urn:example:thing-1")
    replaced = await put(client, {**td, "title": "Renamed"})
    assert replaced.status_code == 204
    got = await client.get(path("urn:example:thing-1"))
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/td+json"
    body = got.json()
    assert body["title"] == "Renamed"
    assert "https://www.w3.org/2022/wot/discovery" in body["@context"]
    registration = body["registration"]
    assert registration["created"] <= registration["modified"] <= registration["retrieved"]


@pytest.mark.parametrize(
    "thing_id",
    [
        "urn:example:a/b:c",
        "https://example.com/things/42?x=1#frag",
        "urn:dev:mac:0024befffe804ff1",
        "urn:example:with%20percent",
        "urn:example:%C3%BCn%C3%AFcode",
        "did:web:example.com:devices:d1",
    ],
)
async def test_ids_round_trip_exactly(client: httpx.AsyncClient, thing_id: str) -> None:
    assert (await put(client, minimal_td(thing_id))).status_code == 201
    got = await client.get(path(thing_id))
    assert got.status_code == 200
    assert got.json()["id"] == thing_id
    listed = (await client.get("/things")).json()
    assert [td["id"] for td in listed] == [thing_id]
    assert (await client.delete(path(thing_id))).status_code == 204


async def test_post_anonymous_gets_uuid_urn(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", content=orjson.dumps(minimal_td(None)), headers=TD_JSON)
    assert response.status_code == 201
    location = response.headers["location"]
    assert location.startswith("/things/urn%3Auuid%3A")
    got = await client.get(location)
    assert got.status_code == 200
    assert got.json()["id"].startswith("urn:uuid:")
    assert got.json()["id"][9:23] != ""


async def test_post_with_id_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", content=orjson.dumps(minimal_td()), headers=TD_JSON)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "PUT" in response.json()["detail"]


async def test_put_id_mismatch_is_refused(client: httpx.AsyncClient) -> None:
    td = minimal_td("urn:example:other")
    response = await client.put(path("urn:example:thing-1"), content=orjson.dumps(td))
    assert response.status_code == 400
    assert (await client.get(path("urn:example:thing-1"))).status_code == 404


async def test_invalid_td_gets_validation_errors(client: httpx.AsyncClient) -> None:
    td = minimal_td()
    del td["security"]
    td["title"] = 42
    response = await put(client, td)
    assert response.status_code == 400
    problem = response.json()
    assert problem["status"] == 400
    assert problem["title"] == "Bad Request"
    fields = {e["field"] for e in problem["validationErrors"]}
    assert {"(root)", "title"} <= fields
    assert all(set(e) == {"field", "description"} for e in problem["validationErrors"])


async def test_patch_merges_and_revalidates(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td(description="old"))
    patched = await client.patch(
        path("urn:example:thing-1"),
        content=orjson.dumps({"description": None, "title": "Patched"}),
        headers=PATCH_JSON,
    )
    assert patched.status_code == 204
    body = (await client.get(path("urn:example:thing-1"))).json()
    assert body["title"] == "Patched"
    assert "description" not in body

    breaking = await client.patch(
        path("urn:example:thing-1"), content=orjson.dumps({"security": None}), headers=PATCH_JSON
    )
    assert breaking.status_code == 400
    assert breaking.json()["validationErrors"]
    assert (await client.get(path("urn:example:thing-1"))).json()["security"] == "nosec_sc"


async def test_patch_needs_merge_patch_media_type(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td())
    response = await client.patch(
        path("urn:example:thing-1"), content=b'{"title": "x"}', headers=TD_JSON
    )
    assert response.status_code == 415


async def test_patch_and_delete_unknown_are_404(client: httpx.AsyncClient) -> None:
    missing = path("urn:example:missing")
    assert (await client.patch(missing, content=b"{}", headers=PATCH_JSON)).status_code == 404
    assert (await client.delete(missing)).status_code == 404
    response = await client.get(missing)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_head_returns_headers_only(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td())
    head = await client.head(path("urn:example:thing-1"))
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "application/td+json"
    assert (await client.head("/things")).status_code == 200


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", TD_JSON, 400),
        (b"", TD_JSON, 400),
        (b"[]", TD_JSON, 400),
        (orjson.dumps(minimal_td()), {"Content-Type": "text/plain"}, 415),
        (b"x" * (1_048_576 + 1), TD_JSON, 413),
    ],
)
async def test_bad_bodies_get_problems(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = await client.put(path("urn:example:thing-1"), content=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


async def test_ten_megabyte_body_is_refused_without_reading_it(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td())
    big = minimal_td(description="x" * 10_000_000)
    response = await put(client, big)
    assert response.status_code == 413
    assert response.json()["status"] == 413
    assert (await client.get(path("urn:example:thing-1"))).json()["title"] == "Thing One"


async def test_id_that_is_not_a_uri_is_refused(client: httpx.AsyncClient) -> None:
    td = minimal_td("not a uri")
    response = await client.put(path("not a uri"), content=orjson.dumps(td), headers=TD_JSON)
    assert response.status_code == 400
    assert (await client.get(path("no-scheme"))).status_code == 400
    unicode = await client.get(path("urn:example:é"))
    assert unicode.status_code == 400
    assert "percent-encoded" in unicode.json()["detail"]


async def test_unsupported_method_is_405(client: httpx.AsyncClient) -> None:
    response = await client.patch("/things", content=b"{}", headers=PATCH_JSON)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


async def test_listing_is_sorted_and_paged(client: httpx.AsyncClient) -> None:
    ids = [f"urn:example:{c}" for c in "edcbaBA~_-"] + ["urn:example:%C3%A9", "urn:example:z"]
    for thing_id in ids:
        assert (await put(client, minimal_td(thing_id))).status_code == 201
    everything = (await client.get("/things")).json()
    assert [td["id"] for td in everything] == sorted(ids)

    first = await client.get("/things", params={"limit": 4})
    assert [td["id"] for td in first.json()] == sorted(ids)[:4]
    links = first.headers["link"]
    assert '</things?offset=4&limit=4>; rel="next"' in links
    assert 'rel="canonical"; etag="' in links
    collected = first.json()
    url = "/things?offset=4&limit=4"
    while True:
        page = await client.get(url)
        collected += page.json()
        if 'rel="next"' not in page.headers["link"]:
            break
        url = page.headers["link"].split(">", 1)[0][1:]
    assert [td["id"] for td in collected] == sorted(ids)


async def test_collection_format(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await put(client, minimal_td(f"urn:example:{n}"))
    page = (await client.get("/things", params={"format": "collection", "limit": 2})).json()
    assert page["@type"] == "ThingCollection"
    assert page["total"] == 3
    assert [td["id"] for td in page["members"]] == ["urn:example:0", "urn:example:1"]
    assert page["next"] == "/things?offset=2&limit=2&format=collection"


async def test_etag_changes_when_collection_changes(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td("urn:example:1"))
    before = (await client.get("/things", params={"limit": 1})).headers["link"]
    await put(client, minimal_td("urn:example:2"))
    after = (await client.get("/things", params={"limit": 1})).headers["link"]
    assert before != after


@pytest.mark.parametrize("query", ["limit=0", "limit=-1", "limit=abc", "offset=-3", "format=xml"])
async def test_bad_listing_parameters(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get("/things?" + query)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_ttl_sets_expires_and_patch_renews(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td(registration={"ttl": 3600, "expires": "2000-01-01T00:00:00Z"}))
    first = (await client.get(path("urn:example:thing-1"))).json()["registration"]
    assert first["ttl"] == 3600
    assert first["expires"] > first["modified"]
    renewed = await client.patch(path("urn:example:thing-1"), content=b"{}", headers=PATCH_JSON)
    assert renewed.status_code == 204
    second = (await client.get(path("urn:example:thing-1"))).json()["registration"]
    assert second["expires"] >= first["expires"]
    assert second["created"] == first["created"]


async def test_client_cannot_set_created(client: httpx.AsyncClient) -> None:
    await put(client, minimal_td(registration={"created": "2000-01-01T00:00:00Z"}))
    body = (await client.get(path("urn:example:thing-1"))).json()
    assert body["registration"]["created"] > "2020"
