"""The Search API: JSONPath (RFC 9535) over the collection; XPath and SPARQL are not offered."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from thingreg.core.errors import BadRequest, NotImplementedFeature
from thingreg.http.negotiation import JSON, directory_of, head_of_stream, negotiate, reader_of
from thingreg.http.things import class_params, first_chunk_read, json_array


async def search_jsonpath(request: Request) -> Response:
    query = request.query_params.get("query")
    if query is None:
        raise BadRequest("the query parameter 'query' (a JSONPath expression) is required")
    kind = negotiate(request, (JSON,))
    directory = directory_of(request)
    principal = await reader_of(request)
    within = directory.class_filter(
        directory.identifier_filter(
            request.query_params.get("scheme"), request.query_params.get("alias")
        ),
        class_params(request),
    )
    results = await directory.search_jsonpath(query, principal, within)
    if request.method == "HEAD":
        return head_of_stream({}, kind)
    body = await first_chunk_read(json_array(results, b"[", b"]"))
    return StreamingResponse(body, media_type=kind)


async def not_offered(request: Request) -> Response:
    language = request.url.path.rsplit("/", 1)[-1]
    raise NotImplementedFeature(
        f"{language} search is not offered by this directory; use /search/jsonpath"
    )


routes = [
    Route("/search/jsonpath", search_jsonpath, methods=["GET"]),
    Route("/search/xpath", not_offered, methods=["GET", "POST"]),
    Route("/search/sparql", not_offered, methods=["GET", "POST"]),
]
