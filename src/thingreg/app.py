"""``create_app(settings)``: wires the store, the event bus, the directory and the routes.

Nothing happens at import or construction time; the lifespan opens the store, the HTTP client
for peer registries and, when other processes share the database, the event relay; it loads the
token signing keys and starts the maintenance task (expiry purge, event log trimming, expired
challenges, signing key rotation), when a broker is configured, the MQTT synchroniser and, when
switched on, the DNS-SD announcement and the CoAP server (same event loop), and stops them all
on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Router

from thingreg import __version__
from thingreg.config import Settings
from thingreg.core.access.keys import Gatekeeper
from thingreg.core.auth.authenticator import Authenticator
from thingreg.core.auth.credentials import Credentials
from thingreg.core.auth.enrollment import EnrollmentGroups
from thingreg.core.auth.keyring import Keyring
from thingreg.core.auth.onboarding import Onboarding
from thingreg.core.directory import Directory
from thingreg.core.errors import ThingregError
from thingreg.core.events import EventBus, EventRelay
from thingreg.core.federation import Federation, check_options
from thingreg.core.ids.analysis import WARM_UP_IDENTIFIERS, analyse
from thingreg.core.overview import Overview
from thingreg.core.transfers import Transfers
from thingreg.http import (
    access,
    audit,
    auth,
    bulk,
    console,
    credentials,
    delegations,
    enrollment,
    events,
    metrics,
    mqtt,
    owners,
    resolve,
    search,
    stats,
    things,
    transfers,
    wellknown,
)
from thingreg.http.metrics import Metrics, MetricsMiddleware
from thingreg.http.problems import http_error, store_lost, thingreg_error, unexpected_error
from thingreg.integrations.coap.rd import ResourceDirectory
from thingreg.integrations.coap.server import CoapServer
from thingreg.integrations.dnssd import Announcer
from thingreg.integrations.mqtt.accounts import MqttAccess
from thingreg.integrations.mqtt.options import MqttOptions
from thingreg.integrations.mqtt.sync import BrokerSync
from thingreg.store import open_store
from thingreg.store.base import Store
from thingreg.store.postgres_errors import CONNECTION_LOST

log = logging.getLogger(__name__)

ADMIN_KEY_FILE = "admin-key"
"""Where the first start leaves the administrator key, in the data directory."""


def create_app(settings: Settings) -> Starlette:
    if settings.default_visibility not in ("owner", "public"):
        raise ValueError("THINGREG_DEFAULT_VISIBILITY must be 'owner' or 'public'")
    check_options(
        settings.registry_name,
        settings.namespace_prefixes,
        settings.max_hops,
        settings.peer_timeout,
    )
    mqtt_options = MqttOptions.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Everything opened is closed in reverse order, whatever fails on the way.
        async with contextlib.AsyncExitStack() as opened:
            await _open(app, settings, mqtt_options, opened)
            _settle_heap()
            log.info("thingreg ready, database %s", settings.database_url)
            yield

    figures = Metrics()
    app = Starlette(
        routes=[
            *auth.routes,  # first: matched for every device authentication
            *credentials.routes,  # before things: /things/{id} would take .../credentials
            *mqtt.routes,  # likewise for .../mqtt-credential
            *access.routes,  # the same for .../access
            *owners.routes,
            *audit.routes,
            *transfers.routes,
            *bulk.routes,
            *things.routes,
            *search.routes,
            *events.routes,
            *resolve.routes,
            *delegations.routes,
            *enrollment.routes,
            *wellknown.routes,
            *metrics.routes,
            *stats.routes,
            *console.routes,
        ],
        middleware=[
            Middleware(MetricsMiddleware, metrics=figures),
            Middleware(GZipMiddleware, minimum_size=4096),
        ],
        exception_handlers={
            ThingregError: thingreg_error,
            HTTPException: http_error,
            **dict.fromkeys(CONNECTION_LOST, store_lost),
            Exception: unexpected_error,
        },
        lifespan=lifespan,
    )
    assert isinstance(app.router, Router)
    app.router.redirect_slashes = False
    app.state.settings = settings
    app.state.metrics = figures
    return app


async def _introductions(
    directory: Directory, settings: Settings, opened: contextlib.AsyncExitStack
) -> None:
    """The DNS-SD announcement and the CoAP server, each only when switched on; started last,
    so stopped first (before the store closes, no CoAP write arrives at a closed store)."""
    if settings.coap_port:
        rd = ResourceDirectory(directory, anonymous_reads=settings.anonymous_reads)
        coap = CoapServer(rd, settings)
        await coap.start()
        opened.push_async_callback(coap.stop)
    if settings.dnssd:
        announcer = Announcer(settings)
        await announcer.start()
        opened.push_async_callback(announcer.stop)


async def _authenticator(store: Store, settings: Settings, onboarding: Onboarding) -> Authenticator:
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
        onboarding=onboarding,
    )


async def _open(
    app: Starlette,
    settings: Settings,
    mqtt_options: MqttOptions | None,
    opened: contextlib.AsyncExitStack,
) -> None:
    """Open the store and the services on it into ``app.state``; ``opened`` closes them."""
    # One client for every peer request: pooled connections, bounded waits, no redirects
    # followed and no proxy taken from the environment (peers are exactly the table's URLs).
    peers = await opened.enter_async_context(
        httpx.AsyncClient(
            timeout=settings.peer_timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": f"thingreg/{__version__}"},
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )
    )
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
    opened.push_async_callback(store.close)
    bus = EventBus(settings.sse_queue_size)
    relay = await EventRelay.start(store, bus)
    if relay is not None:
        opened.push_async_callback(relay.stop)
    directory = Directory(
        store,
        bus,
        max_query_length=settings.max_query_length,
        publish_writes=relay is None,
        default_visibility="public" if settings.default_visibility == "public" else "owner",
    )
    app.state.directory = directory
    app.state.overview = Overview(store)
    app.state.credentials = Credentials(store)
    app.state.enrollment_groups = groups = EnrollmentGroups(store)
    app.state.onboarding = onboarding = Onboarding(directory, groups)
    authenticator = await _authenticator(store, settings, onboarding)
    app.state.authenticator = authenticator
    gatekeeper = Gatekeeper(
        store,
        admin_token=settings.api_token,
        cache_ttl=settings.key_cache_ttl,
        devices=authenticator.introspect,
    )
    app.state.gatekeeper = gatekeeper
    app.state.transfers = Transfers(directory, authenticator.keyring, issuer=settings.issuer)
    await _bootstrap(gatekeeper, settings)
    tasks = [asyncio.create_task(_maintain(directory, authenticator, settings), name="maintenance")]
    app.state.mqtt = None
    if mqtt_options is not None:
        broker = BrokerSync(store, directory.bus, mqtt_options)
        app.state.mqtt = MqttAccess(store, broker, mqtt_options)
        tasks.append(asyncio.create_task(broker.run(), name="mqtt-sync"))
    for task in tasks:
        opened.push_async_callback(_cancel, task)
    await _introductions(directory, settings, opened)


async def _cancel(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and wait for it, again while it goes on: on Python 3.11 a wait with a
    timeout inside a library (``asyncio.wait_for``) can swallow a cancellation."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1)
    await asyncio.gather(task, return_exceptions=True)


async def _bootstrap(gatekeeper: Gatekeeper, settings: Settings) -> None:
    """At the first start, make the ``admin`` owner and an admin key, and leave the key in
    ``<data_dir>/admin-key`` (readable by the registry's user only) for the operator."""
    token = await gatekeeper.bootstrap()
    if token is None:
        return
    path = settings.data_dir / ADMIN_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(token + "\n")
    os.chmod(path, 0o600)
    log.warning("first start: an administrator API key was written to %s", path)


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
    token signing keys, forever, until cancelled.

    Of several processes on one database, one at a time purges and trims (the store's
    maintenance lock); the rest skip that round. Key maintenance runs in every process, which
    reloads the keys others rotated.
    """
    while True:
        await asyncio.sleep(settings.purge_interval)
        try:
            async with directory.store.maintenance_lock() as ours:
                if ours:
                    purged = await directory.purge_expired()
                    if purged:
                        log.info("purged %d expired thing(s)", purged)
                    await directory.store.trim_events(settings.event_retention)
                else:
                    log.debug("expiry purge skipped: another process is running it")
        except Exception:
            log.exception("maintenance run failed; retrying in %ss", settings.purge_interval)
        try:
            await authenticator.purge()
            await authenticator.keyring.maintain()
        except Exception:
            log.exception("key maintenance failed; retrying in %ss", settings.purge_interval)
