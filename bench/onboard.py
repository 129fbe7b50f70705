"""Benchmark fleet onboarding: bulk registration and first-contact registration rates.

In process, on the real store (SQLite by default; ``--db postgresql://…`` for PostgreSQL):

1. **bulk**: ``Onboarding.register_file`` with a CSV of N pre-made devices (id, did:key), the
   code path of ``POST /enrollment-groups/{id}/devices`` after the body is read: devices/s
   for the first run (all created) and a second run of the same file (all unchanged);
2. **first contact**: N devices with P-256 keys and certificates from a CA that an enrollment
   group trusts, each doing challenge → assertion with ``x5c`` → token, from concurrent
   coroutines: registrations/s, and the rate of a second round (the devices now known) for
   comparison.

::

    python -m bench.onboard                  # about 20 s
    python -m bench.onboard --devices 5000 --json
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bench.report import Report, Table, machine, machine_line, write
from thingreg.client.device import assertion, describe_key, generate_key
from thingreg.core.auth.authenticator import Authenticator
from thingreg.core.auth.enrollment import EnrollmentGroups
from thingreg.core.auth.keyring import Keyring
from thingreg.core.auth.onboarding import Onboarding
from thingreg.core.directory import Directory
from thingreg.core.events import EventBus
from thingreg.store import open_store
from thingreg.store.base import Store

logger = logging.getLogger("bench.onboard")

AUDIENCE = "http://bench.invalid"
BULK_TARGET = 1_000.0
"""Devices/s a bulk file should register at least (1,000 devices in a second)."""
PREFIX = "urn:dev:ops:32473-bench-"


def _ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _leaf(
    ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate], key: Any, serial: str
) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, serial)]))
        .issuer_name(ca[1].subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca[0], hashes.SHA256())
    )


async def _open(url: str) -> tuple[Store, Onboarding]:
    store = open_store(url)
    await store.open()
    directory = Directory(store, EventBus(16))
    return store, Onboarding(directory, EnrollmentGroups(store))


async def bulk(url: str, devices: int) -> dict[str, Any]:
    logger.info("bulk: making %d device keys", devices)
    rows = ["id,key"]
    for n in range(devices):
        rows.append(f"{PREFIX}file-{n:06d},{describe_key(generate_key('Ed25519'))['did']}")
    text = "\n".join(rows)
    store, onboarding = await _open(url)
    try:
        await onboarding.groups.create({"id": "bulk"})
        result: dict[str, Any] = {"devices": devices}
        for phase in ("created", "unchanged"):
            started = time.perf_counter()
            report = await onboarding.register_file("bulk", text, "csv")
            seconds = time.perf_counter() - started
            assert report.rejected == [] and getattr(report, phase) == devices, report.as_dict()
            result[phase] = {"seconds": round(seconds, 3), "per_s": round(devices / seconds, 1)}
        return result
    finally:
        await store.close()


async def first_contact(url: str, devices: int, concurrency: int) -> dict[str, Any]:
    logger.info("first contact: making %d device certificates", devices)
    ca = _ca()
    fleet = []
    for n in range(devices):
        key = generate_key("ES256")
        leaf = _leaf(ca, key, f"{n:06d}")
        fleet.append((f"{PREFIX}{n:06d}", key, leaf))
    store, onboarding = await _open(url)
    try:
        ca_pem = ca[1].public_bytes(serialization.Encoding.PEM).decode()
        await onboarding.groups.create(
            {"id": "certs", "caCertificates": ca_pem, "deviceId": {"prefix": PREFIX}}
        )
        keyring = Keyring(store)
        await keyring.load()
        authenticator = Authenticator(store, keyring, issuer=AUDIENCE, onboarding=onboarding)

        async def contact(todo: Any) -> None:
            for thing_id, key, leaf in todo:
                issued = await authenticator.challenge(thing_id)
                signed = assertion(
                    key, nonce=issued.nonce, audience=AUDIENCE, thing=thing_id, certificates=[leaf]
                )
                await authenticator.token(signed)

        result: dict[str, Any] = {"devices": devices, "concurrency": concurrency}
        before = await store.count()
        for phase in ("first", "again"):
            todo = iter(fleet)
            started = time.perf_counter()
            await asyncio.gather(*(contact(todo) for _ in range(concurrency)))
            seconds = time.perf_counter() - started
            result[phase] = {"seconds": round(seconds, 3), "per_s": round(devices / seconds, 1)}
        assert await store.count() - before == devices
        return result
    finally:
        await store.close()


async def run(args: argparse.Namespace) -> Report:
    report: Report = {"machine": machine(), "database": "sqlite" if not args.db else "postgresql"}
    with tempfile.TemporaryDirectory(prefix="thingreg-bench-onboard-") as tmp:
        for name in ("bulk", "first_contact"):
            url = args.db or f"sqlite:///{Path(tmp) / f'{name}.db'}"
            if name == "bulk":
                report[name] = await bulk(url, args.devices)
            else:
                report[name] = await first_contact(url, args.contacts, args.concurrency)
    return report


def render(report: Report) -> str:
    table = Table()
    bulk_run, contact = report["bulk"], report["first_contact"]
    database = report["database"]
    table.row(
        f"bulk file, {bulk_run['devices']:,} devices ({database})",
        f"{bulk_run['created']['per_s']:,} devices/s created "
        f"({bulk_run['created']['seconds']} s); again: {bulk_run['unchanged']['per_s']:,}/s "
        "unchanged",
        f">= {BULK_TARGET:,.0f}/s",
        bulk_run["created"]["per_s"] >= BULK_TARGET,
    )
    table.row(
        f"first contact, X.509 P-256 ({database})",
        f"{contact['first']['per_s']:,} registrations/s ({contact['devices']:,} devices, "
        f"{contact['concurrency']} at once); known devices: {contact['again']['per_s']:,} "
        "tokens/s",
    )
    return "\n".join([machine_line(report["machine"]), *table.lines()])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.onboard", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--devices", type=int, default=1_000, help="devices in the bulk file")
    parser.add_argument("--contacts", type=int, default=1_000, help="first-contact devices")
    parser.add_argument("--concurrency", type=int, default=32, help="devices at once")
    parser.add_argument(
        "--db", default="", help="a postgresql:// URL of an empty schema (default: SQLite)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        report = runner.run(run(args))
    write(report, args.json, render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
