"""Benchmark thingreg as a WoT Thing Description Directory, over real HTTP.

Starts ``thingreg serve`` on a free loopback port with a fresh data directory, loads it with
generated Thing Descriptions and measures creates, GET latency, the streamed listing of every
thing (with the server's resident memory) and JSONPath search; prints a table, or JSON with
``--json``::

    python -m bench.tdd                  # 100,000 things (a few minutes)
    python -m bench.tdd --things 5000    # smoke run

The load generator shares the machine with the server, so it is kept cheap: a minimal asyncio
HTTP/1.1 keep-alive client (one connection per worker, every request's bytes built before
timing starts) on uvloop; each phase reports the CPU seconds spent by the client and by the
server so the split can be checked.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import orjson
import uvloop

from bench.httpclient import RawConnection, Request, Response
from bench.load import run_load
from bench.report import Report, Table, machine, machine_line, write
from bench.server import (
    Meter,
    Profiler,
    RssSampler,
    Server,
    add_server_arguments,
    request_headers,
)
from bench.tdgen import make_td

TD_MEDIA_TYPE = "application/td+json"
SELECTIVE_TYPE = "saref:SmokeSensor"

logger = logging.getLogger("bench.tdd")


# --- the listing and search phases -----------------------------------------------------------


def _next_link(headers: dict[str, str]) -> str | None:
    match = re.search(r'<([^>]+)>\s*;\s*rel="?next"?', headers.get("link", ""))
    if match is None:
        return None
    parts = urlsplit(match.group(1))
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def run_listing(server: Server, workdir: Path) -> dict[str, object]:
    """Stream ``GET /things`` (following ``next`` links) to a file; count the TDs afterwards."""
    connection = RawConnection(server.port)
    pages: list[Path] = []
    statuses: Counter[int] = Counter()
    total_bytes = 0
    rss_before = server.rss_kb()
    hwm_reset = server.reset_hwm()
    target: str | None = "/things"
    with Meter(server) as meter, RssSampler(server) as rss:
        while target is not None and len(pages) < 100_000:
            path = workdir / f"listing-{len(pages)}.json"
            with path.open("wb") as out:
                response = await connection.send(
                    Request.build("GET", target, server.port, (("Accept", "application/json"),)),
                    out.write,
                )
                total_bytes += out.tell()
            pages.append(path)
            statuses[response.status] += 1
            target = _next_link(response.headers) if response.status == 200 else None
    await connection.aclose()
    count = 0
    for path in pages:
        page = orjson.loads(path.read_bytes())
        if isinstance(page, dict):  # a paging envelope rather than a bare array
            page = next((v for v in page.values() if isinstance(v, list)), [])
        count += len(page) if isinstance(page, list) else 0
        path.unlink()
    return {
        **meter.as_dict(),
        "things": count,
        "pages": len(pages),
        "statuses": {str(k): v for k, v in statuses.items()},
        "megabytes": round(total_bytes / 1e6, 1),
        "per_second": round(count / meter.wall, 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "rss_peak_sampled_mb": round(rss.peak_kb / 1024, 1),
        "rss_peak_hwm_mb": round(server.hwm_kb() / 1024, 1) if hwm_reset else None,
    }


async def run_search(
    server: Server, query: str, runs: int, things: int, expect: int | None
) -> dict[str, object]:
    """Run one JSONPath query ``runs`` times; report the median time and the result count."""
    connection = RawConnection(server.port)
    request = Request.build(
        "GET",
        "/search/jsonpath?query=" + quote(query, safe=""),
        server.port,
        (("Accept", "application/json"),),
    )
    times: list[float] = []
    response = Response(0, {})
    with Meter(server) as meter:
        for _ in range(runs):
            start = time.perf_counter()
            response = await connection.send(request)
            times.append(time.perf_counter() - start)
            if response.status != 200:
                break
    await connection.aclose()
    median = sorted(times)[len(times) // 2]
    result: dict[str, object] = {
        **meter.as_dict(),
        "query": query,
        "status": response.status,
        "runs": len(times),
        "median_ms": round(median * 1000, 1),
        "min_ms": round(min(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "things_scanned_per_second": round(things / median, 1),
        "expected_results": expect,
    }
    if response.status == 200:
        body = orjson.loads(response.body)
        result["results"] = len(body) if isinstance(body, list) else None
    else:
        result["error"] = response.body[:300].decode(errors="replace")
    return result


# --- the population -------------------------------------------------------------------------


@dataclass(slots=True)
class Population:
    """The generated things as ready-made PUT requests, plus facts the queries check."""

    ids: list[str] = field(default_factory=list)
    puts: list[Request] = field(default_factory=list)
    titles: Counter[str] = field(default_factory=Counter)
    selective_type: int = 0
    celsius: int = 0
    readproperty_forms: int = 0
    body_bytes: int = 0


def generate(count: int, seed: int, port: int, headers: tuple[tuple[str, str], ...]) -> Population:
    """Generate ``count`` things and their requests, noting what the queries should find."""
    rng = random.Random(seed)
    population = Population()
    put_headers = (("Content-Type", TD_MEDIA_TYPE), *headers)
    for i in range(count):
        td: dict[str, Any] = make_td(i, rng)
        body = orjson.dumps(td)
        target = "/things/" + quote(td["id"], safe="")
        population.ids.append(td["id"])
        population.puts.append(Request.build("PUT", target, port, put_headers, body))
        population.body_bytes += len(body)
        population.titles[td["title"]] += 1
        population.selective_type += td.get("@type") == SELECTIVE_TYPE
        properties = td.get("properties", {})
        population.celsius += properties.get("temperature", {}).get("unit") == "celsius"
        for section in ("properties", "actions", "events"):
            for affordance in td.get(section, {}).values():
                population.readproperty_forms += sum(
                    form.get("op") == "readproperty" for form in affordance["forms"]
                )
    return population


def unique_title(population: Population) -> str:
    middle = len(population.ids) // 2
    for title, n in itertools.islice(population.titles.items(), middle, None):
        if n == 1:
            return title
    return next(title for title, n in population.titles.items() if n == 1)


# --- the run --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    things: int
    concurrency: int
    gets: int
    get_concurrency: int
    search_runs: int
    scan_runs: int
    seed: int
    headers: tuple[tuple[str, str], ...]
    server_args: tuple[str, ...]
    py_spy: Path | None
    as_json: bool


def search_queries(population: Population, options: Options) -> dict[str, tuple[str, int, int]]:
    """Name → (JSONPath query, runs, expected number of results)."""
    title = unique_title(population)
    return {
        "selective_title": (f"$[?@.title=='{title}']", options.search_runs, 1),
        "selective_type": (
            f"$[?@['@type']=='{SELECTIVE_TYPE}']",
            options.search_runs,
            population.selective_type,
        ),
        "scan_filter": (
            "$[?@.properties.temperature.unit=='celsius'].id",
            options.scan_runs,
            population.celsius,
        ),
        "scan_descendant": (
            "$..forms[?@.op=='readproperty'].href",
            options.scan_runs,
            population.readproperty_forms,
        ),
    }


async def benchmark(options: Options, workdir: Path) -> Report:
    """Run every phase against a fresh server; return the report."""
    server = Server(workdir, options.server_args)
    report: Report = {"machine": machine(), "things": options.things}
    logger.info("generating %s TDs", f"{options.things:,}")
    started = time.perf_counter()
    population = generate(options.things, options.seed, server.port, options.headers)
    report["generation"] = {
        "seconds": round(time.perf_counter() - started, 1),
        "mean_td_bytes": round(population.body_bytes / max(1, options.things)),
    }
    profiler = Profiler(options.py_spy, server)
    server.start()
    try:
        await server.wait_ready()
        report["server"] = {"pid": server.pid, "rss_idle_mb": round(server.rss_kb() / 1024, 1)}

        logger.info("creating %s things, %d clients", f"{options.things:,}", options.concurrency)
        with profiler.phase("create"):
            load = await run_load(server, population.puts, options.concurrency, 201)
        report["create"] = load.as_dict(201)
        population.puts.clear()  # the request bytes are no longer needed

        logger.info("%s GETs, %d clients", f"{options.gets:,}", options.get_concurrency)
        rng = random.Random(options.seed + 1)
        gets = [
            Request.build(
                "GET", "/things/" + quote(thing_id, safe=""), server.port, options.headers
            )
            for thing_id in rng.choices(population.ids, k=options.gets)
        ]
        await run_load(server, gets[:500], options.get_concurrency, 200)  # warm-up
        with profiler.phase("get"):
            load = await run_load(server, gets, options.get_concurrency, 200)
        report["get"] = load.as_dict(200)

        logger.info("listing all things")
        with profiler.phase("listing"):
            report["listing"] = await run_listing(server, workdir)

        report["search"] = {}
        for name, (query, runs, expect) in search_queries(population, options).items():
            logger.info("search %s: %s", name, query)
            with profiler.phase(f"search-{name}"):
                report["search"][name] = await run_search(
                    server, query, runs, options.things, expect
                )
        report["server"]["rss_peak_overall_mb"] = round(server.peak_kb() / 1024, 1)
        report["server"]["alive_at_end"] = server.alive()
    finally:
        server.stop()
    if "Traceback" in server.log():
        report["server_log_tail"] = server.log()
    return report


# --- output ---------------------------------------------------------------------------------


def render(report: Report) -> str:
    """The report as an aligned text table, with the targets and their verdicts."""
    table = Table()
    row = table.row
    create, get, listing = report["create"], report["get"], report["listing"]
    for name, load, unit in (
        ("create (PUT /things/{id})", create, "things/s"),
        ("GET /things/{id}", get, "req/s"),
    ):
        ms = load["latency_ms"]
        is_get = load is get
        row(
            name,
            f"{load['per_second']:,.0f} {unit}",
            "" if is_get else "≥ 2,500",
            None if is_get else load["per_second"] >= 2500,
        )
        if not is_get:
            rates = f"{load['per_second_first_tenth']:,.0f} / {load['per_second_last_tenth']:,.0f}"
            row("  first / last tenth", f"{rates} {unit}")
        row("  latency p50 / p90", f"{ms['p50']} / {ms['p90']} ms")
        row(
            "  latency p99 / max",
            f"{ms['p99']} / {ms['max']} ms",
            "p99 ≤ 10 ms" if is_get else "",
            ms["p99"] <= 10 if is_get else None,
        )
        row("  errors", f"{load['errors']:,} of {load['requests']:,}", "0", not load["errors"])
    complete = listing["things"] == report["things"]
    row(
        "GET /things (streamed)",
        f"{listing['per_second']:,.0f} TDs/s",
        "≥ 50,000",
        listing["per_second"] >= 50_000,
    )
    row(
        "  things / MB / pages / s",
        f"{listing['things']:,} / {listing['megabytes']} / "
        f"{listing['pages']} / {listing['seconds']}",
        f"{report['things']:,} things",
        complete,
    )
    peak = listing["rss_peak_hwm_mb"] or listing["rss_peak_sampled_mb"]
    row(
        "  server RSS before / peak",
        f"{listing['rss_before_mb']} / {peak} MB",
        "≤ 300 MB",
        peak <= 300,
    )
    for name, search in report["search"].items():
        selective = name.startswith("selective")
        found = search.get("results") == search["expected_results"]
        if selective:
            row(
                f"search {name}",
                f"{search['median_ms']} ms",
                "≤ 50 ms",
                found and search["median_ms"] <= 50,
            )
        else:
            scanned = search["things_scanned_per_second"]
            row(
                f"search {name}",
                f"{scanned:,.0f} TDs/s ({search['median_ms']} ms)",
                "≥ 100,000 TDs/s",
                found and scanned >= 100_000,
            )
        outcome = f"{search.get('results')} results (expected {search['expected_results']})"
        if search["status"] != 200:
            outcome = f"HTTP {search['status']}: {search.get('error', '')[:60]}"
        row(f"  {search['query'][:44]}", outcome, f"median of {search['runs']}")
    row("server peak RSS overall", f"{report['server']['rss_peak_overall_mb']} MB")
    row("", "")
    for phase in ("create", "get", "listing"):
        part = report[phase]
        row(
            f"CPU s {phase}: client / server",
            f"{part['client_cpu_s']} / {part['server_cpu_s']}",
            f"wall {part['seconds']} s",
        )
    m = report["machine"]
    lines = [
        f"thingreg {m['thingreg']}: {report['things']:,} things, "
        f"mean TD {report['generation']['mean_td_bytes']} B",
        machine_line(m),
        "",
    ]
    lines += table.lines()
    lines += [
        f"{phase} error: {e}" for phase in ("create", "get") for e in report[phase]["error_samples"]
    ]
    if "server_log_tail" in report:
        lines += ["", "server log (tail):", report["server_log_tail"]]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.tdd", description=__doc__.split("\n")[0])
    parser.add_argument("--things", type=int, default=100_000, help="things to create")
    parser.add_argument("--concurrency", type=int, default=64, help="clients creating things")
    parser.add_argument("--gets", type=int, default=20_000, help="GET requests to time")
    parser.add_argument("--get-concurrency", type=int, default=32, help="clients sending GETs")
    parser.add_argument("--search-runs", type=int, default=7, help="runs of each selective query")
    parser.add_argument("--scan-runs", type=int, default=3, help="runs of each full-scan query")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated things")
    add_server_arguments(parser)
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="profile the server per phase with py-spy into DIR (skews timings)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    return Options(
        things=args.things,
        concurrency=args.concurrency,
        gets=args.gets,
        get_concurrency=args.get_concurrency,
        search_runs=args.search_runs,
        scan_runs=args.scan_runs,
        seed=args.seed,
        headers=request_headers(args.header),
        server_args=tuple(args.server_arg),
        py_spy=args.py_spy,
        as_json=args.json,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[bench] %(message)s", stream=sys.stderr)
    with (
        tempfile.TemporaryDirectory(prefix="thingreg-bench-") as tmp,
        asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
    ):
        report = runner.run(benchmark(options, Path(tmp)))
    write(report, options.as_json, render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
