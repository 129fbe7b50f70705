"""/metrics and /readyz: the figures an operator scrapes, and readiness."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families

from tests.support import minimal_td


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_requests_are_counted_by_route_template(client: httpx.AsyncClient) -> None:
    for n in range(3):
        td = minimal_td(f"urn:example:metrics-{n}")
        created = await client.put(
            "/things/" + quote(str(td["id"]), safe=""),
            content=orjson.dumps(td),
            headers={"Content-Type": "application/td+json"},
        )
        assert created.status_code == 201
    assert (await client.get("/things/urn%3Aexample%3Anope")).status_code == 404
    assert (await client.get("/no/such/path/x7")).status_code == 404

    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    figures = samples(answer.text)
    put = ("method", "PUT"), ("route", "/things/{thing_id}"), ("status", "201")
    assert figures[("thingreg_http_requests_total", put)] == 3
    missing = ("method", "GET"), ("route", "/things/{thing_id}"), ("status", "404")
    assert figures[("thingreg_http_requests_total", missing)] == 1
    unmatched = ("method", "GET"), ("route", "unmatched"), ("status", "404")
    assert figures[("thingreg_http_requests_total", unmatched)] == 1
    assert figures[("thingreg_things", ())] == 3
    assert figures[("thingreg_last_event_id", ())] >= 3
    # Raw paths never become labels: the series stay bounded whatever clients ask for.
    assert "metrics-1" not in answer.text and "/no/such" not in answer.text
    count = (("route", "/things/{thing_id}"),)
    assert figures[("thingreg_http_request_duration_seconds_count", count)] == 4
    assert re.search(r'thingreg_http_request_duration_seconds_bucket\{le="0\.0005"', answer.text)


async def test_ready_when_the_store_answers(client: httpx.AsyncClient) -> None:
    answer = await client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready"}


async def test_not_ready_when_the_store_is_gone(client: httpx.AsyncClient) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    await app.state.directory.store.close()
    answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/store-unavailable")
