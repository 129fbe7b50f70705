"""Three real registries on loopback — EU, JP and US — resolving each other's identifiers.

The delegation tables form a chain: EU sends every telephone number outside its own country
codes to JP (``tel:+`` → JP, a hub), JP imports US's namespaces (``tel:+1`` → US). So a US
number asked at EU takes two hops: EU → JP → US. A misconfigured pair (EU and JP delegating
``urn:dev:org:32473-`` to each other) shows loop detection; delegations to a port where
nothing listens and to a socket that never answers show bounded failures.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import orjson
import pytest

from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.support import (
    LiveServer,
    free_port,
    make_public,
    minimal_td,
    start_server,
    stop_server,
)
from thingreg.cli.main import main

CACHE_TTL = 1.0
PEER_TIMEOUT = 1.0
US_NUMBER = "tel:+1 202 555 0143"


@dataclass
class Registries:
    eu: LiveServer
    jp: LiveServer
    us: LiveServer
    silent: socket.socket
    """Listens (the kernel completes connections) but never accepts nor answers."""


def cli(*argv: str) -> int:
    return main([*argv, "--token", ADMIN_TOKEN] if argv[1] != "list" else list(argv))


def put_thing(server: LiveServer, thing_id: str, *identifiers: str) -> None:
    td = minimal_td(thing_id, identifiers=list(identifiers))
    response = httpx.put(
        f"{server.url}/things/{quote(thing_id, safe='')}",
        content=orjson.dumps(td),
        headers={"Content-Type": "application/td+json", **ADMIN},
    )
    assert response.status_code in (201, 204), response.text
    make_public(server.url, thing_id)  # registries resolve each other's things anonymously


def resolve(server: LiveServer, text: str, **params: str) -> httpx.Response:
    url = f"{server.url}/resolve/{quote(text, safe='')}"
    return httpx.get(url, params=params, follow_redirects=True, timeout=10)


@pytest.fixture(scope="module")
def registries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registries]:
    def start(name: str, namespaces: str) -> LiveServer:
        return start_server(
            tmp_path_factory.mktemp(name) / "data",
            THINGREG_REGISTRY_ID=name,
            THINGREG_NAMESPACES=namespaces,
            THINGREG_PEER_CACHE_TTL=str(CACHE_TTL),
            THINGREG_PEER_TIMEOUT=str(PEER_TIMEOUT),
        )

    with ThreadPoolExecutor(3) as pool:
        eu, jp, us = pool.map(start, ["eu", "jp", "us"], ["tel:+49,tel:+33", "tel:+81", "tel:+1"])
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        yield Registries(eu, jp, us, silent)
    finally:
        silent.close()
        for server in (eu, jp, us):
            stop_server(server)


@pytest.fixture(scope="module")
def chain(registries: Registries) -> Registries:
    """EU → JP → US for telephone numbers, set up the way an operator would, with the CLI."""
    eu, jp, us = registries.eu, registries.jp, registries.us
    assert cli("delegations", "import", us.url, "--url", jp.url) == 0
    assert cli("delegations", "import", jp.url, "--url", eu.url) == 0
    assert cli("delegations", "add", "tel:+", jp.url, "--url", eu.url, "--note", "hub") == 0
    put_thing(us, "urn:example:us-meter", US_NUMBER)
    return registries


def test_namespaces_are_published_and_imported(
    chain: Registries, capsys: pytest.CaptureFixture[str]
) -> None:
    published = httpx.get(chain.us.url + "/.well-known/thingreg").json()
    assert published["registry"] == "us"
    assert published["namespaces"] == ["tel:+1"]
    assert cli("delegations", "list", "--url", chain.jp.url, "--json") == 0
    table = orjson.loads(capsys.readouterr().out)
    assert [(d["prefix"], d["registry"], d["note"]) for d in table] == [
        ("tel:+1", chain.us.url, "imported from us")
    ]


def test_two_hops_by_following_redirects(chain: Registries) -> None:
    response = resolve(chain.eu, US_NUMBER)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "urn:example:us-meter"
    assert str(response.url).startswith(chain.us.url + "/resolve/")
    hops = [
        (r.status_code, str(r.url).split("/resolve/")[0], parse_qs(urlsplit(str(r.url)).query))
        for r in response.history
    ]
    assert hops == [(307, chain.eu.url, {}), (307, chain.jp.url, {"hops": ["1"], "via": ["eu"]})]
    assert parse_qs(response.url.query.decode()) == {"hops": ["2"], "via": ["eu,jp"]}


def test_two_hops_proxied(chain: Registries) -> None:
    response = resolve(chain.eu, US_NUMBER, proxy="true")
    assert response.status_code == 200, response.text
    assert not response.history
    body = response.json()
    assert body["id"] == "urn:example:us-meter"
    assert body["href"] == chain.us.url + "/things/urn%3Aexample%3Aus-meter"
    assert body["answeredBy"] == chain.us.url
    assert body["delegatedTo"] == {"prefix": "tel:+", "registry": chain.jp.url}
    td = httpx.get(body["href"]).json()
    assert td["identifiers"] == ["tel:+12025550143"]


def test_not_found_at_the_end_of_the_chain_names_the_registry(chain: Registries) -> None:
    response = resolve(chain.eu, "tel:+1 202 555 0100", proxy="true")
    assert response.status_code == 404
    assert response.json()["registry"] == chain.us.url
    followed = resolve(chain.eu, "tel:+1 202 555 0100")
    assert followed.status_code == 404
    assert str(followed.url).startswith(chain.us.url)


def test_a_loop_between_misconfigured_registries_is_508(registries: Registries) -> None:
    eu, jp = registries.eu, registries.jp
    prefix = "urn:dev:org:32473-"
    assert cli("delegations", "add", prefix, jp.url, "--url", eu.url) == 0
    assert cli("delegations", "add", prefix, eu.url, "--url", jp.url) == 0
    followed = resolve(eu, "urn:dev:org:32473-sensor-7")
    assert followed.status_code == 508
    assert [r.status_code for r in followed.history] == [307, 307]
    assert followed.json()["via"] == ["eu", "jp", "eu"]
    proxied = resolve(eu, "urn:dev:org:32473-sensor-7", proxy="true")
    assert proxied.status_code == 508
    problem = proxied.json()
    assert problem["via"] == ["eu", "jp", "eu"]
    assert "eu → jp → eu" in problem["detail"]
    assert problem["registry"] == eu.url  # the registry that saw the request come back


@pytest.mark.parametrize(("kind", "status"), [("down", 502), ("silent", 504)])
def test_a_peer_that_is_down_or_silent_is_answered_in_bounded_time(
    registries: Registries, kind: str, status: int
) -> None:
    port = free_port() if kind == "down" else registries.silent.getsockname()[1]
    peer = f"http://127.0.0.1:{port}"
    prefix = f"did:web:{kind}.example"
    assert cli("delegations", "add", prefix, peer, "--url", registries.eu.url) == 0
    started = time.monotonic()
    response = resolve(registries.eu, f"did:web:{kind}.example:meter", proxy="true")
    elapsed = time.monotonic() - started
    assert response.status_code == status, response.text
    assert response.json()["registry"] == peer
    assert elapsed < PEER_TIMEOUT + 2.0


def test_cached_answers_expire(chain: Registries) -> None:
    eu, us = chain.eu, chain.us
    number = "tel:+1 202 555 0199"
    put_thing(us, "urn:example:us-car", number)
    first = resolve(eu, number, proxy="true")
    assert first.json()["id"] == "urn:example:us-car"
    assert "age" not in first.headers
    # The number moves to another thing at US; EU keeps serving its cached answer...
    deleted = httpx.delete(f"{us.url}/things/urn%3Aexample%3Aus-car", headers=ADMIN)
    assert deleted.status_code == 204
    put_thing(us, "urn:example:us-truck", number)
    assert resolve(us, number).json()["id"] == "urn:example:us-truck"
    cached = resolve(eu, number, proxy="true")
    assert cached.json()["id"] == "urn:example:us-car"
    assert "age" in cached.headers
    # ...until the TTL has passed (at EU and at JP, which caches on the way too).
    time.sleep(CACHE_TTL + 0.3)
    refreshed = resolve(eu, number, proxy="true")
    assert refreshed.json()["id"] == "urn:example:us-truck"
    assert "age" not in refreshed.headers
