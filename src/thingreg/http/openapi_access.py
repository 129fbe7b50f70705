"""The OpenAPI description of access control: owners, their API keys, and a thing's access;
merged into the document by :mod:`thingreg.http.openapi`."""

from __future__ import annotations

from thingreg.http.openapi_auth import _json, _operation, _request
from thingreg.http.openapi_builders import UNAUTHORIZED, problem
from thingreg.http.openapi_components import JSON, JSONObject, schema_ref

TAGS = [{"name": "access", "description": "Owners, API keys, and who may see each thing"}]

_FORBIDDEN = problem("Authenticated, but this key may not do this")
_NO_OWNER = problem("No such owner")
_NO_THING = problem("No such thing, or one the caller may not see (the same answer)")
_BAD = problem("The body is not valid")
_NO_TRANSFER = problem("No such transfer, or not one of the caller's")
_REVOKED: JSONObject = {"description": "Revoked"}


def paths() -> JSONObject:
    owner = schema_ref("Owner")
    key = schema_ref("ApiKey")
    guarded = {"401": UNAUTHORIZED, "403": _FORBIDDEN}
    name: JSONObject = {
        "name": "name",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    key_id: JSONObject = {
        "name": "keyId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
    }
    access = schema_ref("ThingAccess")
    return {
        "/owners": {
            "get": _operation(
                "listOwners",
                "access",
                "Every owner (administrators)",
                {"200": _json("The owners", {"type": "array", "items": owner})} | guarded,
                write=True,
            ),
            "post": _operation(
                "addOwner",
                "access",
                "Add an owner (administrators)",
                {"201": _json("The new owner", owner), "400": _BAD, "409": problem("Taken")}
                | guarded,
                request_body=_request(
                    {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": {"type": "string"}, "note": {"type": "string"}},
                    },
                    JSON,
                    example={"name": "acme"},
                ),
                write=True,
            ),
        },
        "/owners/{name}": {
            "parameters": [name],
            "get": _operation(
                "getOwner",
                "access",
                "One owner (itself, or administrators)",
                {"200": _json("The owner", owner), "404": _NO_OWNER} | guarded,
                write=True,
            ),
        },
        "/owners/{name}/keys": {
            "parameters": [name],
            "get": _operation(
                "listKeys",
                "access",
                "The owner's API keys, never their secrets",
                {"200": _json("The keys", {"type": "array", "items": key}), "404": _NO_OWNER}
                | guarded,
                write=True,
            ),
            "post": _operation(
                "createKey",
                "access",
                "Make an API key; its token is in this answer only",
                {"201": _json("The key and its token", key), "400": _BAD, "404": _NO_OWNER}
                | guarded,
                request_body=_request(
                    {
                        "type": "object",
                        "properties": {
                            "scopes": {
                                "type": "array",
                                "items": {"enum": ["read", "write", "admin"]},
                                "default": ["read", "write"],
                            },
                            "label": {"type": "string", "maxLength": 200},
                        },
                    },
                    JSON,
                    example={"scopes": ["read", "write"], "label": "ops"},
                ),
                write=True,
            ),
        },
        "/owners/{name}/keys/{keyId}": {
            "parameters": [name, key_id],
            "delete": _operation(
                "revokeKey",
                "access",
                "Revoke a key (final)",
                {"204": _REVOKED, "404": problem("No such active key")} | guarded,
                write=True,
            ),
        },
        "/audit": {
            "get": _operation(
                "listAudit",
                "access",
                "The audit log, oldest first: an owner's entries, or all for administrators",
                {"200": _json("Entries", {"type": "array", "items": schema_ref("AuditEntry")})}
                | guarded,
                write=True,
            ),
        },
        "/transfers": {
            "post": _operation(
                "transferOwnership",
                "access",
                "Hand things of one owner to another, with a record the registry signs",
                {"201": _json("The signed transfer", schema_ref("Transfer")), "400": _BAD}
                | {"404": _NO_THING}
                | guarded,
                request_body=_request(
                    {
                        "type": "object",
                        "required": ["to", "things"],
                        "properties": {
                            "to": {"type": "string"},
                            "things": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                    JSON,
                    example={"to": "globex", "things": ["urn:example:lamp-1"]},
                ),
                write=True,
            ),
        },
        "/transfers/{transferId}": {
            "parameters": [{"$ref": "#/components/parameters/transferId"}],
            "get": _operation(
                "getTransfer",
                "access",
                "A transfer record and whether its signature verifies (its two owners, admins)",
                {"200": _json("The transfer", schema_ref("Transfer")), "404": _NO_TRANSFER}
                | guarded,
                write=True,
            ),
        },
        "/things/{id}/access": {
            "parameters": [{"$ref": "#/components/parameters/thingId"}],
            "get": _operation(
                "getThingAccess",
                "access",
                "Who owns a thing and who may see it (its owner, or administrators)",
                {"200": _json("The thing's access", access), "404": _NO_THING} | guarded,
                write=True,
            ),
            "put": _operation(
                "setThingAccess",
                "access",
                "Set who may see a thing and what anonymous clients see of it",
                {"200": _json("The new access", access), "400": _BAD, "404": _NO_THING} | guarded,
                request_body=_request(
                    access, JSON, example={"visibility": "public", "hiddenFields": ["location"]}
                ),
                write=True,
            ),
        },
    }


def parameters() -> JSONObject:
    return {
        "ownerName": {
            "name": "name",
            "in": "path",
            "required": True,
            "description": "An owner's name",
            "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,62}$"},
            "example": "acme",
        },
        "transferId": {
            "name": "transferId",
            "in": "path",
            "required": True,
            "description": "A transfer's id (a UUID)",
            "schema": {"type": "string"},
        },
        "keyId": {
            "name": "keyId",
            "in": "path",
            "required": True,
            "description": "An API key's id (the part after thr_)",
            "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
            "example": "a41e44d6311942e9",
        },
    }


def schemas() -> JSONObject:
    text: JSONObject = {"type": "string"}
    names: JSONObject = {"type": "array", "items": text}
    return {
        "Owner": {
            "type": "object",
            "properties": {"name": text, "created": {"format": "date-time", **text}, "note": text},
        },
        "ApiKey": {
            "type": "object",
            "properties": {
                "id": text,
                "owner": text,
                "scopes": names,
                "label": text,
                "created": {"format": "date-time", **text},
                "revoked": {"format": "date-time", **text},
                "token": {
                    **text,
                    "description": "thr_<id>_<secret>: only in the answer that made the key",
                },
            },
        },
        "AuditEntry": {
            "type": "object",
            "properties": {
                "seq": {"type": "integer"},
                "at": text,
                "actor": text,
                "action": text,
                "subject": text,
                "owner": text,
                "digest": text,
                "prev": text,
                "hash": text,
            },
        },
        "Transfer": {
            "type": "object",
            "properties": {
                "id": text,
                "created": text,
                "from": text,
                "to": text,
                "things": names,
                "record": {**text, "description": "Compact JWS signed by the registry"},
                "key": {"type": "object", "description": "The public JWK that signed it"},
                "verified": {"type": "boolean"},
            },
        },
        "ThingAccess": {
            "type": "object",
            "properties": {
                "owner": {**text, "readOnly": True},
                "visibility": {"enum": ["public", "owner", "shared"], "default": "owner"},
                "sharedWith": {**names, "description": "Owners a shared thing is visible to"},
                "hiddenFields": {
                    **names,
                    "description": "Top-level TD members that only the owner, owners it is "
                    "shared with and administrators see",
                },
            },
        },
    }
