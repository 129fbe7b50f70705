"""Sending many ready-made requests from concurrent keep-alive clients, timing each one.

:func:`run_load` sends every request once, ``concurrency`` at a time, each worker holding one
:class:`~bench.httpclient.RawConnection`; the :class:`Load` it returns has every latency,
completion time and status, and renders them as percentiles, rates and error counts.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.httpclient import CONNECTION_ERRORS, RawConnection, Request, Response
from bench.server import Meter, Server

MAX_ERRORS_KEPT = 5
PERCENTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))

Check = Callable[[Request, Response], str | None]
"""Looks at an answer with the expected status: None if it is right, else what is wrong."""


@dataclass(slots=True)
class Load:
    """The outcome of sending many requests from concurrent workers."""

    requests: int
    meter: Meter
    latencies_ns: list[int] = field(default_factory=list)
    finished_ns: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    wrong: int | None = None
    """Answers with the expected status that the check found wrong (None: not checked)."""

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies_ns)
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] / 1e6

    def tenth_rates(self) -> tuple[float, float]:
        """Requests per second over the first and the last tenth of the responses."""
        done = sorted(self.finished_ns)
        tenth = len(done) // 10
        if tenth < 2:
            return math.nan, math.nan
        first = (tenth - 1) / ((done[tenth - 1] - done[0]) / 1e9)
        last = (tenth - 1) / ((done[-1] - done[-tenth]) / 1e9)
        return round(first, 1), round(last, 1)

    def as_dict(self, expect: int) -> dict[str, object]:
        first, last = self.tenth_rates()
        checked = {} if self.wrong is None else {"wrong_answers": self.wrong}
        return {
            **self.meter.as_dict(),
            "requests": self.requests,
            "per_second": round(self.requests / self.meter.wall, 1),
            "per_second_first_tenth": first,
            "per_second_last_tenth": last,
            "latency_ms": {name: round(self.percentile_ms(q), 2) for name, q in PERCENTILES},
            "statuses": {
                str(status or "connection-error"): n for status, n in self.statuses.items()
            },
            "errors": self.requests - self.statuses[expect] + (self.wrong or 0),
            **checked,
            "error_samples": self.errors,
        }


async def run_load(
    server: Server,
    requests: Sequence[Request],
    concurrency: int,
    expect: int,
    check: Check | None = None,
) -> Load:
    """Send every request once, ``concurrency`` at a time, and time each one.

    ``check``, when given, judges each answer with the ``expect`` status (after the clock
    stopped for it); wrong answers count as errors.
    """
    load = Load(len(requests), Meter(server), wrong=None if check is None else 0)
    pending = iter(requests)

    def note(message: str) -> None:
        if len(load.errors) < MAX_ERRORS_KEPT:
            load.errors.append(message)

    async def worker() -> None:
        connection = RawConnection(server.port)
        try:
            for request in pending:
                start = time.perf_counter_ns()
                try:
                    response = await connection.send(request)
                except CONNECTION_ERRORS as exc:
                    load.statuses[0] += 1
                    note(f"{request.method} {request.target}: {type(exc).__name__}: {exc}")
                    continue
                end = time.perf_counter_ns()
                load.latencies_ns.append(end - start)
                load.finished_ns.append(end)
                load.statuses[response.status] += 1
                if response.status != expect:
                    body = response.body[:300]
                    note(f"{request.method} {request.target} -> {response.status} {body!r}")
                elif check is not None and (wrong := check(request, response)) is not None:
                    load.wrong = (load.wrong or 0) + 1
                    note(f"{request.method} {request.target}: {wrong}")
        finally:
            await connection.aclose()

    with load.meter:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return load
