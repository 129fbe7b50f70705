"""A smoke run of ``bench.mqtt`` on a real broker, so the benchmark keeps working."""

from __future__ import annotations

from bench.mqtt import parse_args, render, run
from tests.integrations.mqtt.broker import require_mosquitto


async def test_small_run_and_report() -> None:
    require_mosquitto()
    report = await run(parse_args(["--things", "3", "--kicks", "2"]))
    assert report["issue"]["n"] == 3 and report["kick"]["n"] == 2
    assert 0 < report["kick"]["max_ms"] < 2000
    assert report["rebuild_s"] > 0 and report["recheck_s"] > 0
    text = render(report)
    assert "revocation to disconnection" in text and "PASS" in text
