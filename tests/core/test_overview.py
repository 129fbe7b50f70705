"""The per-minute counter behind the overview's authentications chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from thingreg.core.overview import WINDOW_MINUTES, PerMinute


def test_counts_each_minute_and_forgets_old_ones() -> None:
    start = datetime(2026, 12, 2, 10, 0, 30, tzinfo=UTC)
    counter = PerMinute()
    for minute in range(90):
        for _ in range(minute % 3):
            counter.add(start + timedelta(minutes=minute))
    now = start + timedelta(minutes=89)
    series = counter.series(now)
    assert len(series) == WINDOW_MINUTES
    assert series[-1] == {"minute": "2026-12-02T11:29", "count": 89 % 3}
    assert series[0] == {"minute": "2026-12-02T10:30", "count": 30 % 3}
    assert [entry["count"] for entry in series] == [m % 3 for m in range(30, 90)]
    assert len(counter._counts) <= WINDOW_MINUTES


def test_quiet_minutes_are_zeros() -> None:
    counter = PerMinute()
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    counter.add(now - timedelta(minutes=5))
    series = counter.series(now)
    assert sum(entry["count"] for entry in series) == 1
    assert series[-6] == {"minute": "2026-12-02T09:55", "count": 1}
