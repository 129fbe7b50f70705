"""The OpenAPI description of enrollment groups (fleet onboarding): paths and schemas that
:mod:`thingreg.http.openapi` merges into its document."""

from __future__ import annotations

from thingreg.core.auth.chains import ID_SOURCES
from thingreg.core.auth.enrollment import MAX_TITLE
from thingreg.core.auth.fleet_file import MAX_DEVICES
from thingreg.http.openapi_builders import (
    NOT_ACCEPTABLE,
    TOO_LARGE,
    UNAUTHORIZED,
    UNSUPPORTED,
    body,
    operation,
    problem,
)
from thingreg.http.openapi_components import (
    JSON,
    MERGE_PATCH,
    WRITE_SECURITY,
    JSONObject,
    schema_ref,
)

CSV = "text/csv"
NDJSON = "application/x-ndjson"
TAGS = [{"name": "enrollment", "description": "Fleet onboarding: enrollment groups"}]
_TAG = "enrollment"
_NO_GROUP = problem("No enrollment group with this id")
_BODY_ERRORS = {"413": TOO_LARGE, "415": UNSUPPORTED}
_GROUP_PARAMETER: JSONObject = {
    "name": "groupId",
    "in": "path",
    "required": True,
    "description": "An enrollment group's id",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$"},
}
_DEVICE_PARAMETER: JSONObject = {
    "name": "device",
    "in": "path",
    "required": True,
    "description": "A device's thing id (percent-encoded)",
    "schema": {"type": "string"},
}
_GROUP = {"$ref": "#/components/parameters/groupId"}
_DEVICE = {"$ref": "#/components/parameters/device"}
_EXAMPLE = {
    "id": "sensors",
    "title": "Sensors made in 2026",
    "deviceId": {"from": "subject-cn", "prefix": "urn:dev:ops:32473-sensor-"},
}


def paths() -> JSONObject:
    """Every operation on groups is for administrators: groups hold the fleet's CAs and
    templates."""
    described = _paths()
    for item in described.values():
        assert isinstance(item, dict)
        for member in item.values():
            if isinstance(member, dict) and "responses" in member:
                member["responses"].setdefault("401", UNAUTHORIZED)
                member["responses"].setdefault("403", _ADMIN_ONLY)
                member["security"] = WRITE_SECURITY
    return described


_ADMIN_ONLY = problem("The key is not an administrator's")


def _paths() -> JSONObject:
    group = body("The group", schema_ref("EnrollmentGroup"), JSON)
    location = {
        "description": "Path of the new group",
        "required": True,
        "schema": {"type": "string", "format": "uri-reference"},
    }
    return {
        "/enrollment-groups": {
            "get": operation(
                "listEnrollmentGroups",
                _TAG,
                "Every enrollment group",
                {
                    "200": body(
                        "The groups",
                        {"type": "array", "items": schema_ref("EnrollmentGroup")},
                        JSON,
                    ),
                    "406": NOT_ACCEPTABLE,
                },
            ),
            "post": operation(
                "createEnrollmentGroup",
                _TAG,
                "Create an enrollment group: CA certificates or a group key, a TD template, "
                "how device ids are made",
                {
                    "201": group | {"headers": {"Location": location}},
                    "400": problem("The group definition is invalid"),
                    "401": UNAUTHORIZED,
                    "409": problem("A group with this id exists"),
                    **_BODY_ERRORS,
                },
                request_body=body(
                    "The group", schema_ref("EnrollmentGroupRequest"), JSON, example=_EXAMPLE
                ),
                write=True,
            ),
        },
        "/enrollment-groups/{groupId}": {
            "parameters": [_GROUP],
            "get": operation(
                "retrieveEnrollmentGroup",
                _TAG,
                "One enrollment group",
                {"200": group, "404": _NO_GROUP, "406": NOT_ACCEPTABLE},
            ),
            "patch": operation(
                "changeEnrollmentGroup",
                _TAG,
                "Change a group (a merge patch); enabled false stops new registrations",
                {
                    "200": group,
                    "400": problem("The patch is invalid"),
                    "401": UNAUTHORIZED,
                    "404": _NO_GROUP,
                    **_BODY_ERRORS,
                },
                request_body=body(
                    "The patch",
                    schema_ref("EnrollmentGroupRequest"),
                    MERGE_PATCH,
                    JSON,
                    example={"enabled": False},
                ),
                write=True,
            ),
            "delete": operation(
                "deleteEnrollmentGroup",
                _TAG,
                "Delete a group and its block list (the devices it registered stay)",
                {"204": {"description": "Deleted"}, "401": UNAUTHORIZED, "404": _NO_GROUP},
                write=True,
            ),
        },
        "/enrollment-groups/{groupId}/devices": {
            "parameters": [_GROUP],
            "post": operation(
                "registerDevices",
                _TAG,
                "Register pre-made devices from a CSV or NDJSON file (id and public key each); "
                "idempotent",
                {
                    "200": body("What was registered", schema_ref("EnrollmentReport"), JSON),
                    "400": problem("The file as a whole cannot be read"),
                    "401": UNAUTHORIZED,
                    "404": _NO_GROUP,
                    "409": problem("The group is disabled"),
                    **_BODY_ERRORS,
                },
                request_body={
                    "description": f"At most {MAX_DEVICES} devices, one a line",
                    "content": {
                        CSV: {
                            "schema": {"type": "string"},
                            "example": "id,key\nurn:dev:ops:32473-sensor-0001,did:key:z6Mk…\n",
                        },
                        NDJSON: {"schema": {"type": "string"}},
                    },
                },
                write=True,
            ),
        },
        "/enrollment-groups/{groupId}/blocked": {
            "parameters": [_GROUP],
            "get": operation(
                "listBlockedDevices",
                _TAG,
                "The group's block list",
                {
                    "200": body("Device ids", {"type": "array", "items": {"type": "string"}}, JSON),
                    "404": _NO_GROUP,
                    "406": NOT_ACCEPTABLE,
                },
            ),
            "post": operation(
                "blockDevice",
                _TAG,
                "Block a device: no registration, its group credentials disabled",
                {
                    "200": body("Blocked already", schema_ref("BlockedDevice"), JSON),
                    "201": body("Blocked", schema_ref("BlockedDevice"), JSON),
                    "400": problem("No device id, or not a valid one"),
                    "401": UNAUTHORIZED,
                    "404": _NO_GROUP,
                    **_BODY_ERRORS,
                },
                request_body=body(
                    "The device",
                    {
                        "type": "object",
                        "required": ["device"],
                        "properties": {"device": {"type": "string"}},
                        "additionalProperties": False,
                    },
                    JSON,
                ),
                write=True,
            ),
        },
        "/enrollment-groups/{groupId}/blocked/{device}": {
            "parameters": [_GROUP, _DEVICE],
            "delete": operation(
                "unblockDevice",
                _TAG,
                "Unblock a device; its group credentials are enabled again",
                {
                    "204": {"description": "Unblocked"},
                    "401": UNAUTHORIZED,
                    "404": problem("The device is not on the group's block list"),
                },
                write=True,
            ),
        },
    }


