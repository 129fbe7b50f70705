"""Reusable parts of the OpenAPI document: media types, parameters, schemas, the id pattern."""

from __future__ import annotations

from thingreg.core.federation import MAX_NOTE_LENGTH, MAX_PREFIX_LENGTH, MAX_VIA
from thingreg.core.ids.analysis import MAX_LENGTH as MAX_IDENTIFIER_LENGTH
from thingreg.core.td.registration import DISCOVERY_CONTEXT
from thingreg.core.thing_id import MAX_ID_LENGTH
from thingreg.store.base import EVENT_TYPES

JSONObject = dict[str, object]

PROBLEM = "application/problem+json"
TD = "application/td+json"
LD = "application/ld+json"
JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
# A TD may be sent under any of these; the directory treats them alike.
TD_REQUEST_TYPES = (TD, JSON, LD)

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

WRITE_SECURITY: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]

_REGISTRY_ID = "[A-Za-z0-9._:~-]{1,128}"
VIA_PATTERN = rf"^(?:{_REGISTRY_ID}(?:,{_REGISTRY_ID}){{0,{MAX_VIA - 1}}})?$"
PREFIX_PATTERN = r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]*$"
"""What :func:`thingreg.core.federation.check_prefix` accepts: a URI scheme, a colon, no blanks."""

# Valid requests, so that example-based tests (schemathesis' examples phase) get past validation.
EXAMPLE_ID = "urn:example:lamp"
EXAMPLE_TD: JSONObject = {
    "@context": "https://www.w3.org/2022/wot/td/v1.1",
    "title": "Lamp",
    "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
    "security": "nosec_sc",
}


def schema_ref(name: str) -> JSONObject:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, description: str, schema: JSONObject, **extra: object) -> JSONObject:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


_SAREF_CLASS = (
    "a class of ETSI SAREF core, as saref:Name or a full IRI in either namespace "
    "(https://saref.etsi.org/core/Name or https://w3id.org/saref#Name, '#' sent as %23)"
)


def _class_parameters() -> JSONObject:
    """``type``, ``function`` and ``property``: semantic discovery by SAREF class."""
    classes: JSONObject = {"type": "array", "items": {"type": "string", "maxLength": 256}}
    common = " (or a subclass of it). Repeat the parameter, or separate values with commas, "
    common += "for any of several; the three parameters combine with each other and with the "
    common += "other filters (all must hold). A value that names no SAREF core class is a 400."
    return {
        "sarefType": _query(
            "type",
            f"Only things annotated (on the thing or on an affordance) with {_SAREF_CLASS}"
            + common,
            classes,
            example=["saref:Sensor"],
        ),
        "sarefFunction": _query(
            "function",
            "Only things with this function: a saref:Function subclass, named like 'type'" + common,
            classes,
            example=["saref:SensingFunction"],
        ),
        "sarefProperty": _query(
            "property",
            "Only things exposing or measuring this property: a saref:Property subclass, "
            "named like 'type'" + common,
            classes,
            example=["saref:Temperature"],
        ),
    }


def parameters() -> JSONObject:
    count = {"type": "integer", "maximum": MAX_QUERY_INTEGER}
    return {
        "offset": _query("offset", "Number of TDs to skip", count | {"minimum": 0, "default": 0}),
        "limit": _query("limit", "Largest number of TDs in the page", count | {"minimum": 1}),
        "scheme": _query(
            "scheme",
            "Only things with an identifier of this scheme (e.g. imei, mac, sgtin); "
            "comma-separated for several",
            {"type": "string", "maxLength": 256},
        ),
        "alias": _query(
            "alias",
            "Only the thing with this identifier, in any notation of any supported scheme",
            {"type": "string", "maxLength": 2048},
        ),
        "q": _query(
            "q",
            "Free text: only things whose title or id contains every word (ASCII case "
            "ignored; at most 8 words)",
            {"type": "string", "maxLength": 2048},
        ),
        **_class_parameters(),
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
        "identifier": {
            "name": "identifier",
            "in": "path",
            "required": True,
            "description": "An identifier in any notation of any supported scheme (an IMEI with "
            "dashes, a MAC with colons, a GS1 Digital Link URL, an EPC URN, a thing id…), "
            "percent-encoded in the path",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDENTIFIER_LENGTH},
            "example": "49-015420-323751-8",
        },
        "redirect": _query(
            "redirect",
            "true: answer 303 See Other to the thing's TD instead of describing it",
            {"type": "boolean", "default": False},
        ),
        "proxy": _query(
            "proxy",
            "For a delegated identifier: true asks the peer registry on the client's behalf "
            "(and caches its answer); false answers 307 to the peer",
            {"type": "boolean", "default": False},
        ),
        "hops": _query(
            "hops",
            "How many registries have forwarded this resolution; set by registries",
            {"type": "integer", "minimum": 0, "maximum": MAX_QUERY_INTEGER, "default": 0},
        ),
        "via": _query(
            "via",
            "Comma-separated ids of the registries that forwarded this resolution, in order; "
            "set by registries, used to detect loops",
            {"type": "string", "pattern": VIA_PATTERN},
        ),
        "prefix": {
            "name": "prefix",
            "in": "path",
            "required": True,
            "description": "A canonical-identifier prefix, percent-encoded (tel:+81 → tel%3A%2B81)",
            "schema": {"type": "string", "maxLength": MAX_PREFIX_LENGTH, "pattern": PREFIX_PATTERN},
            "example": "tel:+81",
        },
        "lastEventId": {
            "name": "Last-Event-ID",
            "in": "header",
            "description": "The id of the last event received, to resume after it",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        },
    }


