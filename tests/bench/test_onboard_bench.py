"""A smoke run of ``bench.onboard``, so the benchmark keeps working as the code it measures
changes."""

from __future__ import annotations

from pathlib import Path

from bench.onboard import bulk, first_contact, parse_args, render
from bench.report import machine


async def test_bulk_and_first_contact_phases_and_report(tmp_path: Path) -> None:
    bulk_run = await bulk(f"sqlite:///{tmp_path / 'bulk.db'}", 20)
    assert bulk_run["created"]["per_s"] > 0 and bulk_run["unchanged"]["per_s"] > 0
    contact = await first_contact(f"sqlite:///{tmp_path / 'contact.db'}", 6, 3)
    assert contact["first"]["per_s"] > 0 and contact["again"]["per_s"] > 0
    report = {
        "machine": machine(),
        "database": "sqlite",
        "bulk": bulk_run,
        "first_contact": contact,
    }
    text = render(report)
    assert "bulk file, 20 devices (sqlite)" in text and "first contact, X.509" in text
    assert parse_args(["--devices", "5"]).devices == 5
