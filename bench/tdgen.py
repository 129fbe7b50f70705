"""Deterministic generator of varied, realistic W3C WoT Thing Descriptions (TD 1.1).

``make_td(i, rng)`` returns the ``i``-th TD of a population: a device of one of a handful of
kinds (temperature sensors, smart plugs, meters, lights, door switches, actuators, smoke
sensors, appliances), typed with SAREF classes, reachable over HTTP, CoAP or MQTT, with one of
several security schemes. The id always embeds ``i``, so ids are unique within a population;
the rest is drawn from ``rng``, so the same seed gives the same TDs. Serialised, every TD is
between :data:`MIN_SIZE` and :data:`MAX_SIZE` bytes.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

import orjson

TD_CONTEXT = "https://www.w3.org/2022/wot/td/v1.1"
SAREF_NS = "https://saref.etsi.org/core/"
SAREF_OLD_NS = "https://w3id.org/saref#"
MIN_SIZE = 1024
MAX_SIZE = 5120

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of device: its SAREF classes and the affordances it may offer."""

    name: str
    saref: tuple[str, ...]
    weight: int
    properties: tuple[str, ...]
    actions: tuple[str, ...]
    events: tuple[str, ...]


KINDS: tuple[Kind, ...] = (
    Kind(
        "Temperature Sensor",
        ("TemperatureSensor",),
        28,
        ("temperature", "humidity", "batteryLevel", "firmwareVersion", "location"),
        ("calibrate",),
        ("overheating", "lowBattery"),
    ),
    Kind(
        "Smart Plug",
        ("Switch", "Meter"),
        16,
        ("on", "power", "energy", "voltage", "firmwareVersion"),
        ("toggle", "reboot"),
        ("overload",),
    ),
    Kind(
        "Energy Meter",
        ("Meter",),
        14,
        ("power", "energy", "voltage", "current", "location"),
        ("resetCounter",),
        ("thresholdExceeded",),
    ),
    Kind(
        "Lamp",
        ("LightSwitch", "Actuator"),
        14,
        ("on", "brightness", "colorTemperature", "firmwareVersion"),
        ("toggle", "fade"),
        ("statusChanged",),
    ),
    Kind(
        "Door Switch",
        ("DoorSwitch",),
        8,
        ("open", "locked", "batteryLevel"),
        ("lock", "unlock"),
        ("doorOpened", "lowBattery"),
    ),
    Kind(
        "Valve Actuator",
        ("Actuator",),
        9,
        ("position", "temperature", "firmwareVersion"),
        ("setPosition", "stop"),
        ("blocked",),
    ),
    Kind(
        "Smoke Detector",
        ("SmokeSensor",),
        1,
        ("smoke", "batteryLevel", "location"),
        ("selfTest",),
        ("smokeDetected", "lowBattery"),
    ),
    Kind(
        "Washing Machine",
        ("Appliance",),
        10,
        ("on", "program", "remainingTime", "power", "firmwareVersion"),
        ("start", "stop"),
        ("cycleFinished",),
    ),
)
_KIND_WEIGHTS = [k.weight for k in KINDS]

ROOMS = (
    "Kitchen", "Living Room", "Bedroom", "Office", "Hallway", "Basement", "Garage",
    "Lab 3", "Server Room", "Lobby", "Warehouse", "Roof", "Meeting Room B", "Bathroom",
)  # fmt: skip
SHARED_TITLES = (
    "Thermostat", "Smart Plug", "Kitchen Lamp", "Main Meter", "Front Door",
    "Radiator Valve", "Hallway Smoke Detector", "Washer",
)  # fmt: skip
VENDORS = ("Acme", "Contoso", "Initech", "Globex", "Umbrella", "Hooli", "Vandelay")
OUIS = (0x001A22, 0x00163E, 0xB827EB, 0x3C71BF, 0x5CCF7F, 0xDCA632)
HOSTS = ("example.com", "iot.example.org", "plant.example.net", "home.example")
SITES = ("berlin", "lyon", "osaka", "austin", "nairobi")

