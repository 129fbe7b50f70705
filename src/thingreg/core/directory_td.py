"""The Thing Description of the directory itself, served at ``/.well-known/wot``.

It follows the directory Thing Model of W3C WoT Discovery (section "API Specification"). Where
it differs, it is on purpose:

* hrefs are relative *without* a leading slash, so they resolve under ``base`` even when the
  directory is mounted below a path prefix (``https://host/tdd/``);
* the XPath and SPARQL search actions are left out, because thingreg answers them with 501;
* it says more than the model: integer ``offset``/``limit``, the 400 for a malformed id, 413
  and 415 on writes, a schema for problem bodies (``schema: "problem"``), a root form for the
  all-events stream (``/events``) and a ``service-desc`` link to the OpenAPI document;
* bodiless responses use ``application/x-empty``, as the Recommendation suggests, so that the
  instance is a valid TD.

Reads never require credentials. When ``write_auth`` is on, every form that changes the
directory carries its own ``security`` naming a bearer scheme; per-form ``security`` overrides
the Thing-level default, so no ``combo`` scheme is needed.
"""

from __future__ import annotations

import copy
import uuid
from urllib.parse import urlsplit, urlunsplit

from thingreg.core.td.registration import DISCOVERY_CONTEXT

TD_CONTEXT = "https://www.w3.org/2022/wot/td/v1.1"

JSONObject = dict[str, object]

NOSEC = "nosec_sc"
BEARER = "bearer_sc"

_PROBLEM = "application/problem+json"
_EMPTY = "application/x-empty"
_TD = "application/td+json"

_THING_ID: JSONObject = {
    "@type": "ThingID",
    "title": "Thing Description ID",
    "description": "The TD's id; a URI template expansion percent-encodes ':' and '/'.",
    "type": "string",
    "format": "iri-reference",
}

_DIFF: JSONObject = {
    "title": "Include changes",
    "type": "boolean",
    "default": False,
}

_SSE_FORM: JSONObject = {
    "subprotocol": "sse",
    "htv:methodName": "GET",
    "htv:headers": [
        {
            "description": "ID of the last event seen, to resume after it",
            "htv:fieldName": "Last-Event-ID",
        }
    ],
    "response": {"contentType": "text/event-stream"},
}


def directory_td(
    base_url: str, *, title: str = "thingreg", write_auth: bool = False
) -> dict[str, object]:
    """Build the directory's TD for a deployment reachable at ``base_url``.

    ``base_url`` must be an absolute http(s) URL; a trailing slash is added when missing and
    any query or fragment is dropped. The TD's ``id`` is a name-based UUID (version 5) of that
    base URL: stable across restarts, yet distinct for every deployment, so two thingreg
    instances can register with each other without clashing.
    """
    base = _normalise_base(base_url)
    write_security = [BEARER] if write_auth else None
    security_definitions: JSONObject = {
        NOSEC: {
            "scheme": "nosec",
            "description": "Anonymous clients read the public things (when the registry "
            "allows anonymous reads at all).",
        },
    }
    if write_auth:
        security_definitions[BEARER] = {
            "scheme": "bearer",
            "description": "An owner's API key (or the administrator token configured on "
            "the server), sent as 'Authorization: Bearer <key>'.",
            "in": "header",
            "name": "Authorization",
            # The token is an opaque string; without this the TD default "jwt" would apply.
            "format": "opaque",
        }
    td: JSONObject = {
        "@context": [TD_CONTEXT, DISCOVERY_CONTEXT],
        "@type": "ThingDirectory",
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, base)}",
        "title": title,
        "description": "A W3C Web of Things Thing Description Directory: register, "
        "retrieve, list and search Thing Descriptions, and follow their changes.",
        "base": base,
        "securityDefinitions": security_definitions,
        "security": [NOSEC],
        "schemaDefinitions": {"problem": _PROBLEM_SCHEMA},
        "links": [
            {"rel": "service-desc", "href": "openapi.json", "type": "application/json"},
        ],
        "forms": [
            {
                "op": "subscribeallevents",
                "href": "events{?diff}",
                **_SSE_FORM,
                "additionalResponses": [_problem(400, "Invalid diff argument or Last-Event-ID")],
            }
        ],
        "properties": {"things": _things_property()},
        "actions": _actions(write_security),
        "events": _events(),
    }
    # The affordances share module-level pieces; callers get a tree of their own to change.
    return copy.deepcopy(td)


