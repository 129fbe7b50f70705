"""The registry's token signing keys: made at first start, rotated, published as a JWKS.

The keys live in the store, so every process that shares the database signs with the same key
and publishes the same set. The newest unretired key signs; rotating adds a new key and retires
the others in one transaction. A retired key stays published until every token it can have
signed has expired: its retirement time plus the token lifetime, plus the time a process may go
on signing with it before it reloads the keys (the maintenance interval), plus a minute of
clock skew. Private keys are PKCS#8 PEM, encrypted with the configured passphrase when there is
one (the store also restricts its files to their owner; see docs/security.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from thingreg.core.auth import jose
from thingreg.core.td.registration import format_time, now_utc, parse_time
from thingreg.store.base import SigningKey, Store

log = logging.getLogger(__name__)

CLOCK_SKEW = 60.0
"""Seconds added to a retired key's publication for clocks that disagree."""


@dataclass(frozen=True, slots=True)
class PublishedKey:
    """A signing key's public half, as verifiers need it."""

    kid: str
    alg: str
    key: jose.PublicKey
    jwk: dict[str, str]
    created: str
    retired: str | None


def generate(alg: str) -> jose.PrivateKey:
    """A new private key for ``alg`` (``ES256`` or ``EdDSA``)."""
    if alg == jose.ES256:
        return ec.generate_private_key(ec.SECP256R1())
    if alg == jose.EDDSA:
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"token signing algorithm {alg!r} is not ES256 or EdDSA")


class Keyring:
    """The signing keys of one registry process, kept in step with the store."""

    def __init__(
        self,
        store: Store,
        *,
        alg: str = jose.ES256,
        passphrase: str = "",
        max_age: float = 0.0,
        token_ttl: float = 300.0,
        reload_interval: float = 10.0,
        clock_skew: float = CLOCK_SKEW,
    ) -> None:
        generate(alg)  # refuse an unknown algorithm now rather than at the first rotation
        self.store = store
        self.alg = alg
        self.passphrase = passphrase
        self.max_age = max_age
        self.token_ttl = token_ttl
        self.reload_interval = reload_interval
        self.clock_skew = clock_skew
        self._published: dict[str, PublishedKey] = {}
        self._current: SigningKey | None = None
        self._signer: tuple[str, jose.Signer] | None = None
        self._jwks = b'{"keys":[]}'
        self._seen: list[tuple[str, str | None]] | None = None

    # -- state -----------------------------------------------------------------------------

    async def load(self) -> None:
        """Read the keys; make the first one if there is none; check the current one opens."""
        await self.refresh()
        if self._current is None:
            await self.rotate()
        self._signing_key()

    async def refresh(self) -> None:
        """Reload the keys from the store when they changed (another process may rotate)."""
        rows = await self.store.signing_keys()
        seen = [(row.kid, row.retired) for row in rows]
        if seen == self._seen:
            return
        self._seen = seen
        self._published = {row.kid: _published(row) for row in rows}
        current = next((row for row in rows if row.retired is None), None)
        if current is not None and (self._current is None or current.kid != self._current.kid):
            log.info("signing with key %s (%s)", current.kid, current.alg)
        self._current = current
        self._jwks = orjson.dumps({"keys": [key.jwk for key in self._published.values()]})

    async def rotate(self) -> str:
        """Make a new key, retire the current one; return the kid that signs from now on."""
        private = generate(self.alg)
        jwk = jose.public_jwk(private.public_key())
        kid = jose.thumbprint(jwk)
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(self.passphrase.encode())
            if self.passphrase
            else serialization.NoEncryption()
        )
        row = SigningKey(
            kid=kid,
            alg=self.alg,
            private_key=private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            ),
            public_jwk=orjson.dumps(jwk).decode(),
            created=format_time(now_utc()),
        )
        current = None if self._current is None else self._current.kid
        if await self.store.rotate_signing_key(row, current):
            log.info("rotated the signing key: %s replaces %s", kid, current)
        else:
            log.info("another process rotated the signing key first")
        await self.refresh()
        assert self._current is not None
        return self._current.kid

    async def maintain(self) -> None:
        """Reload; rotate a key older than ``max_age``; forget keys no token can need."""
        await self.refresh()
        now = now_utc()
        current = self._current
        if current is None:
            await self.rotate()
        elif self.max_age > 0:
            created = parse_time(current.created)
            if created is not None and (now - created).total_seconds() >= self.max_age:
                await self.rotate()
        needed = self.token_ttl + self.reload_interval + self.clock_skew
        cutoff = format_time(now - timedelta(seconds=needed))
        if await self.store.delete_signing_keys(cutoff):
            await self.refresh()

    # -- use ---------------------------------------------------------------------------------

    @property
    def current_kid(self) -> str | None:
        return None if self._current is None else self._current.kid

    @property
    def jwks(self) -> bytes:
        """The JWK Set of every published key, as JSON bytes."""
        return self._jwks

    def published(self) -> list[PublishedKey]:
        return list(self._published.values())

    def sign(self, claims: Mapping[str, Any]) -> str:
        """A compact JWS of ``claims`` by the current key, its ``kid`` in the header."""
        return self._signing_key().sign(claims)

    def verification_key(self, kid: Any) -> PublishedKey | None:
        """The published key with this ``kid``, or ``None``."""
        return self._published.get(kid) if isinstance(kid, str) else None

    def _signing_key(self) -> jose.Signer:
        current = self._current
        if current is None:
            raise RuntimeError("the keyring is not loaded")
        if self._signer is None or self._signer[0] != current.kid:
            signer = jose.Signer(self._open(current), {"typ": "JWT", "kid": current.kid})
            self._signer = (current.kid, signer)
        return self._signer[1]

    def _open(self, row: SigningKey) -> jose.PrivateKey:
        encrypted = row.private_key.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        if encrypted and not self.passphrase:
            raise ValueError(
                f"signing key {row.kid} is encrypted: set THINGREG_SIGNING_KEY_PASSPHRASE"
            )
        try:
            key = serialization.load_pem_private_key(
                row.private_key, self.passphrase.encode() if encrypted else None
            )
        except ValueError:
            raise ValueError(
                f"signing key {row.kid} does not open: THINGREG_SIGNING_KEY_PASSPHRASE is wrong"
            ) from None
        if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError(f"signing key {row.kid} is not an Ed25519 or P-256 key")
        return key


def _published(row: SigningKey) -> PublishedKey:
    jwk: dict[str, str] = orjson.loads(row.public_jwk)
    return PublishedKey(
        kid=row.kid,
        alg=row.alg,
        key=jose.key_from_jwk(jwk),
        jwk={**jwk, "kid": row.kid, "alg": row.alg, "use": "sig"},
        created=row.created,
        retired=row.retired,
    )
