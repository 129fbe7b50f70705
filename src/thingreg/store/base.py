"""The storage interface every backend implements, and the records that cross it.

The domain never sees SQL. It reads records, and it writes through one primitive,
:meth:`Store.write`: the store hands the current record of a thing to a *decide* function inside
its write transaction, and commits whatever that function returns together with the event it
describes. Read-modify-write operations (replace, merge patch, delete) are therefore atomic
whatever the backend, and every committed change has exactly one event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
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


@dataclass(frozen=True, slots=True)
class Mutation:
    """What a decide function asks the store to commit: a new record, or ``None`` to delete."""

    record: ThingRecord | None
    event_type: EventType
    diff: bytes | None = None
    """The event's extra payload for ``diff=true`` subscribers (full TD or merge patch)."""
    credentials: tuple[Credential, ...] = ()
    """Credentials to bind to a thing this mutation *creates*, in the same transaction (a
    device registered by an enrollment group exists with its key or not at all); a key bound
    already fails the write with :class:`Conflict`."""


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
    ``words`` matches a thing whose title or id contains every one of the given (lowercase)
    words, ignoring ASCII case: the console's free-text search, served by the title and id
    indexes without reading the TDs;
    ``schemes`` and ``aliases`` match things with an identifier of such a scheme or value.
    """

    ids: frozenset[str] | None = None
    titles: frozenset[str] | None = None
    types: frozenset[str] | None = None
    texts: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    schemes: frozenset[str] | None = None
    aliases: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    """Aggregate figures for the overview, each computed in the database from an index or one
    pass over the narrow columns (never by loading TDs). Counts are ``(key, count)`` pairs."""

    things: int
    types: tuple[tuple[str, int], ...]
    """The most common ``@type`` values, most common first."""
    schemes: tuple[tuple[str, int], ...]
    """Things per identifier scheme, most common first."""
    created: tuple[tuple[str, int], ...]
    """Things registered per UTC day (``YYYY-MM-DD``) since the ``since`` day, oldest first;
    a replaced thing counts on the day it was first registered."""
    expiring: tuple[tuple[str, int], ...]
    """Things whose registration expires per UTC day from ``now`` until ``until``."""


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
    group_id: str | None = None
    """The enrollment group that registered the device with this credential, if any."""


@dataclass(frozen=True, slots=True)
class EnrollmentGroup:
    """An enrollment group: who may register devices (a CA, a group key, or a file) and how.

    ``body`` is the group's definition as JSON (trust anchors, group key, TD template, how a
    device's id is made); ``core/auth/enrollment.py`` reads and writes it, the store keeps it.
    """

    id: str
    body: bytes
    enabled: bool
    created: str
    modified: str


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


@dataclass(frozen=True, slots=True)
class MqttAccount:
    """A thing's access to the MQTT broker: the registry issues its password and keeps only
    ``salt``, from which (with the registry's secret) the password is derived again."""

    thing_id: str
    salt: str
    """Random, new for every issued password; never the password itself."""
    state: CredentialState
    created: str
    modified: str


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

    async def count(self, where: ThingFilter | None = None) -> int:
        """How many things are stored (that match ``where``)."""

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

    async def stats(self, *, since: str, now: str, until: str, top: int) -> Stats:
        """The overview's figures (:class:`Stats`): at most ``top`` types and schemes,
        registrations from ``since``, expiries in ``[now, until)`` (RFC 3339 UTC strings)."""

    # -- several processes on one database ----------------------------------------------------

    def event_signals(self) -> AsyncGenerator[None, None] | None:
        """Wake-ups for following the event log when other processes write to it too.

        ``None`` when this process is the database's only writer (SQLite): the events its own
        writes return are then every event there is. Otherwise an endless iterator that yields
        once when it is ready (later commits will be signalled) and then whenever events may
        have been committed by any process: read :meth:`events_after` on each. A wake-up may be
        spurious and several commits may share one; none is lost, since the iterator also yields
        after it reconnects and every few seconds whatever it heard.
        """

    def maintenance_lock(self) -> AbstractAsyncContextManager[bool]:
        """Held for one round of shared maintenance (expiry purge, event trimming): enters with
        ``True`` when this process may run it now, ``False`` when another one is running it."""

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

    # -- MQTT broker accounts and follower cursors ---------------------------------------------

    async def put_mqtt_account(self, account: MqttAccount) -> None:
        """Create or replace a thing's MQTT account; :class:`NotFound` when the thing does not
        exist. Deleting the thing deletes its account in the same transaction."""

    async def mqtt_account(self, thing_id: str) -> MqttAccount | None:
        """The thing's MQTT account, or ``None``."""

    async def mqtt_accounts(self, after: str | None, limit: int) -> list[MqttAccount]:
        """Up to ``limit`` accounts with thing ids above ``after``, in code-point order."""

    async def update_mqtt_account(
        self, thing_id: str, change: Callable[[MqttAccount], MqttAccount]
    ) -> MqttAccount:
        """Replace the account by ``change(current)`` atomically; :class:`NotFound` if none."""

    async def delete_mqtt_account(self, thing_id: str) -> bool:
        """Remove the thing's MQTT account; ``False`` when there was none."""

    async def cursor(self, name: str) -> int:
        """The last event id the follower called ``name`` has processed (0 at first)."""

    async def set_cursor(self, name: str, event_id: int) -> None:
        """Record that the follower ``name`` has processed every event up to ``event_id``."""

    # -- enrollment groups and blocked devices ------------------------------------------------

    async def add_enrollment_group(self, group: EnrollmentGroup) -> None:
        """Store a new group; :class:`Conflict` when one with its id exists."""

    async def enrollment_group(self, group_id: str) -> EnrollmentGroup | None:
        """One group, or ``None``."""

    async def enrollment_groups(self) -> list[EnrollmentGroup]:
        """Every group, by id."""

    async def update_enrollment_group(
        self, group_id: str, change: Callable[[EnrollmentGroup], EnrollmentGroup]
    ) -> EnrollmentGroup:
        """Replace a group by ``change(current)`` atomically; :class:`NotFound` if none."""

    async def delete_enrollment_group(self, group_id: str) -> bool:
        """Remove a group and its block list (its devices stay); ``False`` when there was none."""

    async def block_device(self, group_id: str, device_id: str, created: str) -> bool:
        """Add the device to the group's block list and disable the credentials the group
        registered it with, in one transaction; ``False`` when it was blocked already."""

    async def unblock_device(self, group_id: str, device_id: str, modified: str) -> bool:
        """Take the device off the block list and enable again the credentials the group
        registered it with that are disabled; ``False`` when it was not blocked."""

    async def blocked_devices(self, group_id: str) -> list[str]:
        """The ids on the group's block list, in code-point order."""

    async def is_blocked(self, group_id: str, device_id: str) -> bool:
        """Whether the device is on the group's block list."""


def like_pattern(word: str) -> str:
    """``%word%`` for LIKE, with the wildcards ``%`` and ``_`` in the word escaped."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
