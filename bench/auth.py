"""Benchmark device authentication: challenge + token pairs per second, and what limits them.

Three figures from one run, for each device key type (P-256 and Ed25519):

1. **raw**: the three signature operations a pair needs, back to back on one core: the device
   signs its assertion, the registry verifies it and signs the token (ES256 by default).
2. **in process**: ``Authenticator.challenge`` → device signs → ``Authenticator.token`` on one
   core (the process pinned to CPU 0, the SQLite writer thread included), from concurrent
   coroutines, with the real SQLite store. Printed as the ratio of the raw rate to it: how many
   times the whole pair costs more than its cryptography (target: within 2x).
3. **HTTP**: ``thingreg serve`` on loopback, and a minimal asyncio HTTP/1.1 client per worker
   doing ``POST /auth/challenge``, signing, ``POST /auth/token`` (target: 2,000 pairs/s on
   this two-core machine, the load generator included), with client and server CPU seconds.

::

    python -m bench.auth              # about 30 s
    python -m bench.auth --pairs 5000 --json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import uvloop

from bench.httpclient import RawConnection, Request
from bench.report import Report, Table, machine, machine_line, write
from bench.server import BENCH_TOKEN, Meter, Server
from thingreg.client.device import JWT_BEARER, assertion, describe_key, generate_key
from thingreg.core.access.principal import SYSTEM
from thingreg.core.auth import jose
from thingreg.core.auth.authenticator import Authenticator
from thingreg.core.auth.credentials import Credentials
from thingreg.core.auth.keyring import Keyring, generate
from thingreg.core.directory import Directory
from thingreg.core.events import EventBus
from thingreg.store import open_store

logger = logging.getLogger("bench.auth")

DEVICE_KEYS = ("ES256", "Ed25519")
HTTP_TARGET = 2_000.0
RATIO_TARGET = 2.0
AUDIENCE = "http://bench.invalid"


def _td(thing_id: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/2022/wot/td/v1.1",
        "id": thing_id,
        "title": "Bench device",
        "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
        "security": "nosec_sc",
    }


# --- raw cryptography ----------------------------------------------------------------------


def _rate(operation: Callable[[], object], seconds: float = 0.3, runs: int = 5) -> float:
    """Operations per second: the median of ``runs`` timings (one run alone is noisy here)."""
    operation()
    rates = []
    for _ in range(runs):
        done, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            for _ in range(100):
                operation()
            done += 100
        rates.append(done / elapsed)
    return statistics.median(rates)


def raw_rates(device_alg: str, token_alg: str) -> dict[str, float]:
    """Operations per second on one core: device sign, registry verify, registry sign."""
    device = generate_key(device_alg)
    registry = generate(token_alg)
    claims = {"nonce": "n" * 43, "aud": AUDIENCE, "thing": "urn:bench:device-000000", "iat": 1}
    signed = jose.parse(jose.sign({"kid": "k"}, claims, device))
    public, alg = device.public_key(), jose.algorithm_of(device)
    token_claims = {"iss": AUDIENCE, "sub": "urn:bench:device-000000", "exp": 2**40, "jti": "x"}
    sign = _rate(lambda: jose.sign({"kid": "k"}, claims, device))
    verify = _rate(lambda: jose.verify(signed, public, alg))
    token = _rate(lambda: jose.sign({"kid": "k"}, token_claims, registry))
    pair = 1 / (1 / sign + 1 / verify + 1 / token)
    return {
        "device_sign_per_s": round(sign),
        "verify_per_s": round(verify),
        "token_sign_per_s": round(token),
        "pair_per_s": round(pair),
        "server_pair_per_s": round(1 / (1 / verify + 1 / token)),
    }


# --- in process ------------------------------------------------------------------------------


async def in_process(
    workdir: Path, device_alg: str, token_alg: str, things: int, pairs: int, concurrency: int
) -> dict[str, Any]:
    store = open_store(f"sqlite:///{workdir / f'inproc-{device_alg}.db'}")
    await store.open()
    try:
        directory = Directory(store, EventBus(16))
        keyring = Keyring(store, alg=token_alg)
        await keyring.load()
        authenticator = Authenticator(store, keyring, issuer=AUDIENCE)
        credentials = Credentials(store)
        devices = []
        for index in range(things):
            thing_id = f"urn:bench:device-{index:06d}"
            await directory.put(thing_id, _td(thing_id), SYSTEM)
            key = generate_key(device_alg)
            described = describe_key(key)
            await credentials.add(thing_id, {"key": described["jwk"]})
            devices.append((thing_id, key, described["thumbprint"]))

        device_cpu = 0.0

        async def device_loop(worker: int, budget: Any) -> None:
            nonlocal device_cpu
            thing_id, key, kid = devices[worker % len(devices)]
            for _ in budget:
                issued = await authenticator.challenge(thing_id)
                signing = time.thread_time()
                signed = assertion(
                    key, nonce=issued.nonce, audience=AUDIENCE, thing=thing_id, kid=kid
                )
                device_cpu += time.thread_time() - signing
                await authenticator.token(signed)

        warm_up = iter(range(500))
        await asyncio.gather(*(device_loop(w, warm_up) for w in range(concurrency)))
        remaining = iter(range(pairs))
        device_cpu = 0.0
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(device_loop(w, remaining) for w in range(concurrency)))
        wall = time.perf_counter() - started
        registry = wall - device_cpu
        return {
            "pairs": pairs,
            "seconds": round(wall, 3),
            "cpu_s": round(time.process_time() - cpu, 2),
            "device_sign_cpu_s": round(device_cpu, 3),
            "pairs_per_s": round(pairs / wall, 1),
            "registry_us_per_pair": round(registry / pairs * 1e6, 1),
        }
    finally:
        await store.close()


@contextlib.contextmanager
def one_core() -> Any:
    """Pin this process (and the threads it starts) to one CPU for the duration."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# --- over HTTP ---------------------------------------------------------------------------------