_CONTENT_TYPES = {
    "http": "application/json",
    "coap": "application/cbor",
    "mqtt": "application/json",
}
_UNITS = {
    "humidity": "percent",
    "batteryLevel": "percent",
    "power": "watt",
    "energy": "kilowatt-hour",
    "voltage": "volt",
    "current": "ampere",
    "brightness": "percent",
    "colorTemperature": "kelvin",
    "position": "percent",
    "remainingTime": "minute",
}
_RANGES = {
    "humidity": (0, 100),
    "batteryLevel": (0, 100),
    "power": (0, 3680),
    "energy": (0, 1_000_000),
    "voltage": (0, 260),
    "current": (0, 16),
    "brightness": (0, 100),
    "colorTemperature": (2200, 6500),
    "position": (0, 100),
    "remainingTime": (0, 240),
}
_WRITABLE = {"on", "brightness", "colorTemperature", "locked", "program", "position"}
_INTEGER = {"batteryLevel", "brightness", "colorTemperature", "position", "remainingTime"}
_PROGRAMS = ["cotton", "synthetics", "wool", "eco", "quick"]


def _words(rng: random.Random, n: int) -> str:
    vocab = (
        "reports", "measures", "the", "ambient", "value", "every", "minute", "and", "exposes",
        "its", "state", "over", "a", "local", "network", "installed", "in", "building",
        "firmware", "calibrated", "at", "factory", "supports", "remote", "control", "of",
        "energy", "usage", "for", "maintenance", "alerts", "when", "thresholds", "are", "crossed",
    )  # fmt: skip
    return " ".join(rng.choice(vocab) for _ in range(n))


def _thing_id(i: int, kind: Kind, rng: random.Random) -> str:
    scheme = rng.choices(("uuid", "mac", "https", "sgtin", "ops"), (40, 20, 20, 10, 10))[0]
    if scheme == "uuid":
        return uuid.UUID(int=(rng.getrandbits(96) << 32) | (i & 0xFFFFFFFF), version=4).urn
    if scheme == "mac":
        return f"urn:dev:mac:{(rng.choice(OUIS) << 24) | (i & 0xFFFFFF):012x}"
    if scheme == "https":
        slug = kind.name.lower().replace(" ", "-")
        site, floor = rng.choice(SITES), rng.randrange(1, 12)
        return f"https://{rng.choice(HOSTS)}/things/{site}/floor-{floor}/{slug}-{i}"
    if scheme == "sgtin":
        return f"urn:epc:id:sgtin:{rng.randrange(10**6, 10**7)}.{rng.randrange(10**5, 10**6)}.{i}"
    return f"urn:dev:ops:{rng.choice(OUIS):06X}-{kind.name.replace(' ', '')}-{i}"


def _security(i: int, protocol: str, rng: random.Random) -> tuple[JsonObject, str | list[str]]:
    if protocol == "coap" and rng.random() < 0.7:
        return {"psk_sc": {"scheme": "psk", "identity": f"device-{i:08d}"}}, "psk_sc"
    choice = rng.choices(("nosec", "basic", "bearer", "both"), (15, 30, 35, 20))[0]
    basic = {"scheme": "basic", "in": "header"}
    bearer = {
        "scheme": "bearer",
        "format": "jwt",
        "alg": rng.choice(("ES256", "RS256")),
        "authorization": f"https://auth.{rng.choice(HOSTS)}/oauth/token",
    }
    if choice == "nosec":
        return {"nosec_sc": {"scheme": "nosec"}}, "nosec_sc"
    if choice == "basic":
        return {"basic_sc": basic}, "basic_sc"
    if choice == "bearer":
        return {"bearer_sc": bearer}, "bearer_sc"
    return {"basic_sc": basic, "bearer_sc": bearer}, ["bearer_sc"]


