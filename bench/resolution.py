"""Resolve latency at scale: local ``/resolve``, and one hop through a delegating registry.

Two ``thingreg serve`` processes on loopback:

* **home** holds the things: generated TDs (:func:`bench.tdgen.make_td`), each listing one or
  two aliases from :mod:`bench.aliases` under ``identifiers``. It is authoritative for the
  aliases' prefixes (``THINGREG_NAMESPACES``).
* **front** holds no things, only a delegation of each of those prefixes to home
  (``PUT /delegations/{prefix}``), like a registry in another country.

Every ``GET /resolve/{identifier}`` names an alias in a notation other than its canonical form
(a dashed IMEI, a MAC with colons, an element string…), percent-encoded as one path segment,
and its answer is checked: the right thing, the right ``Location``, a cached answer where one
is expected. The phases, each from ``concurrency`` keep-alive clients:

1. ``local``: at home, ids drawn at random (after an untimed warm-up);
2. ``redirect``: at front without ``proxy``: the ``307`` to home, which the client does not follow;
3. ``proxy_miss``: at front with ``?proxy=true``, every identifier a different one, so front asks
   home each time (over its own HTTP client) and home resolves it;
4. ``proxy_hit``: at front with ``?proxy=true``, ids drawn from a small set asked once before,
   so front answers from its cache (the answer carries ``Age``).
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from bench.aliases import Alias, delegation_prefixes, make_aliases
from bench.httpclient import RawConnection, Request, Response
from bench.load import Check, Load, run_load
from bench.server import Meter, Server
from bench.tdgen import make_td

logger = logging.getLogger("bench.ids")

TD_MEDIA_TYPE = "application/td+json"
ACCEPT_JSON = ("Accept", "application/json")
WARM_UP = 500


@dataclass(frozen=True, slots=True)
class Options:
    things: int
    load_concurrency: int
    concurrency: int
    resolves: int
    hot: int
    seed: int
    headers: tuple[tuple[str, str], ...]
    server_args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Named:
    """One alias of one thing, and the notation it is asked in."""

    thing_id: str
    alias: Alias
    text: str


@dataclass(slots=True)
class Population:
    """The generated things as ready-made PUT requests, and every (thing, alias) pair."""

    pairs: list[tuple[str, Alias]] = field(default_factory=list)
    puts: list[Request] = field(default_factory=list)
    schemes: Counter[str] = field(default_factory=Counter)
    body_bytes: int = 0


def generate(count: int, seed: int, port: int, headers: tuple[tuple[str, str], ...]) -> Population:
    """``count`` TDs with aliases, each alias checked as it is made."""
    rng, alias_rng = random.Random(seed), random.Random(seed + 100)
    population = Population()
    put_headers = (("Content-Type", TD_MEDIA_TYPE), *headers)
    for i in range(count):
        td: dict[str, Any] = make_td(i, rng)
        aliases = make_aliases(i, alias_rng)
        td["identifiers"] = [alias.listed for alias in aliases]
        body = orjson.dumps(td)
        target = "/things/" + quote(td["id"], safe="")
        population.puts.append(Request.build("PUT", target, port, put_headers, body))
        population.body_bytes += len(body)
        for alias in aliases:
            population.pairs.append((td["id"], alias))
            population.schemes[alias.scheme] += 1
    return population


def _named(rng: random.Random, pair: tuple[str, Alias]) -> Named:
    thing_id, alias = pair
    return Named(thing_id, alias, rng.choice(alias.texts))


def drawn(rng: random.Random, pairs: Sequence[tuple[str, Alias]], k: int) -> list[Named]:
    """``k`` aliases drawn at random (with replacement), each in a random notation."""
    return [_named(rng, pair) for pair in rng.choices(pairs, k=k)]


def resolve_requests(
    port: int, names: Sequence[Named], headers: tuple[tuple[str, str], ...], proxy: bool
) -> list[Request]:
    query = "?proxy=true" if proxy else ""
    return [
        Request.build(
            "GET", f"/resolve/{quote(n.text, safe='')}{query}", port, (ACCEPT_JSON, *headers)
        )
        for n in names
    ]


# --- what a right answer is -----------------------------------------------------------------


def answers_thing(names: Sequence[Named], requests: Sequence[Request], cached: bool) -> Check:
    """The answer names the thing; with ``cached``, it came from front's cache (``Age``)."""
    expected = {r.target: n.thing_id for r, n in zip(requests, names, strict=True)}

    def check(request: Request, response: Response) -> str | None:
        try:
            body = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            return f"answered a body that is not JSON: {response.body[:80]!r}"
        found = body.get("id") if isinstance(body, dict) else None
        if found != expected[request.target]:
            return f"answered {found!r}, expected {expected[request.target]!r}"
        if cached and "age" not in response.headers:
            return "answered without Age: not from the cache"
        return None

    return check


