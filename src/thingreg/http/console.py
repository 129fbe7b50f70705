"""The operator console: one HTML page at ``/`` and its static assets under ``/console/``.

The page is a client of the public API only (it holds no server-side state); its scripts and
styles ship in the package (``http/console/``), so the console works offline and from behind
any firewall. A client that asks ``/`` for JSON or a TD, not HTML, is sent to the directory's
own Thing Description, which is what a WoT consumer looking at the root wants.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from thingreg.http.negotiation import JSON, TD_JSON, negotiate

ASSETS = Path(__file__).with_name("console")
HTML = "text/html"

# Scripts and styles only from this origin, no inline code, no framing by other sites.
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


async def console_page(request: Request) -> Response:
    if negotiate(request, (HTML, TD_JSON, JSON)) != HTML:
        return RedirectResponse("/.well-known/wot", status_code=303)
    return FileResponse(ASSETS / "index.html", media_type=HTML, headers=_SECURITY_HEADERS)


routes = [
    Route("/", console_page, methods=["GET"]),
    Mount("/console", StaticFiles(directory=ASSETS), name="console"),
]
