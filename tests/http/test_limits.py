"""Limits that keep one request from tying up the service, each a clear 400 problem."""

from __future__ import annotations

import httpx
import orjson

from tests.support import minimal_td
from thingreg.http.bodies import MAX_JSON_DEPTH

PROBLEM = "application/problem+json"


def _nested_td(depth: int) -> bytes:
    """A TD whose ``x`` member nests ``depth`` objects (the TD itself is one more level)."""
    text = orjson.dumps(minimal_td("urn:example:deep", x="HERE")).decode()
    return text.replace('"HERE"', '{"a":' * depth + "1" + "}" * depth).encode()


async def test_a_td_nested_too_deeply_is_a_400_not_a_500(client: httpx.AsyncClient) -> None:
    # 300 levels once passed validation and failed in the encoder (limit 254): a 500.
    for depth in (MAX_JSON_DEPTH, 300, 1000):
        response = await client.put(
            "/things/urn:example:deep",
            content=_nested_td(depth),
            headers={"content-type": "application/td+json"},
        )
        assert response.status_code == 400, depth
        assert response.headers["content-type"] == PROBLEM
        assert "deeper than" in response.json()["detail"]


async def test_nesting_up_to_the_limit_is_stored(client: httpx.AsyncClient) -> None:
    body = _nested_td(MAX_JSON_DEPTH - 1)
    response = await client.put(
        "/things/urn:example:deep", content=body, headers={"content-type": "application/td+json"}
    )
    assert response.status_code == 201
    assert (await client.get("/things/urn:example:deep")).status_code == 200


async def test_a_merge_patch_nested_too_deeply_is_a_400(client: httpx.AsyncClient) -> None:
    await client.put("/things/urn:example:p", json=minimal_td("urn:example:p"))
    patch = '{"x":' + '{"a":' * 300 + "1" + "}" * 300 + "}"
    response = await client.patch(
        "/things/urn:example:p",
        content=patch,
        headers={"content-type": "application/merge-patch+json"},
    )
    assert response.status_code == 400
    assert (await client.get("/things/urn:example:p")).json().get("x") is None


async def test_costly_jsonpath_queries_are_refused(client: httpx.AsyncClient) -> None:
    await client.put("/things/urn:example:p", json=minimal_td("urn:example:p"))
    for query in ("$..*..*..*", "$[?@..*[?@..*[?@..*]]]", "$[?@[?@[?@[?@.a]]]]"):
        response = await client.get("/search/jsonpath", params={"query": query})
        assert response.status_code == 400, query
        assert response.json()["type"].endswith("/invalid-query")
        assert "at most" in response.json()["detail"]
    for query in ("$..*..*", "$[?@[?@[?@.a]]]", "$..properties[?@..href]"):
        response = await client.get("/search/jsonpath", params={"query": query})
        assert response.status_code == 200, query