def redirects_home(home: Server, names: Sequence[Named], requests: Sequence[Request]) -> Check:
    """The ``307`` sends the client to home's ``/resolve/`` with the canonical identifier."""
    expected = {
        r.target: f"{home.url}/resolve/{quote(n.alias.canonical, safe='')}?"
        for r, n in zip(requests, names, strict=True)
    }

    def check(request: Request, response: Response) -> str | None:
        location = response.headers.get("location", "")
        if not location.startswith(expected[request.target]):
            return f"Location {location!r}, expected {expected[request.target]!r}…"
        return None

    return check


# --- the run --------------------------------------------------------------------------------


async def measured(
    front: Server,
    home: Server,
    requests: Sequence[Request],
    options: Options,
    expect: int,
    check: Check,
) -> dict[str, object]:
    """A load at front, with home's CPU seconds too (it answers front's peer requests)."""
    with Meter(home) as peer:
        load: Load = await run_load(front, requests, options.concurrency, expect, check)
    return {**load.as_dict(expect), "peer_cpu_s": round(peer.server_cpu, 2)}


async def put_delegations(
    front: Server, home: Server, prefixes: Sequence[str], headers: tuple[tuple[str, str], ...]
) -> dict[str, int]:
    """Delegate each prefix at front to home; the statuses of the answers."""
    connection = RawConnection(front.port)
    statuses: Counter[int] = Counter()
    body = orjson.dumps({"registry": home.url, "note": "bench.ids"})
    try:
        for prefix in prefixes:
            target = "/delegations/" + quote(prefix, safe="")
            put_headers = (("Content-Type", "application/json"), *headers)
            response = await connection.send(
                Request.build("PUT", target, front.port, put_headers, body)
            )
            statuses[response.status] += 1
            if response.status not in (201, 204):
                logger.warning("PUT %s -> %s %r", target, response.status, response.body[:300])
    finally:
        await connection.aclose()
    return {str(status): n for status, n in statuses.items()}


def distinct(rng: random.Random, pairs: Sequence[tuple[str, Alias]]) -> Iterator[Named]:
    """Every alias once, in random order, each in a random notation."""
    order = list(pairs)
    rng.shuffle(order)
    return (_named(rng, pair) for pair in order)


async def benchmark(options: Options, workdir: Path) -> dict[str, Any]:
    """Load home, then measure the four phases; return the report's ``resolve`` part."""
    prefixes = delegation_prefixes()
    (workdir / "home").mkdir()
    (workdir / "front").mkdir()
    home = Server(
        workdir / "home",
        options.server_args,
        {"THINGREG_REGISTRY_ID": "home", "THINGREG_NAMESPACES": ",".join(prefixes)},
    )
    front = Server(
        workdir / "front",
        options.server_args,
        {"THINGREG_REGISTRY_ID": "front", "THINGREG_PEER_CACHE_TTL": "3600"},
    )
    logger.info("generating %s TDs with aliases", f"{options.things:,}")
    started = time.perf_counter()
    population = generate(options.things, options.seed, home.port, options.headers)
    report: dict[str, Any] = {
        "things": options.things,
        "aliases": len(population.pairs),
        "aliases_by_scheme": dict(population.schemes.most_common()),
        "generation_seconds": round(time.perf_counter() - started, 1),
        "mean_td_bytes": round(population.body_bytes / max(1, options.things)),
        "concurrency": options.concurrency,
    }
    home.start()
    front.start()
    try:
        await home.wait_ready()
        await front.wait_ready()
        await _phases(options, home, front, population, prefixes, report)
        report["servers"] = {
            name: {"rss_peak_mb": round(server.peak_kb() / 1024, 1), "alive": server.alive()}
            for name, server in (("home", home), ("front", front))
        }
    finally:
        front.stop()
        home.stop()
    for name, server in (("home", home), ("front", front)):
        if "Traceback" in server.log():
            report[f"{name}_log_tail"] = server.log()
    return report


