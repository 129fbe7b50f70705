"""Benchmark JSONPath search on both stores, with and without pushdown, in-process.

Fills a SQLite file and/or a PostgreSQL schema with generated TDs (``bench.tdgen``; records are
built directly, without validation, so that a million things load in minutes), then times each
query through :meth:`Directory.search_jsonpath` with the filter pushed into the database and
with it evaluated by streaming only (``Directory(pushdown=False)``, the behaviour before),
consuming every result as the HTTP layer would::

    python -m bench.search                          # 100,000 things, both backends
    python -m bench.search --things 1000000 --keep /var/tmp/thingreg-search
    python -m bench.search --backend sqlite --things 20000 --json

Beyond 100,000 things the generated TDs repeat with suffixed ids and titles (see ``BASE``).
With ``--keep DIR`` the filled databases are kept (SQLite file in DIR, PostgreSQL schema
``bench_search_<N>``) and reused by the next run with the same ``--things``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg
import orjson

from bench.report import Report, Table, machine, machine_line, write
from bench.tdgen import make_td
from thingreg.core.access.principal import SYSTEM
from thingreg.core.aliases import own_alias
from thingreg.core.directory import Directory
from thingreg.core.events import EventBus
from thingreg.core.search.jsonpath import plan_jsonpath
from thingreg.core.td.registration import enriched, types_of, with_discovery_context
from thingreg.store import open_store
from thingreg.store.base import Mutation, Store, ThingRecord

logger = logging.getLogger("bench.search")

SELECTIVE_MS = 50
SCAN_TDS_PER_S = 100_000


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    text: str
    selective: bool


def queries(things: int, seed: int) -> list[Query]:
    """The measured queries; the selective ones name values of a TD in the middle."""
    index = min(things, BASE) // 2
    middle = make_td(index, random.Random(seed * 1_000_003 + index))
    while not str(middle["title"]).endswith(f" {index}"):  # shared titles are not selective
        index += 1
        middle = make_td(index, random.Random(seed * 1_000_003 + index))
    created = middle["created"]
    thing_id = middle["id"]
    title = middle["title"]
    return [
        Query("id", f"$[?@.id=='{thing_id}'].title", True),
        Query("title", f"$[?@.title=='{title}']", True),
        Query("title_and_type", f"$[?@.title=='{title}' && @['@type']]", True),
        Query("created (not indexed)", f"$[?@.created=='{created}' && @.title=='{title}']", True),
        Query("nested (not indexed)", f"$[?@.created=='{created}'].id", True),
        Query("type", "$[?@['@type']=='saref:SmokeSensor'].id", False),
        Query("scan_filter", "$[?@.properties.temperature.unit=='celsius'].id", False),
        Query("scan_descendant", "$..forms[?@.op=='readproperty'].href", False),
    ]


BASE = 100_000
"""Distinct generated TDs; larger populations repeat them with the id and title suffixed
(``#c1``, ``#c2``...), since generating a TD costs about as much as storing it."""


def records(things: int, seed: int) -> Iterator[ThingRecord]:
    stamp = "2026-12-02T00:00:00.000Z"
    base = min(things, BASE)
    kept: list[bytes] = []  # the base TDs as JSON, when they are repeated
    for n in range(things):
        copy, i = divmod(n, base)
        if copy == 0:
            td = _base_td(i, seed)
            if things > base:
                kept.append(orjson.dumps(td))
        else:
            td = orjson.loads(kept[i])
            td["id"], td["title"] = f"{td['id']}#c{copy}", f"{td['title']}#c{copy}"
        thing_id = str(td["id"])
        yield ThingRecord(
            id=thing_id,
            body=orjson.dumps(td),
            title=str(td["title"]),
            types=types_of(td),
            created=stamp,
            modified=stamp,
            aliases=(own_alias(thing_id),),
        )


def _base_td(i: int, seed: int) -> dict[str, object]:
    td = make_td(i, random.Random(seed * 1_000_003 + i))
    td["@context"] = with_discovery_context(td.get("@context"))
    return td


async def fill(store: Store, things: int, seed: int) -> float:
    """Write the records (a thousand in flight); return things per second."""
    started = time.perf_counter()
    pending: list[asyncio.Task[object]] = []
    for n, record in enumerate(records(things, seed), 1):

        def decide(current: ThingRecord | None, record: ThingRecord = record) -> Mutation:
            return Mutation(record, "thing_created" if current is None else "thing_updated")

        pending.append(asyncio.ensure_future(store.write(record.id, decide)))
        if len(pending) >= 1000:
            await asyncio.gather(*pending)
            pending.clear()
        if n % 100_000 == 0:
            logger.info("  %s things written", f"{n:,}")
    await asyncio.gather(*pending)
    return things / (time.perf_counter() - started)


async def time_query(directory: Directory, query: str, runs: int) -> tuple[float, int]:
    """(median milliseconds, results) over ``runs`` runs, every result consumed."""
    times = []
    results = 0
    for _ in range(runs):
        started = time.perf_counter()
        results = 0
        async for _value in await directory.search_jsonpath(query, SYSTEM):
            results += 1
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), results


