"""The OpenAPI 3.1 description of thingreg's HTTP API, served at ``/openapi.json``.

The document is what schemathesis fuzzes the service against, so it states every status code
an operation can answer and constrains parameters exactly as the server checks them (an
``offset`` past 18 digits is a 400, so the schema has a maximum). Every error body is an
RFC 9457 problem (``#/components/schemas/Problem``). HEAD operations are derived from their
GET twins with the bodies removed, so the two cannot drift apart.

Writes declare ``security: [{}, {"bearerAuth": []}]``: the token is optional in the document
because the server only demands it when an API token is configured.
"""

from __future__ import annotations

import copy

from thingreg import __version__
from thingreg.core.errors import PROBLEM_BASE
from thingreg.core.td.registration import DISCOVERY_CONTEXT
from thingreg.core.thing_id import MAX_ID_LENGTH
from thingreg.store.base import EVENT_TYPES

JSONObject = dict[str, object]

_PROBLEM = "application/problem+json"
_TD = "application/td+json"
_LD = "application/ld+json"
_JSON = "application/json"
_MERGE_PATCH = "application/merge-patch+json"
# A TD may be sent under any of these; the directory treats them alike.
_TD_REQUEST_TYPES = (_TD, _JSON, _LD)

MAX_QUERY_INTEGER = 10**18 - 1
"""Largest offset or limit the server parses; it refuses longer numbers."""


def _uri_pattern() -> str:
    """RFC 3986 ``URI`` (Appendix A) as an ECMA-262 regex, *without* percent-encoded octets.

    The server accepts ``%XX`` inside an id, but a fuzzer that generates ``%41`` sends it
    unescaped, so the server would decode it and see another id; leaving the triplets out
    keeps every id the pattern generates one the server accepts unchanged. Only ASCII appears
    in the character classes, so ECMA-262 and Python read the pattern alike.
    """
    sub_unreserved = r"A-Za-z0-9\-._~!$&'()*+,;="
    h16 = "[0-9A-Fa-f]{1,4}"
    dec_octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
    ls32 = rf"(?:{h16}:{h16}|{dec_octet}(?:\.{dec_octet}){{3}})"
    ipv6 = "|".join(
        [
            f"(?:{h16}:){{6}}{ls32}",
            f"::(?:{h16}:){{5}}{ls32}",
            f"(?:{h16})?::(?:{h16}:){{4}}{ls32}",
            *(
                f"(?:(?:{h16}:){{0,{before}}}{h16})?::{tail}"
                for before, tail in (
                    (1, f"(?:{h16}:){{3}}{ls32}"),
                    (2, f"(?:{h16}:){{2}}{ls32}"),
                    (3, f"{h16}:{ls32}"),
                    (4, ls32),
                    (5, h16),
                    (6, ""),
                )
            ),
        ]
    )
    ip_future = rf"[vV][0-9A-Fa-f]+\.[{sub_unreserved}:]+"
    host = rf"(?:\[(?:{ipv6}|{ip_future})\]|[{sub_unreserved}]*)"
    authority_path = rf"//(?:[{sub_unreserved}:]*@)?{host}(?::[0-9]*)?(?:/[{sub_unreserved}:@]*)*"
    other_path = f"(?!//)[{sub_unreserved}:@/]*"
    query = f"[{sub_unreserved}:@/?]*"
    return (
        rf"^[A-Za-z][A-Za-z0-9+\-.]*:(?:{authority_path}|{other_path})"
        rf"(?:\?{query})?(?:#{query})?$"
    )


THING_ID_PATTERN = _uri_pattern()
"""Ids the server accepts (RFC 3986 URIs, less ``%XX``), so fuzzers generate usable ones."""

_WRITE_SECURITY: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]

# Valid requests, so that example-based tests (schemathesis' examples phase) get past validation.
EXAMPLE_ID = "urn:example:lamp"
_EXAMPLE_TD: JSONObject = {
    "@context": "https://www.w3.org/2022/wot/td/v1.1",
    "title": "Lamp",
    "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
    "security": "nosec_sc",
}


