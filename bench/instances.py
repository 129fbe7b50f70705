"""Benchmark two ``thingreg serve`` instances on one PostgreSQL database.

Two figures, each with an SSE subscriber on each instance counting every event:

1. **through one**: creates of generated TDs through instance A only, ``--concurrency`` at a
   time. Figures: creates/s, and the event latency seen by the subscribers of A and of B: the
   time from A's ``201`` to the event's arrival (the relay's wake-up, its read of the event log,
   the SSE write; for B also the ``NOTIFY`` between the processes).
2. **through both**: as many creates again, split evenly over A and B, the same concurrency in
   all. Figures: creates/s (whether a second instance adds write throughput), event latency.

Both subscribers must see every event, in the same gap-free order; the run fails otherwise.
The database is a fresh schema in ``--db``, dropped at the end.

::

    python -m bench.instances                 # about 20 s
    python -m bench.instances --things 5000 --json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import orjson

from bench.report import Report, Table, machine, machine_line, write
from bench.server import Server
from bench.tdgen import make_td

TD_JSON = {"Content-Type": "application/td+json"}


class Subscriber:
    """One SSE stream: the arrival time of each event, by thing id, and the event ids."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.arrived: dict[str, float] = {}
        self.ids: list[int] = []
        self.ready = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async with (
            httpx.AsyncClient(base_url=self.url, timeout=None) as http,
            http.stream("GET", "/events/thing_created") as response,
        ):
            self.ready.set()
            data: bytes | None = None
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    data = line[5:].strip().encode()
                elif line.startswith("id:") and data is not None:
                    self.arrived[orjson.loads(data)["id"]] = time.perf_counter()
                    self.ids.append(int(line[3:]))
                    data = None

    async def wait_for(self, thing_ids: Sequence[str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while missing := [t for t in thing_ids if t not in self.arrived]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.url}: {len(missing)} events did not arrive")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def _create(
    clients: Sequence[httpx.AsyncClient], tds: list[dict[str, Any]], concurrency: int
) -> tuple[float, dict[str, float]]:
    """PUT every TD, round-robin over ``clients``; the wall time and each 201's time."""
    answered: dict[str, float] = {}
    queue = iter(enumerate(tds))

    async def worker() -> None:
        for n, td in queue:
            thing_id = str(td["id"])
            response = await clients[n % len(clients)].put(
                "/things/" + quote(thing_id, safe=""), content=orjson.dumps(td), headers=TD_JSON
            )
            if response.status_code != 201:
                raise RuntimeError(f"PUT {thing_id}: {response.status_code} {response.text}")
            answered[thing_id] = time.perf_counter()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, answered


def _latency(subscriber: Subscriber, answered: dict[str, float]) -> dict[str, float]:
    delays = sorted(subscriber.arrived[t] - answered[t] for t in answered)
    return {
        "p50_ms": statistics.median(delays) * 1000,
        "p99_ms": delays[min(len(delays) - 1, int(len(delays) * 0.99))] * 1000,
        "max_ms": delays[-1] * 1000,
    }


@contextlib.asynccontextmanager
async def _schema(url: str) -> AsyncIterator[str]:
    name = f"thingreg_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
        parts = urllib.parse.urlsplit(url)
        query = [*urllib.parse.parse_qsl(parts.query), ("search_path", name)]
        yield urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    finally:
        await conn.execute(f'DROP SCHEMA "{name}" CASCADE')
        await conn.close()


async def run(args: argparse.Namespace) -> Report:
    rng = random.Random(args.seed)
    tds = [make_td(i, rng) for i in range(2 * args.things)]
    report: Report = {"machine": machine(), "things": args.things, "concurrency": args.concurrency}
    async with _schema(args.db) as url, contextlib.AsyncExitStack() as stack:
        servers = []
        for name in ("a", "b"):
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"tr-{name}-")))
            server = Server(workdir, [], {"THINGREG_DB": url})
            server.start()
            stack.callback(server.stop)
            servers.append(server)
        for server in servers:
            await server.wait_ready()
        limits = httpx.Limits(max_connections=args.concurrency)
        a, b = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=s.url, timeout=30, limits=limits)
            )
            for s in servers
        ]
        subscribers = [Subscriber(s.url) for s in servers]
        for subscriber in subscribers:
            stack.push_async_callback(subscriber.close)
            await subscriber.ready.wait()
        await asyncio.sleep(0.5)
        for phase, clients, batch in (
            ("through_one", [a], tds[: args.things]),
            ("through_both", [a, b], tds[args.things :]),
        ):
            seconds, answered = await _create(clients, batch, args.concurrency)
            for subscriber in subscribers:
                await subscriber.wait_for(list(answered))
            report[phase] = {
                "creates_per_s": len(batch) / seconds,
                "latency_a": _latency(subscribers[0], answered),
                "latency_b": _latency(subscribers[1], answered),
            }
        ids_a, ids_b = subscribers[0].ids, subscribers[1].ids
        report["events_identical_and_gap_free"] = (
            ids_a == ids_b == list(range(ids_a[0], ids_a[0] + len(ids_a)))
        )
    return report


def render(report: Report) -> str:
    lines = [
        machine_line(report["machine"]),
        f"{report['things']:,} creates per phase, {report['concurrency']} at a time",
    ]
    table = Table()
    for phase, label in (("through_one", "through A"), ("through_both", "through A and B")):
        figures = report[phase]
        table.row(f"creates {label}", f"{figures['creates_per_s']:,.0f} things/s")
        for side in ("a", "b"):
            lat = figures[f"latency_{side}"]
            figures_ms = (lat["p50_ms"], lat["p99_ms"], lat["max_ms"])
            table.row(
                f"  event latency at {side.upper()}",
                "p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms".format(*figures_ms),
            )
    ok = report["events_identical_and_gap_free"]
    table.row("both subscribers: same events, no gap", "yes" if ok else "NO", "yes", ok)
    return "\n".join([*lines, *table.lines()])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.instances", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--things", type=int, default=2000, help="creates per phase")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests")
    parser.add_argument("--db", default="postgresql://127.0.0.1/test", help="PostgreSQL URL")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated TDs")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = asyncio.run(run(args))
    write(report, args.json, render)
    return 0 if report["events_identical_and_gap_free"] else 1


if __name__ == "__main__":
    sys.exit(main())
