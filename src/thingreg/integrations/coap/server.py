"""The CoAP server: thin aiocoap resources over :class:`ResourceDirectory`.

It runs in the HTTP server's event loop (started and stopped by the app's lifespan) and
serves ``/.well-known/core`` (the directory's TD link, ``rt=wot.directory``, and the RD's
interfaces), the RD lookup interfaces and, only when ``THINGREG_COAP_RD`` is on, the
registration interface ``/rd`` and the registration resources ``/reg/{thing id}``.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import aiocoap
from aiocoap import resource

from thingreg.config import Settings
from thingreg.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ThingregError,
    Unauthorized,
)
from thingreg.integrations.coap.links import Link, write_links
from thingreg.integrations.coap.rd import REGISTRATION_PATH, Registration, ResourceDirectory

log = logging.getLogger(__name__)

LINK_FORMAT = 40
TD_JSON = 432

_CODES: dict[type[ThingregError], Any] = {
    NotFound: aiocoap.NOT_FOUND,
    Conflict: aiocoap.FORBIDDEN,
    Forbidden: aiocoap.FORBIDDEN,
    Unauthorized: aiocoap.UNAUTHORIZED,
    BadRequest: aiocoap.BAD_REQUEST,
}

Handler = Callable[[aiocoap.Message], Awaitable[aiocoap.Message]]


def _errors_as_responses(handler: Handler) -> Handler:
    """Domain errors become CoAP error responses with a diagnostic payload."""

    async def wrapped(request: aiocoap.Message) -> aiocoap.Message:
        try:
            return await handler(request)
        except ThingregError as exc:
            code = next(
                (c for kind, c in _CODES.items() if isinstance(exc, kind)),
                aiocoap.INTERNAL_SERVER_ERROR,
            )
            return aiocoap.Message(code=code, payload=exc.detail.encode())

    return wrapped


def _query(request: aiocoap.Message) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in request.opt.uri_query:
        key, _, value = item.partition("=")
        pairs[key] = value
    return pairs


def _links_response(links: list[Link]) -> aiocoap.Message:
    return aiocoap.Message(payload=write_links(links).encode(), content_format=LINK_FORMAT)


class WellKnownCore(resource.Resource):  # type: ignore[misc]
    """``/.well-known/core``: what this CoAP server offers, filterable by ``?rt=``/``?href=``."""

    def __init__(self, links: list[Link]) -> None:
        super().__init__()
        self.links = links

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        query = _query(request)
        chosen = [
            link
            for link in self.links
            if all(
                (link.href if key == "href" else " ".join(link.values(key))).startswith(
                    value.rstrip("*")
                )
                if value.endswith("*")
                else value == link.href or value in link.values(key)
                for key, value in query.items()
            )
        ]
        return _links_response(chosen)


class RegistrationInterface(resource.Resource):  # type: ignore[misc]
    """``POST /rd?ep=...&lt=...`` with a link-format payload: 2.01 and the new location."""

    def __init__(self, rd: ResourceDirectory) -> None:
        super().__init__()
        self.rd = rd
        self.render_post = _errors_as_responses(self._post)

    async def _post(self, request: aiocoap.Message) -> aiocoap.Message:
        if request.opt.content_format not in (None, LINK_FORMAT):
            return aiocoap.Message(
                code=aiocoap.UNSUPPORTED_CONTENT_FORMAT,
                payload=b"registrations are CoRE Link Format (content format 40)",
            )
        registration, created = await self.rd.register(
            _query(request), request.payload.decode("utf-8", "replace"), request.remote.uri_base
        )
        log.info("RD: %s %s", "registered" if created else "re-registered", registration.thing_id)
        return aiocoap.Message(
            code=aiocoap.CREATED, location_path=(REGISTRATION_PATH, registration.thing_id)
        )


class RegistrationResources(resource.Resource, resource.PathCapable):  # type: ignore[misc]
    """``/reg/{thing id}``: GET the links, POST to refresh (``lt``, ``base``), DELETE."""

    def __init__(self, rd: ResourceDirectory) -> None:
        super().__init__()
        self.rd = rd
        self.render_get = _errors_as_responses(self._get)
        self.render_post = _errors_as_responses(self._post)
        self.render_delete = _errors_as_responses(self._delete)

    @staticmethod
    def _thing(request: aiocoap.Message) -> str:
        if len(request.opt.uri_path) != 1:
            raise NotFound("a registration resource is /reg/{thing id}")
        return str(request.opt.uri_path[0])

    async def _get(self, request: aiocoap.Message) -> aiocoap.Message:
        registration = await self.rd.get(self._thing(request))
        return _links_response(registration.links)

    async def _post(self, request: aiocoap.Message) -> aiocoap.Message:
        payload = request.payload.decode("utf-8", "replace") or None
        await self.rd.update(self._thing(request), _query(request), payload)
        return aiocoap.Message(code=aiocoap.CHANGED)

    async def _delete(self, request: aiocoap.Message) -> aiocoap.Message:
        await self.rd.remove(self._thing(request))
        return aiocoap.Message(code=aiocoap.DELETED)


class EndpointLookup(resource.Resource):  # type: ignore[misc]
    """``/rd-lookup/ep``: one link per matching registration, to its registration resource."""

    def __init__(self, rd: ResourceDirectory) -> None:
        super().__init__()
        self.rd = rd
        self.render_get = _errors_as_responses(self._get)

    async def _get(self, request: aiocoap.Message) -> aiocoap.Message:
        found = await self.rd.registrations(_query(request))
        return _links_response(_page([_endpoint_link(r) for r in found], _query(request)))


class ResourceLookup(resource.Resource):  # type: ignore[misc]
    """``/rd-lookup/res``: the matching links, made absolute, anchored at their endpoint."""

    def __init__(self, rd: ResourceDirectory) -> None:
        super().__init__()
        self.rd = rd
        self.render_get = _errors_as_responses(self._get)

    async def _get(self, request: aiocoap.Message) -> aiocoap.Message:
        found = await self.rd.resources(_query(request))
        links = [
            Link(
                urllib.parse.urljoin(registration.base, link.href),
                (*link.attrs, ("anchor", registration.base)),
            )
            for registration, link in found
        ]
        return _links_response(_page(links, _query(request)))


def _endpoint_link(registration: Registration) -> Link:
    attrs: list[tuple[str, str | None]] = [("ep", registration.ep)]
    if registration.sector:
        attrs.append(("d", registration.sector))
    attrs.append(("base", registration.base))
    if registration.endpoint_type:
        attrs.append(("et", registration.endpoint_type))
    if registration.lifetime is not None:
        attrs.append(("lt", str(registration.lifetime)))
    return Link(registration.location, tuple(attrs))


def _page(links: list[Link], query: dict[str, str]) -> list[Link]:
    """RFC 9176 paging: ``count`` links per page, ``page`` counted from 0."""
    try:
        count = int(query["count"]) if "count" in query else None
        page = int(query.get("page", "0"))
    except ValueError:
        raise BadRequest("page and count must be whole numbers") from None
    if count is None:
        return links
    return links[page * count : (page + 1) * count]


def build_site(rd: ResourceDirectory, settings: Settings) -> resource.Site:
    """The CoAP resources; registration ones only when RD registration is enabled."""
    td_link = Link(
        f"{settings.issuer}/.well-known/wot", (("rt", "wot.directory"), ("ct", str(TD_JSON)))
    )
    lookup = [
        Link("/rd-lookup/ep", (("rt", "core.rd-lookup-ep"), ("ct", str(LINK_FORMAT)))),
        Link("/rd-lookup/res", (("rt", "core.rd-lookup-res"), ("ct", str(LINK_FORMAT)))),
    ]
    site = resource.Site()
    site.add_resource(["rd-lookup", "ep"], EndpointLookup(rd))
    site.add_resource(["rd-lookup", "res"], ResourceLookup(rd))
    if settings.coap_rd:
        register = Link("/rd", (("rt", "core.rd"), ("ct", str(LINK_FORMAT))))
        site.add_resource(["rd"], RegistrationInterface(rd))
        site.add_resource([REGISTRATION_PATH], RegistrationResources(rd))
        lookup.insert(0, register)
    site.add_resource([".well-known", "core"], WellKnownCore([td_link, *lookup]))
    return site


class CoapServer:
    """The aiocoap server context, created on start and shut down on stop."""

    def __init__(self, rd: ResourceDirectory, settings: Settings) -> None:
        self.rd = rd
        self.settings = settings
        self._context: aiocoap.Context | None = None

    async def start(self) -> None:
        self._context = await aiocoap.Context.create_server_context(
            build_site(self.rd, self.settings),
            bind=(self.settings.coap_host, self.settings.coap_port),
            transports=["udp6"],
        )
        log.info(
            "CoAP server on udp %s:%d (RD registration %s)",
            self.settings.coap_host,
            self.settings.coap_port,
            "on" if self.settings.coap_rd else "off",
        )

    async def stop(self) -> None:
        if self._context is not None:
            await self._context.shutdown()
            self._context = None
