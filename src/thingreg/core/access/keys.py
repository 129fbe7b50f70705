"""Owners and their API keys: creation, revocation, and turning a presented key into a
:class:`Principal`.

A key reads ``thr_<id>_<secret>``: the id (16 hex digits) finds the stored key, the secret
(32 random bytes, base64url) proves possession. Only the SHA-256 of the secret is stored, and
the comparison is constant-time. A high-entropy secret needs no slow password hash: nobody can
guess it, and a stolen digest is no key. The token is shown once, when it is made.

Verified keys are cached in memory for ``cache_ttl`` seconds, so a request costs no database
query; a revocation through this process takes effect at once, one made by another process (or
the CLI) within ``cache_ttl``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from thingreg.core.access.principal import ANONYMOUS, Principal, PrincipalKind
from thingreg.core.errors import BadRequest, Conflict, NotFound, Unauthorized
from thingreg.core.td.registration import format_time, now_utc
from thingreg.store.base import SCOPES, ApiKey, Owner, Scope, Store

log = logging.getLogger(__name__)

KEY_PREFIX = "thr_"
ADMIN_OWNER = "admin"
"""The owner the bootstrap key and ``THINGREG_API_TOKEN`` act for."""
CLI = "operator (thingreg CLI)"
"""The audit log's name for changes made on the database directly."""
BOOTSTRAP = "system (first start)"
_TOKEN = re.compile(r"thr_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
_OWNER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_CACHE_LIMIT = 10_000

DeviceVerifier = Callable[[str], Awaitable[dict[str, Any]]]
"""Introspects a registry-issued device token: RFC 7662 claims, ``active`` first."""


def check_owner_name(name: Any) -> str:
    if not isinstance(name, str) or not _OWNER_NAME.fullmatch(name):
        raise BadRequest(
            "an owner name is 1-63 lowercase letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    return name


def check_scopes(scopes: Any) -> tuple[Scope, ...]:
    if not isinstance(scopes, list) or not scopes or any(scope not in SCOPES for scope in scopes):
        raise BadRequest(f"scopes must be a non-empty list of {', '.join(SCOPES)}")
    return tuple(scope for scope in SCOPES if scope in scopes)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def new_key(owner: str, scopes: tuple[Scope, ...], label: str = "") -> tuple[ApiKey, str]:
    """A new key record and the token to hand over (never stored)."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    record = ApiKey(key_id, owner, _digest(secret), scopes, format_time(now_utc()), label)
    return record, f"{KEY_PREFIX}{key_id}_{secret}"


def describe_key(key: ApiKey) -> dict[str, Any]:
    """A key as the API shows it: never the secret or its digest."""
    body: dict[str, Any] = {
        "id": key.id,
        "owner": key.owner,
        "scopes": list(key.scopes),
        "created": key.created,
        "label": key.label,
    }
    if key.revoked:
        body["revoked"] = key.revoked
    return body


class Gatekeeper:
    """Authenticates requests and manages owners and keys."""

    def __init__(
        self,
        store: Store,
        *,
        admin_token: str = "",
        cache_ttl: float = 5.0,
        devices: DeviceVerifier | None = None,
    ) -> None:
        self.store = store
        self.admin_token = admin_token
        self.cache_ttl = cache_ttl
        self.devices = devices
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}

    # -- authentication --------------------------------------------------------------------

    async def principal(self, authorization: str | None) -> Principal:
        """Who presents this ``Authorization`` header; :class:`Unauthorized` for a credential
        that is not good (never a hint which part was wrong)."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("use Authorization: Bearer <API key>")
        if self.admin_token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return Principal("admin", owner=ADMIN_OWNER, scopes=frozenset({"admin"}))
        match = _TOKEN.fullmatch(token)
        if match is not None:
            key = await self._key(match[1])
            if key is not None and hmac.compare_digest(key.secret_sha256, _digest(match[2])):
                kind: PrincipalKind = "admin" if "admin" in key.scopes else "owner"
                return Principal(kind, owner=key.owner, scopes=frozenset(key.scopes), key_id=key.id)
        elif self.devices is not None and token.count(".") == 2:
            claims = await self.devices(token)
            if claims.get("active") and isinstance(claims.get("sub"), str):
                return Principal("device", thing_id=claims["sub"])
        raise Unauthorized("the bearer token is not valid")

    async def _key(self, key_id: str) -> ApiKey | None:
        """The unrevoked key with this id, from the cache while it is fresh."""
        now = time.monotonic()
        cached = self._cache.get(key_id)
        if cached is not None and now - cached[0] < self.cache_ttl:
            return cached[1]
        key = await self.store.api_key(key_id)
        if key is not None and key.revoked:
            key = None
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key_id] = (now, key)
        return key

    # -- owners and keys -------------------------------------------------------------------

    async def add_owner(self, name: Any, note: str = "", *, actor: str = CLI) -> Owner:
        owner = Owner(check_owner_name(name), format_time(now_utc()), note)
        if not await self.store.add_owner(owner, actor):
            raise Conflict(f"there is already an owner called {owner.name!r}")
        log.info("owner %s added", owner.name)
        return owner

    async def owner(self, name: str) -> Owner:
        owner = await self.store.owner(name)
        if owner is None:
            raise NotFound(f"no owner called {name!r}")
        return owner

    async def create_key(
        self, owner: str, scopes: Any = ("read", "write"), label: Any = "", *, actor: str = CLI
    ) -> tuple[ApiKey, str]:
        if not isinstance(label, str) or len(label) > 200:
            raise BadRequest("label must be a string of at most 200 characters")
        key, token = new_key(owner, check_scopes(list(scopes)), label)
        await self.store.add_api_key(key, actor)
        log.info("API key %s created for owner %s", key.id, owner)
        return key, token

    async def revoke_key(self, owner: str, key_id: str, *, actor: str = CLI) -> None:
        if not await self.store.revoke_api_key(owner, key_id, format_time(now_utc()), actor):
            raise NotFound(f"owner {owner!r} has no active key {key_id!r}")
        self._cache.pop(key_id, None)
        log.info("API key %s of owner %s revoked", key_id, owner)

    async def bootstrap(self) -> str | None:
        """At the first start (no owner yet): the ``admin`` owner and an admin key, whose
        token is returned for the caller to hand to the operator; otherwise ``None``."""
        if await self.store.owners():
            return None
        if not await self.store.add_owner(
            Owner(ADMIN_OWNER, format_time(now_utc()), "made at first start"), BOOTSTRAP
        ):
            return None  # another process started first
        _, token = await self.create_key(ADMIN_OWNER, ("admin",), "bootstrap", actor=BOOTSTRAP)
        return token