async def _phases(
    options: Options,
    home: Server,
    front: Server,
    population: Population,
    prefixes: list[str],
    report: dict[str, Any],
) -> None:
    headers, pairs = options.headers, population.pairs
    rng = random.Random(options.seed + 1)

    logger.info("creating %s things, %d clients", f"{options.things:,}", options.load_concurrency)
    load = await run_load(home, population.puts, options.load_concurrency, 201)
    report["load"] = load.as_dict(201)
    population.puts.clear()

    logger.info("local resolve: %s requests, %d clients", options.resolves, options.concurrency)
    warm = resolve_requests(home.port, drawn(rng, pairs, WARM_UP), headers, proxy=False)
    await run_load(home, warm, options.concurrency, 200)
    names = drawn(rng, pairs, options.resolves)
    requests = resolve_requests(home.port, names, headers, proxy=False)
    load = await run_load(
        home, requests, options.concurrency, 200, answers_thing(names, requests, cached=False)
    )
    report["local"] = load.as_dict(200)

    report["delegations"] = {
        "prefixes": prefixes,
        "statuses": await put_delegations(front, home, prefixes, headers),
    }

    logger.info("redirects: %s requests", options.resolves)
    names = drawn(rng, pairs, WARM_UP + options.resolves)
    requests = resolve_requests(front.port, names, headers, proxy=False)
    await run_load(front, requests[:WARM_UP], options.concurrency, 307)
    names, requests = names[WARM_UP:], requests[WARM_UP:]
    check = redirects_home(home, names, requests)
    report["redirect"] = await measured(front, home, requests, options, 307, check)

    # Distinct aliases: a warm-up set, the misses, and the hot set, none asked twice.
    fresh = distinct(rng, pairs)
    hot = min(options.hot, len(pairs) // 10)
    warm_count = min(WARM_UP, len(pairs) // 10)
    misses = min(options.resolves, len(pairs) - hot - warm_count)
    warm_names = [next(fresh) for _ in range(warm_count)]
    miss_names = [next(fresh) for _ in range(misses)]
    hot_pairs = [(n.thing_id, n.alias) for n in (next(fresh) for _ in range(hot))]

    logger.info("proxied cache misses: %s distinct ids", f"{misses:,}")
    warm = resolve_requests(front.port, warm_names, headers, proxy=True)
    await run_load(front, warm, options.concurrency, 200)
    requests = resolve_requests(front.port, miss_names, headers, proxy=True)
    check = answers_thing(miss_names, requests, cached=False)
    report["proxy_miss"] = await measured(front, home, requests, options, 200, check)

    logger.info("proxied cache hits: %s requests over %d ids", options.resolves, hot)
    first = [_named(rng, pair) for pair in hot_pairs]
    warm = resolve_requests(front.port, first, headers, proxy=True)
    await run_load(front, warm, options.concurrency, 200)  # each id once: now cached
    warm = resolve_requests(front.port, drawn(rng, hot_pairs, hot), headers, proxy=True)
    await run_load(front, warm, options.concurrency, 200)
    names = drawn(rng, hot_pairs, options.resolves)
    requests = resolve_requests(front.port, names, headers, proxy=True)
    check = answers_thing(names, requests, cached=True)
    report["proxy_hit"] = {
        **await measured(front, home, requests, options, 200, check),
        "distinct_ids": hot,
    }
