"""The registry controls who may connect to a real Mosquitto (dynamic-security plugin).

Each test starts its own broker on a free loopback port and the registry in-process, pointed at
it; devices and an observer are real MQTT clients. Skipped when Mosquitto or its plugin is not
installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiomqtt
import httpx
import pytest
from paho.mqtt.reasoncodes import ReasonCode

from tests.conftest import _client_for
from tests.integrations.mqtt.broker import ADMIN, ADMIN_PASSWORD, Mosquitto, require_mosquitto
from tests.support import minimal_td
from thingreg.config import Settings
from thingreg.integrations.mqtt import accounts
from thingreg.integrations.mqtt.naming import broker_name
from thingreg.store.base import Mutation

LAMP = "urn:example:lamp"
FAN = "urn:example:fan"
HEATER = "urn:example:heater"
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    broker = Mosquitto(tmp_path / "broker", require_mosquitto())
    broker.folder.mkdir()
    broker.prepare()
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def mqtt_settings(settings: Settings, mosquitto: Mosquitto) -> Settings:
    return dataclasses.replace(
        settings,
        mqtt_url=mosquitto.url,
        mqtt_admin_username=ADMIN,
        mqtt_admin_password=ADMIN_PASSWORD,
        mqtt_secret="a secret for the tests only",
    )


@pytest.fixture
async def registry(mqtt_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with _client_for(mqtt_settings) as http:
        yield http


def thing_url(thing_id: str) -> str:
    return "/things/" + quote(thing_id, safe="")


def credential_url(thing_id: str) -> str:
    return thing_url(thing_id) + "/mqtt-credential"


def td_with_mqtt(thing_id: str, *topics: str) -> dict[str, Any]:
    """A TD whose properties are read over MQTT at the given topics."""
    properties = {
        f"p{n}": {"type": "number", "forms": [{"href": f"mqtt://broker.example/{topic}"}]}
        for n, topic in enumerate(topics)
    }
    return minimal_td(thing_id, properties=properties)


async def register(http: httpx.AsyncClient, thing_id: str, *topics: str) -> dict[str, Any]:
    """Register the thing and issue its MQTT credential; the credential's description."""
    response = await http.put(thing_url(thing_id), json=td_with_mqtt(thing_id, *topics))
    assert response.status_code == 201, response.text
    issued = await http.post(credential_url(thing_id))
    assert issued.status_code == 201, issued.text
    body: dict[str, Any] = issued.json()
    assert body["brokerSynced"] is True
    return body


def device(broker: Mosquitto, credential: dict[str, Any], **changes: Any) -> aiomqtt.Client:
    options = {
        "username": credential["username"],
        "password": credential["password"],
        "identifier": credential["clientId"],
        **changes,
    }
    return aiomqtt.Client(
        "127.0.0.1", broker.port, protocol=aiomqtt.ProtocolVersion.V5, timeout=5, **options
    )


@contextlib.asynccontextmanager
async def observer(broker: Mosquitto) -> AsyncIterator[asyncio.Queue[tuple[str, bytes]]]:
    """Every message published on the broker (the admin may read everything)."""
    received: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    async with aiomqtt.Client(
        "127.0.0.1", broker.port, username=ADMIN, password=ADMIN_PASSWORD, identifier="observer"
    ) as client:
        await client.subscribe("#", qos=1)

        async def collect() -> None:
            async for message in client.messages:
                payload = message.payload
                assert isinstance(payload, bytes)
                received.put_nowait((str(message.topic), payload))

        task = asyncio.create_task(collect())
        try:
            yield received
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def delivered(queue: asyncio.Queue[tuple[str, bytes]], within: float) -> set[str]:
    """The topics of the messages the observer got within ``within`` seconds."""
    topics = set()
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            topic, _ = await asyncio.wait_for(queue.get(), left)
        except TimeoutError:
            break
        topics.add(topic)
    return topics


async def can_connect(broker: Mosquitto, credential: dict[str, Any]) -> bool:
    try:
        async with device(broker, credential):
            return True
    except aiomqtt.MqttCodeError as exc:
        assert isinstance(exc.rc, ReasonCode) and exc.rc.getName() == "Not authorized"
        return False


