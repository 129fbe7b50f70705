"""Benchmark bulk loading at scale, SQLite and PostgreSQL side by side on the same TDs.

Generates N Thing Descriptions (default 1,000,000) into one NDJSON file, then for each backend:
``thingreg import`` into an empty database (things/s, the importer's peak RSS and CPU), the
database size per thing, the raw insert speed of the same rows (``bench/rawinsert.py``) and the
import's ratio to it, then ``thingreg serve`` on that database: GET latency under 50 concurrent
clients, the streamed listing of everything, and selective JSONPath search::

    python -m bench.bulk                         # 1,000,000 things (an hour or more)
    python -m bench.bulk --things 20000          # smoke run, a minute or two
    python -m bench.bulk --backends sqlite --json
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import orjson
import uvloop

from bench.httpclient import RawConnection, Request
from bench.load import run_load
from bench.rawinsert import postgres_rows_per_second, sqlite_rows_per_second
from bench.report import Report, Table, machine, machine_line, write
from bench.server import Meter, RssSampler, Server
from bench.tdd import run_search
from bench.tdgen import SHARED_TITLES, make_td

logger = logging.getLogger("bench.bulk")
SELECTIVE_TYPE = "saref:SmokeSensor"
TARGETS = {"sqlite": 20_000, "postgresql": 10_000}


def generate(path: Path, count: int, seed: int) -> dict[str, Any]:
    """Write ``count`` TDs as NDJSON; return facts the later phases need."""
    rng = random.Random(seed)
    ids: list[str] = []
    smoke = 0
    size = 0
    title = ""
    with path.open("wb") as out:
        for i in range(count):
            td: dict[str, Any] = make_td(i, rng)
            line = orjson.dumps(td) + b"\n"
            out.write(line)
            size += len(line)
            ids.append(td["id"])
            smoke += td.get("@type") == SELECTIVE_TYPE
            if i >= count // 2 and not title and td["title"] not in SHARED_TITLES:
                title = td["title"]
    return {"ids": ids, "smoke": smoke, "title": title, "bytes": size}


def facts_of(path: Path, count: int) -> dict[str, Any]:
    """What :func:`generate` would have noted, read back from a file it wrote before."""
    ids: list[str] = []
    smoke = 0
    size = 0
    title = ""
    with path.open("rb") as lines:
        for i, line in enumerate(lines):
            if i == count:
                break
            td = orjson.loads(line)
            size += len(line)
            ids.append(td["id"])
            smoke += td.get("@type") == SELECTIVE_TYPE
            if i >= count // 2 and not title and td["title"] not in SHARED_TITLES:
                title = td["title"]
    if len(ids) < count:
        raise SystemExit(f"{path} has only {len(ids)} TDs, fewer than --things {count}")
    return {"ids": ids, "smoke": smoke, "title": title, "bytes": size}


def run_import(source: Path, url: str) -> dict[str, Any]:
    """``thingreg import`` in a child process: wall time, peak RSS and CPU from ``wait4``."""
    command = [sys.executable, "-m", "thingreg", "import", str(source), "--db", url]
    # Public things: the serving phases read them anonymously, as before owners existed.
    env = {**os.environ, "THINGREG_DEFAULT_VISIBILITY": "public"}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    assert process.stdout is not None and process.stderr is not None
    summary = process.stdout.read().decode().strip()
    errors = process.stderr.read().decode()[-2000:]
    process.stdout.close()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit_code": process.returncode,
        "seconds": round(seconds, 1),
        "summary": summary,
        "stderr_tail": errors,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
    }


async def postgres_size(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        size = await conn.fetchval(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
        )
        return int(size)
    finally:
        await conn.close()


def sqlite_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir())


_MARK = b'"registration":{"created"'


async def run_listing(server: Server) -> dict[str, Any]:
    """Stream ``GET /things`` and count the TDs in the bytes as they arrive (keeping none:
    at 1M things the listing is 2.5 GB, too much to parse in one piece)."""
    connection = RawConnection(server.port)
    seen = {"tds": 0, "bytes": 0}
    tail = b""

    def take(data: bytes) -> None:
        nonlocal tail
        window = tail + data
        seen["tds"] += window.count(_MARK)
        seen["bytes"] += len(data)
        tail = window[-(len(_MARK) - 1) :]

    request = Request.build("GET", "/things", server.port, (("Accept", "application/json"),))
    with Meter(server) as meter, RssSampler(server) as rss:
        response = await connection.send(request, take)
    await connection.aclose()
    return {
        **meter.as_dict(),
        "status": response.status,
        "things": seen["tds"],
        "megabytes": round(seen["bytes"] / 1e6, 1),
        "per_second": round(seen["tds"] / meter.wall, 1),
        "rss_peak_sampled_mb": round(rss.peak_kb / 1024, 1),
    }


async def serve_phases(
    workdir: Path, url: str, facts: dict[str, Any], options: argparse.Namespace
) -> dict[str, Any]:
    """GET latency, the listing and selective search against ``thingreg serve`` on ``url``."""
    server = Server(workdir, ["--db", url])
    server.start()
    report: dict[str, Any] = {}
    try:
        await server.wait_ready(timeout=300)
        rng = random.Random(options.seed + 1)
        gets = [
            Request.build("GET", "/things/" + quote(thing_id, safe=""), server.port)
            for thing_id in rng.choices(facts["ids"], k=options.gets)
        ]
        await run_load(server, gets[:1000], options.get_concurrency, 200)  # warm-up
        report["get"] = (await run_load(server, gets, options.get_concurrency, 200)).as_dict(200)
        title = facts["title"]
        report["search_title"] = await run_search(
            server, f"$[?@.title=='{title}']", 7, options.things, 1
        )
        report["search_type"] = await run_search(
            server, f"$[?@['@type']=='{SELECTIVE_TYPE}'].id", 3, options.things, facts["smoke"]
        )
        if not options.skip_listing:
            report["listing"] = await run_listing(server)
        report["server_rss_peak_mb"] = round(server.peak_kb() / 1024, 1)
    finally:
        server.stop()
    return report


async def backend(
    name: str, workdir: Path, source: Path, facts: dict[str, Any], options: argparse.Namespace
) -> dict[str, Any]:
    report: dict[str, Any] = {}
    if name == "sqlite":
        folder = workdir / "sqlite"
        folder.mkdir()
        url = f"sqlite:///{folder / 'thingreg.db'}"
    else:
        schema = f"bench_bulk_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(options.pg_url)
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        await admin.close()
        url = f"{options.pg_url}?search_path={schema}"
    try:
        logger.info("%s: importing %s TDs", name, f"{options.things:,}")
        imported = run_import(source, url)
        imported["things_per_second"] = round(options.things / imported["seconds"], 1)
        report["import"] = imported
        logger.info("%s: import %s", name, orjson.dumps(imported).decode())
        size = sqlite_size(folder) if name == "sqlite" else await postgres_size(url)
        report["bytes_per_thing"] = round(size / options.things)
        report["database_mb"] = round(size / 1e6, 1)
        logger.info("%s: raw insert of the same rows", name)
        sample = min(options.things, options.raw_rows)
        if name == "sqlite":
            raw = sqlite_rows_per_second(folder / "thingreg.db", sample)
        else:
            raw = await postgres_rows_per_second(url, sample)
        report["raw_rows_per_second"] = round(raw, 1)
        report["raw_rows"] = sample
        report["import_to_raw"] = round(imported["things_per_second"] / raw, 3)
        logger.info("%s: %s", name, orjson.dumps(report).decode())
        logger.info("%s: serving", name)
        serve_dir = workdir / f"serve-{name}"
        serve_dir.mkdir()
        report |= await serve_phases(serve_dir, url, facts, options)
    finally:
        if name != "sqlite" and not options.keep:
            admin = await asyncpg.connect(options.pg_url)
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            await admin.close()
    return report


async def benchmark(options: argparse.Namespace, workdir: Path) -> Report:
    report: Report = {"machine": machine(), "things": options.things}
    started = time.perf_counter()
    if options.input is not None:
        logger.info("reading %s TDs of %s", f"{options.things:,}", options.input)
        facts = facts_of(options.input, options.things)
        source = workdir / "things.ndjson"
        with options.input.open("rb") as whole, source.open("wb") as part:
            for _, line in zip(range(options.things), whole, strict=False):
                part.write(line)
    else:
        source = workdir / "things.ndjson"
        logger.info("generating %s TDs", f"{options.things:,}")
        facts = generate(source, options.things, options.seed)
    report["generation"] = {
        "seconds": round(time.perf_counter() - started, 1),
        "mean_td_bytes": round(facts["bytes"] / options.things),
        "load_average_before": os.getloadavg(),
    }
    for name in options.backends.split(","):
        report[name] = await backend(name, workdir, source, facts, options)
        report[name]["load_average_after"] = os.getloadavg()
        logger.info("%s: %s", name, orjson.dumps(report[name]).decode())
    return report


def render(report: Report) -> str:
    backends = [b for b in ("sqlite", "postgresql") if b in report]
    table = Table()
    lines = [
        f"bulk loading: {report['things']:,} TDs (mean {report['generation']['mean_td_bytes']} "
        f"B), {', '.join(backends)}",
        machine_line(report["machine"]),
    ]
    for name in backends:
        r = report[name]
        imp = r["import"]
        table.row(
            f"{name}: import",
            f"{imp['things_per_second']:,.0f} things/s",
            f">= {TARGETS[name]:,}",
            imp["things_per_second"] >= TARGETS[name],
        )
        table.row(
            f"{name}: importer peak RSS / CPU",
            f"{imp['peak_rss_mb']} MB / {imp['cpu_seconds']} s",
            "flat",
            None,
        )
        table.row(
            f"{name}: raw insert of the same rows",
            f"{r['raw_rows_per_second']:,.0f} rows/s ({r['raw_rows']:,} rows)",
            "",
            None,
        )
        table.row(f"{name}: import / raw", f"{r['import_to_raw']:.2f}", "", None)
        table.row(
            f"{name}: database size",
            f"{r['bytes_per_thing']:,} B/thing ({r['database_mb']:,} MB)",
            "",
            None,
        )
        get = r["get"]["latency_ms"]
        table.row(
            f"{name}: GET p50 / p99 (50 clients)",
            f"{get['p50']} / {get['p99']} ms",
            "p99 <= 10 ms",
            get["p99"] <= 10,
        )
        title = r["search_title"]
        table.row(
            f"{name}: selective search (title)",
            f"{title['median_ms']} ms, {title.get('results')} result",
            "<= 50 ms",
            title["median_ms"] <= 50,
        )
        by_type = r["search_type"]
        table.row(
            f"{name}: search by @type",
            f"{by_type['median_ms']} ms, {by_type.get('results')} results",
            "",
            None,
        )
        if "listing" in r:
            listing = r["listing"]
            table.row(
                f"{name}: listing",
                f"{listing['per_second']:,.0f} TDs/s, peak RSS {listing['rss_peak_sampled_mb']} MB",
                "",
                None,
            )
    return "\n".join([*lines, *table.lines()])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bulk", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--things", type=int, default=1_000_000, help="TDs to generate and import")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument(
        "--pg-url",
        default="postgresql://127.0.0.1/test",
        help="PostgreSQL (a schema is made and dropped)",
    )
    parser.add_argument("--gets", type=int, default=20_000, help="GET requests to time")
    parser.add_argument("--get-concurrency", type=int, default=50, help="clients sending GETs")
    parser.add_argument("--raw-rows", type=int, default=200_000, help="rows for the raw insert")
    parser.add_argument("--skip-listing", action="store_true", help="do not list everything")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--input", type=Path, help="NDJSON written by an earlier run: import its first TDs"
    )
    parser.add_argument("--workdir", type=Path, help="keep files here instead of a temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[bench] %(message)s", stream=sys.stderr)
    with (
        tempfile.TemporaryDirectory(prefix="thingreg-bulk-", dir=options.workdir) as tmp,
        asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
    ):
        report = runner.run(benchmark(options, Path(tmp)))
    write(report, options.json, render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
