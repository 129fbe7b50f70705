"""The use cases behind ``/things/{id}/mqtt-credential``: issue, read, change state, remove.

A thing has MQTT access once its owner asks for a credential. Issuing one makes a new random
salt, hence a new password, which is returned once and never stored; the previous password
stops working at once. ``disabled`` shuts the account until it is enabled again, ``revoked``
for good (a new credential can still be issued). Each change is committed in the store, then
handed to the synchroniser, which the caller waits for a few seconds at most.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

import orjson

from thingreg.core.errors import BadRequest, Conflict, NotFound
from thingreg.core.td.registration import format_time, now_utc
from thingreg.core.thing_id import check_thing_id
from thingreg.integrations.mqtt.naming import password, username
from thingreg.integrations.mqtt.options import MqttOptions
from thingreg.integrations.mqtt.sync import BrokerSync
from thingreg.integrations.mqtt.topics import thing_topics
from thingreg.store.base import CREDENTIAL_STATES, MqttAccount, Store

SYNC_WAIT = 5.0
"""Seconds a request waits for the broker before answering with ``brokerSynced: false``."""


class MqttAccess:
    """The MQTT credential use cases over the store and the broker synchroniser."""

    def __init__(self, store: Store, sync: BrokerSync, options: MqttOptions) -> None:
        self.store = store
        self.sync = sync
        self.options = options

    async def issue(self, thing_id: str) -> tuple[dict[str, Any], bool]:
        """Issue a new password (the account becomes active); the description with the
        password, and whether the account is new."""
        check_thing_id(thing_id)
        current = await self.store.mqtt_account(thing_id)
        stamp = format_time(now_utc())
        account = MqttAccount(
            thing_id=thing_id,
            salt=secrets.token_urlsafe(16),
            state="active",
            created=stamp if current is None else current.created,
            modified=stamp,
        )
        await self.store.put_mqtt_account(account)
        synced = await self.sync.apply(thing_id, SYNC_WAIT)
        body = await self.describe(account, synced=synced)
        body["password"] = password(self.options.secret, body["username"], account.salt)
        return body, current is None

    async def get(self, thing_id: str) -> dict[str, Any]:
        return await self.describe(await self._account(thing_id), synced=None)

    async def update(self, thing_id: str, patch: Any) -> dict[str, Any]:
        """Change the state: ``{"state": "active" | "disabled" | "revoked"}``."""
        check_thing_id(thing_id)
        if not isinstance(patch, dict) or set(patch) - {"state"}:
            raise BadRequest('an MQTT credential patch is {"state": …}')
        state = patch.get("state")
        if state not in CREDENTIAL_STATES:
            raise BadRequest(f"member 'state' is one of {', '.join(CREDENTIAL_STATES)}")

        def change(current: MqttAccount) -> MqttAccount:
            if current.state == state:
                return current
            if current.state == "revoked":
                raise Conflict("the MQTT credential is revoked: issue a new one with POST")
            return replace(current, state=state, modified=format_time(now_utc()))

        account = await self.store.update_mqtt_account(thing_id, change)
        synced = await self.sync.apply(thing_id, SYNC_WAIT)
        return await self.describe(account, synced=synced)

    async def delete(self, thing_id: str) -> None:
        check_thing_id(thing_id)
        if not await self.store.delete_mqtt_account(thing_id):
            raise NotFound(f"thing {thing_id!r} has no MQTT credential")
        await self.sync.apply(thing_id, SYNC_WAIT)

    async def describe(self, account: MqttAccount, *, synced: bool | None) -> dict[str, Any]:
        """The account as the API shows it: never the password (only :meth:`issue` has it)."""
        record = await self.store.get(account.thing_id)
        td = orjson.loads(record.body) if record is not None else {}
        topics = thing_topics(account.thing_id, td)
        user = username(self.options.prefix, account.thing_id)
        body: dict[str, Any] = {
            "thing": account.thing_id,
            "username": user,
            "clientId": user,
            "state": account.state,
            "topics": list(topics.granted),
            "refusedTopics": [{"topic": t, "reason": r} for t, r in topics.refused],
            "created": account.created,
            "modified": account.modified,
        }
        if synced is not None:
            body["brokerSynced"] = synced
        return body

    async def _account(self, thing_id: str) -> MqttAccount:
        check_thing_id(thing_id)
        account = await self.store.mqtt_account(thing_id)
        if account is None:
            raise NotFound(f"thing {thing_id!r} has no MQTT credential")
        return account
