"""A smoke run of ``bench.auth``'s in-process phase and its report, so the benchmark keeps
working as the code it measures changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.auth import in_process, parse_args, render
from bench.report import machine


async def test_in_process_phase_and_report(tmp_path: Path) -> None:
    measured = await in_process(tmp_path, "Ed25519", "ES256", things=3, pairs=40, concurrency=4)
    assert measured["pairs"] == 40 and measured["pairs_per_s"] > 0
    assert 0 < measured["registry_us_per_pair"] < measured["seconds"] / 40 * 1e6
    raw = {
        "device_sign_per_s": 30_000,
        "verify_per_s": 10_000,
        "token_sign_per_s": 30_000,
        "pair_per_s": 6_000,
        "server_pair_per_s": 7_500,
    }
    run: dict[str, Any] = {
        "raw": raw,
        "in_process": measured,
        "ratio": 1.5,
        "ratio_with_device": 1.4,
    }
    report = {"machine": machine(), "token_alg": "ES256", "runs": {"Ed25519": run}}
    text = render(report)
    assert "Ed25519 device, ES256 token: in process, one core" in text and "PASS" in text
    args = parse_args(["--skip-http", "--device-alg", "ES256"])
    assert args.device_alg == ["ES256"] and args.skip_http
