"""The CoAP server and Resource Directory of a real server process, through aiocoap's client."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiocoap
import httpx
import pytest
from aiocoap.util.linkformat import parse as parse_links

from tests.support import LiveServer, minimal_td, start_server, stop_server


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    port = free_udp_port()
    server = start_server(
        tmp_path_factory.mktemp("coap"), THINGREG_COAP_PORT=str(port), THINGREG_COAP_RD="on"
    )
    yield server, f"coap://127.0.0.1:{port}"
    stop_server(server)


@pytest.fixture
async def client() -> AsyncIterator[aiocoap.Context]:
    context = await aiocoap.Context.create_client_context(transports=["udp6"])
    yield context
    await context.shutdown()


async def request(
    client: aiocoap.Context, method: aiocoap.Code, uri: str, payload: str = ""
) -> aiocoap.Message:
    message = aiocoap.Message(code=method, uri=uri, payload=payload.encode())
    if payload:
        message.opt.content_format = 40
    response: aiocoap.Message = await asyncio.wait_for(client.request(message).response, 10)
    return response


def links_of(response: aiocoap.Message) -> list[tuple[str, dict[str, str]]]:
    return [
        (str(link.href), {str(k): str(v) for k, v in link.attr_pairs})
        for link in parse_links(response.payload.decode()).links
    ]


ADMIN = {"Authorization": "Bearer test-admin-token"}
"""The administrator credential :func:`start_server` gives the server."""

SENSOR_LINKS = '</sensors/temp>;rt="temperature-c";if="sensor";ct=0;obs,</td>;rt="wot.thing";ct=432'


async def test_well_known_core_names_the_directory_and_the_rd(
    live: tuple[LiveServer, str], client: aiocoap.Context
) -> None:
    server, coap = live
    response = await request(client, aiocoap.GET, coap + "/.well-known/core")
    assert response.code == aiocoap.CONTENT
    assert response.opt.content_format == 40
    links = dict(links_of(response))
    assert links[server.url + "/.well-known/wot"]["rt"] == "wot.directory"
    assert links["/rd"]["rt"] == "core.rd"
    assert links["/rd-lookup/ep"]["rt"] == "core.rd-lookup-ep"
    assert links["/rd-lookup/res"]["rt"] == "core.rd-lookup-res"
    filtered = links_of(await request(client, aiocoap.GET, coap + "/.well-known/core?rt=core.rd"))
    assert [href for href, _ in filtered] == ["/rd"]


async def test_register_lookup_update_remove(
    live: tuple[LiveServer, str], client: aiocoap.Context
) -> None:
    server, coap = live
    created = await request(
        client, aiocoap.POST, coap + "/rd?ep=node1&d=lab&lt=300&et=oic.d.sensor", SENSOR_LINKS
    )
    assert created.code == aiocoap.CREATED
    assert created.opt.location_path == ("reg", "urn:thingreg:rd:lab:node1")
    thing = "urn:thingreg:rd:lab:node1"

    td = httpx.get(f"{server.url}/things/{thing}").json()
    assert td["title"] == "node1"
    assert td["@type"] == ["corerd:Endpoint", "oic.d.sensor"]
    assert td["registration"]["ttl"] == 300
    prop = td["properties"]["sensors-temp"]
    assert prop["@type"] == "temperature-c"
    assert prop["observable"] is True
    assert prop["forms"][0]["contentType"] == "text/plain;charset=utf-8"
    assert prop["forms"][0]["href"] == td["base"] + "/sensors/temp"
    assert td["links"] == [
        {"rel": "describedby", "href": td["base"] + "/td", "type": "application/td+json"}
    ]
    listed = [t["id"] for t in httpx.get(f"{server.url}/things").json()]
    assert thing in listed  # public: anonymous clients see it

    # Written by the registry itself, owned by nobody, public
    access = httpx.get(f"{server.url}/things/{thing}/access", headers=ADMIN).json()
    assert access["owner"] == "" and access["visibility"] == "public"
    entries = httpx.get(f"{server.url}/audit", headers=ADMIN).json()
    assert any(
        e["subject"] == thing and e["actor"] == "system (CoAP resource directory)" for e in entries
    )

    resources = links_of(
        await request(client, aiocoap.GET, coap + "/rd-lookup/res?rt=temperature-c")
    )
    assert resources == [
        (
            td["base"] + "/sensors/temp",
            {"rt": "temperature-c", "if": "sensor", "ct": "0", "obs": "None", "anchor": td["base"]},
        )
    ]
    assert links_of(await request(client, aiocoap.GET, coap + "/rd-lookup/res?rt=nothing")) == []
    endpoints = links_of(await request(client, aiocoap.GET, coap + "/rd-lookup/ep?d=lab"))
    assert endpoints == [
        (
            f"/reg/{thing}",
            {"ep": "node1", "d": "lab", "base": td["base"], "et": "oic.d.sensor", "lt": "300"},
        )
    ]
    assert links_of(await request(client, aiocoap.GET, coap + "/rd-lookup/ep?ep=node*"))
    assert not links_of(await request(client, aiocoap.GET, coap + "/rd-lookup/ep?ep=other"))

    registration = f"{coap}/reg/{thing}"
    before = td["registration"]["expires"]
    time.sleep(0.01)
    updated = await request(
        client, aiocoap.POST, registration + "?lt=600&base=coap://[2001:db8::1]"
    )
    assert updated.code == aiocoap.CHANGED
    td = httpx.get(f"{server.url}/things/{thing}").json()
    assert td["registration"]["ttl"] == 600
    assert td["registration"]["expires"] > before
    assert td["base"] == "coap://[2001:db8::1]"
    assert (
        td["properties"]["sensors-temp"]["forms"][0]["href"] == "coap://[2001:db8::1]/sensors/temp"
    )
    own = links_of(await request(client, aiocoap.GET, registration))
    assert [href for href, _ in own] == ["/sensors/temp", "/td"]

    removed = await request(client, aiocoap.DELETE, registration)
    assert removed.code == aiocoap.DELETED
    assert httpx.get(f"{server.url}/things/{thing}").status_code == 404
    gone = await request(client, aiocoap.DELETE, registration)
    assert gone.code == aiocoap.NOT_FOUND


async def test_registration_expires_after_its_lifetime(
    live: tuple[LiveServer, str], client: aiocoap.Context
) -> None:
    server, coap = live
    created = await request(client, aiocoap.POST, coap + "/rd?ep=shortlived&lt=1", "</a>")
    assert created.code == aiocoap.CREATED
    url = f"{server.url}/things/urn:thingreg:rd:shortlived"
    assert httpx.get(url).status_code == 200
    deadline = time.monotonic() + 15
    while httpx.get(url).status_code != 404:
        assert time.monotonic() < deadline, "the registration outlived its lifetime"
        await asyncio.sleep(0.2)
    assert not links_of(await request(client, aiocoap.GET, coap + "/rd-lookup/ep?ep=shortlived"))


async def test_registration_errors(live: tuple[LiveServer, str], client: aiocoap.Context) -> None:
    _, coap = live
    no_ep = await request(client, aiocoap.POST, coap + "/rd?lt=60", "</a>")
    assert no_ep.code == aiocoap.BAD_REQUEST
    assert b"ep=" in no_ep.payload
    bad_lt = await request(client, aiocoap.POST, coap + "/rd?ep=x&lt=soon", "</a>")
    assert bad_lt.code == aiocoap.BAD_REQUEST
    bad_links = await request(client, aiocoap.POST, coap + "/rd?ep=x", "not <links")
    assert bad_links.code == aiocoap.BAD_REQUEST
    missing = await request(client, aiocoap.POST, coap + "/reg/urn:thingreg:rd:nobody")
    assert missing.code == aiocoap.NOT_FOUND


async def test_rd_cannot_take_over_a_thing_registered_over_http(
    live: tuple[LiveServer, str], client: aiocoap.Context
) -> None:
    server, coap = live
    thing = "urn:dev:mac:0024beffff804ff1"
    put = httpx.put(f"{server.url}/things/{thing}", json=minimal_td(thing), headers=ADMIN)
    assert put.status_code == 201
    takeover = await request(client, aiocoap.POST, coap + f"/rd?ep={thing}", "</a>")
    assert takeover.code == aiocoap.FORBIDDEN
    delete = await request(client, aiocoap.DELETE, f"{coap}/reg/{thing}")
    assert delete.code == aiocoap.FORBIDDEN
    read = httpx.get(f"{server.url}/things/{thing}", headers=ADMIN).json()
    assert read["title"] == minimal_td(thing)["title"]

    # A thing with an owner is not the RD's even when its TD carries RD data
    forged = "urn:dev:mac:0024beffff804ff2"
    td = {
        **minimal_td(forged),
        "corerd:registration": {"ep": forged, "base": "coap://[::1]", "links": []},
    }
    assert httpx.put(f"{server.url}/things/{forged}", json=td, headers=ADMIN).status_code == 201
    takeover = await request(client, aiocoap.POST, coap + f"/rd?ep={forged}", "</a>")
    assert takeover.code == aiocoap.FORBIDDEN
    delete = await request(client, aiocoap.DELETE, f"{coap}/reg/{forged}")
    assert delete.code == aiocoap.FORBIDDEN


async def test_registration_is_off_unless_switched_on(
    tmp_path: Path, client: aiocoap.Context
) -> None:
    port = free_udp_port()
    server = start_server(tmp_path, THINGREG_COAP_PORT=str(port), THINGREG_ANONYMOUS_READS="false")
    try:
        coap = f"coap://127.0.0.1:{port}"
        links = dict(links_of(await request(client, aiocoap.GET, coap + "/.well-known/core")))
        assert "/rd" not in links
        assert "/rd-lookup/res" in links
        refused = await request(client, aiocoap.POST, coap + "/rd?ep=x", "</a>")
        assert refused.code == aiocoap.NOT_FOUND
        # Without anonymous reads, the (unauthenticated) lookups are refused too
        lookup = await request(client, aiocoap.GET, coap + "/rd-lookup/ep")
        assert lookup.code == aiocoap.UNAUTHORIZED
    finally:
        stop_server(server)
