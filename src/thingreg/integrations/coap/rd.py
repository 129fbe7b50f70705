"""The CoRE Resource Directory (RFC 9176) over the thing directory: no state of its own.

Every registration is a thing, written through :class:`Directory` so that validation, events,
identifier aliases and the expiry purge apply as to any other thing; the RD's own data is kept
in the TD (see :mod:`.links`). The RD only changes things it created: a registration whose
endpoint name maps to a thing registered over HTTP is refused.

Access: the RD writes as :data:`RESOURCE_DIRECTORY`, a principal of the registry's own (an
administrator, named ``system (CoAP resource directory)`` in the audit log). The things it
creates belong to no owner (so only administrators change them over HTTP) and are public:
the CoAP lookup interfaces answer unauthenticated clients, which see public things only, as
anonymous HTTP clients do (docs/introductions.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson

from thingreg.core.access.principal import ANONYMOUS, SYSTEM, Principal
from thingreg.core.directory import Directory
from thingreg.core.errors import BadRequest, Conflict, NotFound, Unauthorized
from thingreg.integrations.coap.links import (
    DEFAULT_LIFETIME,
    MARKER_TYPE,
    Link,
    endpoint_td,
    read_links,
    registration_of,
    stored_links,
    thing_id,
)
from thingreg.store.base import ThingFilter, ThingRecord, Visibility

REGISTRATION_PATH = "reg"
MAX_LIFETIME = 2**32 - 1
"""RFC 9176: ``lt`` is at most 2^32-1 seconds (about 136 years)."""

RESOURCE_DIRECTORY = replace(SYSTEM, label="system (CoAP resource directory)")
"""Who the RD's writes are made by: the registry itself, not the unauthenticated sender."""
VISIBILITY: Visibility = "public"
"""RD-registered things are public: lookups over CoAP are anonymous."""


@dataclass(frozen=True, slots=True)
class Registration:
    """One registration as the lookup interfaces see it."""

    thing_id: str
    ep: str
    sector: str | None
    base: str
    endpoint_type: str | None
    lifetime: int | None
    links: list[Link]

    @property
    def location(self) -> str:
        return f"/{REGISTRATION_PATH}/{self.thing_id}"


