"""The OpenAPI description of device credentials and authentication: paths, parameters and
schemas that :mod:`thingreg.http.openapi` merges into its document."""

from __future__ import annotations

from thingreg.core.auth.credentials import MAX_LABEL_LENGTH
from thingreg.http.openapi_builders import (
    NOT_ACCEPTABLE,
    TOO_LARGE,
    UNAUTHORIZED,
    UNSUPPORTED,
    problem,
)
from thingreg.http.openapi_components import (
    EXAMPLE_ID,
    JSON,
    MERGE_PATCH,
    WRITE_SECURITY,
    JSONObject,
    schema_ref,
)

FORM = "application/x-www-form-urlencoded"
JWK_SET = "application/jwk-set+json"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

TAGS = [
    {"name": "credentials", "description": "Public keys and certificates bound to things"},
    {"name": "auth", "description": "Device proof of possession, tokens and their keys"},
]


def _json(description: str, schema: JSONObject, *media_types: str) -> JSONObject:
    return {
        "description": description,
        "content": {kind: {"schema": schema} for kind in media_types or (JSON,)},
    }


def _request(schema: JSONObject, *media_types: str, example: object = None) -> JSONObject:
    media: JSONObject = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"required": True, "content": {kind: dict(media) for kind in media_types}}


def _operation(
    operation_id: str,
    tag: str,
    summary: str,
    responses: dict[str, JSONObject],
    *,
    request_body: JSONObject | None = None,
    write: bool = False,
) -> JSONObject:
    operation: JSONObject = {"operationId": operation_id, "tags": [tag], "summary": summary}
    if request_body is not None:
        operation["requestBody"] = request_body
    if write:
        operation["security"] = WRITE_SECURITY
    operation["responses"] = responses
    return operation


_BAD_ID = problem("The thing id is not an absolute URI, or is too long")
_NO_CREDENTIAL = problem("No such thing, or the thing has no credential with this id")
_BODY_ERRORS = {"413": TOO_LARGE, "415": UNSUPPORTED}


def paths() -> JSONObject:
    return _credential_paths() | _auth_paths()


_OWNER_ONLY = {
    "401": UNAUTHORIZED,
    "403": problem("Only the thing's owner (or an administrator) may do this"),
}


def _credential_paths() -> JSONObject:
    one = schema_ref("Credential")
    listing = _operation(
        "listCredentials",
        "credentials",
        "The credentials bound to a thing, oldest first",
        {
            "200": _json("The credentials", {"type": "array", "items": one}),
            "400": _BAD_ID,
            **_OWNER_ONLY,
            "404": problem("No thing with this id"),
            "406": NOT_ACCEPTABLE,
        },
    )
    location = {
        "description": "Path of the new credential",
        "required": True,
        "schema": {"type": "string", "format": "uri-reference"},
    }
    create = _operation(
        "bindCredential",
        "credentials",
        "Bind a public key (JWK, PEM or did:key) or an X.509 certificate to the thing",
        {
            "201": _json("Bound; the credential", one) | {"headers": {"Location": location}},
            "400": problem("The id, the key or certificate, or a bound is invalid"),
            **_OWNER_ONLY,
            "404": problem("No thing with this id"),
            "409": problem(
                "The key is already bound (to this or another thing), or the thing holds the "
                "most credentials allowed"
            ),
            **_BODY_ERRORS,
        },
        request_body=_request(
            schema_ref("CredentialRequest"),
            JSON,
            example={
                "key": "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
                "label": "factory key",
            },
        ),
        write=True,
    )
    read = _operation(
        "retrieveCredential",
        "credentials",
        "One credential",
        {
            "200": _json("The credential", one),
            "400": _BAD_ID,
            **_OWNER_ONLY,
            "404": _NO_CREDENTIAL,
            "406": NOT_ACCEPTABLE,
        },
    )
    change = _operation(
        "changeCredential",
        "credentials",
        "Change a credential's state, bounds or label (a merge patch); revoked is final",
        {
            "200": _json("The changed credential", one),
            "400": problem("The id or the patch is invalid"),
            **_OWNER_ONLY,
            "404": _NO_CREDENTIAL,
            "409": problem("The credential is revoked and cannot change"),
            **_BODY_ERRORS,
        },
        request_body=_request(
            schema_ref("CredentialPatch"), MERGE_PATCH, JSON, example={"state": "revoked"}
        ),
        write=True,
    )
    remove = _operation(
        "removeCredential",
        "credentials",
        "Unbind a credential",
        {
            "204": {"description": "Removed"},
            "400": _BAD_ID,
            **_OWNER_ONLY,
            "404": _NO_CREDENTIAL,
        },
        write=True,
    )
    thing = {"$ref": "#/components/parameters/thingId"}
    credential = {"$ref": "#/components/parameters/credentialId"}
    return {
        "/things/{id}/credentials": {"parameters": [thing], "get": listing, "post": create},
        "/things/{id}/credentials/{credentialId}": {
            "parameters": [thing, credential],
            "get": read,
            "patch": change,
            "delete": remove,
        },
    }


