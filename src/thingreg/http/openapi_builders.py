"""Builders shared by the parts of the OpenAPI document: references, bodies, operations."""

from __future__ import annotations

from thingreg.http.openapi_components import PROBLEM, WRITE_SECURITY, JSONObject, schema_ref


def param(name: str) -> JSONObject:
    return {"$ref": f"#/components/parameters/{name}"}


def problem(description: str, **headers: JSONObject) -> JSONObject:
    response: JSONObject = {
        "description": description,
        "content": {PROBLEM: {"schema": schema_ref("Problem")}},
    }
    if headers:
        response["headers"] = headers
    return response


def body(
    description: str, schema: JSONObject, *media_types: str, example: object = None
) -> JSONObject:
    media: JSONObject = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {
        "description": description,
        "content": {media_type: dict(media) for media_type in media_types},
    }


def header(description: str, *, required: bool = False, **schema: object) -> JSONObject:
    return {
        "description": description,
        "required": required,
        "schema": {"type": "string", **schema},
    }


def operation(
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
        operation["security"] = WRITE_SECURITY
    operation["responses"] = responses
    return operation


def with_head(get: JSONObject) -> JSONObject:
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


UNAUTHORIZED = problem(
    "An API token is configured and the request lacks a valid one",
    **{"WWW-Authenticate": header("The scheme to use: Bearer", required=True)},
)
NOT_ACCEPTABLE = problem("None of the offered media types is acceptable to the client")
TOO_LARGE = problem("The request body is larger than the configured limit")
UNSUPPORTED = problem("The request body has an unsupported content type")
