"""The figures behind the console's overview page (``GET /stats``).

The store computes them in the database; this module picks the windows (the last and the next
:data:`WINDOW_DAYS` days) and keeps the last answer while the collection has not changed. When
computing took longer than :data:`SLOW` seconds (a large collection), the answer is also kept
for :data:`MIN_AGE` seconds while things change, so consoles left open on a busy registry do
not keep the database scanning.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from thingreg.core.td.registration import format_time, now_utc
from thingreg.store.base import Stats, Store

WINDOW_DAYS = 30
TOP = 20
MIN_AGE = 2.0
SLOW = 0.05


@dataclass
class _Cached:
    key: tuple[int, int, str]
    at: float
    cost: float
    body: dict[str, Any]


class Overview:
    """Aggregate figures of the collection, cached as described in the module docstring."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cached: _Cached | None = None

    async def figures(self) -> dict[str, Any]:
        now = now_utc()
        today = format_time(now)[:10]
        key = (
            await self.store.collection_version(),
            await self.store.last_event_id(),
            today,
        )
        cached = self._cached
        started = time.monotonic()
        if cached is not None and (
            cached.key == key or (cached.cost > SLOW and started - cached.at < MIN_AGE)
        ):
            return cached.body
        since = format_time(now - timedelta(days=WINDOW_DAYS - 1))[:10]
        until = format_time(now + timedelta(days=WINDOW_DAYS))[:10]
        stats = await self.store.stats(since=since, now=format_time(now), until=until, top=TOP)
        body = _render(stats, since=since, until=until, computed=format_time(now))
        self._cached = _Cached(key, started, time.monotonic() - started, body)
        return body


def _render(stats: Stats, *, since: str, until: str, computed: str) -> dict[str, Any]:
    return {
        "things": stats.things,
        "computed": computed,
        "types": [{"type": key, "count": n} for key, n in stats.types],
        "schemes": [{"scheme": key, "count": n} for key, n in stats.schemes],
        "registrations": {
            "since": since,
            "perDay": [{"day": key, "count": n} for key, n in stats.created],
        },
        "expiring": {
            "until": until,
            "perDay": [{"day": key, "count": n} for key, n in stats.expiring],
        },
    }
