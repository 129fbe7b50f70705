"""CoRE Link Format (RFC 6690) in and out, and the mapping of an RD registration to a TD.

An endpoint registered with the Resource Directory becomes a Thing Description:

- id: the endpoint name when it is already a URN (``urn:dev:mac:...``, as RFC 9176's
  examples use), else ``urn:thingreg:rd:`` + ``<d>:`` (when a sector is given) + ``<ep>``,
  each percent-encoded so that ``:`` cannot make two registrations collide;
- title: ``ep``; ``@type``: ``corerd:Endpoint`` plus the endpoint type ``et`` if given;
  ``base``: the registration's ``base`` (default: the CoAP address the registration came from);
- each link becomes a property named after its path (``/sensors/temp`` -> ``sensors-temp``),
  whose one form has the link's target as ``href``, ``ct`` as ``contentType``, ``rt`` (split
  on spaces) as the property's ``@type``, ``title`` as its title and ``obs`` as
  ``observable``; a link with ``rt=wot.thing`` becomes a ``describedby`` link to the thing's
  own TD instead;
- ``registration.ttl`` is the lifetime ``lt`` (RFC 9176's default 90000 s), so the directory
  deletes the thing when it is not refreshed in time;
- ``corerd:registration`` keeps ``ep``, ``d``, ``base``, ``et`` and the links' attributes, from
  which the lookup interfaces answer.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from aiocoap.util.linkformat import parse as parse_links

from thingreg.core.errors import BadRequest

MARKER_TYPE = "corerd:Endpoint"
MEMBER = "corerd:registration"
CONTEXT = {"corerd": "urn:ietf:rfc:9176#"}
DEFAULT_LIFETIME = 90_000
TD_CONTEXT = "https://www.w3.org/2022/wot/td/v1.1"

CONTENT_FORMATS = {
    "0": "text/plain;charset=utf-8",
    "40": "application/link-format",
    "41": "application/xml",
    "42": "application/octet-stream",
    "47": "application/exi",
    "50": "application/json",
    "60": "application/cbor",
    "110": "application/senml+json",
    "112": "application/senml+cbor",
    "432": "application/td+json",
}
"""The CoAP Content-Formats a ``ct`` attribute most often names, and their media types."""

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]+")


@dataclass(frozen=True, slots=True)
class Link:
    """One link: its target and its attributes in order (a flag attribute has value None)."""

    href: str
    attrs: tuple[tuple[str, str | None], ...]

    def values(self, name: str) -> list[str]:
        """The attribute's values; ``rt``, ``if`` and ``ct`` may hold several, space-separated."""
        found: list[str] = []
        for key, value in self.attrs:
            if key == name and value is not None:
                found.extend(value.split() if name in ("rt", "if", "ct") else [value])
        return found

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.attrs)


def read_links(payload: str) -> list[Link]:
    """Parse a link-format document; a malformed one is a :class:`BadRequest`."""
    if not payload.strip():
        return []
    try:
        parsed = parse_links(payload)
    except Exception as exc:  # the vendored parser raises a bare class of its own
        raise BadRequest(f"the payload is not CoRE Link Format (RFC 6690): {exc}") from None
    return [
        Link(
            str(link.href),
            tuple((str(k), None if v is None else str(v)) for k, v in link.attr_pairs),
        )
        for link in parsed.links
    ]


def write_links(links: list[Link]) -> str:
    """A link-format document: attribute values quoted, flags bare."""
    return ",".join(
        ";".join([f"<{link.href}>", *(_attr(k, v) for k, v in link.attrs)]) for link in links
    )


def _attr(key: str, value: str | None) -> str:
    if value is None:
        return key
    return '{}="{}"'.format(key, value.replace("\\", "\\\\").replace('"', '\\"'))


def thing_id(ep: str, sector: str | None) -> str:
    """The id of the thing an endpoint registration becomes (see the module docstring)."""
    if ep.lower().startswith("urn:") and not sector:
        return ep
    quoted = urllib.parse.quote(ep, safe="")
    if sector:
        return f"urn:thingreg:rd:{urllib.parse.quote(sector, safe='')}:{quoted}"
    return f"urn:thingreg:rd:{quoted}"


def endpoint_td(
    *,
    ep: str,
    sector: str | None,
    base: str,
    lifetime: int,
    links: list[Link],
    endpoint_type: str | None = None,
) -> dict[str, Any]:
    """The TD an endpoint registration becomes."""
    properties: dict[str, Any] = {}
    td_links: list[dict[str, Any]] = []
    for link in links:
        target = urllib.parse.urljoin(base, link.href)
        if "wot.thing" in link.values("rt"):
            td_links.append({"rel": "describedby", "href": target, "type": "application/td+json"})
            continue
        form: dict[str, Any] = {"href": target}
        formats = link.values("ct")
        if formats:
            form["contentType"] = CONTENT_FORMATS.get(formats[0], "application/octet-stream")
        prop: dict[str, Any] = {"forms": [form]}
        types = link.values("rt")
        if types:
            prop["@type"] = types if len(types) > 1 else types[0]
        titles = link.values("title")
        if titles:
            prop["title"] = titles[0]
        if link.has("obs"):
            prop["observable"] = True
        properties[_unique(_property_name(link.href), properties)] = prop
    registration: dict[str, Any] = {
        "ep": ep,
        "base": base,
        "links": [{"href": link.href, "attrs": [list(a) for a in link.attrs]} for link in links],
    }
    if sector:
        registration["d"] = sector
    if endpoint_type:
        registration["et"] = endpoint_type
    td: dict[str, Any] = {
        "@context": [TD_CONTEXT, CONTEXT],
        "id": thing_id(ep, sector),
        "@type": [MARKER_TYPE, endpoint_type] if endpoint_type else MARKER_TYPE,
        "title": ep,
        "base": base,
        "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
        "security": "nosec_sc",
        "properties": properties,
        "registration": {"ttl": lifetime},
        MEMBER: registration,
    }
    if td_links:
        td["links"] = td_links
    return td


def registration_of(td: dict[str, Any]) -> dict[str, Any] | None:
    """The RD data kept in a TD, or ``None`` when the thing was not registered through the RD."""
    value = td.get(MEMBER)
    return value if isinstance(value, dict) else None


def stored_links(registration: dict[str, Any]) -> list[Link]:
    return [
        Link(item["href"], tuple((k, v) for k, v in item["attrs"]))
        for item in registration.get("links", [])
    ]


def _property_name(href: str) -> str:
    path = urllib.parse.urlsplit(href).path.strip("/")
    return _NAME_UNSAFE.sub("-", path).strip("-") or "root"


def _unique(name: str, taken: dict[str, Any]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    return candidate
