"""``GET /audit``: the audit log, owner-scoped (an owner sees the entries about its things, keys
and itself; an administrator sees all), paged by sequence number with ``after`` and ``limit``."""

from __future__ import annotations

from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from thingreg.core.audit import describe
from thingreg.core.errors import Unauthorized
from thingreg.http.negotiation import JSON, directory_of, int_param, negotiate, principal_of

_DEFAULT_LIMIT = 100
_MAX_LIMIT = 1000


async def audit(request: Request) -> Response:
    negotiate(request, (JSON,))
    principal = await principal_of(request)
    if principal.kind not in ("owner", "admin"):
        raise Unauthorized("the audit log is for owners and administrators")
    after = int_param(request, "after", minimum=0, default=0) or 0
    limit = min(int_param(request, "limit", minimum=1, default=_DEFAULT_LIMIT) or 1, _MAX_LIMIT)
    owner = None if principal.is_admin else principal.owner
    entries = await directory_of(request).store.audit_entries(after=after, limit=limit, owner=owner)
    headers = {}
    if len(entries) == limit:
        query = urlencode({"after": entries[-1].seq, "limit": limit})
        headers["Link"] = f'</audit?{query}>; rel="next"'
    body = orjson.dumps([describe(entry) for entry in entries])
    return Response(body, headers=headers, media_type=JSON)


routes = [Route("/audit", audit, methods=["GET"])]