class ResourceDirectory:
    """Registration, update, removal and lookup of endpoints."""

    def __init__(self, directory: Directory, *, anonymous_reads: bool = True) -> None:
        self.directory = directory
        self.anonymous_reads = anonymous_reads
        """``THINGREG_ANONYMOUS_READS``: when off, the lookups (unauthenticated over CoAP)
        are refused as anonymous HTTP reads are."""

    async def register(
        self, query: Mapping[str, str], payload: str, source: str
    ) -> tuple[Registration, bool]:
        """Register (or re-register) an endpoint; ``True`` when it is new."""
        ep = query.get("ep")
        if not ep:
            raise BadRequest("a registration needs the endpoint name: ?ep=NAME")
        sector = query.get("d") or None
        lifetime = _lifetime(query.get("lt"))
        base = query.get("base") or source
        links = read_links(payload)
        td = endpoint_td(
            ep=ep,
            sector=sector,
            base=base,
            lifetime=lifetime,
            links=links,
            endpoint_type=query.get("et") or None,
        )
        created = await self.directory.put(
            td["id"], td, RESOURCE_DIRECTORY, visibility=VISIBILITY, guard=_only_rd_things
        )
        return _registration(td), created

    async def update(self, thing: str, query: Mapping[str, str], payload: str | None) -> None:
        """Refresh the lifetime, optionally with a new ``lt`` or ``base`` (and, with a
        payload, new links)."""
        current = await self._current(thing, RESOURCE_DIRECTORY)
        lifetime = _lifetime(query["lt"]) if "lt" in query else current.lifetime
        links = read_links(payload) if payload else current.links
        td = endpoint_td(
            ep=current.ep,
            sector=current.sector,
            base=query.get("base") or current.base,
            lifetime=lifetime or DEFAULT_LIFETIME,
            links=links,
            endpoint_type=current.endpoint_type,
        )
        await self.directory.put(
            thing, td, RESOURCE_DIRECTORY, visibility=VISIBILITY, guard=_only_rd_things
        )

    async def remove(self, thing: str) -> None:
        await self.directory.delete(thing, RESOURCE_DIRECTORY, guard=_only_rd_things)

    async def get(self, thing: str) -> Registration:
        return await self._current(thing, self._reader())

    async def registrations(self, query: Mapping[str, str]) -> list[Registration]:
        """Registrations whose endpoint attributes match the lookup filters (``ep``, ``d``,
        ``et``, ``base``, ``href``; a value ending in ``*`` matches as a prefix)."""
        where = ThingFilter(types=frozenset({MARKER_TYPE}))
        ep, sector = query.get("ep", "*"), query.get("d", "*")
        if not ep.endswith("*") and not sector.endswith("*"):
            where = ThingFilter(types=where.types, ids=frozenset({thing_id(ep, sector or None)}))
        found: list[Registration] = []
        async for body in self.directory.list(self._reader(), where=where):
            td = orjson.loads(body)
            if registration_of(td) is None:
                continue  # the marker type on a thing registered otherwise
            registration = _registration(td)
            if _endpoint_matches(registration, query):
                found.append(registration)
        return found

    async def resources(self, query: Mapping[str, str]) -> list[tuple[Registration, Link]]:
        """Links of the matching endpoints whose attributes match the remaining filters."""
        endpoint_keys = {"ep", "d", "et", "base"}
        link_filters = {k: v for k, v in query.items() if k not in endpoint_keys}
        return [
            (registration, link)
            for registration in await self.registrations(query)
            for link in registration.links
            if _link_matches(link, link_filters)
        ]

    def _reader(self) -> Principal:
        if not self.anonymous_reads:
            raise Unauthorized("this registry answers only clients with an API key or token")
        return ANONYMOUS

    async def _current(self, thing: str, principal: Principal) -> Registration:
        td = orjson.loads(await self.directory.get(thing, principal))
        if registration_of(td) is None:
            raise NotFound(f"no resource directory registration for {thing!r}")
        return _registration(td)


def _only_rd_things(current: ThingRecord | None) -> None:
    """Refuse to replace or remove a thing the RD did not create: one without RD data, or one
    with an owner (written over HTTP, whatever its TD says)."""
    if current is None:
        return
    if current.access.owner or registration_of(orjson.loads(current.body)) is None:
        raise Conflict(
            f"{current.id!r} was not registered through the resource directory; "
            "it cannot be replaced or removed over CoAP"
        )


def _lifetime(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIFETIME
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"lt must be a whole number of seconds, not {raw!r}") from None
    if not 0 < value <= MAX_LIFETIME:
        raise BadRequest(f"lt must be between 1 and {MAX_LIFETIME} seconds")
    return value


def _registration(td: dict[str, Any]) -> Registration:
    data = registration_of(td)
    assert data is not None
    ttl = td.get("registration", {}).get("ttl")
    return Registration(
        thing_id=td["id"],
        ep=data["ep"],
        sector=data.get("d"),
        base=data["base"],
        endpoint_type=data.get("et"),
        lifetime=int(ttl) if isinstance(ttl, int | float) else None,
        links=stored_links(data),
    )


def _matches(value: str | None, wanted: str) -> bool:
    if value is None:
        return False
    if wanted.endswith("*"):
        return value.startswith(wanted[:-1])
    return value == wanted


def _endpoint_matches(registration: Registration, query: Mapping[str, str]) -> bool:
    fields = {
        "ep": registration.ep,
        "d": registration.sector,
        "et": registration.endpoint_type,
        "base": registration.base,
    }
    return all(_matches(fields[key], query[key]) for key in fields if key in query)


def _link_matches(link: Link, filters: Mapping[str, str]) -> bool:
    for key, wanted in filters.items():
        if key in ("page", "count"):
            continue
        if key == "href":
            if not _matches(link.href, wanted):
                return False
            continue
        if not any(_matches(value, wanted) for value in link.values(key)):
            return False
    return True
