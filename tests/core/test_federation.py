"""The peer client: trails (hops, via), URLs that cannot leave the peer, the cache, failures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import free_port
from thingreg.core.errors import BadRequest
from thingreg.core.federation import (
    MAX_ANSWER_BYTES,
    AuthoritativeNotFound,
    Federation,
    FederationLoop,
    PeerAnswer,
    PeerLoop,
    PeerNotFound,
    PeerTimeout,
    PeerUnavailable,
    Trail,
    TTLCache,
    answer_headers,
    cache_ttl,
    check_options,
    check_peer_url,
    check_prefix,
)
from thingreg.store.base import Delegation

PEER = "http://jp.registry.test"
DELEGATION = Delegation("tel:+81", PEER)
CANONICAL = "tel:+81312345678"
THING = {"input": CANONICAL, "readings": [], "id": "urn:example:jp-1", "href": "/things/x"}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Handler = Callable[[httpx.Request], httpx.Response]


@asynccontextmanager
async def federation_with(
    handler: Handler | None = None,
    *,
    clock: Clock | None = None,
    timeout: float = 2.0,
    **options: Any,
) -> AsyncIterator[Federation]:
    transport = httpx.MockTransport(handler) if handler is not None else None
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        yield Federation(
            "eu",
            client,
            timeout=timeout,
            cache=TTLCache(clock=clock or time.monotonic),
            **options,
        )


def answering(
    status: int = 200, body: object = THING, headers: dict[str, str] | None = None
) -> tuple[Handler, list[httpx.Request]]:
    """A peer that always gives the same answer, and the requests it received."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=orjson.dumps(body), headers=headers)

    return handle, seen


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix",
    [
        "tel:+1",
        "urn:gsma:imei:49015420",
        "urn:dev:org:32473-",
        "did:web:example.jp",
        "urn:epc:id:sgtin:0614141.",
        "https://id.gs1.org/01/0614141",
    ],
)
def test_prefixes_that_are_starts_of_canonical_ids(prefix: str) -> None:
    assert check_prefix(prefix) == prefix


