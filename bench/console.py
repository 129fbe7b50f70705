"""The console's list and search pages at scale, measured in headless Chromium.

Loads ``--things`` generated TDs straight into a fresh store (in-process, through the
directory, as fast as group commit allows), starts ``thingreg serve`` on it, and times each
console page in the browser: from the navigation to the page showing its rows, for the first,
a middle and the last page of the list, and for searches by words, identifier and scheme. The
median of ``--runs`` runs is compared with the 300 ms target of issue 7. The API's own share
(the listing request, timed by the page) is reported beside it.

    .venv/bin/python -m bench.console                # 100,000 things, about two minutes
    .venv/bin/python -m bench.console --things 5000  # smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.browser import chromium
from bench.report import Report, Table, machine, machine_line, write
from bench.server import Server
from bench.tdgen import make_td
from thingreg.config import Settings
from thingreg.core.access.principal import SYSTEM
from thingreg.core.directory import Directory
from thingreg.core.events import EventBus
from thingreg.store import open_store

log = logging.getLogger("bench.console")

TARGET_MS = 300.0
BATCH = 2000

# Navigates to `hash` and resolves when the console says the page is ready (its data shown).
_NAVIGATE = """async (hash) => {
  const main = document.getElementById("main");
  delete main.dataset.ready;
  const started = performance.now();
  location.hash = hash;
  await new Promise((resolve) => {
    const check = () => main.dataset.ready === "true" ? resolve() : requestAnimationFrame(check);
    requestAnimationFrame(check);
  });
  return { total: performance.now() - started, api: Number(main.dataset.loadMs ?? "NaN"),
           rows: main.querySelectorAll("table.things tbody tr").length };
}"""


async def load(database_url: str, things: int, seed: int) -> list[dict[str, Any]]:
    """Store ``things`` generated TDs; returns them (ids and titles are used for searches)."""
    store = open_store(database_url)
    await store.open()
    directory = Directory(store, EventBus(16))
    rng = random.Random(seed)
    tds = [make_td(i, rng) for i in range(things)]
    started = time.perf_counter()
    try:
        for first in range(0, things, BATCH):
            batch = tds[first : first + BATCH]
            await asyncio.gather(*(directory.put(str(td["id"]), td, SYSTEM) for td in batch))
            log.info("loaded %d things", first + len(batch))
    finally:
        await store.close()
    log.info("%d things in %.1f s", things, time.perf_counter() - started)
    return tds


def scenarios(tds: list[dict[str, Any]], limit: int) -> list[tuple[str, str]]:
    total = len(tds)
    rare = str(tds[total * 3 // 4]["id"])
    return [
        ("list: first page", "#/things"),
        ("list: page 2", f"#/things?offset={limit}"),
        ("list: middle page", f"#/things?offset={(total // 2) // limit * limit}"),
        ("list: last page", f"#/things?offset={(total - 1) // limit * limit}"),
        ("search: common word", "#/things?q=lamp"),
        ("search: two words", "#/things?q=kitchen+sensor"),
        ("search: rare word (one match)", f"#/things?q={rare.rsplit('/', 1)[-1]}"),
        ("search: identifier", f"#/things?match=identifier&q={rare}"),
        ("search: scheme filter", "#/things?scheme=mac"),
        ("overview", "#/overview"),
    ]


def measure(url: str, pages: list[tuple[str, str]], runs: int) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    with chromium() as browser:
        page = browser.new_page(base_url=url)
        page.goto("/#/sign-in")
        page.get_by_role("button", name="Browse read-only").click()
        page.wait_for_selector("table.things tbody tr")
        for label, hash_ in pages:
            totals, apis, rows = [], [], 0.0
            for run in range(runs + 1):
                # A distinct hash each time, so that every run is a navigation.
                result = page.evaluate(_NAVIGATE, f"{hash_}{'&' if '?' in hash_ else '?'}r={run}")
                if run == 0:
                    continue  # warm-up
                totals.append(result["total"])
                apis.append(result["api"])
                rows = result["rows"]
            figures[label] = {
                "median_ms": statistics.median(totals),
                "max_ms": max(totals),
                "api_median_ms": statistics.median(apis),
                "rows": rows,
            }
            log.info("%s: %.0f ms", label, figures[label]["median_ms"])
    return figures


def render(report: Report) -> str:
    table = Table()
    table.row("page (median of runs)", "in the browser", "target", None)
    for label, figure in report["pages"].items():
        api = figure["api_median_ms"]
        api_text = "" if api != api else f" (API {api:.0f} ms)"  # NaN: no listing on the page
        target = "" if label == "overview" else f"<= {TARGET_MS:.0f} ms"
        ok = None if label == "overview" else figure["median_ms"] <= TARGET_MS
        table.row(label, f"{figure['median_ms']:.0f} ms{api_text}", target, ok)
    m = report["machine"]
    head = [
        f"thingreg {m['thingreg']}: console pages, {report['things']:,} things, "
        f"{report['runs']} runs each, loaded in {report['load_s']:.0f} s",
        machine_line(m),
    ]
    return "\n".join(head + table.lines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--things", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--work-dir",
        type=Path,
        help="keep the loaded registry here and reuse it on the next run with the same options",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with contextlib.ExitStack() as stack:
        if args.work_dir is None:
            work = stack.enter_context(tempfile.TemporaryDirectory(prefix="thingreg-console-"))
            workdir = Path(work)
        else:
            workdir = args.work_dir
            workdir.mkdir(parents=True, exist_ok=True)
        settings = Settings(data_dir=workdir / "data")
        started = time.perf_counter()
        if (workdir / "data" / "thingreg.db").exists():
            rng = random.Random(args.seed)
            tds = [make_td(i, rng) for i in range(args.things)]
        else:
            tds = asyncio.run(load(settings.database_url, args.things, args.seed))
        load_s = time.perf_counter() - started
        server = Server(workdir, [])
        server.start()
        try:
            asyncio.run(server.wait_ready())
            pages = measure(server.url, scenarios(tds, 25), args.runs)
        finally:
            server.stop()
    report: Report = {
        "machine": machine(),
        "things": args.things,
        "runs": args.runs,
        "load_s": load_s,
        "target_ms": TARGET_MS,
        "pages": pages,
    }
    write(report, args.json, render)


if __name__ == "__main__":
    main()