class _Forms:
    """Builds the forms of one thing's affordances for its protocols and endpoints."""

    def __init__(self, i: int, protocols: list[str], rng: random.Random) -> None:
        self.rng = rng
        self.protocols = protocols
        host = rng.choice(HOSTS)
        self.base = f"https://gw{i % 97}.{host}/api/things/{i}/" if rng.random() < 0.5 else None
        self.http = f"https://gw{i % 97}.{host}/api/things/{i}/"
        self.coap = f"coap://[2001:db8::{i & 0xFFFF:x}]:5683/"
        self.mqtt = f"mqtt://broker.{host}:1883/things/{i}/"

    def _href(self, protocol: str, path: str) -> str:
        if protocol == "http":
            return path if self.base else self.http + path
        return (self.coap if protocol == "coap" else self.mqtt) + path

    def _form(self, protocol: str, path: str, op: str | list[str]) -> JsonObject:
        form: JsonObject = {"href": self._href(protocol, path), "op": op}
        if self.rng.random() < 0.6:
            form["contentType"] = _CONTENT_TYPES[protocol]
        return form

    def property(self, name: str, writable: bool) -> list[JsonObject]:
        forms = []
        for protocol in self.protocols:
            path = f"properties/{name}"
            if writable:
                if protocol == "http" and self.rng.random() < 0.5:
                    read = self._form(protocol, path, "readproperty")
                    write = self._form(protocol, path, "writeproperty")
                    write["htv:methodName"] = "PUT"
                    forms += [read, write]
                else:
                    forms.append(self._form(protocol, path, ["readproperty", "writeproperty"]))
            else:
                forms.append(self._form(protocol, path, "readproperty"))
            if protocol == "http" and self.rng.random() < 0.4:
                observe = self._form(protocol, path + "/observe", "observeproperty")
                observe["subprotocol"] = self.rng.choice(("longpoll", "sse"))
                forms.append(observe)
        return forms

    def action(self, name: str) -> list[JsonObject]:
        return [self._form(p, f"actions/{name}", "invokeaction") for p in self.protocols]

    def event(self, name: str) -> list[JsonObject]:
        forms = []
        for protocol in self.protocols:
            form = self._form(protocol, f"events/{name}", "subscribeevent")
            if protocol == "http":
                form["subprotocol"] = "sse"
            forms.append(form)
        return forms


