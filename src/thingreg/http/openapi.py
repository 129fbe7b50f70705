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
from thingreg.http import (
    openapi_access,
    openapi_auth,
    openapi_bulk,
    openapi_enrollment,
    openapi_mqtt,
    openapi_stats,
)
from thingreg.http.openapi_builders import (
    NOT_ACCEPTABLE,
    TOO_LARGE,
    UNAUTHORIZED,
    UNSUPPORTED,
    body,
    header,
    operation,
    param,
    problem,
    with_head,
)
from thingreg.http.openapi_components import (
    EXAMPLE_ID,
    EXAMPLE_TD,
    JSON,
    LD,
    MERGE_PATCH,
    TD,
    TD_REQUEST_TYPES,
    JSONObject,
    parameters,
    schema_ref,
    schemas,
)


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
            {
                "name": "identifiers",
                "description": "Any identifier to its thing, here or at a peer",
            },
            {"name": "federation", "description": "Delegation of identifier prefixes to peers"},
            {"name": "service", "description": "Descriptions and health of the service"},
            *openapi_auth.TAGS,
            *openapi_mqtt.TAGS,
            *openapi_enrollment.TAGS,
            *openapi_access.TAGS,
        ],
        "paths": _things_paths()
        | openapi_bulk.paths()
        | _search_paths()
        | _event_paths()
        | _identifier_paths()
        | _federation_paths()
        | _service_paths()
        | openapi_auth.paths()
        | openapi_mqtt.paths()
        | openapi_enrollment.paths()
        | openapi_stats.paths()
        | openapi_access.paths(),
        "components": {
            "schemas": schemas()
            | openapi_auth.schemas()
            | openapi_mqtt.schemas()
            | openapi_enrollment.schemas()
            | openapi_stats.schemas()
            | openapi_access.schemas()
            | openapi_bulk.schemas(),
            "parameters": parameters()
            | openapi_auth.parameters()
            | openapi_enrollment.parameters()
            | openapi_access.parameters(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An owner's API key (thr_<id>_<secret>), the administrator "
                    "token configured on the server, or a device token the registry issued. "
                    "Every write needs one with the write scope; without one, reads see public "
                    "things only.",
                }
            },
        },
    }
    # Operations share module-level responses; callers get a tree of their own to change.
    return copy.deepcopy(document)


def _created() -> JSONObject:
    location = header(
        "Path of the new TD, its id percent-encoded: /things/urn%3Auuid%3A…",
        required=True,
        format="uri-reference",
    )
    return {"description": "Created; the body is empty", "headers": {"Location": location}}


_BAD_ID = problem("The id is not an absolute URI, or is too long")
_NOT_FOUND = problem("No TD with this id")
_CLASS_PARAMETERS = [param("sarefType"), param("sarefFunction"), param("sarefProperty")]


