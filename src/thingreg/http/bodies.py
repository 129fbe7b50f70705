"""Reading request bodies safely: media type, size limit, JSON syntax."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from thingreg.core.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from thingreg.http.negotiation import DIGITS

TD_MEDIA_TYPES = frozenset({"application/td+json", "application/json", "application/ld+json"})
MERGE_PATCH = "application/merge-patch+json"

MAX_JSON_DEPTH = 100
"""Deepest nesting of arrays and objects a JSON body may have. Real TDs nest a few dozen levels
at most; deeper documents cost recursion everywhere they are walked, and the encoder refuses
more than 254 levels (a TD between that and the parser's 1024 used to end in a 500)."""


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_json(request: Request, accepted: frozenset[str], limit: int) -> Any:
    """The parsed JSON body, after checking its media type and size.

    A missing Content-Type is accepted as JSON (the spec says clients SHOULD send one); a wrong
    one is refused. The size is checked against Content-Length first and against the bytes
    actually received, so a lying or absent header cannot get past the limit.
    """
    kind = media_type(request)
    if kind and kind not in accepted:
        raise UnsupportedMediaType(
            f"Content-Type {kind!r} is not accepted here; use one of {', '.join(sorted(accepted))}"
        )
    raw = await read_body(request, limit)
    if not raw.strip():
        raise BadRequest("the request body is empty; a JSON document is expected")
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if json_depth(document) > MAX_JSON_DEPTH:
        raise BadRequest(f"the body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels")
    return document


def json_depth(document: Any) -> int:
    """How deeply arrays and objects nest in ``document`` (a scalar is 0), without recursion."""
    deepest = 0
    todo: list[tuple[Any, int]] = [(document, 0)]
    while todo:
        value, depth = todo.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        depth += 1
        deepest = max(deepest, depth)
        todo.extend((child, depth) for child in value if isinstance(child, dict | list))
    return deepest


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, uncompressed and at most ``limit`` bytes (else 415 or 413)."""
    coding = request.headers.get("content-encoding", "identity").strip().lower()
    if coding != "identity":
        raise UnsupportedMediaType(
            f"Content-Encoding {coding!r} is not accepted; send the body uncompressed"
        )
    declared = request.headers.get("content-length")
    if declared is not None and DIGITS.fullmatch(declared) and int(declared) > limit:
        raise PayloadTooLarge(f"the body is {declared} bytes; the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


FORM = "application/x-www-form-urlencoded"


async def read_fields(request: Request, limit: int) -> dict[str, Any]:
    """The members of a JSON object body, or the fields of a form body (OAuth endpoints take
    ``application/x-www-form-urlencoded``, RFC 6749); a field sent twice is refused."""
    if media_type(request) != FORM:
        json_only = frozenset({"application/json"})
        if media_type(request) not in ("", *json_only):
            raise UnsupportedMediaType(f"Content-Type must be application/json or {FORM}")
        body = await read_json(request, json_only, limit)
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object or a form")
        return body
    coding = request.headers.get("content-encoding", "identity").strip().lower()
    if coding != "identity":
        raise UnsupportedMediaType(f"Content-Encoding {coding!r} is not accepted")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise PayloadTooLarge(f"the body is larger than the limit of {limit} bytes")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("the body is not a valid form") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise BadRequest("a form field is sent more than once")
    return fields
