"""A corpus of Thing Descriptions for the validator's tests and benchmark: our own making.

* :func:`valid_tds` — realistic TDs, valid by the TD 1.1 JSON Schema: TD 1.0 and 1.1
  contexts, every affordance kind, every security scheme, rich DataSchemas, links, Thing-level
  forms, Enriched TDs with ``registration`` (some re-typed from the WoT Discovery examples).
* :func:`labelled_cases` — hand-made edge cases, each with the verdict the schema gives.
* :func:`systematic_cases` — every member of some valid TDs dropped, or given a value of
  another JSON type, one at a time; their verdict is left to the schema (``None``).

A case is ``(name, document, expected)``, ``expected`` being True (valid), False (invalid) or
None (whatever the schema says).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

JsonObject = dict[str, Any]
Case = tuple[str, Any, bool | None]
Path = tuple[str | int, ...]

V1 = "https://www.w3.org/2019/wot/td/v1"
V11 = "https://www.w3.org/2022/wot/td/v1.1"
DISCOVERY = "https://www.w3.org/2022/wot/discovery"
SAREF = "https://saref.etsi.org/core/"


def _minimal(**members: Any) -> JsonObject:
    td: JsonObject = {
        "@context": V11,
        "title": "Minimal",
        "security": "nosec_sc",
        "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
    }
    td.update(members)
    return td


def _secured(name: str, scheme: JsonObject) -> JsonObject:
    return _minimal(
        title=f"Secured by {scheme['scheme']}",
        id=f"urn:example:security:{name}",
        security=[name],
        securityDefinitions={name: scheme},
        properties={"status": {"type": "string", "forms": [{"href": "https://d.example/st"}]}},
    )


def _lamp() -> JsonObject:
    return {
        "@context": [V11, {"saref": SAREF}],
        "@type": ["Thing", "saref:LightSwitch"],
        "id": "urn:uuid:0804d572-cce8-422a-bb7c-4412fcd56f06",
        "title": "MyLampThing",
        "description": "A dimmable lamp in the living room",
        "securityDefinitions": {"basic_sc": {"scheme": "basic", "in": "header"}},
        "security": "basic_sc",
        "base": "https://lamp.example.com/",
        "properties": {
            "status": {
                "@type": "saref:OnOffState",
                "type": "string",
                "enum": ["on", "off"],
                "forms": [{"href": "status", "op": ["readproperty", "writeproperty"]}],
            },
            "brightness": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100,
                "unit": "percent",
                "observable": True,
                "forms": [
                    {"href": "brightness", "contentType": "application/json"},
                    {"href": "brightness/observe", "op": "observeproperty", "subprotocol": "sse"},
                ],
            },
        },
        "actions": {
            "toggle": {
                "safe": False,
                "idempotent": False,
                "forms": [{"href": "toggle", "op": "invokeaction"}],
            },
            "fade": {
                "input": {
                    "type": "object",
                    "properties": {
                        "to": {"type": "integer", "minimum": 0, "maximum": 100},
                        "seconds": {"type": "number", "exclusiveMinimum": 0},
                    },
                    "required": ["to"],
                },
                "output": {"type": "string"},
                "synchronous": False,
                "forms": [{"href": "fade", "op": ["invokeaction", "queryaction", "cancelaction"]}],
            },
        },
        "events": {
            "overheating": {
                "data": {"type": "string"},
                "forms": [{"href": "oh", "subprotocol": "longpoll", "op": "subscribeevent"}],
            }
        },
        "links": [
            {"rel": "alternate", "href": "https://lamp.example.com/td.html", "type": "text/html"}
        ],
    }


def _sensor_td10() -> JsonObject:
    return {
        "@context": V1,
        "id": "urn:dev:ops:32473-WoTSensor-1234",
        "title": "TemperatureSensor",
        "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
        "security": ["nosec_sc"],
        "properties": {
            "temperature": {
                "type": "number",
                "unit": "om:degree_Celsius",
                "readOnly": True,
                "minimum": -40,
                "maximum": 85.5,
                "forms": [
                    {"href": "coap://sensor.example.com/temp", "contentType": "application/cbor"}
                ],
            },
            "history": {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 0,
                "maxItems": 24,
                "readOnly": True,
                "forms": [{"href": "coap://sensor.example.com/history"}],
            },
        },
    }


def _mixed_context() -> JsonObject:
    return {
        "@context": [V1, V11, {"saref": "https://w3id.org/saref#", "@language": "en"}],
        "@type": ["saref:Sensor", "saref:Meter"],
        "id": "https://meters.example.org/things/meter-17",
        "title": "Energy meter 17",
        "titles": {"en": "Energy meter 17", "de": "Energiezähler 17"},
        "descriptions": {"en": "Meters the kitchen", "de": "Misst die Küche"},
        "description": "Meters the kitchen",
        "version": {"instance": "1.2.1", "model": "em-3"},
        "created": "2023-04-01T08:30:00+02:00",
        "modified": "2024-02-29T23:59:59.125Z",
        "support": "mailto:support@example.org",
        "profile": ["https://www.w3.org/2022/wot/profile/http-basic/v1"],
        "securityDefinitions": {"apikey_sc": {"scheme": "apikey", "in": "header", "name": "X-Key"}},
        "security": "apikey_sc",
        "properties": {
            "energy": {
                "type": "number",
                "unit": "saref:KilowattHour",
                "readOnly": True,
                "titles": {"en": "Energy", "de": "Energie"},
                "forms": [{"href": "https://meters.example.org/17/energy"}],
            }
        },
    }


def _thing_link() -> JsonObject:
    # WoT Discovery, example "Thing Link", re-typed.
    return {
        "@context": [V11, DISCOVERY],
        "@type": "ThingLink",
        "id": "urn:example:link",
        "links": [
            {
                "rel": "describedby",
                "href": "https://example.com/td.jsonld",
                "type": "application/td+json",
            }
        ],
        "security": "nosec_sc",
        "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
        "title": "Example TD referencing another",
    }


def _enriched_simple() -> JsonObject:
    # WoT Discovery, the retrieved Enriched TD example, re-typed.
    return {
        "@context": [V11, DISCOVERY],
        "id": "urn:example:simple-td",
        "security": "basic_sc",
        "securityDefinitions": {"basic_sc": {"scheme": "basic"}},
        "registration": {"created": "2021-01-19T17:02:00Z", "modified": "2021-01-19T17:02:00Z"},
        "title": "Simple TD",
    }


def _enriched_expirable() -> JsonObject:
    # WoT Discovery, the example of a TD registered with a relative expiry, re-typed.
    return {
        "@context": [V11, DISCOVERY],
        "id": "urn:example:expirable-td",
        "security": "basic_sc",
        "securityDefinitions": {"basic_sc": {"scheme": "basic"}},
        "registration": {
            "created": "2021-05-10T16:00:00Z",
            "modified": "2021-05-10T17:00:00Z",
            "expires": "2021-05-10T18:00:00Z",
            "ttl": 3600,
            "retrieved": "2021-05-10T17:35:00Z",
        },
        "title": "Expirable TD",
    }


def _anonymous() -> JsonObject:
    return {
        "@context": V11,
        "title": "Anonymous TD",
        "security": "nosec_sc",
        "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
        "registration": {"created": "2021-01-19T17:02:00.5-05:00", "ttl": 86400.5},
    }


def _data_schemas() -> JsonObject:
    return {
        "@context": [V11, "https://schema.org/"],
        "id": "urn:example:robot-arm",
        "title": "Robot arm",
        "securityDefinitions": {"bearer_sc": {"scheme": "bearer", "format": "jwt", "alg": "ES256"}},
        "security": "bearer_sc",
        "base": "https://arm.example.com/api/",
        "schemaDefinitions": {
            "position": {
                "type": "object",
                "properties": {
                    "x": {"type": "number", "multipleOf": 0.5},
                    "y": {"type": "number"},
                    "z": {"type": "number", "exclusiveMaximum": 2.5},
                },
                "required": ["x", "y", "z"],
            },
            "mode": {"type": "string", "enum": ["idle", "busy", "error"], "default": "idle"},
        },
        "uriVariables": {"unit": {"type": "string", "enum": ["mm", "cm"]}},
        "properties": {
            "pose": {
                "type": "object",
                "readOnly": True,
                "properties": {
                    "joints": {
                        "type": "array",
                        "items": [{"type": "number"}, {"type": "number"}, {"type": "number"}],
                        "minItems": 3,
                        "maxItems": 3,
                    },
                    "label": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 32,
                        "pattern": "^[a-z]+$",
                    },
                    "snapshot": {
                        "type": "string",
                        "contentEncoding": "base64",
                        "contentMediaType": "image/png",
                    },
                    "nothing": {"type": "null"},
                },
                "forms": [{"href": "pose{?unit}", "htv:methodName": "GET"}],
                "uriVariables": {"unit": {"type": "string", "const": "mm"}},
            },
            "setpoint": {
                "oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "format": "uri"}],
                "writeOnly": True,
                "forms": [{"href": "setpoint", "op": "writeproperty"}],
            },
            "flags": {
                "type": "array",
                "items": {"type": "boolean"},
                "enum": [[True, False], [False, True], [1, 0]],
                "const": [True, False],
                "forms": [{"href": "flags"}],
            },
        },
        "actions": {
            "moveTo": {
                "title": "Move to a position",
                "titles": {"en": "Move to a position", "fr": "Aller à une position"},
                "input": {
                    "type": "object",
                    "properties": {
                        "target": {"type": "object", "properties": {"x": {"type": "number"}}},
                        "speed": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5},
                    },
                    "required": ["target"],
                },
                "output": {"type": "boolean", "description": "Reached"},
                "idempotent": True,
                "forms": [
                    {
                        "href": "move",
                        "response": {"contentType": "application/json"},
                        "additionalResponses": [
                            {
                                "success": False,
                                "contentType": "application/problem+json",
                                "schema": "error",
                            }
                        ],
                    }
                ],
            }
        },
        "events": {
            "collision": {
                "subscription": {
                    "type": "object",
                    "properties": {
                        "callbackURL": {"type": "string", "format": "uri", "writeOnly": True}
                    },
                },
                "data": {"type": "object", "properties": {"force": {"type": "number"}}},
                "dataResponse": {"type": "string"},
                "cancellation": {"type": "object", "properties": {"id": {"type": "string"}}},
                "forms": [{"href": "collision", "op": ["subscribeevent", "unsubscribeevent"]}],
            }
        },
    }


def _links_and_forms() -> JsonObject:
    return _minimal(
        id="http://[2001:db8::7]:8080/things/gateway",
        title="Gateway",
        links=[
            {
                "rel": "icon",
                "href": "https://gw.example/icon.png",
                "sizes": "16x16 32x32",
                "type": "image/png",
            },
            {"rel": "icon", "href": "https://gw.example/icon.svg"},
            {
                "rel": "service-doc",
                "href": "https://gw.example/doc",
                "hreflang": ["en", "de-CH", "zh-Hant-TW"],
            },
            {"href": "https://gw.example/manual", "hreflang": "sgn-BE-FR", "anchor": "#manual"},
            {"rel": "item", "href": "/things/lamp", "type": "application/td+json"},
        ],
        forms=[
            {"href": "https://gw.example/all", "op": ["readallproperties", "writeallproperties"]},
            {
                "href": "https://gw.example/multi",
                "op": "readmultipleproperties",
                "contentType": "application/json",
            },
            {
                "href": "https://gw.example/observe",
                "op": "observeallproperties",
                "subprotocol": "sse",
            },
            {"href": "https://gw.example/actions", "op": "queryallactions", "scopes": ["read"]},
            {
                "href": "mqtt://gw.example/events",
                "op": ["subscribeallevents", "unsubscribeallevents"],
            },
        ],
        properties={},
        actions={},
        events={},
    )


def _open_world() -> JsonObject:
    return _minimal(
        id="did:example:123456789abcdefghi",
        title="Open world",
        **{
            "ex:vendor": {"name": "ACME", "anything": [1, None, True]},
            "tm:required": ["#/properties/p"],
            "customNumber": 3.25,
            "properties": {
                "p": {
                    "ex:annotation": 5,
                    "contentEncoding": 7,
                    "forms": [
                        {"href": "coaps://x.example/p", "cov:method": "GET", "security": "nosec_sc"}
                    ],
                }
            },
        },
    )


def _security_tds() -> dict[str, JsonObject]:
    schemes: dict[str, JsonObject] = {
        "auto": {"scheme": "auto", "proxy": "https://proxy.example/"},
        "combo-oneof": {"scheme": "combo", "oneOf": ["basic_sc", "bearer_sc"]},
        "combo-allof": {"scheme": "combo", "allOf": ["psk_sc", "apikey_sc"], "description": "both"},
        "basic": {"scheme": "basic", "in": "query", "name": "auth"},
        "digest": {"scheme": "digest", "qop": "auth-int", "in": "header", "name": "Authorization"},
        "apikey": {"scheme": "apikey", "in": "uri", "name": "key"},
        "bearer": {
            "scheme": "bearer",
            "authorization": "https://auth.example/token",
            "alg": "ES256",
            "format": "jwt",
            "in": "header",
        },
        "psk": {"scheme": "psk", "identity": "sensor-1", "descriptions": {"en": "pre-shared"}},
        "oauth2": {
            "scheme": "oauth2",
            "flow": "code",
            "authorization": "https://auth.example/authorize",
            "token": "https://auth.example/token",
            "refresh": "https://auth.example/refresh",
            "scopes": ["limited", "special"],
        },
        "oauth2-client": {"scheme": "oauth2", "flow": "client", "token": "/token", "scopes": "all"},
        "ace": {
            "scheme": "ace:ACESecurityScheme",
            "ace:as": "coaps://as.example.com/token",
            "ace:audience": "coaps://rs.example.com",
            "ace:cnonce": True,
            "@type": "ace:Scheme",
        },
    }
    return {f"security-{name}": _secured(f"{name}_sc", scheme) for name, scheme in schemes.items()}


def valid_tds() -> dict[str, JsonObject]:
    """Fresh copies of the corpus's valid TDs, by name."""
    tds = {
        "lamp": _lamp(),
        "sensor-td10": _sensor_td10(),
        "mixed-context": _mixed_context(),
        "thing-link": _thing_link(),
        "enriched-simple": _enriched_simple(),
        "enriched-expirable": _enriched_expirable(),
        "anonymous": _anonymous(),
        "data-schemas": _data_schemas(),
        "links-and-forms": _links_and_forms(),
        "open-world": _open_world(),
        "minimal": _minimal(),
    }
    tds.update(_security_tds())
    return tds