def _things_paths() -> JSONObject:
    listing_headers = {
        "Link": header(
            'rel="canonical" with an etag parameter for the state of the collection, and '
            'rel="next" with the next page when there is one',
            required=True,
        ),
        "ETag": header(
            "A weak validator of the listing: sent to administrators only, as it changes with "
            "every thing, visible or not"
        ),
    }
    listing: JSONObject = {
        "oneOf": [
            {"type": "array", "items": schema_ref("IdentifiedThingDescription")},
            schema_ref("ThingCollection"),
        ]
    }
    list_things = operation(
        "listThings",
        "things",
        "List the TDs, sorted by id, optionally one page at a time",
        {
            "200": body(
                "An array of TDs, or with format=collection a ThingCollection", listing, LD, JSON
            )
            | {"headers": listing_headers},
            "304": {
                "description": "The listing still matches If-None-Match",
                "headers": listing_headers,
            },
            "400": problem(
                "An invalid offset, limit or format argument, or a type, function or property "
                "that names no SAREF core class of its kind"
            ),
            "406": NOT_ACCEPTABLE,
        },
        parameters=[
            param("offset"),
            param("limit"),
            param("format"),
            param("scheme"),
            param("alias"),
            param("q"),
            *_CLASS_PARAMETERS,
            param("ifNoneMatch"),
        ],
    )
    retrieve_thing = operation(
        "retrieveThing",
        "things",
        "Retrieve one TD, enriched with its registration information",
        {
            "200": body("The enriched TD", schema_ref("EnrichedThingDescription"), TD, JSON, LD),
            "400": _BAD_ID,
            "404": _NOT_FOUND,
            "406": NOT_ACCEPTABLE,
        },
    )
    write_errors = {"401": UNAUTHORIZED, "413": TOO_LARGE, "415": UNSUPPORTED}
    create_anonymous = operation(
        "createAnonymousThing",
        "things",
        "Register a TD without an id; the directory assigns a urn:uuid id",
        {
            "201": _created(),
            "400": problem(
                "The TD is invalid (see validationErrors), or it has an id and must be "
                "registered with PUT"
            ),
            **write_errors,
        },
        request_body=body(
            "A TD without an id",
            schema_ref("AnonymousThingDescription"),
            *TD_REQUEST_TYPES,
            example=EXAMPLE_TD,
        ),
        write=True,
    )
    put_thing = operation(
        "createOrUpdateThing",
        "things",
        "Register a TD under its id, or replace the TD registered under it",
        {
            "201": _created(),
            "204": {"description": "Replaced"},
            "400": problem(
                "The id is not an absolute URI, the TD is invalid (see validationErrors), "
                "or its id differs from the one in the path"
            ),
            **write_errors,
        },
        request_body=body(
            "A TD whose id equals the path's id",
            schema_ref("IdentifiedThingDescription"),
            *TD_REQUEST_TYPES,
            example={**EXAMPLE_TD, "id": EXAMPLE_ID},
        ),
        write=True,
    )
    patch_thing = operation(
        "partiallyUpdateThing",
        "things",
        "Change parts of a TD with a JSON Merge Patch (RFC 7396)",
        {
            "204": {"description": "Updated"},
            "400": problem(
                "The id is not an absolute URI, or the patch is not a JSON object, changes "
                "the id, or yields an invalid TD (see validationErrors)"
            ),
            "404": _NOT_FOUND,
            **write_errors,
        },
        request_body=body(
            "A merge patch",
            schema_ref("MergePatch"),
            MERGE_PATCH,
            example={"title": "Desk lamp", "description": None},
        ),
        write=True,
    )
    delete_thing = operation(
        "deleteThing",
        "things",
        "Delete a TD",
        {
            "204": {"description": "Deleted"},
            "400": _BAD_ID,
            "401": UNAUTHORIZED,
            "404": _NOT_FOUND,
        },
        write=True,
    )
    return {
        "/things": with_head(list_things) | {"post": create_anonymous},
        "/things/{id}": {"parameters": [param("thingId")]}
        | with_head(retrieve_thing)
        | {"put": put_thing, "patch": patch_thing, "delete": delete_thing},
    }


