"""``POST /things:import``: bulk loading over HTTP, with the guarantees of ``thingreg import``.

The body (NDJSON, or one JSON array of TDs) is read as it arrives and written in batches of one
transaction each; the answer lists how many TDs were created, updated, left unchanged and
rejected, with the line and the problem of each rejected one. A batch is committed before the
next is written, so when the connection breaks, the committed part stays and sending the same
body again is safe: what is already stored is left unchanged. It needs the ``write`` scope; new
things belong to the caller's owner and are private, as with ``PUT /things/{id}``, and a thing
that belongs to another owner is rejected like a single write would be.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from thingreg.core.access.policy import check_can_write
from thingreg.core.bulk import Importer, Rejection, Tally, rejection_problem
from thingreg.core.bulk_input import TDSplitter
from thingreg.core.errors import UnsupportedMediaType
from thingreg.http.bodies import media_type
from thingreg.http.negotiation import JSON, directory_of, principal_of, settings_of

NDJSON = "application/x-ndjson"
BULK_MEDIA_TYPES = frozenset({NDJSON, "application/jsonl", JSON, "application/td+json"})
MAX_REPORTED = 1000
"""Rejections described in one answer; beyond that they are only counted."""


async def import_things(request: Request) -> Response:
    principal = await principal_of(request)
    check_can_write(principal)
    kind = media_type(request)
    if kind and kind not in BULK_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {kind!r} is not accepted here; use one of "
            f"{', '.join(sorted(BULK_MEDIA_TYPES))}"
        )
    coding = request.headers.get("content-encoding", "identity").strip().lower()
    if coding != "identity":
        raise UnsupportedMediaType(
            f"Content-Encoding {coding!r} is not accepted; send the body uncompressed"
        )
    reported: list[dict[str, Any]] = []

    def committed(tally: Tally, rejections: list[Rejection]) -> None:
        room = MAX_REPORTED - len(reported)
        reported.extend(rejection_problem(r) for r in rejections[:room])

    importer = Importer(directory_of(request), principal, on_commit=committed)
    splitter = TDSplitter(settings_of(request).max_body_bytes)
    try:
        async for chunk in request.stream():
            for item in splitter.feed(chunk):
                await importer.add(item.line, item.raw, item.error)
        for item in splitter.end():
            await importer.add(item.line, item.raw, item.error)
        tally = await importer.finish()
    except BaseException:
        await importer.stop()  # the client went away, or the database failed
        raise
    answer = {
        **tally.as_dict(),
        "rejections": reported,
        "rejectionsNotShown": tally.rejected - len(reported),
    }
    return Response(orjson.dumps(answer), media_type=JSON)


routes = [Route("/things:import", import_things, methods=["POST"])]
