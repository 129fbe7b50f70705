"""Ownership transfer: an owner hands things to another owner, with a record the registry signs.

The record is a compact JWS by the registry's current token signing key (claims: ``jti``,
``iss``, ``typ`` ``ownership-transfer``, ``from``, ``to``, ``things``, ``by``, ``iat``); the
key's public JWK is stored beside it, so the record verifies after the key is retired and
pruned, and the record's digest is in the audit log, so a substituted key or record shows
there. Then each thing changes owner in a write of its own (its audit entry is
``ownership_transferred``): it becomes visible to its new owner only, unless it was public.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import Any

import orjson

from thingreg.core.access.policy import check_can_write, may_change, may_see, not_found
from thingreg.core.access.principal import Principal
from thingreg.core.auth import jose
from thingreg.core.auth.keyring import Keyring
from thingreg.core.directory import Directory
from thingreg.core.errors import BadRequest, Forbidden, NotFound
from thingreg.core.semantic.saref import stored_classes
from thingreg.core.td.registration import format_time, now_utc
from thingreg.store.base import Access, Mutation, ThingRecord, Transfer, Visibility

MAX_THINGS = 1000
TYPE = "ownership-transfer"


class Transfers:
    """Makes, stores and checks transfer records."""

    def __init__(self, directory: Directory, keyring: Keyring, *, issuer: str) -> None:
        self.directory = directory
        self.store = directory.store
        self.keyring = keyring
        self.issuer = issuer

    async def hand_over(self, principal: Principal, body: Any) -> Transfer:
        """Transfer the things listed in ``body`` (``{"to": owner, "things": [ids]}``)."""
        check_can_write(principal)
        to, things = _parse(body)
        if await self.store.owner(to) is None:
            raise BadRequest(f"no owner called {to!r} to hand over to")
        owners = set()
        for thing_id in things:
            current = await self.store.get(thing_id)
            if current is None or not may_see(principal, current.access, thing_id):
                raise not_found(thing_id)
            if not may_change(principal, current.access):
                raise Forbidden(f"the thing {thing_id!r} belongs to another owner")
            owners.add(current.access.owner)
        if len(owners) != 1:
            raise BadRequest("the things of one transfer must all have the same owner")
        from_owner = owners.pop()
        if from_owner == to:
            raise BadRequest(f"the things already belong to {to!r}")
        transfer_id = str(uuid.uuid4())
        claims: dict[str, Any] = {
            "jti": transfer_id,
            "iss": self.issuer,
            "typ": TYPE,
            "from": from_owner,
            "to": to,
            "things": list(things),
            "by": principal.name,
            "iat": int(time.time()),
        }
        record = self.keyring.sign(claims)
        kid = jose.parse(record).header.get("kid")
        published = self.keyring.verification_key(kid)
        assert published is not None
        transfer = Transfer(
            transfer_id,
            format_time(now_utc()),
            from_owner,
            to,
            things,
            record,
            orjson.dumps({**published.jwk, "kid": published.kid, "alg": published.alg}).decode(),
        )
        await self.store.add_transfer(transfer, principal.name)
        for thing_id in things:
            await self.directory.write_thing(
                thing_id, _change_owner(thing_id, from_owner, to, principal)
            )
        return transfer

    async def get(self, principal: Principal, transfer_id: str) -> Transfer:
        """A transfer, for its two owners and administrators (404 for anyone else)."""
        transfer = await self.store.transfer(transfer_id)
        if transfer is None or not (
            principal.is_admin
            or (
                principal.kind == "owner"
                and principal.owner in (transfer.from_owner, transfer.to_owner)
            )
        ):
            raise NotFound(f"no transfer {transfer_id!r}")
        return transfer


def verify_record(transfer: Transfer) -> bool:
    """Whether the stored record is signed by the stored key and says what the row says."""
    try:
        jws = jose.parse(transfer.record)
        jwk = orjson.loads(transfer.key_jwk)
        if not jose.verify(jws, jose.key_from_jwk(jwk), str(jwk.get("alg"))):
            return False
    except (ValueError, KeyError, TypeError):
        return False
    claims = jws.claims
    return bool(
        claims.get("typ") == TYPE
        and claims.get("jti") == transfer.id
        and claims.get("from") == transfer.from_owner
        and claims.get("to") == transfer.to_owner
        and tuple(claims.get("things", ())) == transfer.things
    )


def describe(transfer: Transfer) -> dict[str, Any]:
    return {
        "id": transfer.id,
        "created": transfer.created,
        "from": transfer.from_owner,
        "to": transfer.to_owner,
        "things": list(transfer.things),
        "record": transfer.record,
        "key": orjson.loads(transfer.key_jwk),
        "verified": verify_record(transfer),
    }


def _parse(body: Any) -> tuple[str, tuple[str, ...]]:
    if not isinstance(body, dict) or set(body) - {"to", "things"}:
        raise BadRequest('a transfer is {"to": "<owner>", "things": ["<thing id>", ...]}')
    to, things = body.get("to"), body.get("things")
    if not isinstance(to, str) or not to:
        raise BadRequest("'to' must name the owner the things are handed to")
    if (
        not isinstance(things, list)
        or not 0 < len(things) <= MAX_THINGS
        or not all(isinstance(t, str) and t for t in things)
    ):
        raise BadRequest(f"'things' must list 1 to {MAX_THINGS} thing ids")
    return to, tuple(dict.fromkeys(things))


def _change_owner(thing_id: str, from_owner: str, to: str, principal: Principal) -> Any:
    def decide(current: ThingRecord | None) -> Mutation:
        if current is None or current.access.owner != from_owner:
            raise not_found(thing_id)  # deleted or handed on meanwhile
        old = current.access
        visibility: Visibility = "public" if old.visibility == "public" else "owner"
        access = Access(to, visibility, (), old.hidden)
        record = replace(current, access=access, classes=stored_classes(current.body))
        diff = orjson.dumps({"id": thing_id})
        return Mutation(record, "thing_updated", diff, principal.name, "ownership_transferred")

    return decide