def openapi_document(server_url: str = "/") -> dict[str, object]:
    """Build a fresh OpenAPI document; ``server_url`` becomes its only server entry."""
    document: JSONObject = {
        "openapi": "3.1.0",
        "info": {
            "title": "thingreg",
            "version": __version__,
            "summary": "A W3C WoT Thing Description Directory",
            "description": "The HTTP API of W3C Web of Things Discovery (Recommendation, "
            "2023-12-05) for registering, retrieving, listing, searching and following "
            "Thing Descriptions. Errors are RFC 9457 problem details; problem types are "
            f"URIs under {PROBLEM_BASE}.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "things", "description": "Registration, retrieval and listing of TDs"},
            {"name": "search", "description": "Queries over the registered TDs"},
            {"name": "events", "description": "Server-Sent Events about TD changes"},
            {"name": "service", "description": "Descriptions and health of the service"},
        ],
        "paths": _things_paths() | _search_paths() | _event_paths() | _service_paths(),
        "components": {
            "schemas": _schemas(),
            "parameters": _parameters(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The API token configured on the server. Only enforced, "
                    "on writes, when a token is configured.",
                }
            },
        },
    }
    # Operations share module-level responses; callers get a tree of their own to change.
    return copy.deepcopy(document)


def _schema(name: str) -> JSONObject:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str) -> JSONObject:
    return {"$ref": f"#/components/parameters/{name}"}


def _problem(description: str, **headers: JSONObject) -> JSONObject:
    response: JSONObject = {
        "description": description,
        "content": {_PROBLEM: {"schema": _schema("Problem")}},
    }
    if headers:
        response["headers"] = headers
    return response


def _body(
    description: str, schema: JSONObject, *media_types: str, example: object = None
) -> JSONObject:
    media: JSONObject = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {
        "description": description,
        "content": {media_type: dict(media) for media_type in media_types},
    }


def _header(description: str, *, required: bool = False, **schema: object) -> JSONObject:
    return {
        "description": description,
        "required": required,
        "schema": {"type": "string", **schema},
    }


def _created() -> JSONObject:
    location = _header(
        "Path of the new TD, its id percent-encoded: /things/urn%3Auuid%3A…",
        required=True,
        format="uri-reference",
    )
    return {"description": "Created; the body is empty", "headers": {"Location": location}}


_BAD_ID = _problem("The id is not an absolute URI, or is too long")
_UNAUTHORIZED = _problem(
    "An API token is configured and the request lacks a valid one",
    **{"WWW-Authenticate": _header("The scheme to use: Bearer", required=True)},
)
_NOT_FOUND = _problem("No TD with this id")
_NOT_ACCEPTABLE = _problem("None of the offered media types is acceptable to the client")
_TOO_LARGE = _problem("The request body is larger than the configured limit")
_UNSUPPORTED = _problem("The request body has an unsupported content type")


def _operation(
    operation_id: str,
    tag: str,
    summary: str,
    responses: dict[str, JSONObject],
    *,
    parameters: list[JSONObject] | None = None,
    request_body: JSONObject | None = None,
    write: bool = False,
) -> JSONObject:
    operation: JSONObject = {"operationId": operation_id, "tags": [tag], "summary": summary}
    if parameters:
        operation["parameters"] = parameters
    if request_body is not None:
        operation["requestBody"] = request_body | {"required": True}
    if write:
        operation["security"] = _WRITE_SECURITY
    operation["responses"] = responses
    return operation


def _with_head(get: JSONObject) -> JSONObject:
    """A path item with ``get`` and its HEAD twin: same parameters, statuses, headers; no body."""
    head = dict(get)
    head["operationId"] = f"{get['operationId']}Head"
    head["summary"] = f"Headers of: {get['summary']}"
    responses = get["responses"]
    assert isinstance(responses, dict)
    head["responses"] = {
        status: {key: value for key, value in response.items() if key != "content"}
        for status, response in responses.items()
    }
    return {"get": get, "head": head}


