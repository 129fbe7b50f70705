"""The OpenAPI description of a thing's MQTT broker credential (``/things/{id}/mqtt-credential``),
merged into the document by :mod:`thingreg.http.openapi`."""

from __future__ import annotations

from thingreg.http.openapi_builders import (
    NOT_ACCEPTABLE,
    TOO_LARGE,
    UNAUTHORIZED,
    UNSUPPORTED,
    problem,
)
from thingreg.http.openapi_components import (
    JSON,
    MERGE_PATCH,
    WRITE_SECURITY,
    JSONObject,
    schema_ref,
)

TAGS = [
    {
        "name": "mqtt",
        "description": "Access of things to the MQTT broker the registry manages (docs/mqtt.md)",
    }
]

_NOT_CONFIGURED = problem("No MQTT broker is configured on this registry")
_NO_CREDENTIAL = problem("No such thing, or the thing has no MQTT credential")


def _operation(
    operation_id: str, summary: str, responses: JSONObject, *, write: bool
) -> JSONObject:
    operation: JSONObject = {"operationId": operation_id, "tags": ["mqtt"], "summary": summary}
    if write:
        operation["security"] = WRITE_SECURITY
    operation["responses"] = responses | {"501": _NOT_CONFIGURED}
    return operation


def _json(description: str, schema: JSONObject) -> JSONObject:
    return {"description": description, "content": {JSON: {"schema": schema}}}


_FORBIDDEN = problem("Only the thing's owner (or an administrator) may do this")


def paths() -> JSONObject:
    one = schema_ref("MqttCredential")
    issued = schema_ref("IssuedMqttCredential")
    no_store = {
        "description": "`no-store`: the password is shown once",
        "schema": {"type": "string"},
    }
    issue = _operation(
        "issueMqttCredential",
        "Issue a new MQTT password for the thing (shown once) and make its account active; "
        "the previous password stops working at once",
        {
            "200": _json("A new password for the existing account", issued)
            | {"headers": {"Cache-Control": no_store}},
            "201": _json("The thing's first MQTT credential", issued)
            | {
                "headers": {
                    "Cache-Control": no_store,
                    "Location": {
                        "description": "Path of the credential",
                        "required": True,
                        "schema": {"type": "string", "format": "uri-reference"},
                    },
                }
            },
            "400": problem("The thing id is invalid"),
            "401": UNAUTHORIZED,
            "403": _FORBIDDEN,
            "404": problem("No thing with this id"),
        },
        write=True,
    )
    read = _operation(
        "retrieveMqttCredential",
        "The thing's broker account: username, client id, state and topics (never the password)",
        {
            "200": _json("The account", one),
            "400": problem("The thing id is invalid"),
            "401": UNAUTHORIZED,
            "403": _FORBIDDEN,
            "404": _NO_CREDENTIAL,
            "406": NOT_ACCEPTABLE,
        },
        write=False,
    )
    change = _operation(
        "changeMqttCredential",
        "Enable, disable or revoke the account; disabling or revoking disconnects the device "
        "at once, and revoked is final (issue a new credential instead)",
        {
            "200": _json("The changed account", one),
            "400": problem("The id or the patch is invalid"),
            "401": UNAUTHORIZED,
            "403": _FORBIDDEN,
            "404": _NO_CREDENTIAL,
            "409": problem("The credential is revoked and cannot change"),
            "413": TOO_LARGE,
            "415": UNSUPPORTED,
        },
        write=True,
    )
    change["requestBody"] = {
        "required": True,
        "content": {
            kind: {"schema": schema_ref("MqttCredentialPatch"), "example": {"state": "revoked"}}
            for kind in (MERGE_PATCH, JSON)
        },
    }
    remove = _operation(
        "removeMqttCredential",
        "Take the thing's MQTT access away: its broker account is deleted and disconnected",
        {
            "204": {"description": "Removed"},
            "400": problem("The thing id is invalid"),
            "401": UNAUTHORIZED,
            "403": _FORBIDDEN,
            "404": _NO_CREDENTIAL,
        },
        write=True,
    )
    thing = {"$ref": "#/components/parameters/thingId"}
    return {
        "/things/{id}/mqtt-credential": {
            "parameters": [thing],
            "get": read,
            "post": issue,
            "patch": change,
            "delete": remove,
        }
    }


def schemas() -> JSONObject:
    string: JSONObject = {"type": "string"}
    state: JSONObject = {"enum": ["active", "disabled", "revoked"]}
    account: JSONObject = {
        "type": "object",
        "required": ["thing", "username", "clientId", "state", "topics", "refusedTopics"],
        "properties": {
            "thing": {"type": "string", "format": "uri"},
            "username": {**string, "description": "Broker username: prefix + the thing's name"},
            "clientId": {**string, "description": "The only client id the broker accepts"},
            "state": state,
            "topics": {
                "type": "array",
                "items": string,
                "description": "Topic filters the thing may publish and subscribe to: "
                "`things/<name>/#`, then the topics of its TD's MQTT forms",
            },
            "refusedTopics": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["topic", "reason"],
                    "properties": {"topic": string, "reason": string},
                },
                "description": "Topics the TD names that the thing may not have",
            },
            "created": {"type": "string", "format": "date-time"},
            "modified": {"type": "string", "format": "date-time"},
            "brokerSynced": {
                "type": "boolean",
                "description": "After a change: whether the broker already holds it (`false`: "
                "the broker is unreachable; it will once it is back)",
            },
        },
    }
    issued: JSONObject = {
        "allOf": [
            schema_ref("MqttCredential"),
            {
                "type": "object",
                "required": ["password"],
                "properties": {
                    "password": {**string, "description": "Shown once; the registry keeps none"}
                },
            },
        ]
    }
    patch: JSONObject = {
        "type": "object",
        "required": ["state"],
        "additionalProperties": False,
        "properties": {"state": state},
    }
    return {"MqttCredential": account, "IssuedMqttCredential": issued, "MqttCredentialPatch": patch}
