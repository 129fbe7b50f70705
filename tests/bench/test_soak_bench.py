"""A smoke run of ``bench.soak``, so the soak keeps working as the code it loads changes."""

from __future__ import annotations

from bench.soak import parse_args, render, run


def test_a_short_soak_mixes_every_operation_without_errors() -> None:
    args = parse_args(["--duration", "4", "--things", "40", "--devices", "2", "--sample", "1"])
    report = run(args)
    assert report["errors"] == 0, report["error_samples"]
    assert report["server_alive"]
    assert set(report["operations"]) >= {"create", "read", "search", "auth"}
    assert report["sse_events_received"] > 0
    assert len(report["rss_mb"]) >= 3
    assert "errors 0" in render(report)