def _things_paths() -> JSONObject:
    listing_headers = {
        "Link": _header(
            'rel="canonical" with an etag parameter for the state of the collection, and '
            'rel="next" with the next page when there is one',
            required=True,
        ),
        "ETag": _header("A weak validator of the listing", required=True),
    }
    listing: JSONObject = {
        "oneOf": [
            {"type": "array", "items": _schema("IdentifiedThingDescription")},
            _schema("ThingCollection"),
        ]
    }
    list_things = _operation(
        "listThings",
        "things",
        "List the TDs, sorted by id, optionally one page at a time",
        {
            "200": _body(
                "An array of TDs, or with format=collection a ThingCollection", listing, _LD, _JSON
            )
            | {"headers": listing_headers},
            "304": {
                "description": "The listing still matches If-None-Match",
                "headers": listing_headers,
            },
            "400": _problem("An invalid offset, limit or format argument"),
            "406": _NOT_ACCEPTABLE,
        },
        parameters=[_param("offset"), _param("limit"), _param("format"), _param("ifNoneMatch")],
    )
    retrieve_thing = _operation(
        "retrieveThing",
        "things",
        "Retrieve one TD, enriched with its registration information",
        {
            "200": _body("The enriched TD", _schema("EnrichedThingDescription"), _TD, _JSON, _LD),
            "400": _BAD_ID,
            "404": _NOT_FOUND,
            "406": _NOT_ACCEPTABLE,
        },
    )
    write_errors = {"401": _UNAUTHORIZED, "413": _TOO_LARGE, "415": _UNSUPPORTED}
    create_anonymous = _operation(
        "createAnonymousThing",
        "things",
        "Register a TD without an id; the directory assigns a urn:uuid id",
        {
            "201": _created(),
            "400": _problem(
                "The TD is invalid (see validationErrors), or it has an id and must be "
                "registered with PUT"
            ),
            **write_errors,
        },
        request_body=_body(
            "A TD without an id",
            _schema("AnonymousThingDescription"),
            *_TD_REQUEST_TYPES,
            example=_EXAMPLE_TD,
        ),
        write=True,
    )
    put_thing = _operation(
        "createOrUpdateThing",
        "things",
        "Register a TD under its id, or replace the TD registered under it",
        {
            "201": _created(),
            "204": {"description": "Replaced"},
            "400": _problem(
                "The id is not an absolute URI, the TD is invalid (see validationErrors), "
                "or its id differs from the one in the path"
            ),
            **write_errors,
        },
        request_body=_body(
            "A TD whose id equals the path's id",
            _schema("IdentifiedThingDescription"),
            *_TD_REQUEST_TYPES,
            example={**_EXAMPLE_TD, "id": EXAMPLE_ID},
        ),
        write=True,
    )
    patch_thing = _operation(
        "partiallyUpdateThing",
        "things",
        "Change parts of a TD with a JSON Merge Patch (RFC 7396)",
        {
            "204": {"description": "Updated"},
            "400": _problem(
                "The id is not an absolute URI, or the patch is not a JSON object, changes "
                "the id, or yields an invalid TD (see validationErrors)"
            ),
            "404": _NOT_FOUND,
            **write_errors,
        },
        request_body=_body(
            "A merge patch",
            _schema("MergePatch"),
            _MERGE_PATCH,
            example={"title": "Desk lamp", "description": None},
        ),
        write=True,
    )
    delete_thing = _operation(
        "deleteThing",
        "things",
        "Delete a TD",
        {
            "204": {"description": "Deleted"},
            "400": _BAD_ID,
            "401": _UNAUTHORIZED,
            "404": _NOT_FOUND,
        },
        write=True,
    )
    return {
        "/things": _with_head(list_things) | {"post": create_anonymous},
        "/things/{id}": {"parameters": [_param("thingId")]}
        | _with_head(retrieve_thing)
        | {"put": put_thing, "patch": patch_thing, "delete": delete_thing},
    }