def parameters() -> JSONObject:
    return {"groupId": _GROUP_PARAMETER, "device": _DEVICE_PARAMETER}


def schemas() -> JSONObject:
    string: JSONObject = {"type": "string"}
    device_id: JSONObject = {
        "type": "object",
        "properties": {"from": {"enum": list(ID_SOURCES)}, "prefix": string},
        "additionalProperties": False,
    }
    key: JSONObject = {
        "oneOf": [schema_ref("PublicJWK"), string | {"description": "PEM public key or did:key"}]
    }
    return {
        "EnrollmentGroupRequest": {
            "type": "object",
            "description": "At most one of caCertificates and groupKey (neither: file only)",
            "properties": {
                "id": _GROUP_PARAMETER["schema"],
                "title": {"type": "string", "maxLength": MAX_TITLE},
                "caCertificates": string | {"description": "PEM CA certificate(s)"},
                "groupKey": key,
                "template": {"type": "object", "description": "A TD without id"},
                "deviceId": device_id,
                "enabled": {"type": "boolean", "default": True},
            },
            "additionalProperties": False,
        },
        "EnrollmentGroup": {
            "type": "object",
            "required": ["id", "title", "kind", "enabled", "template", "deviceId"],
            "properties": {
                "id": string,
                "title": string,
                "kind": {"enum": ["x509", "key", "file"]},
                "enabled": {"type": "boolean"},
                "template": {"type": "object"},
                "deviceId": device_id,
                "caCertificates": string,
                "caSubjects": {"type": "array", "items": string},
                "groupKey": schema_ref("PublicJWK"),
                "created": {"type": "string", "format": "date-time"},
                "modified": {"type": "string", "format": "date-time"},
            },
        },
        "EnrollmentReport": {
            "type": "object",
            "required": ["group", "accepted", "created", "unchanged", "rejected"],
            "properties": {
                "group": string,
                "accepted": {"type": "integer"},
                "created": {"type": "integer"},
                "unchanged": {"type": "integer"},
                "rejected": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["line", "reason"],
                        "properties": {
                            "line": {"type": "integer"},
                            "id": {"type": ["string", "null"]},
                            "reason": string,
                        },
                    },
                },
                "seconds": {"type": "number"},
            },
        },
        "BlockedDevice": {
            "type": "object",
            "required": ["group", "device"],
            "properties": {"group": string, "device": string},
        },
    }
