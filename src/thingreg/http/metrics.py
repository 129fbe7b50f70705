"""Operational figures: ``/metrics`` in the Prometheus text format, ``/readyz``.

Requests are counted by method, route *template* and status (never by raw path, so a scan of
random URLs cannot grow the number of series), and timed by route. The store's own figures
(things, the last event id) are read when the endpoint is scraped. Device authentication shows
as the ``/auth/token`` route's requests by status: 200 issued, 4xx refused.
"""

from __future__ import annotations

import asyncio
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from thingreg.core.errors import StoreUnavailable
from thingreg.http.negotiation import directory_of

READY_TIMEOUT = 2.0
"""Seconds the store may take to answer the readiness probe."""

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


class Metrics:
    """The application's metric families, in a registry of its own (no process globals)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "thingreg_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "thingreg_http_request_duration_seconds",
            "Time to answer an HTTP request (whole stream for streamed responses), by route.",
            ("route",),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.things = Gauge("thingreg_things", "Things in the directory.", registry=self.registry)
        self.last_event = Gauge(
            "thingreg_last_event_id",
            "Id of the newest change event (grows by one per committed change).",
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)


class MetricsMiddleware:
    """Pure ASGI middleware: counts and times every HTTP request by its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            template = route.path_format if isinstance(route, Route) else "unmatched"
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - started)


def metrics_of(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def metrics(request: Request) -> Response:
    figures = metrics_of(request)
    store = directory_of(request).store
    figures.things.set(await store.count())
    figures.last_event.set(await store.last_event_id())
    return Response(generate_latest(figures.registry), media_type=CONTENT_TYPE_LATEST)


async def readyz(request: Request) -> Response:
    """Ready when the store answers a query in time; 503 problem details otherwise."""
    try:
        await asyncio.wait_for(directory_of(request).store.last_event_id(), READY_TIMEOUT)
    except Exception as exc:
        raise StoreUnavailable("the database does not answer") from exc
    return JSONResponse({"status": "ready"})


routes = [
    Route("/metrics", metrics, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
]