def replaced(td: JsonObject, path: Path, value: Any) -> JsonObject:
    """A deep copy of ``td`` with the member at ``path`` set to ``value``."""
    out = copy.deepcopy(td)
    parent: Any = out
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return out


def dropped(td: JsonObject, path: Path) -> JsonObject:
    """A deep copy of ``td`` without the member (or array item) at ``path``."""
    out = copy.deepcopy(td)
    parent: Any = out
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return out


def _prop(**members: Any) -> JsonObject:
    """A minimal TD with one property ``p`` having ``members`` besides a form."""
    affordance: JsonObject = {"forms": [{"href": "https://x.example/p"}]}
    affordance.update(members)
    return _minimal(properties={"p": affordance})


def _form(**members: Any) -> JsonObject:
    """A minimal TD with one property whose only form has ``members`` besides ``href``."""
    form: JsonObject = {"href": "https://x.example/p"}
    form.update(members)
    return _minimal(properties={"p": {"forms": [form]}})


def _scheme(**members: Any) -> JsonObject:
    return _minimal(security="s", securityDefinitions={"s": members})


def _link(**members: Any) -> JsonObject:
    return _minimal(links=[members])


def labelled_cases() -> list[Case]:
    """Edge cases of each rule, with the schema's verdict written down."""
    cases: list[Case] = []
    # The tables below mix JSON types freely; say so once rather than per table.
    ctx: Any
    value: Any
    members: Any
    forms: Any

    def add(name: str, td: Any, expected: bool) -> None:
        cases.append((name, td, expected))

    for key in ("title", "security", "securityDefinitions", "@context"):
        add(f"without {key}", dropped(_minimal(), (key,)), False)
    for junk in ([], "td", 1, None, 2.5, True, [_minimal()]):
        add(f"document is {junk!r:.20}", junk, False)

    # @context
    for ctx, ok in (
        (V1, True),
        ([V11], True),
        ([V1], True),
        ([], True),  # the schema's first branch has no minItems
        ([V11, DISCOVERY, {"ex": "https://ex.example/#"}], True),
        ([V1, V11, V1], True),
        ([V1, "https://schema.org/"], True),
        ("http://www.w3.org/ns/td", False),
        ("https://www.w3.org/2022/wot/td/v1.1/", False),
        ([V11, V1], False),
        ([DISCOVERY, V11], False),
        ([V11, {"ex": 1}], False),
        ([V11, 5], False),
        ([V11, [V1]], False),
        ({"@vocab": V11}, False),
        (5, False),
    ):
        add(f"@context {ctx!r}", _minimal(**{"@context": ctx}), ok)

    # id, title, descriptions, @type, version, base, support, profile
    for value, ok in (
        ("urn:uuid:48951ff3-4019-4e67-b217-dbbf011873dc", True),
        ("https://example.com/things/1?x=y#frag", True),
        ("http://[::1]:8080/x", True),
        ("http://[v7.abc]/x", True),
        ("did:example:1234", True),
        ("mailto:someone@example.com", True),
        ("urn:example:a%20b", True),
        ("not a uri", False),
        ("", False),
        ("/relative/path", False),
        ("thing-1", False),
        ("http://exa mple.com/", False),
        ("http://[::g]/", False),
        ("http://[1:2:3:4:5:6:7:8:9]/", False),
        ("http://[1:2:3:4::5:6:7:8]/", False),
        ("http://[1:2:3:4:5:6:7::]/", True),
        ("http://[::ffff:192.0.2.1]/", True),
        ("http://[::ffff:192.0.2.256]/", False),
        ("http://[::ffff:192.0.2.01]/", False),
        ("urn:example:%zz", False),
        ("https://example.com/ä", False),
        (42, False),
    ):
        add(f"id {value!r}", _minimal(id=value), ok)
    for key, value, ok in (
        ("title", 1, False),
        ("title", "", True),
        ("titles", {"en": "Lamp", "de": "Lampe"}, True),
        ("titles", {"en": 1}, False),
        ("titles", ["Lamp"], False),
        ("description", [], False),
        ("descriptions", {}, True),
        ("descriptions", {"not-a-language": "still fine"}, True),
        ("@type", "tm:ThingModel", False),
        ("@type", ["Thing", "tm:ThingModel"], False),
        ("@type", [], True),
        ("@type", [1], False),
        ("@type", {}, False),
        ("version", {"instance": "1.0.0", "model": 2}, True),
        ("version", {}, False),
        ("version", {"instance": 1}, False),
        ("version", "1.0", False),
        ("base", "not a uri, and the schema does not mind", True),
        ("base", 5, False),
        ("support", "https://support.example", True),
        ("support", None, False),
        ("profile", "https://www.w3.org/2022/wot/profile/http-basic/v1", True),
        ("profile", ["a", "b"], True),
        ("profile", [], False),
        ("profile", [1], False),
        ("profile", 5, False),
        ("tm:ref", "other.tm.jsonld#/properties/p", True),
        ("tm:optional", ["/properties/p"], True),
    ):
        add(f"{key} {value!r}", _minimal(**{key: value}), ok)

    # created / modified
    for stamp, ok in (
        ("2021-01-19T17:02:00Z", True),
        ("2021-01-19t17:02:00z", True),
        ("2020-02-29T00:00:00Z", True),
        ("2000-02-29T12:00:00+14:00", True),
        ("2021-01-19T17:02:00.123456-05:30", True),
        ("2021-01-19T17:02:00", False),
        ("2021-02-29T00:00:00Z", False),
        ("1900-02-29T00:00:00Z", False),
        ("2021-04-31T00:00:00Z", False),
        ("0000-01-01T00:00:00Z", False),
        ("2021-01-19 17:02:00Z", False),
        ("2021-01-19T24:00:00Z", False),
        ("2021-01-19T17:02:60Z", False),
        ("2021-01-19T17:02:00+5:30", False),
        ("2021-1-19T17:02:00Z", False),
        ("2021-01-19", False),
        ("yesterday", False),
        (20210119, False),
    ):
        add(f"created {stamp!r}", _minimal(created=stamp), ok)
    add("modified without offset", _minimal(modified="2021-01-19T17:02:00.5"), False)

    # security and securityDefinitions
    for value, ok in (
        ("", True),
        ([], False),
        (["nosec_sc", 1], False),
        ({}, False),
        (None, False),
    ):
        add(f"security {value!r}", _minimal(security=value), ok)
    add("securityDefinitions empty", _minimal(securityDefinitions={}), False)
    add("securityDefinitions array", _minimal(securityDefinitions=[{"scheme": "nosec"}]), False)
    add("security scheme not an object", _minimal(securityDefinitions={"s": "nosec"}), False)
    for members, ok in (
        ({}, False),
        ({"scheme": "unknown"}, False),
        ({"scheme": 5}, False),
        ({"scheme": "NoSec"}, False),
        ({"scheme": "ace:ACESecurityScheme"}, True),
        ({"scheme": "x:"}, True),
        ({"scheme": ":x"}, False),
        ({"scheme": "nosec", "in": "nowhere", "name": 5}, True),
        ({"scheme": "nosec", "proxy": 5}, False),
        ({"scheme": "nosec", "description": ["d"]}, False),
        ({"scheme": "nosec", "descriptions": {"en": 5}}, False),
        ({"scheme": "nosec", "@type": "tm:ThingModel"}, False),
        ({"scheme": "nosec", "title": 5}, True),
        ({"scheme": "basic", "in": "uri"}, False),
        ({"scheme": "basic", "in": "cookie", "name": "c"}, True),
        ({"scheme": "basic", "name": 5}, False),
        ({"scheme": "apikey", "in": "uri"}, True),
        ({"scheme": "apikey", "in": "path"}, False),
        ({"scheme": "digest", "qop": "auth-conf"}, False),
        ({"scheme": "digest", "qop": "auth"}, True),
        ({"scheme": "auto", "name": "x"}, False),
        ({"scheme": "auto", "in": "header"}, True),
        ({"scheme": "combo", "oneOf": ["a"]}, False),
        ({"scheme": "combo", "oneOf": ["a", 2]}, False),
        ({"scheme": "combo", "oneOf": "a b"}, False),
        ({"scheme": "combo"}, False),
        ({"scheme": "combo", "oneOf": ["a", "b"], "allOf": ["c", "d"]}, False),
        ({"scheme": "combo", "oneOf": ["a", "b"], "allOf": ["c"]}, True),
        ({"scheme": "bearer", "format": 5}, False),
        ({"scheme": "bearer", "authorization": "not checked as a uri"}, True),
        ({"scheme": "bearer", "in": "body"}, True),
        ({"scheme": "psk", "identity": 5}, False),
        ({"scheme": "oauth2", "flow": "device"}, True),
        ({"scheme": "oauth2", "flow": 5}, False),
        ({"scheme": "oauth2", "scopes": 5}, False),
        ({"scheme": "oauth2", "scopes": []}, True),
        ({"scheme": "oauth2", "token": []}, False),
    ):
        add(f"scheme {members!r}", _scheme(**members), ok)

    # property affordances and their forms
    add("property without forms", _minimal(properties={"p": {"type": "string"}}), False)
    add("property not an object", _minimal(properties={"p": "string"}), False)
    add("properties not an object", _minimal(properties=[]), False)
    for members, ok in (
        ({"forms": []}, False),
        ({"forms": {"href": "x"}}, False),
        ({"forms": ["https://x.example/p"]}, False),
        ({"observable": "yes"}, False),
        ({"readOnly": 1}, False),
        ({"writeOnly": False, "readOnly": False}, True),
        ({"type": "float"}, False),
        ({"type": ["string", "null"]}, False),
        ({"enum": []}, False),
        ({"enum": ["a", "a"]}, False),
        ({"enum": [1, True]}, True),
        ({"enum": [0, False, None, ""]}, True),
        ({"enum": [1, 1.0]}, False),
        ({"enum": [{"a": 1}, {"a": 1}]}, False),
        ({"enum": [{"a": 1}, {"a": True}]}, True),
        ({"enum": [[1], [True]]}, True),
        ({"enum": "a"}, False),
        ({"const": {"anything": [1, 2]}, "default": None}, True),
        ({"minimum": "0"}, False),
        ({"maximum": True}, False),
        ({"exclusiveMinimum": 1e300}, True),
        ({"maxItems": -1}, False),
        ({"maxItems": 1.0}, True),
        ({"minLength": 1.5}, False),
        ({"maxLength": True}, False),
        ({"multipleOf": 0}, False),
        ({"multipleOf": -2}, False),
        ({"multipleOf": 0.25}, True),
        ({"items": 5}, False),
        ({"items": []}, True),
        ({"items": [{"type": "string"}, 5]}, False),
        ({"items": {"type": "bogus"}}, False),
        ({"properties": 5}, True),  # no "type" on DataSchema.properties in the schema
        ({"properties": {"a": 5}}, False),
        ({"properties": {"a": {"properties": {"b": {"type": 7}}}}}, False),
        ({"required": [1]}, False),
        ({"required": "a"}, False),
        ({"oneOf": {}}, False),
        ({"oneOf": [5]}, False),
        ({"oneOf": []}, True),
        ({"unit": 5}, False),
        ({"format": 5}, False),
        ({"contentEncoding": 5}, True),  # property_element does not constrain it
        ({"contentMediaType": []}, True),
        ({"uriVariables": {"v": {"type": "integer"}}}, True),
        ({"uriVariables": {"v": 5}}, False),
        ({"uriVariables": []}, False),
        ({"@type": "tm:ThingModel"}, False),
        ({"titles": {"en": None}}, False),
    ):
        add(f"property {members!r}", _prop(**members), ok)
    for members, ok in (
        ({"op": "readproperty"}, True),
        ({"op": ["readproperty", "observeproperty", "unobserveproperty"]}, True),
        ({"op": "invokeaction"}, False),
        ({"op": "readallproperties"}, False),
        ({"op": []}, False),
        ({"op": 5}, False),
        ({"op": ["readproperty", 5]}, False),
        ({"href": 5}, False),
        ({"contentType": 5}, False),
        ({"contentCoding": "gzip"}, True),
        ({"subprotocol": ["sse"]}, False),
        ({"security": []}, False),
        ({"security": ["nosec_sc"], "scopes": []}, True),
        ({"scopes": 5}, False),
        ({"response": {}}, False),
        ({"response": {"contentType": "application/json", "x": 1}}, True),
        ({"response": "application/json"}, False),
        ({"additionalResponses": [{"success": "yes"}]}, False),
        ({"additionalResponses": [{"schema": 5}]}, False),
        ({"additionalResponses": [5]}, False),
        ({"additionalResponses": {}}, False),
        ({"additionalResponses": []}, True),
        ({"htv:methodName": "GET", "htv:headers": [{"htv:fieldName": "A"}]}, True),
    ):
        add(f"property form {members!r}", _form(**members), ok)
    add(
        "property form without href",
        _minimal(properties={"p": {"forms": [{"op": "readproperty"}]}}),
        False,
    )
    add("property form not an object", _minimal(properties={"p": {"forms": [5]}}), False)

    # actions and events
    def action(**members: Any) -> JsonObject:
        affordance: JsonObject = {"forms": [{"href": "https://x.example/a"}]}
        affordance.update(members)
        return _minimal(actions={"a": affordance})

    def event(**members: Any) -> JsonObject:
        affordance: JsonObject = {"forms": [{"href": "https://x.example/e"}]}
        affordance.update(members)
        return _minimal(events={"e": affordance})

    for members, ok in (
        ({"safe": "yes"}, False),
        ({"synchronous": True, "idempotent": False}, True),
        ({"input": 5}, False),
        ({"input": {"contentEncoding": 5}}, False),
        ({"output": {"type": "bogus"}}, False),
        ({"forms": [{"href": "x", "op": "readproperty"}]}, False),
        ({"forms": [{"href": "x", "op": ["invokeaction", "cancelaction"]}]}, True),
        ({"forms": []}, False),
        ({"title": 5}, False),
        ({"descriptions": "d"}, False),
        ({"uriVariables": {"id": {"type": "string"}}}, True),
        ({"@type": ["saref:Command", 3]}, False),
        ({"type": "bogus", "readOnly": "x"}, True),  # not DataSchema members of an action
    ):
        add(f"action {members!r}", action(**members), ok)
    add("action without forms", _minimal(actions={"a": {"input": {"type": "string"}}}), False)
    add("actions not an object", _minimal(actions=5), False)
    for members, ok in (
        ({"data": 5}, False),
        ({"subscription": {"type": "object", "properties": {"cb": {"type": "string"}}}}, True),
        ({"cancellation": "x"}, False),
        ({"dataResponse": {"enum": []}}, False),
        ({"forms": [{"href": "x", "op": "subscribeevent"}]}, True),
        ({"forms": [{"href": "x", "op": "subscribeallevents"}]}, False),
        ({"observable": "x", "input": 5}, True),  # not members of an event
    ):
        add(f"event {members!r}", event(**members), ok)
    add("event without forms", _minimal(events={"e": {}}), False)

    # Thing-level forms, schemaDefinitions, uriVariables
    for forms, ok in (
        ([{"href": "x", "op": "readallproperties"}], True),
        ([{"href": "x"}], False),
        ([{"href": "x", "op": "readproperty"}], False),
        ([{"op": "readallproperties"}], False),
        ([], False),
        ({}, False),
    ):
        add(f"thing forms {forms!r}", _minimal(forms=forms), ok)
    for value, ok in (
        ({"s": {"type": "number"}}, True),
        ({}, False),
        ({"s": 5}, False),
        ([], False),
    ):
        add(f"schemaDefinitions {value!r}", _minimal(schemaDefinitions=value), ok)
    for value, ok in (
        ({"p": {"type": "integer", "minimum": 0}}, True),
        ({"p": 5}, False),
        (5, False),
    ):
        add(f"uriVariables {value!r}", _minimal(uriVariables=value), ok)

    # links
    for members, ok in (
        ({"rel": "next"}, False),
        ({"href": "x", "sizes": "16x16"}, False),
        ({"href": "x", "rel": "icon", "sizes": "16x16"}, True),
        ({"href": "x", "rel": "icon", "sizes": "any 48x48"}, True),
        ({"href": "x", "rel": "icon", "sizes": "big"}, False),
        ({"href": "x", "rel": "icon", "sizes": 16}, False),
        ({"href": "x", "rel": "tm:extends"}, False),
        ({"href": "x", "rel": "tm:submodel"}, True),
        ({"href": "x", "rel": 5}, False),
        ({"href": 5}, False),
        ({"href": "x", "type": ["text/html"]}, False),
        ({"href": "x", "anchor": 5}, False),
        ({"href": "x", "hreflang": "en-GB"}, True),
        ({"href": "x", "hreflang": "i-klingon"}, True),
        ({"href": "x", "hreflang": "x-private"}, True),
        ({"href": "x", "hreflang": "english!"}, False),
        ({"href": "x", "hreflang": "en_GB"}, False),
        ({"href": "x", "hreflang": ["de", "fr-CH"]}, True),
        ({"href": "x", "hreflang": ["de", 1]}, False),
        ({"href": "x", "hreflang": 5}, False),
        ({"href": "x", "ex:extra": {"any": "thing"}}, True),
    ):
        add(f"link {members!r}", _link(**members), ok)
    add("links not an array", _minimal(links={"href": "x"}), False)
    add("link not an object", _minimal(links=["https://x.example"]), False)

    # registration (WoT Discovery extension)
    for value, ok in (
        ({"created": "2021-01-19T17:02:00Z", "ttl": 3600}, True),
        ({"ttl": 0.5, "note": "extra members are allowed"}, True),
        ({}, True),
        ({"ttl": "3600"}, False),
        ({"ttl": True}, False),
        ({"created": "2021-01-19T17:02:00"}, False),
        ({"expires": "tomorrow"}, False),
        ({"retrieved": 1611075720}, False),
        ({"modified": "2021-13-01T00:00:00Z"}, False),
        (5, False),
        ([], False),
    ):
        add(f"registration {value!r}", _minimal(registration=value), ok)
    return cases


