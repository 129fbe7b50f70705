"""Benchmark thingreg's identifiers: parsing throughput per scheme, and resolve latency.

Two parts, one table (or JSON with ``--json``)::

    python -m bench.ids                  # 100,000 things (several minutes)
    python -m bench.ids --things 3000    # smoke run

1. parsing + normalisation, one thread: ``analyse()`` over each scheme module's
   ``BENCH_INPUTS`` and over distinct generated identifiers (:mod:`bench.parsing`);
2. ``GET /resolve/{identifier}`` at a registry holding ``--things`` things with aliases, then
   through a second registry that delegates the aliases' prefixes to the first: the ``307``
   alone, and proxied answers that miss and that hit its cache (:mod:`bench.resolution`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvloop

from bench import parsing, resolution
from bench.report import Report, Table, machine, machine_line, write
from bench.server import add_server_arguments, request_headers

logger = logging.getLogger("bench.ids")

LOCAL_P99_MS = 5.0
"""The issue's target for a local resolve's p99 latency."""


def render(report: Report) -> str:
    """The report as an aligned text table, with the targets and their verdicts."""
    table = Table()
    if "parse" in report:
        _parse_rows(table, report["parse"])
    if "resolve" in report:
        _resolve_rows(table, report["resolve"])
    m = report["machine"]
    lines = [f"thingreg {m['thingreg']}: identifiers", machine_line(m)]
    resolve = report.get("resolve")
    if resolve is not None:
        schemes = ", ".join(f"{s} {n:,}" for s, n in resolve["aliases_by_scheme"].items())
        lines.append(
            f"{resolve['things']:,} things, mean TD {resolve['mean_td_bytes']} B, "
            f"{resolve['aliases']:,} aliases ({schemes})"
        )
    lines += ["", *table.lines()]
    if resolve is not None:
        for phase in ("load", "local", "redirect", "proxy_miss", "proxy_hit"):
            lines += [f"{phase} error: {e}" for e in resolve[phase]["error_samples"]]
        for name in ("home", "front"):
            if f"{name}_log_tail" in resolve:
                lines += ["", f"{name} server log (tail):", resolve[f"{name}_log_tail"]]
    return "\n".join(lines)


def _shown(text: str, width: int = 44) -> str:
    text = text.replace("\x1d", "<GS>")
    return text if len(text) <= width else text[: width - 1] + "…"


def _rate_row(table: Table, label: str, rate: int) -> None:
    target = parsing.TARGET
    table.row(label, f"{rate:,} ids/s", f"≥ {target:,}", rate >= target)


def _parse_rows(table: Table, parse: dict[str, Any]) -> None:
    each = f"median of {parse['repeat']} runs of {parse['iterations']:,}"
    table.row("analyse(), one thread: BENCH_INPUTS", "", each)
    for row in parse["inputs"]:
        label = f"  {row['scheme']:<6} {row['notation']:<19} {_shown(row['input'])}"
        _rate_row(table, label, row["ids_per_second"])
    table.row("per scheme (one of each input)", "")
    for scheme, summary in parse["schemes"].items():
        inputs = f"{summary['inputs']} input{'s' if summary['inputs'] > 1 else ''}"
        _rate_row(table, f"  {scheme} ({inputs})", summary["ids_per_second"])
    table.row(
        "distinct generated ids, each analysed once",
        "",
        f"{parse['generated_things']:,} things' aliases",
    )
    for row in parse["generated"]:
        label = f"  {row['scheme']:<6} {row['notation']:<19} {_shown(row['example'])}"
        _rate_row(table, label, row["ids_per_second"])
    table.row("", "")


def _resolve_rows(table: Table, resolve: dict[str, Any]) -> None:
    load = resolve["load"]
    table.row("create with aliases (PUT /things/{id})", f"{load['per_second']:,.0f} things/s")
    table.row("  errors", f"{load['errors']:,} of {load['requests']:,}", "0", not load["errors"])
    clients = resolve["concurrency"]
    phases = (
        ("local", f"GET /resolve/{{id}} at home ({clients} clients)"),
        ("redirect", "GET /resolve/{id} at front: 307 to home"),
        ("proxy_miss", "  ?proxy=true, cache miss (distinct ids)"),
        ("proxy_hit", f"  ?proxy=true, cache hit ({resolve['proxy_hit']['distinct_ids']} ids)"),
    )
    for phase, title in phases:
        part = resolve[phase]
        ms = part["latency_ms"]
        table.row(title, f"{part['per_second']:,.0f} req/s")
        table.row("  latency p50 / p90", f"{ms['p50']} / {ms['p90']} ms")
        local = phase == "local"
        table.row(
            "  latency p99 / max",
            f"{ms['p99']} / {ms['max']} ms",
            f"p99 ≤ {LOCAL_P99_MS:g} ms" if local else "",
            ms["p99"] <= LOCAL_P99_MS if local else None,
        )
        table.row(
            "  errors (wrong answers)",
            f"{part['errors']:,} ({part.get('wrong_answers', 0):,}) of {part['requests']:,}",
            "0",
            not part["errors"],
        )
    delegations = resolve["delegations"]
    statuses = ", ".join(f"{n} answered {s}" for s, n in delegations["statuses"].items())
    expected = len(delegations["prefixes"])
    table.row(
        "PUT /delegations/{prefix} at front",
        statuses,
        f"{expected} answered 201",
        delegations["statuses"] == {"201": expected},
    )
    servers = resolve.get("servers", {})
    table.row(
        "server peak RSS home / front",
        " / ".join(f"{servers[n]['rss_peak_mb']} MB" for n in ("home", "front") if n in servers),
    )
    table.row("", "")
    for phase in ("load", "local", "redirect", "proxy_miss", "proxy_hit"):
        part = resolve[phase]
        if "peer_cpu_s" in part:  # a phase at front, which asks home
            label, value = "client / front / home", f"{part['server_cpu_s']} / {part['peer_cpu_s']}"
        else:
            label, value = "client / home", f"{part['server_cpu_s']}"
        table.row(
            f"CPU s {phase}: {label}",
            f"{part['client_cpu_s']} / {value}",
            f"wall {part['seconds']} s",
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ids", description=__doc__.split("\n")[0])
    parser.add_argument("--things", type=int, default=100_000, help="things at the registry")
    parser.add_argument("--load-concurrency", type=int, default=64, help="clients creating things")
    parser.add_argument("--concurrency", type=int, default=16, help="clients sending resolves")
    parser.add_argument("--resolves", type=int, default=5_000, help="timed resolves per phase")
    parser.add_argument("--hot", type=int, default=200, help="ids of the cache-hit phase")
    parser.add_argument("--iterations", type=int, default=10_000, help="analyse() runs per input")
    parser.add_argument("--repeat", type=int, default=5, help="repeats of each parse timing")
    parser.add_argument(
        "--parse-things", type=int, default=20_000, help="things whose aliases are parsed once"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated things")
    add_server_arguments(parser)
    parser.add_argument("--skip-parse", action="store_true", help="measure resolution only")
    parser.add_argument("--skip-resolve", action="store_true", help="measure parsing only")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[bench] %(message)s", stream=sys.stderr)
    report: Report = {"machine": machine()}
    if not args.skip_parse:
        logger.info("parsing: %d runs of %s per input", args.repeat, f"{args.iterations:,}")
        report["parse"] = parsing.measure(
            args.iterations, args.repeat, args.parse_things, args.seed
        )
    if not args.skip_resolve:
        options = resolution.Options(
            things=args.things,
            load_concurrency=args.load_concurrency,
            concurrency=args.concurrency,
            resolves=args.resolves,
            hot=args.hot,
            seed=args.seed,
            headers=request_headers(args.header),
            server_args=tuple(args.server_arg),
        )
        with (
            tempfile.TemporaryDirectory(prefix="thingreg-bench-ids-") as tmp,
            asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
        ):
            report["resolve"] = runner.run(resolution.benchmark(options, Path(tmp)))
    write(report, args.json, render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
