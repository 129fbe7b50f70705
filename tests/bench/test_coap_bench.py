"""A smoke run of ``bench.coap`` so the benchmark keeps working as the RD changes."""

from __future__ import annotations

import pytest

from bench.coap import run


async def test_coap_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    await run(endpoints=6, concurrency=2)
    out = capsys.readouterr().out
    for phase in ("register", "refresh (lt)", "lookup ep", "lookup res, rt, first 10"):
        assert phase in out