_OFF_TYPE_VALUES: tuple[Any, ...] = (42, "text", True, None, [], {}, 1.5, ["x"], {"k": "v"}, -1)


def _walk(value: Any, path: Path = ()) -> Iterator[Path]:
    """Every member and array item path under ``value``, parents before children."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index)
            yield from _walk(item, (*path, index))


def _off_type(current: Any, salt: int) -> Any:
    """A value of another JSON type than ``current``, varied by ``salt``."""
    for step in range(len(_OFF_TYPE_VALUES)):
        candidate = _OFF_TYPE_VALUES[(salt + step) % len(_OFF_TYPE_VALUES)]
        if type(candidate) is not type(current):
            return candidate
    return None


def systematic_cases(
    names: tuple[str, ...] = ("lamp", "data-schemas", "links-and-forms"),
) -> list[Case]:
    """Each member of some valid TDs dropped, and given a value of another type, one at a time."""
    tds = valid_tds()
    cases: list[Case] = []
    for name in names:
        td = tds[name]
        for salt, path in enumerate(_walk(td)):
            where = ".".join(str(step) for step in path)
            cases.append((f"{name} without {where}", dropped(td, path), None))
            parent: Any = td
            for step in path:
                parent = parent[step]
            value = _off_type(parent, salt)
            cases.append((f"{name} with {where} = {value!r}", replaced(td, path, value), None))
    return cases


def all_cases() -> list[Case]:
    valid: list[Case] = [(name, td, True) for name, td in valid_tds().items()]
    return valid + labelled_cases() + systematic_cases()
