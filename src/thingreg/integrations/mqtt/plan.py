"""What the broker should hold for a thing, and the commands that take it there.

Pure functions over records: :func:`wanted` reads the registry's side, :func:`commands` compares
it with a :class:`BrokerClient` and returns the dynamic-security commands that make the two
equal — none when they already are, so that a reconciliation of an unchanged broker sends
nothing (changing a client through ``modifyClient`` would disconnect the device).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from thingreg.integrations.mqtt.naming import fingerprint, password, username
from thingreg.integrations.mqtt.topics import Acl, role_acls, thing_topics
from thingreg.store.base import MqttAccount, ThingRecord

DESCRIPTION = "managed by thingreg; credential "


@dataclass(frozen=True, slots=True)
class Wanted:
    """The broker account a thing should have (a revoked or absent account: none)."""

    thing_id: str
    username: str
    password: str
    description: str
    enabled: bool
    acls: frozenset[Acl]


def wanted(
    account: MqttAccount | None, record: ThingRecord | None, *, prefix: str, secret: str
) -> Wanted | None:
    if account is None or record is None or account.state == "revoked":
        return None
    user = username(prefix, account.thing_id)
    return Wanted(
        thing_id=account.thing_id,
        username=user,
        password=password(secret, user, account.salt),
        description=DESCRIPTION + fingerprint(account.salt),
        enabled=account.state == "active",
        acls=role_acls(thing_topics(account.thing_id, orjson.loads(record.body))),
    )


@dataclass(frozen=True, slots=True)
class BrokerClient:
    """What the broker holds under one of the registry's usernames: a client, its role."""

    username: str
    exists: bool
    """Whether there is a client (there may be only a role, left behind by a crash)."""
    clientid: str | None = None
    textname: str | None = None
    textdescription: str | None = None
    disabled: bool = False
    roles: tuple[str, ...] = ()
    acls: frozenset[Acl] | None = None
    """The ACLs of the role named like the client; ``None`` when there is no such role."""


def as_held(want: Wanted) -> BrokerClient:
    """The broker's state once :func:`commands` for ``want`` have run."""
    return BrokerClient(
        username=want.username,
        exists=True,
        clientid=want.username,
        textname=want.thing_id,
        textdescription=want.description,
        disabled=not want.enabled,
        roles=(want.username,),
        acls=want.acls,
    )


def commands(want: Wanted | None, have: BrokerClient | None) -> list[dict[str, Any]]:
    """The commands that turn ``have`` into ``want`` (``None``: nothing at all)."""
    if want is None:
        if have is None:
            return []
        gone: list[dict[str, Any]] = []
        if have.exists:  # deleting a client disconnects its sessions at once
            gone.append({"command": "deleteClient", "username": have.username})
        if have.acls is not None:
            gone.append({"command": "deleteRole", "rolename": have.username})
        return gone
    found: list[dict[str, Any]] = _role_commands(want, have)
    if have is None or not have.exists:
        found.append(
            {
                "command": "createClient",
                "username": want.username,
                "password": want.password,
                "clientid": want.username,
                "textname": want.thing_id,
                "textdescription": want.description,
                "roles": [{"rolename": want.username}],
            }
        )
        if not want.enabled:  # in the same message: no moment in which it could log in
            found.append({"command": "disableClient", "username": want.username})
        return found
    if (have.clientid, have.textname, have.textdescription, have.roles) != (
        want.username,
        want.thing_id,
        want.description,
        (want.username,),
    ):
        found.append(
            {
                "command": "modifyClient",
                "username": want.username,
                "password": want.password,
                "clientid": want.username,
                "textname": want.thing_id,
                "textdescription": want.description,
                "roles": [{"rolename": want.username}],
                "groups": [],
            }
        )
    if have.disabled == want.enabled:
        command = "enableClient" if want.enabled else "disableClient"
        found.append({"command": command, "username": want.username})
    return found


def _role_commands(want: Wanted, have: BrokerClient | None) -> list[dict[str, Any]]:
    if have is None or have.acls is None:
        acls = [acl.as_json() for acl in sorted(want.acls)]
        return [{"command": "createRole", "rolename": want.username, "acls": acls}]
    found: list[dict[str, Any]] = [
        {
            "command": "removeRoleACL",
            "rolename": want.username,
            "acltype": acl.acltype,
            "topic": acl.topic,
        }
        for acl in sorted(have.acls - want.acls)
    ]
    found += [
        {"command": "addRoleACL", "rolename": want.username, **acl.as_json()}
        for acl in sorted(want.acls - have.acls)
    ]
    return found