def register_devices(url: str, device_alg: str, things: int) -> list[tuple[str, Any, str]]:
    """Things with one bound key each, registered through the API (not timed)."""
    devices = []
    logging.getLogger("httpx").setLevel(logging.WARNING)
    auth = {"Authorization": f"Bearer {BENCH_TOKEN}"}
    with httpx.Client(base_url=url, timeout=30, trust_env=False, headers=auth) as client:
        for index in range(things):
            thing_id = f"urn:bench:{device_alg.lower()}-{index:06d}"
            path = "/things/" + quote(thing_id, safe="")
            response = client.put(
                path,
                content=orjson.dumps(_td(thing_id)),
                headers={"Content-Type": "application/td+json"},
            )
            response.raise_for_status()
            key = generate_key(device_alg)
            body = {"key": describe_key(key)["did"]}
            client.post(path + "/credentials", json=body).raise_for_status()
            devices.append((thing_id, key, describe_key(key)["thumbprint"]))
    return devices


async def over_http(
    server: Server, devices: list[tuple[str, Any, str]], pairs: int, concurrency: int
) -> dict[str, Any]:
    port = server.port
    json_headers = (("Content-Type", "application/json"),)
    form_headers = (("Content-Type", "application/x-www-form-urlencoded"),)
    latencies: list[float] = []
    failures: list[str] = []
    remaining = iter(range(pairs))

    async def device_loop(worker: int, budget: Any) -> None:
        thing_id, key, kid = devices[worker % len(devices)]
        ask = Request.build(
            "POST", "/auth/challenge", port, json_headers, orjson.dumps({"thing": thing_id})
        )
        connection = RawConnection(port)
        try:
            for _ in budget:
                started = time.perf_counter()
                answer = await connection.send(ask)
                if answer.status != 200:
                    failures.append(f"challenge {answer.status}: {answer.body[:200]!r}")
                    continue
                nonce = orjson.loads(answer.body)["nonce"]
                signed = assertion(key, nonce=nonce, audience=server.url, thing=thing_id, kid=kid)
                form = f"grant_type={quote(JWT_BEARER, safe='')}&assertion={signed}".encode()
                answer = await connection.send(
                    Request.build("POST", "/auth/token", port, form_headers, form)
                )
                if answer.status != 200:
                    failures.append(f"token {answer.status}: {answer.body[:200]!r}")
                    continue
                latencies.append(time.perf_counter() - started)
        finally:
            await connection.aclose()

    await asyncio.gather(*(device_loop(w, iter(range(20))) for w in range(concurrency)))
    latencies.clear()
    with Meter(server) as meter:
        await asyncio.gather(*(device_loop(w, remaining) for w in range(concurrency)))
    ordered = sorted(latencies)

    def percentile(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {
        **meter.as_dict(),
        "pairs": pairs,
        "pairs_per_s": round(len(latencies) / meter.wall, 1),
        "latency_ms": {"p50": percentile(0.5), "p90": percentile(0.9), "p99": percentile(0.99)},
        "failures": len(failures),
        "failure_samples": failures[:5],
    }


# --- the run -----------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> Report:
    report: Report = {"machine": machine(), "token_alg": args.token_alg, "runs": {}}
    with tempfile.TemporaryDirectory(prefix="thingreg-bench-auth-") as tmp:
        workdir = Path(tmp)
        for device_alg in args.device_alg:
            run_report: dict[str, Any] = {}
            with one_core():
                logger.info("%s: raw signature speed", device_alg)
                run_report["raw"] = raw_rates(device_alg, args.token_alg)
                logger.info("%s: %d pairs in process", device_alg, args.in_process_pairs)
                run_report["in_process"] = await in_process(
                    workdir,
                    device_alg,
                    args.token_alg,
                    args.things,
                    args.in_process_pairs,
                    args.concurrency,
                )
            raw, inproc = run_report["raw"], run_report["in_process"]
            raw_registry_us = 1e6 / raw["server_pair_per_s"]
            run_report["ratio"] = round(inproc["registry_us_per_pair"] / raw_registry_us, 2)
            run_report["ratio_with_device"] = round(raw["pair_per_s"] / inproc["pairs_per_s"], 2)
            if not args.skip_http:
                server = Server(
                    workdir / f"http-{device_alg}", [], {"THINGREG_TOKEN_ALG": args.token_alg}
                )
                (workdir / f"http-{device_alg}").mkdir()
                server.start()
                try:
                    await server.wait_ready()
                    devices = register_devices(server.url, device_alg, args.things)
                    logger.info("%s: %d pairs over HTTP", device_alg, args.pairs)
                    run_report["http"] = await over_http(
                        server, devices, args.pairs, args.concurrency
                    )
                finally:
                    server.stop()
            report["runs"][device_alg] = run_report
    return report


def render(report: Report) -> str:
    table = Table()
    for device_alg, run in report["runs"].items():
        raw, inproc = run["raw"], run["in_process"]
        key = f"{device_alg} device, {report['token_alg']} token"
        table.row(
            f"{key}: raw verify+sign",
            f"{raw['server_pair_per_s']:,}/s (verify {raw['verify_per_s']:,}/s, token sign "
            f"{raw['token_sign_per_s']:,}/s; device sign {raw['device_sign_per_s']:,}/s)",
        )
        table.row(
            f"{key}: in process, one core",
            f"{inproc['pairs_per_s']:,} pairs/s with the device's signing "
            f"({run['ratio_with_device']}x raw sign+verify+sign); registry "
            f"{inproc['registry_us_per_pair']} us/pair = {run['ratio']}x raw verify+sign",
            f"<= {RATIO_TARGET}x",
            run["ratio"] <= RATIO_TARGET,
        )
        http = run.get("http")
        if http is not None:
            table.row(
                f"{key}: over HTTP",
                f"{http['pairs_per_s']:,} pairs/s, p50 {http['latency_ms']['p50']} ms, "
                f"p99 {http['latency_ms']['p99']} ms; cpu client {http['client_cpu_s']} s, "
                f"server {http['server_cpu_s']} s in {http['seconds']} s; "
                f"{http['failures']} failures",
                f">= {HTTP_TARGET:,.0f}/s",
                http["pairs_per_s"] >= HTTP_TARGET and not http["failures"],
            )
    return "\n".join([machine_line(report["machine"]), *table.lines()])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.auth", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--pairs", type=int, default=20_000, help="timed pairs over HTTP")
    parser.add_argument(
        "--in-process-pairs", type=int, default=20_000, help="timed pairs in process"
    )
    parser.add_argument("--things", type=int, default=100, help="devices (one key each)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent devices")
    parser.add_argument(
        "--device-alg",
        action="append",
        choices=DEVICE_KEYS,
        help="device key type (repeatable; default both)",
    )
    parser.add_argument("--token-alg", choices=jose.ALGORITHMS, default=jose.ES256)
    parser.add_argument("--skip-http", action="store_true", help="only raw and in process")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    args.device_alg = args.device_alg or list(DEVICE_KEYS)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        report = runner.run(run(args))
    write(report, args.json, render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
