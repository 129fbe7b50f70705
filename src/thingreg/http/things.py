"""The Things API: ``/things`` (list, create anonymous) and ``/things/{id}`` (CRUD)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import orjson
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from thingreg.core.access.policy import check_can_write
from thingreg.core.errors import UnsupportedMediaType
from thingreg.core.semantic.saref import Kind
from thingreg.core.td.registration import DISCOVERY_CONTEXT
from thingreg.http.bodies import MERGE_PATCH, TD_MEDIA_TYPES, media_type, read_json
from thingreg.http.negotiation import (
    JSON,
    LD_JSON,
    TD_JSON,
    choice_param,
    directory_of,
    head_of_stream,
    int_param,
    negotiate,
    principal_of,
    reader_of,
    settings_of,
)

if TYPE_CHECKING:
    from thingreg.core.access.principal import Principal
    from thingreg.core.directory import Directory
    from thingreg.store.base import ThingFilter

_FLUSH_BYTES = 64 * 1024


def thing_path(thing_id: str) -> str:
    """The URL path of a thing, its id percent-encoded so that ``:`` and ``/`` survive."""
    return "/things/" + quote(thing_id, safe="")


def _no_content(status: int, *, location: str | None = None) -> Response:
    """A bodiless success typed ``application/x-empty``, as the directory's TD declares.

    WoT consumers (node-wot among them) check a response's type against the form's
    ``response.contentType``; without the header they assume JSON and reject the answer.
    """
    headers = {"Content-Type": "application/x-empty"}
    if location is not None:
        headers["Location"] = location
    return Response(status_code=status, headers=headers)


CLASS_PARAMS: tuple[Kind, ...] = ("type", "function", "property")


def class_params(request: Request) -> dict[Kind, list[str]]:
    """The SAREF class parameters of a listing or search: each may be repeated."""
    return {kind: request.query_params.getlist(kind) for kind in CLASS_PARAMS}


def _thing_id(request: Request) -> str:
    thing_id: str = request.path_params["thing_id"]
    return thing_id


async def _total(
    directory: Directory,
    principal: Principal,
    where: ThingFilter | None,
    *,
    shown: bool,
    offset: int,
    limit: int | None,
) -> int:
    """The total only where it is shown; a page needs to know only whether more follow."""
    if shown:
        return await directory.count(principal, where)
    if limit is not None:
        return await directory.count(principal, where, limit=offset + limit + 1)
    return 0


async def list_things(request: Request) -> Response:
    """The collection in id order, paged with ``offset``/``limit`` and streamed either way."""
    offset = int_param(request, "offset", minimum=0, default=0) or 0
    limit = int_param(request, "limit", minimum=1, default=None)
    shape = choice_param(request, "format", ("array", "collection"))
    kind = negotiate(request, (LD_JSON, JSON))
    directory = directory_of(request)
    principal = await reader_of(request)
    scheme, alias = request.query_params.get("scheme"), request.query_params.get("alias")
    text = request.query_params.get("q")
    classes = class_params(request)
    where = directory.class_filter(directory.identifier_filter(scheme, alias, text), classes)
    total = await _total(
        directory, principal, where, shown=shape == "collection", offset=offset, limit=limit
    )

    def page_url(page_offset: int) -> str:
        params: list[tuple[str, str | int]] = [("offset", page_offset)]
        if limit is not None:
            params.append(("limit", limit))
        if shape == "collection":
            params.append(("format", shape))
        if scheme is not None:
            params.append(("scheme", scheme))
        if alias is not None:
            params.append(("alias", alias))
        if text is not None:
            params.append(("q", text))
        params.extend((kind, value) for kind, values in classes.items() for value in values)
        return "/things?" + urlencode(params)

    links = ['</things>; rel="canonical"']
    next_url = None
    if limit is not None and offset + limit < total:
        next_url = page_url(offset + limit)
        links.insert(0, f'<{next_url}>; rel="next"')
    headers = {"Link": ", ".join(links)}
    if principal.is_admin:
        # The collection's version and last event change with every thing, so they are shown
        # only to those who see every thing: to others they would tell of invisible changes.
        version = await directory.store.collection_version()
        last_event = await directory.store.last_event_id()
        links[-1] += f'; etag="v{version}"'
        headers = {"Link": ", ".join(links), "ETag": f'W/"{version}-{last_event}"'}
        if request.headers.get("if-none-match") == headers["ETag"]:
            return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        return head_of_stream(headers, kind)

    if shape == "collection":
        head: dict[str, object] = {
            "@context": DISCOVERY_CONTEXT,
            "@type": "ThingCollection",
            "total": total,
            "@id": page_url(offset),
        }
        if next_url is not None:
            head["next"] = next_url
        prefix = orjson.dumps(head)[:-1] + b',"members":['
        suffix = b"]}"
    else:
        prefix, suffix = b"[", b"]"
    listed = directory.list(principal, offset=offset, limit=limit, where=where)
    body = json_array(listed, prefix, suffix)
    return StreamingResponse(await first_chunk_read(body), headers=headers, media_type=kind)


async def first_chunk_read(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """``chunks`` with its first chunk already read (``json_array`` always yields one), so that
    a failure before any output (the database is away: 503) is a problem response rather than
    a stream cut after its 200 status line."""
    first = await anext(chunks)

    async def resumed() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return resumed()


async def json_array(
    items: AsyncIterator[bytes], prefix: bytes, suffix: bytes
) -> AsyncIterator[bytes]:
    """Join JSON values into an array, sent in chunks of about 64 KB."""
    buffer = bytearray(prefix)
    first = True
    async for item in items:
        if not first:
            buffer += b","
        first = False
        buffer += item
        if len(buffer) >= _FLUSH_BYTES:
            yield bytes(buffer)
            buffer.clear()
    buffer += suffix
    yield bytes(buffer)


class Thing(HTTPEndpoint):
    """``/things/{id}``: one TD, by its percent-encoded id."""

    async def get(self, request: Request) -> Response:
        kind = negotiate(request, (TD_JSON, JSON, LD_JSON))
        principal = await reader_of(request)
        body = await directory_of(request).get(_thing_id(request), principal)
        return Response(body, media_type=kind)

    async def put(self, request: Request) -> Response:
        principal = await principal_of(request)
        check_can_write(principal)
        td = await read_json(request, TD_MEDIA_TYPES, settings_of(request).max_body_bytes)
        thing_id = _thing_id(request)
        owner = request.query_params.get("owner")
        created = await directory_of(request).put(thing_id, td, principal, owner=owner)
        if created:
            return _no_content(201, location=thing_path(thing_id))
        return _no_content(204)

    async def patch(self, request: Request) -> Response:
        principal = await principal_of(request)
        check_can_write(principal)
        if media_type(request) != MERGE_PATCH:
            # RFC 7396: the media type is what tells a merge patch from other patch formats.
            raise UnsupportedMediaType(f"PATCH needs Content-Type {MERGE_PATCH}")
        merge_patch = await read_json(
            request, frozenset({MERGE_PATCH}), settings_of(request).max_body_bytes
        )
        await directory_of(request).patch(_thing_id(request), merge_patch, principal)
        return _no_content(204)

    async def delete(self, request: Request) -> Response:
        principal = await principal_of(request)
        await directory_of(request).delete(_thing_id(request), principal)
        return _no_content(204)


class Things(HTTPEndpoint):
    """``/things``: the collection."""

    async def get(self, request: Request) -> Response:
        return await list_things(request)

    async def post(self, request: Request) -> Response:
        """Register an anonymous TD; the directory gives it a ``urn:uuid:`` id."""
        principal = await principal_of(request)
        check_can_write(principal)
        td = await read_json(request, TD_MEDIA_TYPES, settings_of(request).max_body_bytes)
        owner = request.query_params.get("owner")
        thing_id = await directory_of(request).create_anonymous(td, principal, owner=owner)
        return _no_content(201, location=thing_path(thing_id))


routes = [
    Route("/things", Things),
    Route("/things/{thing_id:path}", Thing),
]