def _auth_paths() -> JSONObject:
    bad_body = problem("The body is not the expected JSON object or form")
    challenge = _operation(
        "requestChallenge",
        "auth",
        "A single-use nonce for a device to sign (answered alike whether the thing exists)",
        {
            "200": _json("The challenge", schema_ref("Challenge")),
            "400": bad_body,
            **_BODY_ERRORS,
        },
        request_body=_request(schema_ref("ChallengeRequest"), JSON, example={"thing": EXAMPLE_ID}),
    )
    token = _operation(
        "requestToken",
        "auth",
        "Exchange a signed challenge (a JWT bearer grant, RFC 7523) for a device token",
        {
            "200": _json("The token (RFC 6749 section 5.1)", schema_ref("TokenResponse")),
            "400": problem("No assertion, or another grant_type"),
            "401": problem(
                "Authentication failed, whatever the reason (the server logs it)",
                **{
                    "WWW-Authenticate": {
                        "description": "Bearer",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                },
            ),
            **_BODY_ERRORS,
        },
        request_body=_request(schema_ref("TokenRequest"), FORM, JSON),
    )
    introspect = _operation(
        "introspectToken",
        "auth",
        "Whether a token is still good (RFC 7662); revoked or removed credentials count",
        {
            "200": _json("The token's state", schema_ref("Introspection")),
            "400": problem("No token"),
            **_BODY_ERRORS,
        },
        request_body=_request(schema_ref("IntrospectionRequest"), FORM, JSON),
    )
    jwks = _operation(
        "registryKeys",
        "auth",
        "The public keys that verify the registry's tokens (RFC 7517 JWK Set)",
        {
            "200": _json("The key set", schema_ref("JWKSet"), JSON, JWK_SET),
            "406": NOT_ACCEPTABLE,
        },
    )
    return {
        "/auth/challenge": {"post": challenge},
        "/auth/token": {"post": token},
        "/auth/introspect": {"post": introspect},
        "/.well-known/jwks.json": {"get": jwks},
    }


def parameters() -> JSONObject:
    return {
        "credentialId": {
            "name": "credentialId",
            "in": "path",
            "required": True,
            "description": "A credential's id: its key's RFC 7638 JWK thumbprint",
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
            "example": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
        }
    }


def schemas() -> JSONObject:
    string: JSONObject = {"type": "string"}
    time_or_null: JSONObject = {"type": ["string", "null"], "format": "date-time"}
    jwk: JSONObject = {
        "type": "object",
        "description": "A public JWK: Ed25519 (kty OKP) or P-256 (kty EC)",
        "required": ["kty", "crv", "x"],
        "properties": {
            "kty": {"enum": ["OKP", "EC"]},
            "crv": {"enum": ["Ed25519", "P-256"]},
            "x": string,
            "y": string,
        },
    }
    state: JSONObject = {"enum": ["active", "disabled", "revoked"]}
    return {
        "PublicJWK": jwk,
        "Credential": {
            "type": "object",
            "required": [
                "id",
                "thing",
                "type",
                "alg",
                "state",
                "jwk",
                "spkiSha256",
                "did",
                "notBefore",
                "notAfter",
                "label",
                "created",
                "modified",
            ],
            "properties": {
                "id": string | {"description": "The key's RFC 7638 thumbprint"},
                "thing": string,
                "type": {"enum": ["key", "x509"]},
                "alg": {"enum": ["EdDSA", "ES256"]},
                "state": state,
                "jwk": schema_ref("PublicJWK"),
                "spkiSha256": string | {"description": "SHA-256 of the DER SPKI, hex"},
                "did": string | {"description": "The key as a did:key"},
                "notBefore": time_or_null,
                "notAfter": time_or_null,
                "label": string,
                "created": {"type": "string", "format": "date-time"},
                "modified": {"type": "string", "format": "date-time"},
                "subject": string,
                "issuer": string,
                "serialNumber": string,
                "certificate": string | {"description": "PEM"},
            },
        },
        "CredentialRequest": {
            "type": "object",
            "description": "Exactly one of key and certificate",
            "properties": {
                "key": {
                    "oneOf": [
                        schema_ref("PublicJWK"),
                        string | {"description": "A PEM public key or a did:key"},
                    ]
                },
                "certificate": string | {"description": "A PEM X.509 certificate"},
                "notBefore": time_or_null,
                "notAfter": time_or_null,
                "state": {"enum": ["active", "disabled"], "default": "active"},
                "label": {"type": "string", "maxLength": MAX_LABEL_LENGTH},
            },
            "additionalProperties": False,
        },
        "CredentialPatch": {
            "type": "object",
            "properties": {
                "state": state,
                "notBefore": time_or_null,
                "notAfter": time_or_null,
                "label": {"type": "string", "maxLength": MAX_LABEL_LENGTH},
            },
            "additionalProperties": False,
        },
        "ChallengeRequest": {
            "type": "object",
            "required": ["thing"],
            "properties": {
                "thing": string | {"description": "Any identifier of the thing, any notation"}
            },
        },
        "Challenge": {
            "type": "object",
            "required": ["nonce", "expires", "audience"],
            "properties": {
                "nonce": string,
                "expires": {"type": "string", "format": "date-time"},
                "audience": {"type": "string", "format": "uri"},
            },
        },
        "TokenRequest": {
            "type": "object",
            "required": ["assertion"],
            "properties": {
                "grant_type": {"const": JWT_BEARER},
                "assertion": string
                | {
                    "description": "A compact JWS (EdDSA or ES256) of "
                    '{"nonce", "aud", "thing", "iat"}, header kid or x5c'
                },
            },
        },
        "TokenResponse": {
            "type": "object",
            "required": ["access_token", "token_type", "expires_in", "thing"],
            "properties": {
                "access_token": string,
                "token_type": {"const": "Bearer"},
                "expires_in": {"type": "integer", "minimum": 1},
                "thing": string,
            },
        },
        "IntrospectionRequest": {
            "type": "object",
            "required": ["token"],
            "properties": {"token": string, "token_type_hint": string},
        },
        "Introspection": {
            "type": "object",
            "required": ["active"],
            "properties": {
                "active": {"type": "boolean"},
                "iss": string,
                "sub": string,
                "aud": string,
                "exp": {"type": "integer"},
                "iat": {"type": "integer"},
                "jti": string,
                "aliases": {"type": "array", "items": string},
                "cnf": {"type": "object", "properties": {"jkt": string}},
                "owner": string,
            },
        },
        "JWKSet": {
            "type": "object",
            "required": ["keys"],
            "properties": {
                "keys": {
                    "type": "array",
                    "items": {
                        "allOf": [
                            schema_ref("PublicJWK"),
                            {
                                "required": ["kid", "alg", "use"],
                                "properties": {
                                    "kid": string,
                                    "alg": {"enum": ["EdDSA", "ES256"]},
                                    "use": {"const": "sig"},
                                },
                            },
                        ]
                    },
                }
            },
        },
    }
