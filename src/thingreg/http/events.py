"""The Notification API: Server-Sent Events at ``/events`` and ``/events/{type}``.

A stream first replays what the client missed (``Last-Event-ID``) from the store, then follows
the live bus. A client too slow for the bus falls back to reading from the store at its own
pace, so it neither slows writers nor makes the server buffer without bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from thingreg.core.access.policy import hidden_members, may_see, redact
from thingreg.core.access.principal import SYSTEM, Principal
from thingreg.core.errors import BadRequest, NotFound
from thingreg.core.events import Subscription
from thingreg.http.negotiation import (
    DIGITS,
    bool_param,
    directory_of,
    head_of_stream,
    reader_of,
    settings_of,
)
from thingreg.store.base import EVENT_TYPES, Event, Store

_REPLAY_PAGE = 500


def format_event(event: Event, *, diff: bool, principal: Principal = SYSTEM) -> bytes:
    """One SSE message; data is the full TD / merge patch with ``diff``, else just the id."""
    if diff and event.type != "thing_deleted" and event.diff is not None:
        data = event.diff
        hidden = hidden_members(principal, event.access)
        if hidden:
            data = orjson.dumps(redact(orjson.loads(data), hidden))
    else:
        data = orjson.dumps({"id": event.thing_id})
    return b"event: %s\ndata: %s\nid: %d\n\n" % (event.type.encode(), data, event.id)


async def events(request: Request) -> Response:
    wanted = request.path_params.get("event_type")
    if wanted is not None and wanted not in EVENT_TYPES:
        raise NotFound(f"unknown event type {wanted!r}; use one of {', '.join(EVENT_TYPES)}")
    diff = bool_param(request, "diff")
    principal = await reader_of(request)
    last_seen = request.headers.get("last-event-id")
    if last_seen is not None and not DIGITS.fullmatch(last_seen.strip()):
        raise BadRequest(f"Last-Event-ID {last_seen!r} is not an event id of this directory")
    start = int(last_seen) if last_seen is not None else None
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    if request.method == "HEAD":
        return head_of_stream(headers, "text/event-stream")
    stream = _stream(request, _Filter(wanted, diff, principal), start)
    return StreamingResponse(stream, headers=headers, media_type="text/event-stream")


@dataclass(frozen=True, slots=True)
class _Filter:
    """Which events a stream sends, and how: its type, ``diff``, and whose view it takes."""

    wanted: str | None
    diff: bool
    principal: Principal

    def message(self, event: Event) -> bytes | None:
        if self.wanted is not None and event.type != self.wanted:
            return None
        if not may_see(self.principal, event.access, event.thing_id):
            return None
        return format_event(event, diff=self.diff, principal=self.principal)


async def _stream(request: Request, wanted: _Filter, start: int | None) -> AsyncIterator[bytes]:
    directory = directory_of(request)
    keepalive = settings_of(request).sse_keepalive
    with directory.bus.subscribe() as subscription:
        sent = start if start is not None else await directory.store.last_event_id()
        yield b"retry: 2000\n\n"
        if start is not None:
            async for message, last in _replay(directory.store, sent, wanted):
                sent = last
                yield message
        while True:
            if subscription.overflowed:
                _rearm(subscription)
                async for message, last in _replay(directory.store, sent, wanted):
                    sent = last
                    yield message
                continue
            try:
                event = await asyncio.wait_for(subscription.queue.get(), keepalive)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if event.id <= sent:
                continue
            sent = event.id
            live = wanted.message(event)
            if live is not None:
                yield live


def _rearm(subscription: Subscription) -> None:
    """Empty the overflowed queue and listen again; the store covers what was dropped."""
    while not subscription.queue.empty():
        subscription.queue.get_nowait()
    subscription.overflowed = False


async def _replay(store: Store, after: int, wanted: _Filter) -> AsyncIterator[tuple[bytes, int]]:
    while True:
        batch = await store.events_after(after, _REPLAY_PAGE)
        for event in batch:
            after = event.id
            message = wanted.message(event)
            if message is not None:
                yield message, after
        if len(batch) < _REPLAY_PAGE:
            return


routes = [
    Route("/events", events, methods=["GET"]),
    Route("/events/{event_type}", events, methods=["GET"]),
]
