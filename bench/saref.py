"""Benchmark semantic discovery: SAREF class queries over a large registry.

    python -m bench.saref                                   # 1,000,000 things, SQLite
    python -m bench.saref --db postgresql://127.0.0.1/test  # the same on PostgreSQL
    python -m bench.saref --things 20000                    # smoke run

The things are written straight into the database (:mod:`bench.saref_fill`), then
``thingreg serve`` runs on it and one client sends each query ``--runs`` times in a row (after
three untimed ones) and reads the whole response. Figures: the median and the slowest latency,
and how many things the query matches in all (the ``total`` of ``format=collection``).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import uvloop

from bench import saref_fill
from bench.httpclient import RawConnection, Request
from bench.report import Report, Table, machine, machine_line, write
from bench.server import Server

logger = logging.getLogger("bench.saref")

TARGET_MS = 50.0
"""The issue's target for a class query at 1M things."""

_ID = urllib.parse.quote('$[?@.title == "thing 0000777"].id', safe="")
QUERIES: list[tuple[str, str]] = [
    ("type=saref:Sensor (first 100)", "/things?type=saref:Sensor&limit=100"),
    ("type=saref:Device (first 100)", "/things?type=saref:Device&limit=100"),
    ("type=saref:SmokeSensor (first 100)", "/things?type=saref:SmokeSensor&limit=100"),
    ("type=saref:DoorSwitch (rare)", "/things?type=saref:DoorSwitch&limit=100"),
    ("type, full w3id IRI (first 100)", "/things?type=https://w3id.org/saref%23Meter&limit=100"),
    ("function=saref:ActuatingFunction", "/things?function=saref:ActuatingFunction&limit=100"),
    ("property=saref:Temperature", "/things?property=saref:Temperature&limit=100"),
    (
        "type=Sensor & function=Metering",
        "/things?type=saref:Sensor&function=saref:MeteringFunction&limit=100",
    ),
    ("type=saref:Sensor, 100th page", "/things?type=saref:Sensor&limit=100&offset=9900"),
    (
        "type=saref:Sensor, with total",
        "/things?type=saref:Sensor&limit=100&format=collection",
    ),
    (
        "type=saref:Device, with total",
        "/things?type=saref:Device&limit=100&format=collection",
    ),
    ("jsonpath title & type=Sensor", f"/search/jsonpath?query={_ID}&type=saref:Sensor"),
]


async def measure(server: Server, runs: int) -> list[dict[str, Any]]:
    connection = RawConnection(server.port)
    results = []
    try:
        for label, target in QUERIES:
            sep = "&" if "?" in target else "?"
            probe = target if "format=" in target else target + sep + "format=collection"
            probe_request = Request.build("GET", probe, server.port)
            first = await connection.send(probe_request)
            if first.status != 200:
                raise RuntimeError(f"{target}: {first.status} {first.body[:300]!r}")
            total = orjson.loads(first.body).get("total") if target.startswith("/things") else None
            request = Request.build("GET", target, server.port)
            for _ in range(3):
                await connection.send(request)
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                response = await connection.send(request)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status == 200
            body = orjson.loads(response.body)
            matched = len(body["members"] if isinstance(body, dict) else body)
            results.append(
                {
                    "query": label,
                    "target": target,
                    "total": total,
                    "returned": matched,
                    "p50_ms": statistics.median(times),
                    "max_ms": max(times),
                }
            )
            logger.info("%s: %.1f ms", label, statistics.median(times))
    finally:
        await connection.aclose()
    if not any(result["total"] for result in results):
        raise RuntimeError("no query matched any thing: the database was not filled right")
    return results


def render(report: Report) -> str:
    table = Table()
    table.row("query", "median / max (matches)", "target", None)
    for q in report["queries"]:
        matches = "" if q["total"] is None else f" ({q['total']:,})"
        value = f"{q['p50_ms']:.1f} / {q['max_ms']:.1f} ms{matches}"
        table.row(q["query"], value, f"<= {TARGET_MS:.0f} ms", q["p50_ms"] <= TARGET_MS)
    m = report["machine"]
    head = [
        f"thingreg {m['thingreg']}: SAREF class queries on {report['backend']}",
        machine_line(m),
        f"{report['things']:,} things ({report['fill_s']:.0f} s to fill), {report['runs']} runs",
    ]
    return "\n".join([*head, "", *table.lines()])


async def run(args: argparse.Namespace, workdir: Path) -> Report:
    rows = saref_fill.things(args.things, args.seed)
    start = time.monotonic()
    schema = None
    if args.db:
        schema = f"thingreg_bench_saref_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(args.db)
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        await conn.close()
        parts = urllib.parse.urlsplit(args.db)
        query = urllib.parse.urlencode([("search_path", schema)])
        url = urllib.parse.urlunsplit(parts._replace(query=query))
        await saref_fill.make_schema(url)
        count = await saref_fill.fill_postgres(url, rows)
    else:
        path = workdir / "data" / "thingreg.db"
        url = f"sqlite:///{path}"
        await saref_fill.make_schema(url)
        count = saref_fill.fill_sqlite(path, rows)
    fill_s = time.monotonic() - start
    logger.info("%d things in %.0f s", count, fill_s)
    server = Server(workdir, ["--db", url])
    try:
        server.start()
        await server.wait_ready()
        queries = await measure(server, args.runs)
    finally:
        server.stop()
        if schema is not None:
            conn = await asyncpg.connect(args.db)
            await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            await conn.close()
    return {
        "machine": machine(),
        "backend": "PostgreSQL" if args.db else "SQLite",
        "things": count,
        "fill_s": fill_s,
        "runs": args.runs,
        "queries": queries,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--things", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20, help="timed requests per query")
    parser.add_argument("--db", default="", help="a postgresql:// URL (default: SQLite)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="thingreg-bench-saref-") as tmp:
        report = uvloop.run(run(args, Path(tmp)))
    write(report, args.json, render)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
