"""The delegation table over HTTP, the well-known namespaces, and /resolve of delegated ids."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import orjson
import pytest

from tests.conftest import ADMIN, ADMIN_TOKEN, _client_for
from tests.support import (
    LiveServer,
    free_port,
    make_public,
    minimal_td,
    start_server,
    stop_server,
)
from thingreg.app import create_app
from thingreg.config import Settings

PEER = "http://jp.registry.test"
NUMBER = "tel:+81 3 1234 5678"
CANONICAL = "tel:+81312345678"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        registry_id="eu",
        namespaces="tel:+49, urn:dev:org:32473-",
        max_hops=3,
        peer_timeout=1.0,
        api_token=ADMIN_TOKEN,
    )


def delegation(prefix: str) -> str:
    return "/delegations/" + quote(prefix, safe="")


def resolve_path(text: str) -> str:
    return "/resolve/" + quote(text, safe="")


async def delegate(client: httpx.AsyncClient, prefix: str, registry: str) -> httpx.Response:
    return await client.put(delegation(prefix), json={"registry": registry, "note": "test"})


# --- the table ----------------------------------------------------------------------------------


async def test_create_replace_read_delete(client: httpx.AsyncClient) -> None:
    created = await client.put(delegation("tel:+81"), json={"registry": PEER + "/", "note": "JP"})
    assert created.status_code == 201
    assert created.headers["location"] == "/delegations/tel%3A%2B81"
    replaced = await delegate(client, "tel:+81", "https://jp2.registry.test")
    assert replaced.status_code == 204
    await delegate(client, "did:web:example.jp", PEER)
    table = (await client.get("/delegations")).json()
    assert [(d["prefix"], d["registry"]) for d in table] == [
        ("did:web:example.jp", PEER),
        ("tel:+81", "https://jp2.registry.test"),
    ]
    one = await client.get(delegation("tel:+81"))
    assert one.json() == table[1]
    assert one.json()["created"].endswith("Z")
    assert (await client.delete(delegation("tel:+81"))).status_code == 204
    gone = await client.delete(delegation("tel:+81"))
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert (await client.get(delegation("tel:+81"))).status_code == 404


async def test_a_prefix_may_hold_slashes(client: httpx.AsyncClient) -> None:
    prefix = "https://id.gs1.org/01/0614141"
    assert (await delegate(client, prefix, PEER)).status_code == 201
    assert (await client.get("/delegations/" + prefix)).json()["prefix"] == prefix


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"registry": "ftp://jp.example"}, "absolute http or https"),
        ({"registry": "jp.example"}, "absolute http or https"),
        ({"registry": "http://admin:pw@jp.example"}, "credentials"),
        ({"registry": "http://jp.example/?x=1"}, "no query"),
        ({"note": "no registry"}, "'registry'"),
        ({"registry": PEER, "note": 7}, "'note'"),
        ({"registry": PEER, "peer": PEER}, "unknown member"),
        ({"registry": PEER, "prefix": "tel:+82"}, "differs"),
        ([PEER], "JSON object"),
    ],
)
async def test_bad_bodies(client: httpx.AsyncClient, body: object, message: str) -> None:
    response = await client.put(delegation("tel:+81"), json=body)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert (await client.get("/delegations")).json() == []


@pytest.mark.parametrize("prefix", ["8190", "tel:+81 3", "x" * 300 + ":"])
async def test_bad_prefixes(client: httpx.AsyncClient, prefix: str) -> None:
    response = await delegate(client, prefix, PEER)
    assert response.status_code == 400
    assert response.json()["type"] == "https://thingreg.dev/problems/bad-request"


async def test_body_media_type_and_size(client: httpx.AsyncClient, settings: Settings) -> None:
    text = await client.put(
        delegation("tel:+81"), content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert text.status_code == 415
    big = orjson.dumps({"registry": PEER, "note": "x" * settings.max_body_bytes})
    assert (await client.put(delegation("tel:+81"), content=big)).status_code == 413


async def test_writes_need_the_token_when_one_is_set(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_token="s3cret")
    async with _client_for(settings) as client:
        assert (await delegate(client, "tel:+81", PEER)).status_code == 401
        auth = {"Authorization": "Bearer s3cret"}
        body = {"registry": PEER}
        assert (await client.put(delegation("tel:+81"), json=body, headers=auth)).status_code == 201
        assert (await client.get("/delegations")).status_code == 200
        assert (await client.delete(delegation("tel:+81"))).status_code == 401
        assert (await client.delete(delegation("tel:+81"), headers=auth)).status_code == 204


async def test_well_known_namespaces(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/thingreg")
    assert response.status_code == 200
    assert response.json() == {
        "registry": "eu",
        "url": "http://thingreg.test",
        "namespaces": ["tel:+49", "urn:dev:org:32473-"],
        "maxHops": 3,
        "resolve": "http://thingreg.test/resolve/{identifier}",
    }
    refused = await client.get("/.well-known/thingreg", headers={"Accept": "text/html"})
    assert refused.status_code == 406


def test_the_app_refuses_unusable_federation_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="registry id"):
        create_app(Settings(data_dir=tmp_path, registry_id="eu,jp"))


# --- resolving delegated identifiers: redirects and the trail ------------------------------------


async def test_delegated_identifier_redirects_to_the_peer(client: httpx.AsyncClient) -> None:
    await delegate(client, "tel:+8", "http://asia.registry.test")
    await delegate(client, "tel:+81", PEER + "/base")
    response = await client.get(resolve_path(NUMBER))
    assert response.status_code == 307
    location = response.headers["location"]
    assert location == f"{PEER}/base/resolve/tel%3A%2B81312345678?hops=1&via=eu"
    body = response.json()
    assert body["delegatedTo"] == {"prefix": "tel:+81", "registry": PEER + "/base"}
    assert body["identifier"]["canonical"] == CANONICAL
    assert body["location"] == location


async def test_the_trail_grows_and_redirect_is_carried(client: httpx.AsyncClient) -> None:
    await delegate(client, "tel:+81", PEER)
    response = await client.get(
        resolve_path(NUMBER), params={"hops": "1", "via": "us", "redirect": "true"}
    )
    assert response.status_code == 307
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query == {"hops": ["2"], "via": ["us,eu"], "redirect": ["true"]}


async def test_a_loop_is_508_naming_the_path(client: httpx.AsyncClient) -> None:
    await delegate(client, "tel:+81", PEER)
    response = await client.get(resolve_path(NUMBER), params={"hops": "2", "via": "eu,jp"})
    assert response.status_code == 508
    problem = response.json()
    assert problem["type"] == "https://thingreg.dev/problems/loop-detected"
    assert problem["via"] == ["eu", "jp", "eu"]
    assert "eu → jp → eu" in problem["detail"]


async def test_too_many_hops_is_508(client: httpx.AsyncClient) -> None:
    await delegate(client, "tel:+81", PEER)
    ok = await client.get(resolve_path(NUMBER), params={"hops": "2", "via": "a,b"})
    assert ok.status_code == 307
    response = await client.get(resolve_path(NUMBER), params={"hops": "3", "via": "a,b,c"})
    assert response.status_code == 508
    assert "more than 3 hops: a → b → c → eu" in response.json()["detail"]


@pytest.mark.parametrize(
    "params", [{"hops": "-1"}, {"hops": "x"}, {"via": "eu,,jp"}, {"via": "a b"}, {"proxy": "maybe"}]
)
async def test_bad_trail_parameters(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    await delegate(client, "tel:+81", PEER)
    assert (await client.get(resolve_path(NUMBER), params=params)).status_code == 400


async def test_local_things_and_own_namespaces_come_first(client: httpx.AsyncClient) -> None:
    await delegate(client, "tel:+", PEER)
    td = minimal_td("urn:example:phone", identifiers=["+81 3 1234 5678"])
    put = await client.put(
        "/things/urn%3Aexample%3Aphone",
        content=orjson.dumps(td),
        headers={"Content-Type": "application/td+json"},
    )
    assert put.status_code == 201
    local = await client.get(resolve_path(NUMBER))
    assert local.status_code == 200
    assert local.json()["id"] == "urn:example:phone"
    # tel:+49 is this registry's own namespace: not found here means not found, no peer asked.
    own = await client.get(resolve_path("tel:+49 30 1234567"), params={"proxy": "true"})
    assert own.status_code == 404
    assert own.json()["namespace"] == "tel:+49"
    # A longer delegation inside an own namespace is a sub-delegation, and is followed.
    await delegate(client, "tel:+4930", PEER)
    assert (await client.get(resolve_path("tel:+49 30 1234567"))).status_code == 307


# --- proxying -----------------------------------------------------------------------------------


async def test_proxy_to_a_peer_that_is_down_is_502(client: httpx.AsyncClient) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    await delegate(client, "tel:+81", down)
    started = time.monotonic()
    response = await client.get(resolve_path(NUMBER), params={"proxy": "true"})
    assert time.monotonic() - started < 2.0
    assert response.status_code == 502
    assert response.json()["registry"] == down


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(
        tmp_path_factory.mktemp("peer") / "data",
        THINGREG_REGISTRY_ID="jp",
        THINGREG_NAMESPACES="tel:+81",
    )
    td = minimal_td("urn:example:jp-phone", identifiers=[NUMBER])
    response = httpx.put(
        server.url + "/things/" + quote("urn:example:jp-phone", safe=""),
        content=orjson.dumps(td),
        headers={"Content-Type": "application/td+json", **ADMIN},
    )
    assert response.status_code == 201, response.text
    make_public(server.url, "urn:example:jp-phone")  # peers resolve anonymously
    yield server
    stop_server(server)


@pytest.fixture
async def proxied(client: httpx.AsyncClient, peer: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    await delegate(client, "tel:+81", peer.url)
    yield client


async def test_proxied_answer_names_the_peer(proxied: httpx.AsyncClient, peer: LiveServer) -> None:
    response = await proxied.get(resolve_path(NUMBER), params={"proxy": "true"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == "urn:example:jp-phone"
    assert body["href"] == peer.url + "/things/urn%3Aexample%3Ajp-phone"
    assert body["answeredBy"] == peer.url
    assert body["delegatedTo"] == {"prefix": "tel:+81", "registry": peer.url}
    assert response.headers["cache-control"] == "max-age=60"
    assert "age" not in response.headers
    again = await proxied.get(resolve_path(NUMBER), params={"proxy": "true"})
    assert again.json() == body
    assert "age" in again.headers


async def test_proxied_see_other_goes_to_the_peer_td(
    proxied: httpx.AsyncClient, peer: LiveServer
) -> None:
    response = await proxied.get(
        resolve_path(NUMBER), params={"proxy": "true"}, headers={"Accept": "application/td+json"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == peer.url + "/things/urn%3Aexample%3Ajp-phone"


async def test_proxied_404_says_which_registry(
    proxied: httpx.AsyncClient, peer: LiveServer
) -> None:
    response = await proxied.get(resolve_path("tel:+81 3 9999 0000"), params={"proxy": "true"})
    assert response.status_code == 404
    problem = response.json()
    assert problem["registry"] == peer.url
    assert f"the registry at {peer.url} has no thing" in problem["detail"]