def _search_paths() -> JSONObject:
    search_jsonpath = _operation(
        "searchJSONPath",
        "search",
        "Select nodes of all TDs with a JSONPath (RFC 9535) query",
        {
            "200": _body("The values of the selected nodes", {"type": "array"}, _JSON),
            "400": _problem("The query is missing, too long, or not valid JSONPath"),
            "406": _NOT_ACCEPTABLE,
        },
        parameters=[_param("jsonpathQuery")],
    )
    paths: JSONObject = {"/search/jsonpath": _with_head(search_jsonpath)}
    for language in ("XPath", "SPARQL"):
        not_offered = {"501": _problem(f"This directory does not implement {language} search")}
        paths[f"/search/{language.lower()}"] = {
            method: _operation(
                f"search{language}{'Post' if method == 'post' else ''}",
                "search",
                f"{language} search: not offered by thingreg",
                not_offered,
            )
            for method in ("get", "post")
        }
    return paths


def _event_paths() -> JSONObject:
    def subscription(operation_id: str, what: str, *, by_type: bool) -> JSONObject:
        responses: dict[str, JSONObject] = {
            "200": _body(
                "An endless Server-Sent Events stream; event names are the event types and "
                "data is a JSON object holding at least the TD's id",
                {"type": "string"},
                "text/event-stream",
            ),
            "400": _problem("An invalid diff argument or Last-Event-ID"),
        }
        parameters = [_param("diff"), _param("lastEventId")]
        if by_type:
            responses["404"] = _problem("Unknown event type")
            parameters.insert(0, _param("eventType"))
        return _operation(
            operation_id, "events", f"Subscribe to {what}", responses, parameters=parameters
        )

    return {
        "/events": {"get": subscription("subscribeAllEvents", "all events", by_type=False)},
        "/events/{type}": {
            "get": subscription("subscribeEvents", "the events of one type", by_type=True)
        },
    }


def _service_paths() -> JSONObject:
    return {
        "/.well-known/wot": _with_head(
            _operation(
                "describeDirectory",
                "service",
                "The Thing Description of this directory",
                {
                    "200": _body("The directory's TD", _schema("DirectoryDescription"), _TD, _JSON),
                    "406": _NOT_ACCEPTABLE,
                },
            )
        ),
        "/openapi.json": {
            "get": _operation(
                "describeApi",
                "service",
                "This OpenAPI document",
                {
                    "200": _body(
                        "The OpenAPI document",
                        {"type": "object", "required": ["openapi", "info", "paths"]},
                        _JSON,
                    )
                },
            )
        },
        "/healthz": {
            "get": _operation(
                "health",
                "service",
                "Liveness check",
                {"200": _body("The service is up", _schema("Health"), _JSON)},
            )
        },
    }


def _query(name: str, description: str, schema: JSONObject, **extra: object) -> JSONObject:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def _parameters() -> JSONObject:
    count = {"type": "integer", "maximum": MAX_QUERY_INTEGER}
    return {
        "offset": _query("offset", "Number of TDs to skip", count | {"minimum": 0, "default": 0}),
        "limit": _query("limit", "Largest number of TDs in the page", count | {"minimum": 1}),
        "format": _query(
            "format",
            "array: a plain array of TDs; collection: a ThingCollection object",
            {"type": "string", "enum": ["array", "collection"], "default": "array"},
        ),
        "ifNoneMatch": {
            "name": "If-None-Match",
            "in": "header",
            "description": "The ETag of a listing already held; 304 when it is still current",
            "schema": {"type": "string"},
        },
        "thingId": {
            "name": "id",
            "in": "path",
            "required": True,
            "description": "The TD's id, an absolute URI (RFC 3986), percent-encoded in the "
            "path: ':' may be sent as %3A, '/' should be sent as %2F but may also appear "
            "literally (the id is everything after /things/), and a '%' of the id itself is "
            "sent as %25. The pattern leaves out ids holding percent-encoded octets, which the "
            "server accepts too, because fuzzers send such octets unescaped.",
            "schema": {"type": "string", "maxLength": MAX_ID_LENGTH, "pattern": THING_ID_PATTERN},
            "example": EXAMPLE_ID,
        },
        "jsonpathQuery": _query(
            "query",
            "A JSONPath (RFC 9535) query, applied to the array of all TDs",
            {"type": "string", "minLength": 1},
            required=True,
            example="$[?@.title == 'Lamp'].id",
        ),
        "eventType": {
            "name": "type",
            "in": "path",
            "required": True,
            "description": "Only events of this type",
            "schema": {"type": "string", "enum": list(EVENT_TYPES)},
        },
        "diff": _query(
            "diff",
            "true: thing_created carries the whole TD and thing_updated a merge patch of the "
            "change; ignored for thing_deleted",
            {"type": "boolean", "default": False},
        ),
        "lastEventId": {
            "name": "Last-Event-ID",
            "in": "header",
            "description": "The id of the last event received, to resume after it",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        },
    }