def schemas() -> JSONObject:
    date_time: JSONObject = {"type": "string", "format": "date-time"}
    string: JSONObject = {"type": "string"}
    uri_reference: JSONObject = {"type": "string", "format": "uri-reference"}
    uri: JSONObject = {"type": "string", "format": "uri"}
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
                "validationErrors": {"type": "array", "items": schema_ref("ValidationError")},
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
            "allOf": [schema_ref("ThingDescription"), {"not": {"required": ["id"]}}],
        },
        "IdentifiedThingDescription": {
            "description": "A TD with an id (anonymous TDs are shown with their local id)",
            "allOf": [schema_ref("ThingDescription"), {"required": ["id"]}],
        },
        "EnrichedThingDescription": {
            "description": "A TD as retrieved: with its id and registration information",
            "allOf": [
                schema_ref("IdentifiedThingDescription"),
                {
                    "required": ["registration"],
                    "properties": {"registration": schema_ref("Registration")},
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
                "members": {"type": "array", "items": schema_ref("IdentifiedThingDescription")},
                "@id": uri_reference | {"description": "URI of this page"},
                "next": uri_reference | {"description": "URI of the next page"},
            },
        },
        "DirectoryDescription": {
            "description": "The TD of this directory",
            "allOf": [schema_ref("IdentifiedThingDescription"), {"required": ["@type", "base"]}],
        },
        "MergePatch": {
            "type": "object",
            "description": "A JSON Merge Patch (RFC 7396); null removes a member",
        },
        "Reading": {
            "type": "object",
            "description": "One valid interpretation of an identifier",
            "required": ["scheme", "canonical", "notation", "objectLevel", "details"],
            "properties": {
                "scheme": string,
                "canonical": string,
                "notation": string,
                "objectLevel": {"type": "boolean"},
                "details": {"type": "object", "additionalProperties": string},
            },
        },
        "Analysis": {
            "type": "object",
            "required": ["input", "readings"],
            "properties": {
                "input": string,
                "readings": {"type": "array", "items": schema_ref("Reading")},
            },
        },
        "Resolution": {
            "type": "object",
            "description": "Where an identifier leads: a thing here (id, href), a peer "
            "(delegatedTo, location), or a peer's proxied answer (answeredBy, absolute href)",
            "required": ["input", "readings"],
            "properties": {
                "input": string,
                "readings": {"type": "array", "items": schema_ref("Reading")},
                "identifier": schema_ref("Reading"),
                "id": string,
                "href": uri_reference,
                "delegatedTo": {
                    "type": "object",
                    "required": ["prefix", "registry"],
                    "properties": {"prefix": string, "registry": uri},
                },
                "location": uri | {"description": "Where a 307 sends the client"},
                "answeredBy": uri | {"description": "The registry that holds the thing"},
            },
        },
        "Delegation": {
            "type": "object",
            "required": ["prefix", "registry", "note", "created"],
            "properties": {
                "prefix": string,
                "registry": uri,
                "note": string,
                "created": date_time,
            },
        },
        "DelegationRequest": {
            "type": "object",
            "required": ["registry"],
            "properties": {
                "registry": uri
                | {"description": "Base URL of the peer registry: absolute http or https"},
                "note": {"type": "string", "maxLength": MAX_NOTE_LENGTH},
                "prefix": string | {"description": "Optional; must equal the URL's prefix"},
                "created": string | {"description": "Ignored; set by the registry"},
            },
            "additionalProperties": False,
        },
        "RegistryDescription": {
            "type": "object",
            "description": "What peers import: this registry's id, base URL and namespaces",
            "required": ["registry", "url", "namespaces", "maxHops", "resolve"],
            "properties": {
                "registry": string,
                "url": uri,
                "namespaces": {"type": "array", "items": string},
                "maxHops": {"type": "integer", "minimum": 1},
                "resolve": string | {"description": "URI template of the resolve endpoint"},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "ok"}},
        },
    }
