"""CoAP Resource Directory figures: registrations, refreshes and lookups per second, and the
latency of a lookup as the number of registered endpoints grows (prints; asserts nothing).

    .venv/bin/python -m bench.coap                    # 2,000 endpoints, concurrency 16
    .venv/bin/python -m bench.coap --endpoints 200    # smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiocoap

from bench.report import machine
from bench.server import Server

LINKS = b'</temp>;rt="temperature-c";ct=0;obs,</hum>;rt="humidity";ct=0,</td>;rt="wot.thing"'


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def timed(
    count: int, concurrency: int, one: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Run ``one(i)`` for i < count with ``concurrency`` workers; (seconds, latencies in ms)."""
    latencies: list[float] = []
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            start = time.perf_counter()
            await one(i)
            latencies.append((time.perf_counter() - start) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies


async def run(endpoints: int, concurrency: int) -> None:
    port = free_udp_port()
    coap = f"coap://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as work:
        server = Server(
            Path(work), [], env={"THINGREG_COAP_PORT": str(port), "THINGREG_COAP_RD": "on"}
        )
        server.start()
        try:
            await server.wait_ready()
            client = await aiocoap.Context.create_client_context(transports=["udp6"])

            async def send(code: aiocoap.Code, uri: str, payload: bytes = b"") -> aiocoap.Message:
                message = aiocoap.Message(code=code, uri=uri, payload=payload)
                if payload:
                    message.opt.content_format = 40
                response: aiocoap.Message = await client.request(message).response
                if not response.code.is_successful():
                    raise RuntimeError(f"{uri}: {response.code} {response.payload!r}")
                return response

            async def register(i: int) -> None:
                await send(aiocoap.POST, f"{coap}/rd?ep=node-{i}&d=bench&lt=3600", LINKS)

            async def refresh(i: int) -> None:
                await send(aiocoap.POST, f"{coap}/reg/urn:thingreg:rd:bench:node-{i}?lt=3600")

            rows = []
            for name, one, n in (
                ("register", register, endpoints),
                ("refresh (lt)", refresh, endpoints),
            ):
                seconds, lat = await timed(n, concurrency, one)
                rows.append((name, n, n / seconds, statistics.median(lat), _p99(lat)))
            for name, uri in (
                ("lookup ep, one by name", f"{coap}/rd-lookup/ep?ep=node-7&d=bench"),
                ("lookup res, rt, first 10", f"{coap}/rd-lookup/res?rt=temperature-c&count=10"),
                ("lookup res, rt, all (blockwise)", f"{coap}/rd-lookup/res?rt=temperature-c"),
            ):
                n = 20

                async def lookup(i: int, uri: str = uri) -> None:
                    await send(aiocoap.GET, uri)

                seconds, lat = await timed(n, 1, lookup)
                rows.append((name, n, n / seconds, statistics.median(lat), _p99(lat)))
            await client.shutdown()
        finally:
            server.stop()
    info = machine()
    print(f"# CoAP RD, {endpoints} endpoints, concurrency {concurrency}; {info}")
    print(f"{'phase':<32} {'n':>6} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, n, rate, p50, p99 in rows:
        print(f"{name:<32} {n:>6} {rate:>9.0f} {p50:>8.2f} {p99:>8.2f}")


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoints", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(run(args.endpoints, args.concurrency))


if __name__ == "__main__":
    main()
