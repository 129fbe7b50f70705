"""Benchmark the MQTT integration against a real Mosquitto: how fast accounts are issued, how
soon a revoked device is disconnected, how long a reconciliation takes.

The registry runs in process (SQLite, its lifespan running) and talks to its own broker on a
free loopback port. Four figures:

1. **issue**: ``POST /things/{id}/mqtt-credential`` latency, which includes the broker's
   ``createRole`` + ``createClient`` (and its rewrite of the dynamic-security file);
2. **kick**: from sending ``PATCH {"state": "revoked"}`` to the device's connection being
   closed, for connected devices one after the other (the done-means target is 2 s);
3. **rebuild**: the broker restarted with an empty account list: from its start until the
   registry has reconnected and recreated every account;
4. **recheck**: the broker restarted with a complete list: reconnect and a reconciliation that
   sends nothing.

::

    python -m bench.mqtt                  # 500 accounts, 50 kicks: about 20 s
    python -m bench.mqtt --things 2000 --kicks 100 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiomqtt
import httpx

from bench.mosquitto import ADMIN, ADMIN_PASSWORD, Mosquitto, plugin_path
from bench.report import machine
from bench.server import BENCH_TOKEN
from thingreg.app import create_app
from thingreg.config import Settings

Report = dict[str, Any]


class _Reconciliations(logging.Handler):
    """Notes when the synchroniser logs a finished reconciliation."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.times: list[float] = []
        self.changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("MQTT broker reconciled"):
            self.times.append(time.monotonic())
            self.changed.set()

    async def next_after(self, moment: float, timeout: float = 120.0) -> float:
        async with asyncio.timeout(timeout):
            while not any(t > moment for t in self.times):
                self.changed.clear()
                await self.changed.wait()
        return min(t for t in self.times if t > moment)


@asynccontextmanager
async def registry(folder: Path, broker: Mosquitto) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        data_dir=folder / "data",
        mqtt_url=broker.url,
        mqtt_admin_username=ADMIN,
        mqtt_admin_password=ADMIN_PASSWORD,
        mqtt_secret="the benchmark's secret",
        api_token=BENCH_TOKEN,
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://thingreg.bench",
            headers={"Authorization": f"Bearer {BENCH_TOKEN}"},
        ) as http,
    ):
        yield http


def _td(thing_id: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/2022/wot/td/v1.1",
        "id": thing_id,
        "title": thing_id,
        "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
        "security": "nosec_sc",
        "properties": {"on": {"type": "boolean", "forms": [{"href": f"mqtt://b/{thing_id}/on"}]}},
    }


def _summary(samples_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "max_ms": round(ordered[-1], 2),
    }


async def _kick(http: httpx.AsyncClient, broker: Mosquitto, credential: dict[str, Any]) -> float:
    """Milliseconds from asking for the revocation to the device's connection closing."""
    async with aiomqtt.Client(
        "127.0.0.1",
        broker.port,
        username=credential["username"],
        password=credential["password"],
        identifier=credential["clientId"],
        protocol=aiomqtt.ProtocolVersion.V5,
    ) as device:

        async def closed() -> float:
            try:
                async for _ in device.messages:
                    pass
            except aiomqtt.MqttError:
                pass
            return time.monotonic()

        watcher = asyncio.create_task(closed())
        await asyncio.sleep(0.01)
        asked = time.monotonic()
        path = f"/things/{quote(credential['thing'], safe='')}/mqtt-credential"
        answer = await http.patch(path, json={"state": "revoked"})
        answer.raise_for_status()
        dropped = await asyncio.wait_for(watcher, 5.0)
    return (dropped - asked) * 1000


async def run(args: argparse.Namespace) -> Report:
    plugin = plugin_path()
    if plugin is None:
        raise SystemExit("Mosquitto's dynamic-security plugin is not installed")
    reconciled = _Reconciliations()
    logging.getLogger("thingreg.integrations.mqtt.sync").addHandler(reconciled)
    logging.getLogger("thingreg.integrations.mqtt.sync").setLevel(logging.INFO)
    with tempfile.TemporaryDirectory(prefix="thingreg-bench-mqtt-") as tmp:
        folder = Path(tmp)
        broker = Mosquitto(folder / "broker", plugin)
        broker.folder.mkdir()
        broker.prepare()
        empty = broker.dynsec_file.read_bytes()
        broker.start()
        try:
            async with registry(folder, broker) as http:
                await reconciled.next_after(0.0)
                issued, credentials = [], []
                for n in range(args.things):
                    thing_id = f"urn:bench:thing-{n:06d}"
                    path = f"/things/{quote(thing_id, safe='')}"
                    (await http.put(path, json=_td(thing_id))).raise_for_status()
                    start = time.perf_counter()
                    answer = await http.post(path + "/mqtt-credential")
                    issued.append((time.perf_counter() - start) * 1000)
                    answer.raise_for_status()
                    credentials.append(answer.json())
                kicks = [await _kick(http, broker, c) for c in credentials[: args.kicks]]
                full = broker.dynsec_file.read_bytes()
                started = time.monotonic()
                broker.restart(empty)
                rebuild = await reconciled.next_after(started) - started
                started = time.monotonic()
                broker.restart(full)
                recheck = await reconciled.next_after(started) - started
        finally:
            broker.stop()
    return {
        "machine": machine(),
        "accounts": args.things,
        "issue": _summary(issued),
        "kick": _summary(kicks),
        "rebuild_s": round(rebuild, 3),
        "recheck_s": round(recheck, 3),
    }


def render(report: Report) -> str:
    issue, kick = report["issue"], report["kick"]
    rows = [
        ("issue a credential (POST, broker included)", issue),
        ("revocation to disconnection", kick),
    ]
    lines = [f"MQTT integration, {report['accounts']} accounts, Mosquitto on loopback", ""]
    lines.append(f"{'':46} {'n':>5} {'median':>9} {'p95':>9} {'max':>9}")
    for name, figures in rows:
        lines.append(
            f"{name:46} {figures['n']:>5} {figures['median_ms']:>7.2f}ms "
            f"{figures['p95_ms']:>7.2f}ms {figures['max_ms']:>7.2f}ms"
        )
    verdict = "PASS" if kick["max_ms"] < 2000 else "FAIL"
    lines += [
        f"{'kick target: every one under 2 s':46} {verdict}",
        f"{'broker restarted empty: all accounts back in':46} {report['rebuild_s']:>7.3f} s",
        f"{'broker restarted complete: reconciled in':46} {report['recheck_s']:>7.3f} s",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mqtt", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--things", type=int, default=500, help="accounts to issue (500)")
    parser.add_argument("--kicks", type=int, default=50, help="devices to revoke (50)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.kicks = min(args.kicks, args.things)
    report = asyncio.run(run(args))
    sys.stdout.write((json.dumps(report, indent=2) if args.json else render(report)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
