"""The figures behind the console's overview page (``GET /stats``).

The store computes them in the database; this module picks the windows (the last and the next
:data:`WINDOW_DAYS` days) and keeps the last answer while the collection has not changed (same
collection version, same last event, same day), so consoles left open on a quiet registry cost
nothing; the console itself asks again at most every few seconds while things change.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from thingreg.core.td.registration import format_time, now_utc
from thingreg.store.base import Stats, Store

WINDOW_DAYS = 30
TOP = 20
WINDOW_MINUTES = 60


class PerMinute:
    """How often something happened in each UTC minute of the last :data:`WINDOW_MINUTES`,
    counted in this process (each server process counts its own)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def add(self, now: datetime | None = None) -> None:
        minute = format_time(now or now_utc())[:16]
        self._counts[minute] += 1
        if len(self._counts) > WINDOW_MINUTES:
            oldest = sorted(self._counts)[: len(self._counts) - WINDOW_MINUTES]
            for key in oldest:
                del self._counts[key]

    def series(self, now: datetime) -> list[dict[str, Any]]:
        """One entry per minute, oldest first, the current minute last (zeros included)."""
        minutes = (
            format_time(now - timedelta(minutes=back))[:16]
            for back in range(WINDOW_MINUTES - 1, -1, -1)
        )
        return [{"minute": minute, "count": self._counts.get(minute, 0)} for minute in minutes]


@dataclass
class _Cached:
    key: tuple[int, int, str]
    body: dict[str, Any]


class Overview:
    """Aggregate figures of the collection, cached as described in the module docstring."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.authentications = PerMinute()
        """Device tokens issued (``POST /auth/token`` answered 200)."""
        self._cached: _Cached | None = None

    async def figures(self) -> dict[str, Any]:
        now = now_utc()
        today = format_time(now)[:10]
        key = (
            await self.store.collection_version(),
            await self.store.last_event_id(),
            today,
        )
        live = {"authentications": {"perMinute": self.authentications.series(now)}}
        cached = self._cached
        if cached is not None and cached.key == key:
            return cached.body | live
        since = format_time(now - timedelta(days=WINDOW_DAYS - 1))[:10]
        until = format_time(now + timedelta(days=WINDOW_DAYS))[:10]
        stats = await self.store.stats(since=since, now=format_time(now), until=until, top=TOP)
        body = _render(stats, since=since, until=until, computed=format_time(now))
        self._cached = _Cached(key, body)
        return body | live


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
