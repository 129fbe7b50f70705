"""Mosquitto's dynamic-security control protocol over one admin MQTT connection.

Commands are JSON objects published to ``$CONTROL/dynamic-security/v1``; the broker answers each
on ``…/v1/response``, echoing the command's ``correlationData``, which is how an answer finds
its caller. Several commands travel in one message and the broker runs them in order, with no
other client's packet in between (so "create, then disable" leaves no moment to log in).
Commands and answers go at QoS 0: on a live connection TCP delivers them, an answer lost with
the connection fails its command by timeout, and the broker answers at once instead of after
its acknowledgement (the two writes would meet Nagle's algorithm and a delayed ACK: ~40 ms).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiomqtt
import orjson

from thingreg.integrations.mqtt.plan import BrokerClient
from thingreg.integrations.mqtt.topics import Acl

log = logging.getLogger(__name__)

CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = CONTROL_TOPIC + "/response"
PAGE = 1000
"""Clients or roles asked for per listing command (keeps each answer a bounded message)."""


class DynsecError(Exception):
    """The broker refused a command, or did not answer it in time."""


@dataclass(frozen=True, slots=True)
class Answer:
    command: str
    data: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


class Dynsec:
    """Send commands and wait for their answers over a connected ``aiomqtt.Client``.

    :meth:`read` must run (as a task) for answers to arrive; it returns when the connection
    ends, failing every command still waiting.
    """

    def __init__(self, client: aiomqtt.Client, timeout: float = 10.0) -> None:
        self.client = client
        self.timeout = timeout
        self._waiting: dict[str, asyncio.Future[Answer]] = {}

    async def start(self) -> None:
        await self.client.subscribe(RESPONSE_TOPIC, qos=0)

    async def read(self) -> None:
        try:
            async for message in self.client.messages:
                self._dispatch(message.payload)
        finally:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(DynsecError("the broker connection closed"))
            self._waiting.clear()

    def _dispatch(self, payload: Any) -> None:
        try:
            answers = orjson.loads(payload)["responses"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("ignoring a dynamic-security answer that is not understood")
            return
        for answer in answers:
            if not isinstance(answer, dict):
                continue
            future = self._waiting.pop(str(answer.get("correlationData")), None)
            if future is not None and not future.done():
                data = answer.get("data")
                future.set_result(
                    Answer(
                        str(answer.get("command")),
                        data if isinstance(data, dict) else {},
                        answer.get("error"),
                    )
                )

    async def execute(self, commands: Sequence[Mapping[str, Any]]) -> list[Answer]:
        """Run ``commands`` in one message; their answers in the same order."""
        if not commands:
            return []
        loop = asyncio.get_running_loop()
        tagged, futures = [], []
        for command in commands:
            tag = uuid.uuid4().hex
            future: asyncio.Future[Answer] = loop.create_future()
            self._waiting[tag] = future
            tagged.append({**command, "correlationData": tag})
            futures.append(future)
        try:
            await self.client.publish(CONTROL_TOPIC, orjson.dumps({"commands": tagged}), qos=0)
            async with asyncio.timeout(self.timeout):
                return list(await asyncio.gather(*futures))
        except TimeoutError:
            raise DynsecError("the broker did not answer dynamic-security commands") from None
        finally:
            for command in tagged:
                self._waiting.pop(command["correlationData"], None)

    async def clients(self, prefix: str) -> dict[str, BrokerClient]:
        """Every client whose username starts with ``prefix``, with its role's ACLs."""
        clients = await self._list("listClients", "clients")
        roles = {
            str(role.get("rolename")): role
            for role in await self._list("listRoles", "roles")
            if str(role.get("rolename", "")).startswith(prefix)
        }
        found = {}
        for client in clients:
            name = str(client.get("username", ""))
            if not name.startswith(prefix):
                continue
            role = roles.get(name)
            found[name] = BrokerClient(
                username=name,
                exists=True,
                clientid=client.get("clientid"),
                textname=client.get("textname"),
                textdescription=client.get("textdescription"),
                disabled=bool(client.get("disabled", False)),
                roles=tuple(str(r.get("rolename")) for r in client.get("roles", ())),
                acls=None if role is None else frozenset(_acl(a) for a in role.get("acls", ())),
            )
        # A role left without its client (a crash between two commands) is listed too, so
        # that reconciliation removes it.
        for name, role in roles.items():
            if name not in found:
                acls = frozenset(_acl(a) for a in role.get("acls", ()))
                found[name] = BrokerClient(username=name, exists=False, acls=acls)
        return found

    async def _list(self, command: str, member: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            (answer,) = await self.execute(
                [{"command": command, "verbose": True, "count": PAGE, "offset": len(items)}]
            )
            if answer.error:
                raise DynsecError(f"{command}: {answer.error}")
            page = [item for item in answer.data.get(member, ()) if isinstance(item, dict)]
            items.extend(page)
            total = answer.data.get("totalCount")
            if len(page) < PAGE or (isinstance(total, int) and len(items) >= total):
                return items


def _acl(entry: Mapping[str, Any]) -> Acl:
    return Acl(
        str(entry.get("acltype")),
        str(entry.get("topic")),
        int(entry.get("priority", 0)),
        bool(entry.get("allow", False)),
    )