def _schemas() -> JSONObject:
    date_time: JSONObject = {"type": "string", "format": "date-time"}
    string: JSONObject = {"type": "string"}
    uri_reference: JSONObject = {"type": "string", "format": "uri-reference"}
    return {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "status", "detail", "instance"],
            "properties": {
                "type": uri_reference,
                "title": string,
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": string,
                "instance": uri_reference,
                "validationErrors": {"type": "array", "items": _schema("ValidationError")},
            },
            "additionalProperties": True,
        },
        "ValidationError": {
            "type": "object",
            "required": ["field", "description"],
            "properties": {
                "field": {
                    "type": "string",
                    "description": "Dotted path of the failing member; (root) for the TD",
                },
                "description": string,
            },
        },
        "ThingDescription": {
            "type": "object",
            "description": "A W3C WoT Thing Description. Only its outline is given here; the "
            "server validates TDs in full against the TD JSON Schema.",
            "required": ["@context", "title", "security", "securityDefinitions"],
            "properties": {
                "@context": {"type": ["string", "array"]},
                "@type": {"anyOf": [string, {"type": "array", "items": string}]},
                "id": {"type": "string", "maxLength": MAX_ID_LENGTH, "pattern": THING_ID_PATTERN},
                "title": string,
                "security": {"anyOf": [string, {"type": "array", "items": string, "minItems": 1}]},
                "securityDefinitions": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {
                        "type": "object",
                        "required": ["scheme"],
                        "properties": {"scheme": string},
                    },
                },
            },
            "additionalProperties": True,
        },
        "AnonymousThingDescription": {
            "description": "A TD without an id",
            "allOf": [_schema("ThingDescription"), {"not": {"required": ["id"]}}],
        },
        "IdentifiedThingDescription": {
            "description": "A TD with an id (anonymous TDs are shown with their local id)",
            "allOf": [_schema("ThingDescription"), {"required": ["id"]}],
        },
        "EnrichedThingDescription": {
            "description": "A TD as retrieved: with its id and registration information",
            "allOf": [
                _schema("IdentifiedThingDescription"),
                {
                    "required": ["registration"],
                    "properties": {"registration": _schema("Registration")},
                },
            ],
        },
        "Registration": {
            "type": "object",
            "required": ["created", "modified", "retrieved"],
            "properties": {
                "created": date_time,
                "modified": date_time,
                "expires": date_time,
                "retrieved": date_time,
                "ttl": {"type": "number", "description": "Relative expiry, in seconds"},
            },
        },
        "ThingCollection": {
            "type": "object",
            "description": "One page of the listing with pagination information",
            "required": ["@context", "@type", "total", "members", "@id"],
            "properties": {
                "@context": {"const": DISCOVERY_CONTEXT},
                "@type": {"const": "ThingCollection"},
                "total": {"type": "integer", "minimum": 0},
                "members": {"type": "array", "items": _schema("IdentifiedThingDescription")},
                "@id": uri_reference | {"description": "URI of this page"},
                "next": uri_reference | {"description": "URI of the next page"},
            },
        },
        "DirectoryDescription": {
            "description": "The TD of this directory",
            "allOf": [_schema("IdentifiedThingDescription"), {"required": ["@type", "base"]}],
        },
        "MergePatch": {
            "type": "object",
            "description": "A JSON Merge Patch (RFC 7396); null removes a member",
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "ok"}},
        },
    }
