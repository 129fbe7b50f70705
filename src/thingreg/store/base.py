"""The storage interface every backend implements, and the records that cross it.

The domain never sees SQL. It reads records, and it writes through one primitive,
:meth:`Store.write`: the store hands the current record of a thing to a *decide* function inside
its write transaction, and commits whatever that function returns together with the event it
describes. Read-modify-write operations (replace, merge patch, delete) are therefore atomic
whatever the backend, and every committed change has exactly one event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

EventType = Literal["thing_created", "thing_updated", "thing_deleted"]
EVENT_TYPES: tuple[EventType, ...] = ("thing_created", "thing_updated", "thing_deleted")


@dataclass(frozen=True, slots=True)
class Alias:
    """A canonical identifier of a thing, and the scheme it was read as."""

    value: str
    scheme: str


@dataclass(frozen=True, slots=True)
class Delegation:
    """Identifiers starting with ``prefix`` are resolved by the registry at ``peer``."""

    prefix: str
    peer: str
    note: str = ""
    created: str = ""


@dataclass(frozen=True, slots=True)
class ThingRecord:
    """One stored thing: its TD (JSON bytes, without ``registration``) and the indexed columns."""

    id: str
    body: bytes
    title: str
    types: tuple[str, ...]
    created: str
    modified: str
    expires: str | None = None
    ttl: float | None = None
    anonymous: bool = False
    aliases: tuple[Alias, ...] = ()
    """Every canonical identifier of the thing, its own id included; unique registry-wide."""
    classes: tuple[str, ...] = ()
    """The SAREF core classes the TD is annotated with (local names), for the class index.

    Written with the thing, not read back: records a store returns leave it empty."""


@dataclass(frozen=True, slots=True)
class Mutation:
    """What a decide function asks the store to commit: a new record, or ``None`` to delete."""

    record: ThingRecord | None
    event_type: EventType
    diff: bytes | None = None
    """The event's extra payload for ``diff=true`` subscribers (full TD or merge patch)."""


@dataclass(frozen=True, slots=True)
class Event:
    """A committed change, numbered in commit order; the source of SSE streams and replay."""

    id: int
    type: EventType
    thing_id: str
    diff: bytes | None


@dataclass(frozen=True, slots=True)
class ThingFilter:
    """A condition on the indexed columns; ``None`` members do not constrain.

    ``types`` matches a thing whose ``@type`` is, or contains, any of the given strings;
    ``texts`` matches a thing whose stored JSON body contains every one of the given strings;
    ``schemes`` and ``aliases`` match things with an identifier of such a scheme or value;
    each member of ``classes`` matches a thing indexed with any of its SAREF classes (so the
    members are ANDed, the classes within one ORed).
    """

    ids: frozenset[str] | None = None
    titles: frozenset[str] | None = None
    types: frozenset[str] | None = None
    texts: frozenset[str] = frozenset()
    schemes: frozenset[str] | None = None
    aliases: frozenset[str] | None = None
    classes: tuple[frozenset[str], ...] = ()


# -- device credentials, challenges and signing keys ------------------------------------------

CredentialState = Literal["active", "disabled", "revoked"]
CREDENTIAL_STATES: tuple[CredentialState, ...] = ("active", "disabled", "revoked")


@dataclass(frozen=True, slots=True)
class Credential:
    """A public key (or an X.509 certificate's key) bound to one thing.

    ``jkt`` (the key's RFC 7638 thumbprint) is unique registry-wide; times are RFC 3339 UTC
    strings as elsewhere; ``None`` bounds do not constrain.
    """

    id: str
    thing_id: str
    kind: Literal["key", "x509"]
    alg: str
    """The JWS algorithm the key signs with: ``EdDSA`` (Ed25519) or ``ES256`` (P-256)."""
    jkt: str
    spki_sha256: str
    """SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex: what a certificate is bound by."""
    public_key: bytes
    """The DER SubjectPublicKeyInfo."""
    state: CredentialState
    created: str
    modified: str
    not_before: str | None = None
    not_after: str | None = None
    certificate: bytes | None = None
    """The bound X.509 certificate (DER) for ``kind == "x509"``."""
    subject: str | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Challenge:
    """A single-use nonce handed to whoever asked to authenticate as ``thing``."""

    nonce: str
    thing: str
    """The identifier as the client sent it; the device signs this very string."""
    audience: str
    expires: float
    """Seconds since the epoch."""
    used: float | None = None


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One of the registry's token signing keys; only the newest unretired one signs."""

    kid: str
    alg: str
    private_key: bytes
    """PKCS#8 PEM, encrypted when the registry has a passphrase."""
    public_jwk: str
    """The public JWK (JSON text) as published at ``/.well-known/jwks.json``."""
    created: str
    retired: str | None = None


Decide = Callable[[ThingRecord | None], Mutation]
"""Runs inside the write transaction with the thing's current record; may raise to abort."""