def _property(name: str, forms: _Forms, rng: random.Random) -> JsonObject:
    title = name[0].upper() + "".join(f" {c}" if c.isupper() else c for c in name[1:])
    writable = name in _WRITABLE
    prop: JsonObject = {"title": title}
    if name == "temperature":
        unit = rng.choices(("celsius", "fahrenheit", "kelvin"), (70, 25, 5))[0]
        prop |= {"type": "number", "unit": unit, "minimum": -40, "maximum": 125}
    elif name in _RANGES:
        low, high = _RANGES[name]
        prop |= {"type": "integer" if name in _INTEGER else "number", "minimum": low}
        prop |= {"maximum": high, "unit": _UNITS[name]}
    elif name == "firmwareVersion":
        prop |= {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"}
    elif name == "program":
        prop |= {"type": "string", "enum": _PROGRAMS}
    elif name == "location":
        prop |= {
            "type": "object",
            "properties": {
                "latitude": {"type": "number", "minimum": -90, "maximum": 90},
                "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                "room": {"type": "string", "default": rng.choice(ROOMS)},
            },
            "required": ["latitude", "longitude"],
        }
    else:
        prop["type"] = "boolean"
    if rng.random() < 0.5:
        prop["description"] = f"{title} of the device; {_words(rng, rng.randrange(4, 12))}."
    prop["readOnly"] = not writable
    if rng.random() < 0.6:
        prop["observable"] = True
    prop["forms"] = forms.property(name, writable)
    return prop


def _action(name: str, forms: _Forms, rng: random.Random) -> JsonObject:
    action: JsonObject = {"title": name[0].upper() + name[1:]}
    if name == "fade":
        action["input"] = {
            "type": "object",
            "properties": {
                "level": {"type": "integer", "minimum": 0, "maximum": 100, "unit": "percent"},
                "duration": {"type": "integer", "minimum": 0, "unit": "millisecond"},
            },
            "required": ["level"],
        }
    elif name == "setPosition":
        action["input"] = {"type": "integer", "minimum": 0, "maximum": 100, "unit": "percent"}
    elif name == "calibrate":
        action["input"] = {
            "type": "object",
            "properties": {"offset": {"type": "number", "minimum": -5, "maximum": 5}},
        }
    elif name == "start":
        action["input"] = {"type": "string", "enum": _PROGRAMS}
    elif name == "selfTest":
        action["output"] = {"type": "boolean"}
    action["idempotent"] = name in {"lock", "unlock", "setPosition", "stop"}
    action["safe"] = False
    if rng.random() < 0.4:
        action["description"] = _words(rng, rng.randrange(5, 14)).capitalize() + "."
    action["forms"] = forms.action(name)
    return action


def _event(name: str, forms: _Forms, rng: random.Random) -> JsonObject:
    data: JsonObject
    if name in {"overheating", "thresholdExceeded", "overload"}:
        data = {"type": "number"}
    elif name == "lowBattery":
        data = {"type": "integer", "minimum": 0, "maximum": 100, "unit": "percent"}
    else:
        data = {"type": "object", "properties": {"timestamp": {"type": "string"}}}
    event: JsonObject = {"title": name[0].upper() + name[1:], "data": data}
    if rng.random() < 0.3:
        event["description"] = _words(rng, rng.randrange(5, 12)).capitalize() + "."
    event["forms"] = forms.event(name)
    return event


def _subset(names: tuple[str, ...], rng: random.Random, minimum: int) -> list[str]:
    keep = [n for n in names if rng.random() < 0.75]
    return keep if len(keep) >= minimum else list(names[:minimum])


def _context_and_type(kind: Kind, rng: random.Random) -> tuple[object, object | None]:
    """SAREF-typed most of the time; sometimes the old namespace, a full IRI or no type."""
    style = rng.choices(("saref", "old", "iri", "none"), (80, 8, 6, 6))[0]
    if style in {"saref", "old"}:
        ns = SAREF_NS if style == "saref" else SAREF_OLD_NS
        context: list[object] = [TD_CONTEXT, {"saref": ns}]
        if rng.random() < 0.3:
            context.append({"@language": rng.choice(("en", "de", "fr"))})
        types = [f"saref:{c}" for c in kind.saref]
        return context, types[0] if len(types) == 1 else types
    if style == "iri":
        return TD_CONTEXT, [SAREF_NS + c for c in kind.saref]
    return TD_CONTEXT, None


def make_td(i: int, rng: random.Random) -> dict[str, object]:
    """Return the ``i``-th Thing Description of a population drawn from ``rng``."""
    kind = rng.choices(KINDS, _KIND_WEIGHTS)[0]
    primary = rng.choices(("http", "coap", "mqtt"), (60, 25, 15))[0]
    protocols = [primary]
    if primary != "http" and rng.random() < 0.4:
        protocols.append("http")
    context, types = _context_and_type(kind, rng)
    room = rng.choice(ROOMS)
    vendor = rng.choice(VENDORS)
    td: JsonObject = {"@context": context, "id": _thing_id(i, kind, rng)}
    if types is not None:
        td["@type"] = types
    if rng.random() < 0.05:
        td["title"] = rng.choice(SHARED_TITLES)
    else:
        td["title"] = f"{room} {kind.name} {i}"
    td["description"] = f"{vendor} {kind.name.lower()} in the {room.lower()}: " + _words(
        rng, rng.randrange(6, 30)
    )
    if rng.random() < 0.2:
        td["descriptions"] = {"en": td["description"], "de": f"{kind.name} ({vendor})"}
    td["version"] = {"instance": f"{rng.randrange(1, 4)}.{rng.randrange(10)}.{rng.randrange(20)}"}
    day = 1 + i % 28
    td["created"] = f"2025-{1 + i % 12:02d}-{day:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
    td["support"] = f"mailto:support@{vendor.lower()}.example"
    definitions, security = _security(i, primary, rng)
    td["securityDefinitions"] = definitions
    td["security"] = security
    forms = _Forms(i, protocols, rng)
    if forms.base is not None:
        td["base"] = forms.base
    td["properties"] = {p: _property(p, forms, rng) for p in _subset(kind.properties, rng, 1)}
    if rng.random() < 0.85:
        td["actions"] = {a: _action(a, forms, rng) for a in _subset(kind.actions, rng, 1)}
    if rng.random() < 0.7:
        td["events"] = {e: _event(e, forms, rng) for e in _subset(kind.events, rng, 1)}
    if rng.random() < 0.3:
        manual = kind.name.replace(" ", "-")
        td["links"] = [
            {
                "href": f"https://docs.{vendor.lower()}.example/manuals/{manual}",
                "rel": "service-doc",
                "type": "text/html",
            }
        ]
    _fit(td, rng)
    return td


def _fit(td: JsonObject, rng: random.Random) -> None:
    """Trim affordances or pad the description until the TD's size is within bounds."""
    size = len(orjson.dumps(td))
    while size > MAX_SIZE:
        for section in ("events", "actions", "properties"):
            affordances = td.get(section)
            if affordances and (section != "properties" or len(affordances) > 1):
                del affordances[next(reversed(affordances))]
                if not affordances:
                    del td[section]
                break
        else:
            td["description"] = td["description"][
                : max(0, len(td["description"]) - (size - MAX_SIZE))
            ]
        size = len(orjson.dumps(td))
    while size < MIN_SIZE:
        td["description"] += " " + _words(rng, 20)
        size = len(orjson.dumps(td))