def _search_paths() -> JSONObject:
    search_jsonpath = operation(
        "searchJSONPath",
        "search",
        "Select nodes of all TDs with a JSONPath (RFC 9535) query",
        {
            "200": body("The values of the selected nodes", {"type": "array"}, JSON),
            "400": problem(
                "The query is missing, too long, or not valid JSONPath, or a type, function or "
                "property names no SAREF core class of its kind"
            ),
            "406": NOT_ACCEPTABLE,
        },
        parameters=[param("jsonpathQuery"), param("scheme"), param("alias"), *_CLASS_PARAMETERS],
    )
    paths: JSONObject = {"/search/jsonpath": with_head(search_jsonpath)}
    for language in ("XPath", "SPARQL"):
        not_offered = {"501": problem(f"This directory does not implement {language} search")}
        paths[f"/search/{language.lower()}"] = {
            method: operation(
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
            "200": body(
                "An endless Server-Sent Events stream; event names are the event types and "
                "data is a JSON object holding at least the TD's id",
                {"type": "string"},
                "text/event-stream",
            ),
            "400": problem("An invalid diff argument or Last-Event-ID"),
        }
        parameters = [param("diff"), param("lastEventId")]
        if by_type:
            responses["404"] = problem("Unknown event type")
            parameters.insert(0, param("eventType"))
        return operation(
            operation_id, "events", f"Subscribe to {what}", responses, parameters=parameters
        )

    return {
        "/events": {"get": subscription("subscribeAllEvents", "all events", by_type=False)},
        "/events/{type}": {
            "get": subscription("subscribeEvents", "the events of one type", by_type=True)
        },
    }


def _identifier_paths() -> JSONObject:
    location = {"Location": header("Where to go", required=True, format="uri-reference")}
    resolve = operation(
        "resolveIdentifier",
        "identifiers",
        "Find the thing an identifier names, here or at the peer registry it is delegated to",
        {
            "200": body(
                "The thing here, or a peer's answer (proxy=true)", schema_ref("Resolution"), JSON
            ),
            "303": {"description": "See the thing's TD (redirect=true)", "headers": location},
            "307": body(
                "Delegated: ask the peer registry at Location (hops and via carried on)",
                schema_ref("Resolution"),
                JSON,
            )
            | {"headers": location},
            "400": problem("Not a valid identifier, or a malformed hops or via argument"),
            "404": problem(
                "No thing has the identifier here, or the authoritative peer said so "
                "(registry names it)"
            ),
            "406": NOT_ACCEPTABLE,
            "502": problem("The peer registry cannot be reached or answered wrongly"),
            "504": problem("The peer registry did not answer within the peer timeout"),
            "508": problem("A delegation loop, or a chain longer than the hop limit (via)"),
        },
        parameters=[
            param("identifier"),
            param("redirect"),
            param("proxy"),
            param("hops"),
            param("via"),
        ],
    )
    parse = operation(
        "parseIdentifier",
        "identifiers",
        "Every valid reading of an identifier: scheme, canonical form, parts",
        {
            "200": body("The readings, most likely first", schema_ref("Analysis"), JSON),
            "400": problem("Not a valid identifier; detail says which rule it breaks"),
        },
        parameters=[param("identifier")],
    )
    return {"/resolve/{identifier}": {"get": resolve}, "/ids/{identifier}": {"get": parse}}


def _federation_paths() -> JSONObject:
    bad_prefix = problem("The prefix is empty, too long, or not the start of a URI")
    listing = operation(
        "listDelegations",
        "federation",
        "The delegation table: identifier prefixes and the peer registries that resolve them",
        {
            "200": body(
                "Delegations by prefix",
                {"type": "array", "items": schema_ref("Delegation")},
                JSON,
            ),
            "406": NOT_ACCEPTABLE,
        },
    )
    read = operation(
        "retrieveDelegation",
        "federation",
        "One delegation",
        {
            "200": body("The delegation", schema_ref("Delegation"), JSON),
            "400": bad_prefix,
            "404": problem("No delegation has this prefix"),
            "406": NOT_ACCEPTABLE,
        },
    )
    created: JSONObject = {
        "description": "Created; the body is empty",
        "headers": {"Location": header("Path of the delegation", required=True)},
    }
    put = operation(
        "createOrUpdateDelegation",
        "federation",
        "Delegate identifiers starting with the prefix to a peer registry",
        {
            "201": created,
            "204": {"description": "Replaced"},
            "400": problem("A bad prefix, registry URL (absolute http/https) or note"),
            "401": UNAUTHORIZED,
            "413": TOO_LARGE,
            "415": UNSUPPORTED,
        },
        request_body=body(
            "The peer",
            schema_ref("DelegationRequest"),
            JSON,
            example={"registry": "https://jp.registry.example", "note": "Japan"},
        ),
        write=True,
    )
    delete = operation(
        "deleteDelegation",
        "federation",
        "Remove a delegation",
        {
            "204": {"description": "Removed"},
            "400": bad_prefix,
            "401": UNAUTHORIZED,
            "404": problem("No delegation has this prefix"),
        },
        write=True,
    )
    describe = operation(
        "describeRegistry",
        "federation",
        "This registry's id, base URL and namespaces, for peers to import",
        {
            "200": body("The registry", schema_ref("RegistryDescription"), JSON),
            "406": NOT_ACCEPTABLE,
        },
    )
    return {
        "/delegations": {"get": listing},
        "/delegations/{prefix}": {"parameters": [param("prefix")]}
        | {"get": read, "put": put, "delete": delete},
        "/.well-known/thingreg": {"get": describe},
    }


def _service_paths() -> JSONObject:
    return {
        "/.well-known/wot": with_head(
            operation(
                "describeDirectory",
                "service",
                "The Thing Description of this directory",
                {
                    "200": body("The directory's TD", schema_ref("DirectoryDescription"), TD, JSON),
                    "406": NOT_ACCEPTABLE,
                },
            )
        ),
        "/openapi.json": {
            "get": operation(
                "describeApi",
                "service",
                "This OpenAPI document",
                {
                    "200": body(
                        "The OpenAPI document",
                        {"type": "object", "required": ["openapi", "info", "paths"]},
                        JSON,
                    )
                },
            )
        },
        "/healthz": {
            "get": operation(
                "health",
                "service",
                "Liveness check",
                {"200": body("The service is up", schema_ref("Health"), JSON)},
            )
        },
        "/readyz": {
            "get": operation(
                "readiness",
                "service",
                "Readiness check: the database answers",
                {
                    "200": body(
                        "Ready to serve",
                        {
                            "type": "object",
                            "required": ["status"],
                            "properties": {"status": {"const": "ready"}},
                        },
                        JSON,
                    ),
                    "503": problem("The database does not answer in time"),
                },
            )
        },
        "/metrics": {
            "get": operation(
                "metrics",
                "service",
                "Request, authentication and store figures in the Prometheus text format",
                {
                    "200": body(
                        "The figures (Prometheus exposition format 0.0.4)",
                        {"type": "string"},
                        "text/plain",
                    )
                },
            )
        },
    }
