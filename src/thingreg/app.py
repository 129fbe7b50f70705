"""``create_app(settings)``: wires the store, the event bus, the directory and the routes.

Nothing happens at import or construction time; the lifespan opens the store, the HTTP client
for peer registries, loads the token signing keys and starts the maintenance task (expiry
purge, event log trimming, expired challenges, signing key rotation), and stops them on
shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Router

from thingreg import __version__
from thingreg.config import Settings
from thingreg.core.auth.authenticator import Authenticator
from thingreg.core.auth.credentials import Credentials
from thingreg.core.auth.keyring import Keyring
from thingreg.core.directory import Directory
from thingreg.core.errors import ThingregError
from thingreg.core.events import EventBus
from thingreg.core.federation import Federation, check_options
from thingreg.core.ids.analysis import WARM_UP_IDENTIFIERS, analyse
from thingreg.http import (
    auth,
    bulk,
    credentials,
    delegations,
    events,
    resolve,
    search,
    things,
    wellknown,
)
from thingreg.http.problems import http_error, thingreg_error, unexpected_error
from thingreg.store import open_store
from thingreg.store.base import Store

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> Starlette:
    check_options(
        settings.registry_name,
        settings.namespace_prefixes,
        settings.max_hops,
        settings.peer_timeout,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # One client for every peer request: pooled connections, bounded waits, no redirects
        # followed and no proxy taken from the environment (peers are exactly the table's URLs).
        async with httpx.AsyncClient(
            timeout=settings.peer_timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": f"thingreg/{__version__}"},
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        ) as peers:
            app.state.federation = Federation(
                registry_id=settings.registry_name,
                client=peers,
                namespaces=settings.namespace_prefixes,
                max_hops=settings.max_hops,
                timeout=settings.peer_timeout,
                cache_ttl=settings.peer_cache_ttl,
            )
            store = open_store(settings.database_url)
            await store.open()
            directory = Directory(
                store,
                EventBus(settings.sse_queue_size),
                max_query_length=settings.max_query_length,
            )
            app.state.directory = directory
            app.state.credentials = Credentials(store)
            try:
                authenticator = await _authenticator(store, settings)
            except BaseException:
                await store.close()
                raise
            app.state.authenticator = authenticator
            maintenance = asyncio.create_task(
                _maintain(directory, authenticator, settings), name="maintenance"
            )
            _settle_heap()
            log.info("thingreg ready, database %s", settings.database_url)
            try:
                yield
            finally:
                maintenance.cancel()
                await asyncio.gather(maintenance, return_exceptions=True)
                await store.close()

    app = Starlette(
        routes=[
            *auth.routes,  # first: matched for every device authentication
            *credentials.routes,  # before things: /things/{id} would take .../credentials
            *bulk.routes,
            *things.routes,
            *search.routes,
            *events.routes,
            *resolve.routes,
            *delegations.routes,
            *wellknown.routes,
        ],
        middleware=[Middleware(GZipMiddleware, minimum_size=4096)],
        exception_handlers={
            ThingregError: thingreg_error,
            HTTPException: http_error,
            Exception: unexpected_error,
        },
        lifespan=lifespan,
    )
    assert isinstance(app.router, Router)
    app.router.redirect_slashes = False
    app.state.settings = settings
    return app


async def _authenticator(store: Store, settings: Settings) -> Authenticator:
    """The device authenticator, its signing keys loaded (the first one made if none)."""
    keyring = Keyring(
        store,
        alg=settings.token_alg,
        passphrase=settings.signing_key_passphrase,
        max_age=settings.signing_key_max_age,
        token_ttl=settings.token_ttl,
        reload_interval=settings.purge_interval,
    )
    await keyring.load()
    return Authenticator(
        store,
        keyring,
        issuer=settings.issuer,
        token_audience=settings.token_audience,
        challenge_ttl=settings.challenge_ttl,
        token_ttl=settings.token_ttl,
    )


def _settle_heap() -> None:
    """Load the identifier tables now, then exempt everything alive from garbage collection.

    The scheme tables (GS1 prefixes, numbering plans, phone metadata) are hundreds of thousands
    of long-lived objects; left in the collector's oldest generation, every full collection
    walks them again, which slowed request handling measurably (bench/README.md).
    """
    for sample in WARM_UP_IDENTIFIERS:
        with contextlib.suppress(ThingregError):
            analyse(sample)
    gc.collect()
    gc.freeze()


async def _maintain(directory: Directory, authenticator: Authenticator, settings: Settings) -> None:
    """Purge expired things and trim the event log, forget expired challenges and rotate the
    token signing keys, forever, until cancelled."""
    while True:
        await asyncio.sleep(settings.purge_interval)
        try:
            purged = await directory.purge_expired()
            if purged:
                log.info("purged %d expired thing(s)", purged)
            await directory.store.trim_events(settings.event_retention)
        except Exception:
            log.exception("maintenance run failed; retrying in %ss", settings.purge_interval)
        try:
            await authenticator.purge()
            await authenticator.keyring.maintain()
        except Exception:
            log.exception("key maintenance failed; retrying in %ss", settings.purge_interval)