def _normalise_base(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        msg = f"the directory base URL must be an absolute http(s) URL, not {base_url!r}"
        raise ValueError(msg)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


_PROBLEM_SCHEMA: JSONObject = {
    "title": "Problem Details (RFC 9457)",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
        "validationErrors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "description": {"type": "string"},
                },
                "required": ["field", "description"],
            },
        },
    },
}


def _problem(status: int, description: str) -> JSONObject:
    return {
        "description": description,
        "contentType": _PROBLEM,
        "schema": "problem",
        "htv:statusCodeValue": status,
    }


def _response(status: int, content_type: str, description: str, *headers: str) -> JSONObject:
    response: JSONObject = {
        "description": description,
        "contentType": content_type,
        "htv:statusCodeValue": status,
    }
    if headers:
        response["htv:headers"] = [{"htv:fieldName": name} for name in headers]
    return response


def _action_form(
    method: str,
    href: str,
    response: JSONObject,
    errors: list[JSONObject],
    *,
    content_type: str | None = None,
    security: list[str] | None = None,
) -> JSONObject:
    form: JSONObject = {"op": "invokeaction", "href": href, "htv:methodName": method}
    if content_type is not None:
        form["contentType"] = content_type
    if security is not None:
        form["security"] = security
    form["response"] = response
    form["additionalResponses"] = errors
    return form


_INVALID_TD = _problem(400, "Invalid serialization or TD")
_INVALID_ID = _problem(400, "The id is not an absolute URI")
_NOT_FOUND = _problem(404, "TD with the given id not found")
_TOO_LARGE = _problem(413, "Request body too large")
_UNSUPPORTED = _problem(415, "Unsupported request content type")


def _write_errors(write_security: list[str] | None, *errors: JSONObject) -> list[JSONObject]:
    """The error responses of a write form: those given, then 401 when writes need a token."""
    if write_security is None:
        return list(errors)
    return [*errors, _problem(401, "Missing or invalid API token")]


def _things_property() -> JSONObject:
    td_item: JSONObject = {"description": "Thing Description", "type": "object"}
    return {
        "description": "Retrieve all Thing Descriptions, sorted by id",
        "readOnly": True,
        "observable": False,
        "oneOf": [
            {
                "description": "Plain list of Thing Descriptions (format=array)",
                "type": "array",
                "items": td_item,
            },
            {
                "description": "Collection with pagination information (format=collection)",
                "type": "object",
                "properties": {
                    "@context": {"const": DISCOVERY_CONTEXT},
                    "@type": {"const": "ThingCollection"},
                    "@id": {"description": "URI of this page", "type": "string"},
                    "members": {"type": "array", "items": td_item},
                    "total": {"description": "Number of TDs in the directory", "type": "integer"},
                    "next": {"description": "URI of the next page", "type": "string"},
                },
                "required": ["@context", "@type", "@id", "members", "total"],
            },
        ],
        "uriVariables": {
            "offset": {
                "title": "Number of TDs to skip before the page",
                "type": "integer",
                "minimum": 0,
                "default": 0,
            },
            "limit": {"title": "Number of TDs in a page", "type": "integer", "minimum": 1},
            "format": {
                "title": "Payload format",
                "type": "string",
                "enum": ["array", "collection"],
                "default": "array",
            },
        },
        "forms": [
            {
                "op": "readproperty",
                "href": "things{?offset,limit,format}",
                "htv:methodName": "GET",
                "contentType": "application/ld+json",
                "response": _response(
                    200, "application/ld+json", "Success response", "Link", "ETag"
                ),
                "additionalResponses": [_problem(400, "Invalid query arguments")],
            }
        ],
    }