def evaluation_speed(options: argparse.Namespace) -> Report:
    """TDs/s of the Python evaluation alone (parse, enrich, evaluate) over records in memory,
    with the direct evaluator and with the JSONPath library, runs interleaved to share noise."""
    recs = list(records(min(options.things, 5000), options.seed))
    report: Report = {}
    for query in queries(options.things, options.seed):
        if not query.name.startswith("scan"):
            continue
        plan = plan_jsonpath(query.text)
        rates: dict[str, list[float]] = {"direct": [], "library": []}
        for _ in range(3):
            for mode, chosen in (("direct", plan), ("library", replace(plan, fast=None))):
                started = time.perf_counter()
                for record in recs:
                    chosen.evaluate_one(enriched(record))
                rates[mode].append(len(recs) / (time.perf_counter() - started))
        report[query.name] = {mode: round(max(r)) for mode, r in rates.items()}
        logger.info("  evaluation %s: %s TDs/s", query.name, report[query.name])
    return report


async def run_backend(url: str, options: argparse.Namespace) -> Report:
    store = open_store(url)
    await store.open()
    try:
        report: Report = {"url": url.split("?", maxsplit=1)[0]}
        have = await store.count()
        if have != options.things:
            if have:
                raise SystemExit(f"{url} holds {have} things, not {options.things}: remove it")
            logger.info("filling %s with %s things", url, f"{options.things:,}")
            report["fill_per_second"] = round(await fill(store, options.things, options.seed))
        report["queries"] = {}
        for query in queries(options.things, options.seed):
            if options.skip_scans and query.name.startswith("scan"):
                continue
            if options.only and query.name.split(" ")[0] not in options.only.split(","):
                continue
            runs = options.runs if query.selective else options.scan_runs
            figures: Report = {"query": query.text}
            for mode, pushdown in (("pushdown", True), ("streaming", False)):
                directory = Directory(store, EventBus(), pushdown=pushdown)
                await time_query(directory, query.text, 1)  # warm the caches
                ms, results = await time_query(directory, query.text, runs)
                figures[mode] = {
                    "median_ms": round(ms, 1),
                    "results": results,
                    "tds_per_second": round(options.things / ms * 1000),
                }
                logger.info("  %s %s: %.1f ms, %d results", query.name, mode, ms, results)
            report["queries"][query.name] = figures
        return report
    finally:
        await store.close()


async def postgres_url(base: str, things: int, keep: bool) -> tuple[str, str]:
    schema = f"bench_search_{things}"
    conn = await asyncpg.connect(base)
    try:
        if not keep:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    finally:
        await conn.close()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}search_path={schema}", schema


async def drop_schema(base: str, schema: str) -> None:
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def benchmark(options: argparse.Namespace) -> Report:
    report: Report = {"machine": machine(), "things": options.things, "backends": {}}
    if not options.skip_scans:
        report["evaluation"] = evaluation_speed(options)
    with tempfile.TemporaryDirectory(prefix="thingreg-search-") as scratch:
        folder = Path(options.keep) if options.keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if options.backend in ("sqlite", "both"):
            path = folder / f"search-{options.things}.db"
            report["backends"]["sqlite"] = await run_backend(f"sqlite:///{path}", options)
        if options.backend in ("postgresql", "both"):
            url, schema = await postgres_url(options.pg_url, options.things, bool(options.keep))
            try:
                report["backends"]["postgresql"] = await run_backend(url, options)
            finally:
                if not options.keep:
                    await drop_schema(options.pg_url, schema)
    return report


def render(report: Report) -> str:
    table = Table()
    for backend, figures in report["backends"].items():
        if "fill_per_second" in figures:
            table.row(f"{backend}: filled", f"{figures['fill_per_second']:,} things/s")
        for name, query in figures["queries"].items():
            push, stream = query["pushdown"], query["streaming"]
            selective = name not in ("type", "scan_filter", "scan_descendant")
            if selective:
                target, verdict = f"≤ {SELECTIVE_MS} ms", push["median_ms"] <= SELECTIVE_MS
            elif name.startswith("scan"):
                tds = push["tds_per_second"]
                target, verdict = f"≥ {SCAN_TDS_PER_S:,} TDs/s", tds >= SCAN_TDS_PER_S
            else:
                target, verdict = "", None
            table.row(
                f"{backend}: {name} ({push['results']:,} results)",
                f"{push['median_ms']:,} ms (streaming {stream['median_ms']:,} ms)",
                target,
                verdict,
            )
    for name, rates in report.get("evaluation", {}).items():
        table.row(
            f"python evaluation, {name}",
            f"{rates['direct']:,} TDs/s (library {rates['library']:,} TDs/s)",
        )
    return (
        machine_line(report["machine"])
        + f", {report['things']:,} things\n"
        + "\n".join(table.lines())
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--things", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default="postgresql://127.0.0.1/test")
    parser.add_argument("--runs", type=int, default=7, help="runs of each selective query")
    parser.add_argument("--scan-runs", type=int, default=2, help="runs of each scanning query")
    parser.add_argument("--skip-scans", action="store_true", help="selective queries only")
    parser.add_argument("--only", help="comma-separated query names (id,title,created,...)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="keep (and reuse) the filled databases in this folder")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    report = asyncio.run(benchmark(options))
    write(report, options.json, render)


if __name__ == "__main__":
    main()
