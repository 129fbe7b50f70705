"""Load and soak: a real ``thingreg serve`` under a mix of every kind of client, for minutes.

Workers on one asyncio loop, each with its own keep-alive connection, for ``--duration``
seconds (default 600): writers create things and delete old ones (past ``CHURN`` new ones,
one delete per create, so the collection stays level), readers GET random things, searchers
run a selective JSONPath query, devices do challenge + token pairs, and SSE subscribers hold
``/events`` open and count what arrives.
Every answer is checked for its expected status; the server's resident memory is sampled every
``--sample`` seconds. Prints throughput, p50/p99 per operation, the error count (should be 0)
and RSS over time (should level off)::

    python -m bench.soak --duration 180                                  # SQLite
    python -m bench.soak --duration 180 --db postgresql://127.0.0.1/test # a fresh schema there
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import random
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import orjson
import uvloop

from bench.auth import register_devices
from bench.httpclient import CONNECTION_ERRORS, HOST, RawConnection, Request
from bench.report import Report, machine, machine_line, write
from bench.server import BENCH_TOKEN, Server
from bench.tdgen import make_td
from thingreg.client.device import JWT_BEARER, assertion

logger = logging.getLogger("bench.soak")

ADMIN_HEADERS = (("Authorization", f"Bearer {BENCH_TOKEN}"),)
"""Every directory request: writes need a key, and new things are private to their owner."""
TD_HEADERS = (*ADMIN_HEADERS, ("Content-Type", "application/td+json"))
CHURN = 200
"""Things the writers keep beyond the preloaded ones: past that, each create deletes one."""
JSON_HEADERS = (("Content-Type", "application/json"),)
FORM_HEADERS = (("Content-Type", "application/x-www-form-urlencoded"),)


@dataclass(slots=True)
class Stats:
    """Latencies (ns) and failures per operation, events received by subscribers."""

    latencies: dict[str, list[int]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    events: int = 0

    def record(self, operation: str, started: int, status: int, expected: int, body: bytes) -> None:
        self.latencies.setdefault(operation, []).append(time.perf_counter_ns() - started)
        if status != expected:
            self.fail(operation, f"{status}: {body[:200]!r}")

    def fail(self, operation: str, why: str) -> None:
        self.errors[operation] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{operation} {why}")


def _percentile_ms(values: list[int], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return round(ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] / 1e6, 2)


async def _writer(port: int, stats: Stats, ids: list[str], until: float, seed: int) -> None:
    rng = random.Random(seed)
    connection = RawConnection(port)
    number = seed * 10_000_000
    with contextlib.suppress(asyncio.CancelledError):
        while time.monotonic() < until:
            number += 1
            td = make_td(number, rng)
            thing_id = str(td["id"])
            path = "/things/" + quote(thing_id, safe="")
            started = time.perf_counter_ns()
            request = Request.build("PUT", path, port, TD_HEADERS, orjson.dumps(td))
            answer = await _send(connection, request, stats, "create")
            if answer is not None:
                stats.record("create", started, answer.status, 201, answer.body)
                ids.append(thing_id)
            if len(ids) > CHURN:  # delete the oldest: the collection size stays level
                victim = ids.pop(0)
                started = time.perf_counter_ns()
                request = Request.build(
                    "DELETE", "/things/" + quote(victim, safe=""), port, ADMIN_HEADERS
                )
                answer = await _send(connection, request, stats, "delete")
                if answer is not None:
                    stats.record("delete", started, answer.status, 204, answer.body)
    await connection.aclose()


async def _send(connection: RawConnection, request: Request, stats: Stats, operation: str) -> Any:
    try:
        return await connection.send(request)
    except CONNECTION_ERRORS as error:
        stats.fail(operation, f"connection: {error!r}")
        await connection.aclose()
        return None


async def _reader(port: int, stats: Stats, stable: list[str], until: float, seed: int) -> None:
    rng = random.Random(seed)
    connection = RawConnection(port)
    while time.monotonic() < until:
        thing_id = rng.choice(stable)
        started = time.perf_counter_ns()
        request = Request.build("GET", "/things/" + quote(thing_id, safe=""), port, ADMIN_HEADERS)
        answer = await _send(connection, request, stats, "read")
        if answer is not None:
            stats.record("read", started, answer.status, 200, answer.body)
    await connection.aclose()


async def _searcher(port: int, stats: Stats, titles: list[str], until: float, seed: int) -> None:
    rng = random.Random(seed)
    connection = RawConnection(port)
    while time.monotonic() < until:
        query = f"$[?@.title=='{rng.choice(titles)}']"
        target = "/search/jsonpath?query=" + quote(query, safe="")
        started = time.perf_counter_ns()
        answer = await _send(
            connection, Request.build("GET", target, port, ADMIN_HEADERS), stats, "search"
        )
        if answer is not None:
            stats.record("search", started, answer.status, 200, answer.body)
            if answer.status == 200 and not orjson.loads(answer.body):
                stats.fail("search", "no result for a title that exists")
    await connection.aclose()


async def _device(server: Server, stats: Stats, device: tuple[str, Any, str], until: float) -> None:
    port = server.port
    thing_id, key, kid = device
    ask = Request.build(
        "POST", "/auth/challenge", port, JSON_HEADERS, orjson.dumps({"thing": thing_id})
    )
    connection = RawConnection(port)
    while time.monotonic() < until:
        started = time.perf_counter_ns()
        answer = await _send(connection, ask, stats, "auth")
        if answer is None or answer.status != 200:
            if answer is not None:
                stats.record("auth", started, answer.status, 200, answer.body)
            continue
        nonce = orjson.loads(answer.body)["nonce"]
        signed = assertion(key, nonce=nonce, audience=server.url, thing=thing_id, kid=kid)
        form = f"grant_type={quote(JWT_BEARER, safe='')}&assertion={signed}".encode()
        request = Request.build("POST", "/auth/token", port, FORM_HEADERS, form)
        answer = await _send(connection, request, stats, "auth")
        if answer is not None:
            stats.record("auth", started, answer.status, 200, answer.body)
    await connection.aclose()


async def _subscriber(port: int, stats: Stats, until: float) -> None:
    """Holds ``/events`` open, counting events; a dropped stream before the end is an error."""
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(
        f"GET /events HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: text/event-stream\r\n"
        f"Authorization: Bearer {BENCH_TOKEN}\r\n\r\n".encode()
    )
    try:
        while time.monotonic() < until:
            try:
                chunk = await asyncio.wait_for(
                    reader.read(1 << 16), max(0.1, until - time.monotonic())
                )
            except TimeoutError:
                break
            if not chunk:
                stats.fail("sse", "the stream ended")
                return
            stats.events += chunk.count(b"\nevent:") + chunk.startswith(b"event:")
    finally:
        writer.close()


async def _rss_sampler(
    server: Server, interval: float, until: float, out: list[tuple[float, int]]
) -> None:
    start = time.monotonic()
    while time.monotonic() < until:
        out.append((round(time.monotonic() - start, 1), server.rss_kb()))
        await asyncio.sleep(interval)
    out.append((round(time.monotonic() - start, 1), server.rss_kb()))


async def _soak(server: Server, args: argparse.Namespace) -> Report:
    port = server.port
    rng = random.Random(7)
    logger.info("preparing %d things and %d devices", args.things, args.devices)
    stable: list[str] = []
    titles: set[str] = set()
    preload = RawConnection(port)
    for number in range(args.things):
        td = make_td(number, rng)
        request = Request.build(
            "PUT", "/things/" + quote(str(td["id"]), safe=""), port, TD_HEADERS, orjson.dumps(td)
        )
        answer = await preload.send(request)
        if answer.status not in (200, 201):
            raise RuntimeError(f"preload failed: {answer.status} {answer.body[:200]!r}")
        stable.append(str(td["id"]))
        if "'" not in str(td.get("title", "'")):
            titles.add(str(td["title"]))
    await preload.aclose()
    devices = await asyncio.to_thread(register_devices, server.url, "ES256", args.devices)
    stats = Stats()
    rss: list[tuple[float, int]] = []
    until = time.monotonic() + args.duration
    created: list[str] = []
    logger.info("running the mix for %.0f s", args.duration)
    started = time.perf_counter()
    tasks = [
        *(_writer(port, stats, created, until, seed) for seed in range(1, args.writers + 1)),
        *(_reader(port, stats, stable, until, seed) for seed in range(args.readers)),
        *(_searcher(port, stats, sorted(titles), until, seed) for seed in range(args.searchers)),
        *(_device(server, stats, device, until) for device in devices),
        *(_subscriber(port, stats, until) for _ in range(args.subscribers)),
        _rss_sampler(server, args.sample, until, rss),
    ]
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    operations = {
        name: {
            "count": len(values),
            "per_second": round(len(values) / wall, 1),
            "p50_ms": _percentile_ms(values, 0.5),
            "p99_ms": _percentile_ms(values, 0.99),
            "errors": stats.errors[name],
        }
        for name, values in sorted(stats.latencies.items())
    }
    settled = [kb for t, kb in rss if t >= args.duration / 3]
    return {
        "machine": machine(),
        "store": "postgresql" if args.db else "sqlite",
        "seconds": round(wall, 1),
        "mix": {
            k: getattr(args, k)
            for k in ("writers", "readers", "searchers", "devices", "subscribers")
        },
        "operations": operations,
        "total_per_second": round(sum(len(v) for v in stats.latencies.values()) / wall, 1),
        "errors": sum(stats.errors.values()),
        "error_samples": stats.samples,
        "sse_events_received": stats.events,
        "rss_mb": [(t, round(kb / 1024, 1)) for t, kb in rss],
        "rss_growth_after_first_third_mb": round((max(settled) - min(settled)) / 1024, 1)
        if settled
        else None,
    }


@contextlib.contextmanager
def _schema(url: str) -> Iterator[str]:
    """A fresh schema in the PostgreSQL database at ``url``, dropped afterwards."""
    schema = f"thingreg_soak_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE SCHEMA "{schema}"'))
    parts = urllib.parse.urlsplit(url)
    query = [*urllib.parse.parse_qsl(parts.query), ("search_path", schema)]
    try:
        yield urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    finally:
        asyncio.run(run(f'DROP SCHEMA "{schema}" CASCADE'))


def run(args: argparse.Namespace) -> Report:
    with (
        tempfile.TemporaryDirectory(prefix="thingreg-soak-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        env = {}
        if args.db:
            env["THINGREG_DB"] = stack.enter_context(_schema(args.db))
        workdir = Path(tmp)
        (workdir / "data").mkdir()
        server = Server(workdir, [], env)
        server.start()
        try:
            asyncio.run(server.wait_ready())
            report = uvloop.run(_soak(server, args))
            report["server_alive"] = server.alive()
            return report
        finally:
            server.stop()


def render(report: Report) -> str:
    rows = [("operation", "count", "per s", "p50 ms", "p99 ms", "errors")]
    for name, f in report["operations"].items():
        rows.append(
            (name, *(str(f[k]) for k in ("count", "per_second", "p50_ms", "p99_ms", "errors")))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    table = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    rss = ", ".join(
        f"{t:.0f}s {mb} MB" for t, mb in report["rss_mb"][:: max(1, len(report["rss_mb"]) // 8)]
    )
    return "\n".join(
        [
            f"soak on {report['store']}, {report['seconds']} s, mix {report['mix']}",
            machine_line(report["machine"]),
            *table,
            f"total {report['total_per_second']} requests/s; errors {report['errors']}; "
            f"SSE events received {report['sse_events_received']}",
            f"server RSS: {rss}; growth after the first third: "
            f"{report['rss_growth_after_first_third_mb']} MB",
            *(f"  error: {sample}" for sample in report["error_samples"]),
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--duration", type=float, default=600.0, help="seconds of load (default 600)"
    )
    parser.add_argument(
        "--db", default="", help="postgresql:// URL (a fresh schema is used); default SQLite"
    )
    parser.add_argument("--things", type=int, default=2000, help="things loaded before the run")
    parser.add_argument("--devices", type=int, default=4, help="devices authenticating in a loop")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--searchers", type=int, default=2)
    parser.add_argument("--subscribers", type=int, default=8, help="SSE clients on /events")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    report = run(args)
    write(report, args.json, render)
    return 0 if report["errors"] == 0 and report["server_alive"] else 1


if __name__ == "__main__":
    sys.exit(main())
