"""Keep the broker's accounts equal to the registry's, whatever happens to either.

One task holds an admin connection to the broker and, on every (re)connection and every
``THINGREG_MQTT_RECONCILE_INTERVAL``, *reconciles*: it lists the broker's clients and roles that
carry the registry's prefix and repairs every difference both ways (creates what is missing,
deletes what the registry no longer has, fixes passwords, states and access lists). Between
reconciliations it *follows* the store's event log from the last event it processed (a cursor
kept in the store, so a restart misses nothing; the in-process bus only wakes it early, and the
log also carries other processes' changes), and it applies the changes the MQTT credential
endpoints ask for at once — a disabled or revoked account is disconnected by the broker the
moment the command arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import uuid
from collections.abc import Sequence
from typing import Any

import aiomqtt

from thingreg.core.events import EventBus
from thingreg.integrations.mqtt.dynsec import Dynsec, DynsecError
from thingreg.integrations.mqtt.naming import username
from thingreg.integrations.mqtt.options import MqttOptions
from thingreg.integrations.mqtt.plan import BrokerClient, as_held, commands, wanted
from thingreg.store.base import Store

log = logging.getLogger(__name__)

CURSOR = "mqtt"
FOLLOW_INTERVAL = 1.0
"""Seconds between reads of the event log when the in-process bus has nothing (changes made by
other processes sharing the database)."""
EVENT_PAGE = 1000
COMMAND_BATCH = 200
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
"""Seconds before reconnecting after the broker went away, growing with each failure."""


class BrokerSync:
    """The synchroniser; :meth:`run` is its task, :meth:`apply` asks it to act on one thing."""

    def __init__(self, store: Store, bus: EventBus, options: MqttOptions) -> None:
        self.store = store
        self.bus = bus
        self.options = options
        self._wake = asyncio.Event()
        self._requests: dict[str, list[asyncio.Future[None]]] = {}
        self._view: dict[str, BrokerClient] | None = None
        """What the broker holds under the prefix; ``None`` until reconciled."""
        self._cursor = 0
        self._reconciled_at = 0.0

    async def apply(self, thing_id: str, timeout: float) -> bool:
        """Bring the thing's broker account in line now; ``False`` when that did not happen
        within ``timeout`` seconds (the broker is unreachable: it happens once it is back)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._requests.setdefault(thing_id, []).append(future)
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        """Connect, reconcile and follow, forever; reconnect whenever the broker goes away."""
        watcher = asyncio.create_task(self._watch_bus(), name="mqtt-bus")
        failures = 0
        try:
            while True:
                try:
                    async with self._connect() as client:
                        dynsec = Dynsec(client)
                        await dynsec.start()
                        reader = asyncio.create_task(dynsec.read(), name="mqtt-dynsec")
                        try:
                            await self._serve(dynsec, reader)
                        finally:
                            reader.cancel()
                            await asyncio.gather(reader, return_exceptions=True)
                except Exception as exc:  # the broker, the store, or a bug: never give up
                    delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                    if isinstance(exc, aiomqtt.MqttError | DynsecError | OSError):
                        log.warning("MQTT broker: %s; reconnecting in %ss", exc, delay)
                    else:
                        log.exception("MQTT synchroniser failed; starting again in %ss", delay)
                    failures = 0 if self._view is not None else failures + 1
                    self._view = None
                    await asyncio.sleep(delay)
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)

    def _connect(self) -> aiomqtt.Client:
        options = self.options
        return aiomqtt.Client(
            options.host,
            options.port,
            username=options.admin_username,
            password=options.admin_password or None,
            identifier=f"{options.prefix}sync-{uuid.uuid4().hex[:12]}",
            protocol=aiomqtt.ProtocolVersion.V5,
            tls_context=ssl.create_default_context() if options.tls else None,
            timeout=10,
            keepalive=30,
        )

    async def _serve(self, dynsec: Dynsec, reader: asyncio.Task[None]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch, self._requests = self._requests, {}
            try:
                due = loop.time() - self._reconciled_at >= self.options.reconcile_interval
                if self._view is not None and not due:
                    await self._follow(dynsec)
                if self._view is None or due:  # first, due, or the log lost events
                    await self._reconcile(dynsec)
                else:
                    for thing_id in batch:
                        await self._converge(dynsec, thing_id)
            except BaseException:
                for thing_id, futures in batch.items():
                    self._requests.setdefault(thing_id, []).extend(futures)
                raise
            for futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_result(None)
            if reader.done():
                raise DynsecError("the broker connection closed")
            if self._requests:
                continue
            waiter = asyncio.create_task(self._wake.wait())
            await asyncio.wait(
                {waiter, reader}, timeout=FOLLOW_INTERVAL, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            self._wake.clear()
            if reader.done():
                with contextlib.suppress(asyncio.CancelledError):
                    reader.result()
                raise DynsecError("the broker connection closed")

    async def _watch_bus(self) -> None:
        """Wake the synchroniser as soon as this process commits a change."""
        while True:
            with self.bus.subscribe() as subscription:
                while not subscription.overflowed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(subscription.queue.get(), FOLLOW_INTERVAL)
                        while not subscription.queue.empty():
                            subscription.queue.get_nowait()
                        self._wake.set()

    async def _reconcile(self, dynsec: Dynsec) -> None:
        """Compare every account of the registry with the broker's and repair the broker."""
        start = await self.store.last_event_id()
        options = self.options
        view = await dynsec.clients(options.prefix)
        pending: list[dict[str, Any]] = []
        held: dict[str, BrokerClient] = {}
        after: str | None = None
        while accounts := await self.store.mqtt_accounts(after, 500):
            after = accounts[-1].thing_id
            for account in accounts:
                record = await self.store.get(account.thing_id)
                want = wanted(account, record, prefix=options.prefix, secret=options.secret)
                user = username(options.prefix, account.thing_id)
                pending += commands(want, view.pop(user, None))
                if want is not None:
                    held[user] = as_held(want)
        for stale in view.values():  # accounts the registry does not have (any more)
            pending += commands(None, stale)
        failed = await self._send(dynsec, pending)
        self._view = await dynsec.clients(options.prefix) if failed else held
        self._cursor = max(await self.store.cursor(CURSOR), start)
        await self.store.set_cursor(CURSOR, self._cursor)
        self._reconciled_at = asyncio.get_running_loop().time()
        log.info(
            "MQTT broker reconciled: %d account(s), %d command(s) sent, %d refused",
            len(held),
            len(pending),
            failed,
        )

    async def _follow(self, dynsec: Dynsec) -> None:
        """Apply the things changed by the events after the cursor."""
        while events := await self.store.events_after(self._cursor, EVENT_PAGE):
            if events[0].id != self._cursor + 1:  # trimmed before we read them
                log.info("MQTT: events after %d are gone; reconciling", self._cursor)
                self._view = None
                return
            for thing_id in dict.fromkeys(event.thing_id for event in events):
                await self._converge(dynsec, thing_id)
            self._cursor = events[-1].id
            await self.store.set_cursor(CURSOR, self._cursor)

    async def _converge(self, dynsec: Dynsec, thing_id: str) -> None:
        """Make the broker hold what the registry says for one thing."""
        assert self._view is not None
        options = self.options
        user = username(options.prefix, thing_id)
        account = await self.store.mqtt_account(thing_id)
        record = None if account is None else await self.store.get(thing_id)
        want = wanted(account, record, prefix=options.prefix, secret=options.secret)
        found = commands(want, self._view.get(user))
        if not found:
            return
        if await self._send(dynsec, found):
            self._view = await dynsec.clients(options.prefix)
            return
        if want is None:
            self._view.pop(user, None)
        else:
            self._view[user] = as_held(want)
        log.info("MQTT: %s for thing %s", ", ".join(c["command"] for c in found), thing_id)

    async def _send(self, dynsec: Dynsec, found: Sequence[dict[str, Any]]) -> int:
        """Run commands in batches; log and count the ones the broker refused."""
        refused = 0
        for start in range(0, len(found), COMMAND_BATCH):
            chunk = found[start : start + COMMAND_BATCH]
            for command, answer in zip(chunk, await dynsec.execute(chunk), strict=True):
                if answer.error:
                    refused += 1
                    target = command.get("username") or command.get("rolename")
                    log.warning(
                        "MQTT broker refused %s %s: %s", answer.command, target, answer.error
                    )
        return refused