async def eventually(check: Any, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "the broker was not repaired in time"
        await asyncio.sleep(0.2)


async def test_a_registered_device_publishes_on_its_own_topics_only(
    registry: httpx.AsyncClient, mosquitto: Mosquitto
) -> None:
    lamp = await register(registry, LAMP, "lamp/state")
    fan = await register(registry, FAN)
    own = f"things/{broker_name(LAMP)}"
    other = f"things/{broker_name(FAN)}"
    assert lamp["topics"] == [f"{own}/#", "lamp/state"]
    assert lamp["username"] == lamp["clientId"] != fan["username"]
    async with observer(mosquitto) as seen, device(mosquitto, lamp) as client:
        await client.publish(f"{own}/status", b"on", qos=1)
        await client.publish("lamp/state", b"on", qos=1)
        await client.publish(f"{other}/status", b"forged", qos=1)
        await client.publish("elsewhere", b"forged", qos=1)
        assert await delivered(seen, 1.0) == {f"{own}/status", "lamp/state"}
        granted = await client.subscribe(f"{own}/commands", qos=1)
        refused = await client.subscribe(f"{other}/#", qos=1)
        assert [code.is_failure for code in granted] == [False]  # type: ignore[union-attr]
        assert [code.getName() for code in refused] == ["Not authorized"]  # type: ignore[union-attr]
    with pytest.raises(aiomqtt.MqttCodeError):  # the client id is bound to the username
        async with device(mosquitto, lamp, identifier="someone-else"):
            pass


async def test_revocation_drops_the_live_connection_at_once(
    registry: httpx.AsyncClient, mosquitto: Mosquitto
) -> None:
    lamp = await register(registry, LAMP)
    async with device(mosquitto, lamp) as client:

        async def until_dropped() -> float:
            with contextlib.suppress(aiomqtt.MqttError):
                async for _ in client.messages:
                    pass
            return time.monotonic()

        watcher = asyncio.create_task(until_dropped())
        await asyncio.sleep(0.2)
        assert not watcher.done()
        asked = time.monotonic()
        revoked = await registry.patch(
            credential_url(LAMP), json={"state": "revoked"}, headers=MERGE
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["state"] == "revoked"
        dropped = await asyncio.wait_for(watcher, 2.0)
        assert dropped - asked < 2.0
    assert not await can_connect(mosquitto, lamp)
    changed = await registry.patch(credential_url(LAMP), json={"state": "active"}, headers=MERGE)
    assert changed.status_code == 409
    # A new credential gives access again, with a new password; the old one stays refused.
    reissued = await registry.post(credential_url(LAMP))
    assert reissued.status_code == 200
    assert reissued.json()["password"] != lamp["password"]
    assert await can_connect(mosquitto, reissued.json())
    assert not await can_connect(mosquitto, lamp)


async def test_disabling_and_deleting_disconnect_too(
    registry: httpx.AsyncClient, mosquitto: Mosquitto
) -> None:
    lamp = await register(registry, LAMP)
    fan = await register(registry, FAN)
    disabled = await registry.patch(credential_url(LAMP), json={"state": "disabled"}, headers=MERGE)
    assert disabled.json()["brokerSynced"] is True
    assert not await can_connect(mosquitto, lamp)
    enabled = await registry.patch(credential_url(LAMP), json={"state": "active"}, headers=MERGE)
    assert enabled.status_code == 200
    assert await can_connect(mosquitto, lamp)
    async with device(mosquitto, fan) as client:
        assert (await registry.delete(thing_url(FAN))).status_code == 204
        with pytest.raises(aiomqtt.MqttError):  # the thing is gone: so is its connection
            async with asyncio.timeout(2.0):
                async for _ in client.messages:
                    pass
    assert not await can_connect(mosquitto, fan)
    assert (await registry.get(credential_url(FAN))).status_code == 404
    assert (await registry.delete(credential_url(LAMP))).status_code == 204
    assert not await can_connect(mosquitto, lamp)


async def test_changes_written_by_another_process_are_followed_from_the_event_log(
    registry: httpx.AsyncClient, mosquitto: Mosquitto
) -> None:
    lamp = await register(registry, LAMP)
    app = registry._transport.app  # type: ignore[attr-defined]
    store = app.state.directory.store
    # Written to the store directly, as another registry process sharing the database would:
    # this process's event bus never hears of it.
    await store.write(LAMP, lambda current: Mutation(None, "thing_deleted"))

    async def lamp_refused() -> bool:
        return not await can_connect(mosquitto, lamp)

    await eventually(lamp_refused, within=5.0)
    assert await store.cursor("mqtt") == await store.last_event_id()


async def test_reconciliation_repairs_a_broker_restarted_with_a_stale_account_list(
    registry: httpx.AsyncClient, mosquitto: Mosquitto
) -> None:
    lamp = await register(registry, LAMP)
    fan = await register(registry, FAN)
    stale = mosquitto.dynsec_file.read_bytes()  # knows lamp and fan, as they were
    # Then, while that copy ages: fan is revoked, heater joins, lamp gets a new password.
    revoked = await registry.patch(credential_url(FAN), json={"state": "revoked"}, headers=MERGE)
    assert revoked.status_code == 200
    heater = await register(registry, HEATER)
    renewed = (await registry.post(credential_url(LAMP))).json()
    assert renewed["brokerSynced"] is True
    mosquitto.restart(stale)
    assert await can_connect(mosquitto, fan)  # the stale list lets the revoked fan in ...
    assert not await can_connect(mosquitto, heater)  # ... and knows nothing of the heater

    async def repaired() -> bool:
        return (
            await can_connect(mosquitto, heater)
            and await can_connect(mosquitto, renewed)
            and not await can_connect(mosquitto, fan)
            and not await can_connect(mosquitto, lamp)
        )

    await eventually(repaired)


async def test_without_a_broker_the_endpoints_answer_501(client: httpx.AsyncClient) -> None:
    assert (await client.put(thing_url(LAMP), json=minimal_td(LAMP))).status_code == 201
    response = await client.post(credential_url(LAMP))
    assert response.status_code == 501
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_changed_td_changes_what_the_thing_may_use(
    registry: httpx.AsyncClient, mosquitto: Mosquitto
) -> None:
    lamp = await register(registry, LAMP, "lamp/a")
    async with observer(mosquitto) as seen, device(mosquitto, lamp) as client:
        await client.publish("lamp/b", b"1", qos=1)
        assert await delivered(seen, 0.5) == set()
        changed = await registry.put(thing_url(LAMP), json=td_with_mqtt(LAMP, "lamp/b"))
        assert changed.status_code == 204

        async def b_allowed() -> bool:
            await client.publish("lamp/b", b"2", qos=1)
            return "lamp/b" in await delivered(seen, 0.2)

        await eventually(b_allowed, within=3.0)  # same connection: no reconnect needed
        await client.publish("lamp/a", b"3", qos=1)
        assert await delivered(seen, 0.5) == set()


async def test_the_credential_resource(registry: httpx.AsyncClient, mosquitto: Mosquitto) -> None:
    assert (await registry.post(credential_url(LAMP))).status_code == 404  # no such thing
    other = f"things/{broker_name(FAN)}/x"
    td = td_with_mqtt(LAMP, "lamp/a", other, "$SYS/x")
    assert (await registry.put(thing_url(LAMP), json=td)).status_code == 201
    assert (await registry.get(credential_url(LAMP))).status_code == 404  # none issued yet
    issued = await registry.post(credential_url(LAMP))
    assert issued.status_code == 201
    assert issued.headers["cache-control"] == "no-store"
    assert issued.headers["location"] == credential_url(LAMP)
    body = issued.json()
    assert body["refusedTopics"] == [
        {"topic": "$SYS/x", "reason": "a system topic"},
        {"topic": other, "reason": "under another thing's topics"},
    ]
    shown = (await registry.get(credential_url(LAMP))).json()
    assert "password" not in shown and shown["state"] == "active"
    assert {k: v for k, v in body.items() if k not in ("password", "brokerSynced")} == shown
    for patch, status in (
        ({"state": "lost"}, 400),
        ({"state": "disabled", "label": "x"}, 400),
        (["state"], 400),
    ):
        response = await registry.patch(credential_url(LAMP), json=patch, headers=MERGE)
        assert response.status_code == status, patch
    wrong_type = await registry.patch(
        credential_url(LAMP),
        content=b'{"state":"disabled"}',
        headers={"Content-Type": "text/plain"},
    )
    assert wrong_type.status_code == 415
    assert (await registry.delete(credential_url(LAMP))).status_code == 204
    assert (await registry.delete(credential_url(LAMP))).status_code == 404


async def test_a_revocation_while_the_broker_is_down_is_applied_when_it_is_back(
    registry: httpx.AsyncClient, mosquitto: Mosquitto, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "SYNC_WAIT", 0.5)
    lamp = await register(registry, LAMP)
    mosquitto.stop()
    revoked = await registry.patch(credential_url(LAMP), json={"state": "revoked"}, headers=MERGE)
    assert revoked.status_code == 200
    assert revoked.json()["brokerSynced"] is False
    mosquitto.start()  # with its account list as it was: the lamp still in it

    async def lamp_refused() -> bool:
        return not await can_connect(mosquitto, lamp)

    await eventually(lamp_refused)


async def test_a_follower_that_lost_events_reconciles(
    registry: httpx.AsyncClient, mosquitto: Mosquitto
) -> None:
    lamp = await register(registry, LAMP)
    app = registry._transport.app  # type: ignore[attr-defined]
    store, sync = app.state.directory.store, app.state.mqtt.sync
    # As if another process had revoked it, and the events had been trimmed since: the
    # follower cannot read what it missed (the lamp's events are gone), so it must compare
    # everything.
    await store.update_mqtt_account(LAMP, lambda a: dataclasses.replace(a, state="revoked"))
    assert (await registry.put(thing_url(FAN), json=minimal_td(FAN))).status_code == 201
    await store.trim_events(1)
    sync._cursor = 0
    assert (await registry.put(thing_url(HEATER), json=minimal_td(HEATER))).status_code == 201

    async def lamp_refused() -> bool:
        return not await can_connect(mosquitto, lamp)

    async def caught_up() -> bool:
        return bool(await store.cursor("mqtt") == await store.last_event_id())

    await eventually(lamp_refused, within=5.0)
    await eventually(caught_up, within=5.0)