class Store(Protocol):
    """A backend: SQLite (embedded default) or PostgreSQL, chosen by the database URL."""

    async def open(self) -> None:
        """Connect, create or migrate the schema."""

    async def close(self) -> None:
        """Finish pending writes and release connections."""

    async def get(self, thing_id: str) -> ThingRecord | None:
        """The thing with exactly this id, or ``None``."""

    async def write(self, thing_id: str, decide: Decide) -> Event:
        """Atomically apply ``decide(current)`` and record its event; return the event."""

    def scan(
        self,
        *,
        offset: int = 0,
        limit: int | None = None,
        where: ThingFilter | None = None,
        chunk_size: int = 500,
    ) -> AsyncIterator[Sequence[ThingRecord]]:
        """Things in ascending code-point order of id, in chunks, without loading them all."""

    async def count(self, where: ThingFilter | None = None, *, limit: int | None = None) -> int:
        """How many things are stored (that match ``where``); with ``limit``, at most that
        many, which answers "are there more than *n*?" without counting them all."""

    async def find_alias(self, value: str) -> str | None:
        """The id of the thing that has the canonical identifier ``value``, or ``None``."""

    async def delegations(self) -> list[Delegation]:
        """The delegation table, by prefix."""

    async def put_delegation(self, delegation: Delegation) -> bool:
        """Add or replace a delegation; ``True`` when it is new."""

    async def delete_delegation(self, prefix: str) -> bool:
        """Remove a delegation; ``False`` when there was none."""

    async def collection_version(self) -> int:
        """A number that changes whenever a thing is added to or removed from the collection."""

    async def events_after(self, event_id: int, limit: int) -> list[Event]:
        """Retained events with an id greater than ``event_id``, oldest first."""

    async def last_event_id(self) -> int:
        """The id of the newest event, 0 when there is none."""

    async def expired_ids(self, now: str, limit: int) -> list[str]:
        """Ids of up to ``limit`` things whose ``expires`` is before ``now``, oldest first."""

    async def trim_events(self, keep: int) -> None:
        """Forget all but the newest ``keep`` events."""

    # -- device credentials, challenges and signing keys --------------------------------------

    async def add_credential(self, credential: Credential, max_per_thing: int) -> None:
        """Bind a credential to its thing; :class:`NotFound` when the thing does not exist,
        :class:`Conflict` when the key is already bound or the thing has ``max_per_thing``."""

    async def credentials(self, thing_id: str) -> list[Credential]:
        """The thing's credentials, oldest first."""

    async def credential(self, thing_id: str, credential_id: str) -> Credential | None:
        """One credential of a thing, or ``None``."""

    async def credential_by_jkt(self, jkt: str) -> Credential | None:
        """The credential holding the key with this RFC 7638 thumbprint, or ``None``."""

    async def credential_with_thing(self, jkt: str) -> tuple[Credential, ThingRecord] | None:
        """:meth:`credential_by_jkt` and the thing that holds it, read together."""

    async def update_credential(
        self, thing_id: str, credential_id: str, change: Callable[[Credential], Credential]
    ) -> Credential:
        """Replace a credential by ``change(current)`` atomically; :class:`NotFound` if none."""

    async def delete_credential(self, thing_id: str, credential_id: str) -> bool:
        """Remove a credential; ``False`` when there was none."""

    async def put_challenge(self, challenge: Challenge) -> None:
        """Store a new challenge."""

    async def take_challenge(self, nonce: str, now: float) -> Challenge | None:
        """Mark the unused challenge ``nonce`` used at ``now`` and return it; ``None`` when
        there is no such challenge or it was used before (see :meth:`challenge`)."""

    async def challenge(self, nonce: str) -> Challenge | None:
        """A stored challenge, used or not (to tell why a nonce was refused, in the log)."""

    async def purge_challenges(self, now: float) -> int:
        """Forget challenges that expired before ``now``; return how many."""

    async def signing_keys(self) -> list[SigningKey]:
        """Every stored signing key, newest first."""

    async def rotate_signing_key(self, key: SigningKey, current: str | None) -> bool:
        """Retire every unretired key and add ``key``, if the newest unretired key is still
        ``current`` (``None``: there is none); ``False`` when another process rotated first."""

    async def delete_signing_keys(self, retired_before: str) -> int:
        """Forget keys retired before ``retired_before``; return how many."""


ChunkReader = Callable[[str | None, int, int], Awaitable[list[ThingRecord]]]
"""``read(after_id, size, offset)``: up to ``size`` things with ids above ``after_id``."""


async def keyset_chunks(
    read: ChunkReader, *, offset: int, limit: int | None, chunk_size: int
) -> AsyncIterator[Sequence[ThingRecord]]:
    """The keyset pagination every backend's ``scan`` shares: ``offset`` applies to the first
    chunk only, then each chunk starts after the last id of the one before."""
    remaining = limit
    after: str | None = None
    while remaining is None or remaining > 0:
        size = chunk_size if remaining is None else min(chunk_size, remaining)
        rows = await read(after, size, offset)
        if not rows:
            return
        offset = 0
        after = rows[-1].id
        if remaining is not None:
            remaining -= len(rows)
        yield rows
        if len(rows) < size:
            return


def settle(future: asyncio.Future[Event], outcome: Event | BaseException | None) -> None:
    """Tell a queued write's caller how it ended: its event, or why it failed."""
    if future.done():
        return
    if isinstance(outcome, Event):
        future.set_result(outcome)
    else:
        future.set_exception(outcome or RuntimeError("write was not performed"))