def _actions(write_security: list[str] | None) -> JSONObject:
    td_input: JSONObject = {"description": "A Thing Description", "type": "object"}
    return {
        "createThing": {
            "description": "Create a Thing Description under the id it carries",
            "uriVariables": {"id": _THING_ID},
            "input": td_input,
            "idempotent": True,
            "forms": [
                _action_form(
                    "PUT",
                    "things/{id}",
                    _response(201, _EMPTY, "Created", "Location"),
                    _write_errors(write_security, _INVALID_TD, _TOO_LARGE, _UNSUPPORTED),
                    content_type=_TD,
                    security=write_security,
                )
            ],
        },
        "createAnonymousThing": {
            "description": "Create a Thing Description without an id; the directory assigns "
            "a urn:uuid one and returns it in the Location header",
            "input": td_input,
            "forms": [
                _action_form(
                    "POST",
                    "things",
                    _response(201, _EMPTY, "Created; Location is the new TD", "Location"),
                    _write_errors(write_security, _INVALID_TD, _TOO_LARGE, _UNSUPPORTED),
                    content_type=_TD,
                    security=write_security,
                )
            ],
        },
        "retrieveThing": {
            "description": "Retrieve a Thing Description, enriched with registration info",
            "uriVariables": {"id": _THING_ID},
            "output": {"description": "An Enriched TD", "type": "object"},
            "safe": True,
            "idempotent": True,
            "forms": [
                _action_form(
                    "GET",
                    "things/{id}",
                    _response(200, _TD, "Success response"),
                    [_INVALID_ID, _NOT_FOUND],
                )
            ],
        },
        "updateThing": {
            "description": "Replace a Thing Description",
            "uriVariables": {"id": _THING_ID},
            "input": td_input,
            "idempotent": True,
            "forms": [
                _action_form(
                    "PUT",
                    "things/{id}",
                    _response(204, _EMPTY, "Replaced"),
                    _write_errors(write_security, _INVALID_TD, _TOO_LARGE, _UNSUPPORTED),
                    content_type=_TD,
                    security=write_security,
                )
            ],
        },
        "partiallyUpdateThing": {
            "description": "Update parts of a Thing Description with a JSON Merge Patch",
            "uriVariables": {"id": _THING_ID},
            "input": {"description": "A JSON Merge Patch (RFC 7396)", "type": "object"},
            "forms": [
                _action_form(
                    "PATCH",
                    "things/{id}",
                    _response(204, _EMPTY, "Updated"),
                    _write_errors(
                        write_security, _INVALID_TD, _NOT_FOUND, _TOO_LARGE, _UNSUPPORTED
                    ),
                    content_type="application/merge-patch+json",
                    security=write_security,
                )
            ],
        },
        "deleteThing": {
            "description": "Delete a Thing Description",
            "uriVariables": {"id": _THING_ID},
            "idempotent": True,
            "forms": [
                _action_form(
                    "DELETE",
                    "things/{id}",
                    _response(204, _EMPTY, "Deleted"),
                    _write_errors(write_security, _INVALID_ID, _NOT_FOUND),
                    security=write_security,
                )
            ],
        },
        "searchJSONPath": {
            "description": "Syntactic search with a JSONPath (RFC 9535) query over all TDs",
            "uriVariables": {
                "query": {"title": "A JSONPath expression", "type": "string", "minLength": 1}
            },
            "output": {"description": "The nodes the query selects", "type": "array"},
            "safe": True,
            "idempotent": True,
            "forms": [
                _action_form(
                    "GET",
                    "search/jsonpath?query={query}",
                    _response(200, "application/json", "Success response"),
                    [_problem(400, "JSONPath expression missing or invalid")],
                )
            ],
        },
    }


def _event(description: str, data: JSONObject, event_type: str) -> JSONObject:
    return {
        "description": description,
        "uriVariables": {"diff": _DIFF},
        "data": data,
        "forms": [
            {
                "op": "subscribeevent",
                "href": f"events/{event_type}{{?diff}}",
                **_SSE_FORM,
                "additionalResponses": [_problem(400, "Invalid diff argument or Last-Event-ID")],
            }
        ],
    }


def _events() -> JSONObject:
    return {
        "thingCreated": _event(
            "A Thing Description was registered; with diff=true the data is the whole TD",
            {"title": "Partial/Full TD", "type": "object"},
            "thing_created",
        ),
        "thingUpdated": _event(
            "A Thing Description changed; with diff=true the data is a merge patch of the change",
            {
                "title": "Partial TD",
                "type": "object",
                "contentMediaType": "application/merge-patch+json",
            },
            "thing_updated",
        ),
        "thingDeleted": _event(
            "A Thing Description was deleted; the data holds its id only (diff is ignored)",
            {"title": "Partial TD", "type": "object"},
            "thing_deleted",
        ),
    }