@pytest.mark.parametrize(
    "prefix", ["", "4901542", "tel", ":x", "tel:+1 202", "tel:\n", "urn:x" + "y" * 300]
)
def test_prefixes_refused(prefix: str) -> None:
    with pytest.raises(BadRequest):
        check_prefix(prefix)


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://jp.registry.example/", "https://jp.registry.example"),
        ("https://registry.example/api/", "https://registry.example/api"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_peer_urls(url: str, normalised: str) -> None:
    assert check_peer_url(url) == normalised


@pytest.mark.parametrize(
    "url",
    [
        "ftp://registry.example",
        "registry.example",
        "/relative",
        "http://",
        "http://user:secret@registry.example",
        "http://registry.example/?q=1",
        "http://registry.example/#f",
        "http://registry.example:port",
        "http://registry example",
        "https://" + "a" * 3000,
    ],
)
def test_peer_urls_refused(url: str) -> None:
    with pytest.raises(BadRequest):
        check_peer_url(url)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("eu,jp", (), 8, 3.0), "registry id"),
        (("", (), 8, 3.0), "registry id"),
        (("eu", ("no scheme",), 8, 3.0), "namespace 'no scheme'"),
        (("eu", (), 0, 3.0), "max_hops"),
        (("eu", (), 8, 0.0), "peer_timeout"),
    ],
)
def test_settings_are_checked(
    options: tuple[str, tuple[str, ...], int, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        check_options(*options)


# --- trails -------------------------------------------------------------------------------------


def test_trail_from_query() -> None:
    assert Trail.parse(0, "") == Trail()
    assert Trail.parse(2, "eu, jp") == Trail(2, ("eu", "jp"))
    assert Trail.parse(0, "eu,jp").hops == 2  # hops is never less than the registries listed
    with pytest.raises(BadRequest, match="invalid registry id"):
        Trail.parse(1, "eu,,jp")
    with pytest.raises(BadRequest, match="more than"):
        Trail.parse(0, ",".join(f"r{n}" for n in range(65)))


async def test_forward_adds_this_registry() -> None:
    async with federation_with() as federation:
        assert federation.forward(Trail(), CANONICAL) == Trail(1, ("eu",))
        assert federation.forward(Trail(1, ("us",)), CANONICAL) == Trail(2, ("us", "eu"))


async def test_a_trail_through_this_registry_is_a_loop() -> None:
    async with federation_with() as federation:
        with pytest.raises(FederationLoop) as caught:
            federation.forward(Trail(2, ("eu", "jp")), CANONICAL)
    assert caught.value.status == 508
    assert caught.value.problem_extra() == {"via": ["eu", "jp", "eu"], "hops": 2}
    assert "eu → jp → eu" in caught.value.detail


async def test_hop_limit() -> None:
    async with federation_with(max_hops=2) as federation:
        assert federation.forward(Trail(1, ("us",)), CANONICAL).hops == 2
        with pytest.raises(FederationLoop, match="more than 2 hops: us → jp → eu"):
            federation.forward(Trail(2, ("us", "jp")), CANONICAL)


async def test_own_namespaces_win_over_shorter_delegations() -> None:
    async with federation_with(namespaces=("tel:+813", "urn:dev:org:")) as federation:
        assert federation.authority(CANONICAL, Delegation("tel:+8", PEER)) == "tel:+813"
        assert federation.authority(CANONICAL, Delegation("tel:+813", PEER)) == "tel:+813"
        assert federation.authority(CANONICAL, Delegation("tel:+8131", PEER)) is None
        assert federation.authority("tel:+1202", Delegation("tel:+1", PEER)) is None
    assert AuthoritativeNotFound(CANONICAL, "tel:+813").status == 404


@given(st.one_of(st.text(min_size=1, max_size=60), st.sampled_from([".", "..", "a/../..", "@x"])))
def test_the_identifier_cannot_leave_the_peer_url(text: str) -> None:
    """Whatever the identifier holds (/, ?, #, @, ..), it is one path segment on the peer."""
    url = httpx.URL(Federation.resolve_url("https://jp.example:8443/api", text, Trail(1, ("eu",))))
    assert (url.scheme, url.host, url.port, url.fragment) == ("https", "jp.example", 8443, "")
    path, _, query = url.raw_path.decode("ascii").partition("?")
    prefix, segment = path.rsplit("/", 1)
    assert prefix == "/api/resolve"
    assert unquote(segment) == text
    assert parse_qs(query) == {"hops": ["1"], "via": ["eu"]}


# --- the cache ----------------------------------------------------------------------------------


def test_cache_entries_expire() -> None:
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(clock=clock)
    cache.put("a", 1, ttl=10)
    clock.now += 9.9
    entry = cache.get("a")
    assert entry is not None
    assert entry.value == 1
    assert cache.age(entry) == pytest.approx(9.9)
    clock.now += 0.1
    assert cache.get("a") is None
    assert len(cache) == 0


def test_cache_keeps_the_newest_entries_and_refuses_zero_ttl() -> None:
    cache: TTLCache[int, int] = TTLCache(max_entries=3, clock=Clock())
    for key in range(5):
        cache.put(key, key, ttl=60)
    assert [cache.get(k) is not None for k in range(5)] == [False, False, True, True, True]
    cache.put(4, 4, ttl=0)
    assert cache.get(4) is None


@pytest.mark.parametrize(
    ("headers", "ttl"),
    [
        ({}, 60.0),
        ({"Cache-Control": "max-age=5"}, 5.0),
        ({"Cache-Control": "public, max-age=30", "Age": "12"}, 18.0),
        ({"Cache-Control": "max-age=30, s-maxage=7"}, 7.0),
        ({"Cache-Control": "max-age=5", "Age": "9"}, 0.0),
        ({"Cache-Control": "no-store"}, 0.0),
        ({"Cache-Control": "no-cache, max-age=5"}, 0.0),
        ({"Cache-Control": "max-age=oops"}, 60.0),
        ({"Cache-Control": "max-age=999999999"}, 86400.0),
    ],
)
def test_cache_ttl_of_a_peer_answer(headers: dict[str, str], ttl: float) -> None:
    assert cache_ttl(httpx.Headers(headers), 60.0) == ttl


def test_answer_headers_let_downstream_caches_expire_in_step() -> None:
    assert answer_headers(PeerAnswer({}, 60.0)) == {"Cache-Control": "max-age=60"}
    cached = PeerAnswer({}, 60.0, age=12.2, cached=True)
    assert answer_headers(cached) == {"Cache-Control": "max-age=60", "Age": "13"}


# --- asking peers -------------------------------------------------------------------------------


async def test_ask_forwards_the_trail_and_rewrites_the_href() -> None:
    handler, seen = answering()
    async with federation_with(handler) as federation:
        answer = await federation.ask(DELEGATION, CANONICAL, Trail(2, ("us", "eu")))
    (request,) = seen
    assert request.url.host == "jp.registry.test"
    assert request.url.raw_path.startswith(b"/resolve/tel%3A%2B81312345678?")
    assert dict(request.url.params) == {"proxy": "true", "hops": "2", "via": "us,eu"}
    assert answer.body["id"] == "urn:example:jp-1"
    assert answer.body["href"] == "http://jp.registry.test/things/x"
    assert answer.body["answeredBy"] == PEER
    assert answer.body["delegatedTo"] == {"prefix": "tel:+81", "registry": PEER}
    assert not answer.cached


async def test_the_innermost_answer_of_a_chain_is_kept() -> None:
    relayed = {**THING, "href": "http://us.test/things/x", "answeredBy": "http://us.test"}
    handler, _ = answering(body=relayed)
    async with federation_with(handler) as federation:
        answer = await federation.ask(DELEGATION, CANONICAL, Trail())
    assert answer.body["href"] == "http://us.test/things/x"
    assert answer.body["answeredBy"] == "http://us.test"


async def test_answers_are_cached_until_their_ttl() -> None:
    clock = Clock()
    handler, seen = answering(headers={"Cache-Control": "max-age=30"})
    async with federation_with(handler, clock=clock, cache_ttl=60) as federation:
        first = await federation.ask(DELEGATION, CANONICAL, Trail())
        clock.now += 29
        second = await federation.ask(DELEGATION, CANONICAL, Trail())
        assert len(seen) == 1
        assert second.cached
        assert second.age == 29
        assert second.body == first.body
        clock.now += 1
        third = await federation.ask(DELEGATION, CANONICAL, Trail())
    assert len(seen) == 2
    assert not third.cached


async def test_default_ttl_and_no_store() -> None:
    clock = Clock()
    handler, seen = answering()
    async with federation_with(handler, clock=clock, cache_ttl=5) as federation:
        await federation.ask(DELEGATION, CANONICAL, Trail())
        clock.now += 4.9
        await federation.ask(DELEGATION, CANONICAL, Trail())
        assert len(seen) == 1
        clock.now += 0.1
        await federation.ask(DELEGATION, CANONICAL, Trail())
        assert len(seen) == 2
    handler, seen = answering(headers={"Cache-Control": "no-store"})
    async with federation_with(handler, clock=clock) as federation:
        await federation.ask(DELEGATION, CANONICAL, Trail())
        await federation.ask(DELEGATION, CANONICAL, Trail())
    assert len(seen) == 2


async def test_errors_are_not_cached() -> None:
    handler, seen = answering(404, {"detail": "no thing"})
    async with federation_with(handler) as federation:
        for _ in range(2):
            with pytest.raises(PeerNotFound):
                await federation.ask(DELEGATION, CANONICAL, Trail())
    assert len(seen) == 2


async def test_concurrent_misses_share_one_request() -> None:
    seen: list[httpx.Request] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        await asyncio.sleep(0.05)
        return httpx.Response(200, content=orjson.dumps(THING))

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as client:
        federation = Federation("eu", client)
        answers = await asyncio.gather(
            *(federation.ask(DELEGATION, CANONICAL, Trail()) for _ in range(10))
        )
    assert len(seen) == 1
    assert all(a.body == answers[0].body for a in answers)


@pytest.mark.parametrize(
    ("status", "body", "error", "detail", "extra"),
    [
        (
            404,
            {"detail": "no thing has the identifier"},
            PeerNotFound,
            f"the registry at {PEER} has no thing with the identifier {CANONICAL!r}",
            {"registry": PEER},
        ),
        (
            404,
            {"detail": "…", "registry": "http://us.test"},
            PeerNotFound,
            f"the registry at http://us.test has no thing with the identifier {CANONICAL!r}",
            {"registry": "http://us.test"},
        ),
        (
            508,
            {"detail": "resolution loop: eu → jp → eu", "via": ["eu", "jp", "eu"], "hops": 2},
            PeerLoop,
            "resolution loop: eu → jp → eu",
            {"via": ["eu", "jp", "eu"], "hops": 2, "registry": PEER},
        ),
        (
            504,
            {"detail": "the registry at http://us.test did not answer within 3 s"},
            PeerTimeout,
            "the registry at http://us.test did not answer within 3 s",
            {"registry": PEER},
        ),
        (
            500,
            {"detail": "an unexpected error occurred"},
            PeerUnavailable,
            f"the registry at {PEER} answered 500: an unexpected error occurred",
            {"registry": PEER, "status": 500},
        ),
        (
            307,
            {},
            PeerUnavailable,
            f"the registry at {PEER} answered 307",
            {"registry": PEER, "status": 307},
        ),
        (
            200,
            ["not", "an", "object"],
            PeerUnavailable,
            f"the registry at {PEER} answered 200",
            {"registry": PEER, "status": 200},
        ),
    ],
)
async def test_peer_problems_say_which_registry(
    status: int, body: object, error: type[Exception], detail: str, extra: dict[str, Any]
) -> None:
    handler, _ = answering(status, body)
    async with federation_with(handler) as federation:
        with pytest.raises(error) as caught:
            await federation.ask(DELEGATION, CANONICAL, Trail())
    assert caught.value.detail == detail  # type: ignore[attr-defined]
    assert caught.value.problem_extra() == extra  # type: ignore[attr-defined]


async def test_an_oversized_answer_is_refused() -> None:
    def huge(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b" " * (MAX_ANSWER_BYTES + 1))

    async with federation_with(huge) as federation:
        with pytest.raises(PeerUnavailable, match="answered 200"):
            await federation.ask(DELEGATION, CANONICAL, Trail())


# --- real sockets: a peer that is down, silent, or slow ----------------------------------------


@asynccontextmanager
async def tcp_peer(
    behaviour: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any],
) -> AsyncIterator[Delegation]:
    handlers: list[asyncio.Task[Any]] = []
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.append(task)
        writers.append(writer)
        await behaviour(reader, writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield Delegation("tel:+81", f"http://127.0.0.1:{port}")
    finally:
        # Python 3.11's Server.close() leaves accepted connections and their handlers running.
        server.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    await asyncio.sleep(30)


async def dripping(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Headers at once, then one byte of body every 50 ms: each read is quick, the whole slow."""
    await reader.readuntil(b"\r\n\r\n")
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    for _ in range(1000):
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("behaviour", [silent, dripping])
async def test_a_slow_peer_is_a_timeout_within_the_bound(
    behaviour: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any],
) -> None:
    async with tcp_peer(behaviour) as delegation, federation_with(timeout=0.3) as federation:
        started = time.monotonic()
        with pytest.raises(PeerTimeout, match=r"did not answer within 0\.3 s") as caught:
            await federation.ask(delegation, CANONICAL, Trail())
        elapsed = time.monotonic() - started
    assert caught.value.status == 504
    assert caught.value.problem_extra() == {"registry": delegation.peer}
    assert elapsed < 2.0


async def test_a_peer_that_is_down_is_a_bad_gateway() -> None:
    delegation = Delegation("tel:+81", f"http://127.0.0.1:{free_port()}")
    async with federation_with(timeout=2.0) as federation:
        with pytest.raises(PeerUnavailable, match="cannot be reached") as caught:
            await federation.ask(delegation, CANONICAL, Trail())
    assert caught.value.status == 502
