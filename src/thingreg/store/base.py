"""The storage interface every backend implements, and the records that cross it.

The domain never sees SQL. It reads records, and it writes through one primitive,
:meth:`Store.write`: the store hands the current record of a thing to a *decide* function inside
its write transaction, and commits whatever that function returns together with the event it
describes. Read-modify-write operations (replace, merge patch, delete) are therefore atomic
whatever the backend, and every committed change has exactly one event.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

import orjson

from thingreg.core.search.predicate import Predicate

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


Visibility = Literal["public", "owner", "shared"]
VISIBILITIES: tuple[Visibility, ...] = ("public", "owner", "shared")


@dataclass(frozen=True, slots=True)
class Access:
    """Who a thing belongs to and who else may see it (``core/access.py`` applies it).

    ``shared`` names the owners a ``shared`` thing is visible to; ``hidden`` the top-level TD
    members anonymous clients do not see of a ``public`` thing.
    """

    owner: str = ""
    visibility: Visibility = "owner"
    shared: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"o": self.owner, "v": self.visibility, "s": self.shared, "h": self.hidden}
        )

    @staticmethod
    def from_json(raw: str | bytes | None) -> Access:
        if not raw:
            return Access("", "public")
        data = orjson.loads(raw)
        return Access(data["o"], data["v"], tuple(data["s"]), tuple(data["h"]))


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
    access: Access = Access()
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
    actor: str = "system"
    """Who made the change, for the audit log."""
    action: str = ""
    """The audit log's name for the change; empty means the event type."""
    credentials: tuple[Credential, ...] = ()
    """Credentials to bind to a thing this mutation *creates*, in the same transaction (a
    device registered by an enrollment group exists with its key or not at all); a key bound
    already fails the write with :class:`Conflict`."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of the hash-chained audit log (``core/audit.py``)."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    owner: str
    digest: str
    prev: str = ""
    hash: str = ""


def owner_audit(owner: Owner, actor: str) -> AuditEntry:
    state = f"{owner.name}\n{owner.created}\n{owner.note}".encode()
    return AuditEntry(
        0,
        audit_stamp(),
        actor,
        "owner_added",
        owner.name,
        owner.name,
        hashlib.sha256(state).hexdigest(),
    )


def key_audit(key: ApiKey, action: str, actor: str) -> AuditEntry:
    """The entry of a key's creation or revocation; the digest covers the stored secret digest."""
    state = f"{key.id}\n{key.owner}\n{','.join(key.scopes)}\n{key.revoked or ''}".encode()
    digest = hashlib.sha256(state + key.secret_sha256).hexdigest()
    return AuditEntry(0, audit_stamp(), actor, action, key.id, key.owner, digest)


def transfer_audit(transfer: Transfer, actor: str) -> AuditEntry:
    digest = hashlib.sha256(transfer.record.encode()).hexdigest()
    return AuditEntry(
        0, audit_stamp(), actor, "transfer_signed", transfer.id, transfer.from_owner, digest
    )


def audit_stamp() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def thing_audit(
    mutation: Mutation, thing_id: str, current: ThingRecord | None, at: str
) -> AuditEntry:
    """The audit entry of a thing's change, before it is numbered and chained: the digest is
    of the stored description and access (of nothing, for a deletion)."""
    record = mutation.record
    state = b"" if record is None else record.body + b"\n" + record.access.to_json()
    return AuditEntry(
        0,
        at,
        mutation.actor,
        mutation.action or mutation.event_type,
        thing_id,
        event_access(mutation, current).owner,
        hashlib.sha256(state).hexdigest(),
    )


@dataclass(frozen=True, slots=True)
class Event:
    """A committed change, numbered in commit order; the source of SSE streams and replay."""

    id: int
    type: EventType
    thing_id: str
    diff: bytes | None
    access: Access = Access()
    """The thing's access as of this change (before it, for a deletion): who may see it."""


@dataclass(frozen=True, slots=True)
class Audience:
    """Whose view a read takes: things visible to ``owner`` (``None``: anonymous, public
    things only). A read without an audience sees everything (an administrator)."""

    owner: str | None = None


@dataclass(frozen=True, slots=True)
class ThingFilter:
    """A condition on the indexed columns; ``None`` members do not constrain.

    ``types`` matches a thing whose ``@type`` is, or contains, any of the given strings;
    ``texts`` matches a thing whose stored JSON body contains every one of the given strings;
    ``words`` matches a thing whose title or id contains every one of the given (lowercase)
    words, ignoring ASCII case: the console's free-text search, served by the title and id
    indexes without reading the TDs;
    ``schemes`` and ``aliases`` match things with an identifier of such a scheme or value;
    each member of ``classes`` matches a thing indexed with any of its SAREF classes (so the
    members are ANDed, the classes within one ORed);
    ``audience`` keeps the things that audience may see (indexed: owner, visibility, shares);
    ``match`` is a predicate on the TD body (see :mod:`thingreg.core.search.predicate`) that
    the store evaluates in the database when it can render it exactly, and otherwise ignores:
    it only narrows a search, whose every row is still judged in Python. With an
    ``audience``, a thing with hidden members is kept whatever ``match`` says: the predicate
    sees the whole TD, and only Python, on the TD without them, may judge it (a predicate on
    a hidden member must not decide, by a thing's absence, what that member holds).
    """

    ids: frozenset[str] | None = None
    titles: frozenset[str] | None = None
    types: frozenset[str] | None = None
    texts: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    schemes: frozenset[str] | None = None
    aliases: frozenset[str] | None = None
    audience: Audience | None = None
    match: Predicate | None = None
    classes: tuple[frozenset[str], ...] = ()


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


# -- owners and their API keys ----------------------------------------------------------------

Scope = Literal["read", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")


@dataclass(frozen=True, slots=True)
class Owner:
    """A tenant: things belong to owners, people and systems act for one with its API keys."""

    name: str
    created: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An owner's API key; only a digest of its secret is stored (``core/access.py``)."""

    id: str
    owner: str
    secret_sha256: bytes
    scopes: tuple[Scope, ...]
    created: str
    label: str = ""
    revoked: str | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    """A signed hand-over of things from one owner to another (``core/transfers.py``)."""

    id: str
    created: str
    from_owner: str
    to_owner: str
    things: tuple[str, ...]
    record: str
    """The compact JWS the registry signed."""
    key_jwk: str
    """The public JWK (JSON text) of the key that signed it."""


Decide = Callable[[ThingRecord | None], Mutation]
"""Runs inside the write transaction with the thing's current record; may raise to abort."""


class Unchanged(Exception):
    """Raised by a *decide* function when the thing already is as asked: nothing is written
    and no event is recorded (a bulk import of a TD stored before)."""


WriteOutcome = Event | Exception
"""What one write of :meth:`Store.write_many` came to: its event, or why it was not done."""


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

    async def write_many(self, writes: Sequence[tuple[str, Decide]]) -> list[WriteOutcome]:
        """Apply many writes (to distinct things) in one transaction, in the given order.

        Each write behaves as :meth:`write` would, one after the other: its *decide* sees the
        current record, aliases stay unique (a create claiming an identifier that an earlier
        write of the list released succeeds). A write that fails (its *decide* raised, or an
        identifier belongs to another thing) gets its exception in the result and changes
        nothing; the others are committed together, with one event each, or not at all (the
        call raises). ``ValueError`` when a thing id appears twice.
        """

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

    # -- owners and API keys ------------------------------------------------------------------

    async def owners(self) -> list[Owner]:
        """Every owner, by name."""

    async def owner(self, name: str) -> Owner | None:
        """The owner called ``name``, or ``None``."""

    async def add_owner(self, owner: Owner, actor: str) -> bool:
        """Add an owner; ``False`` when one of that name exists."""

    async def add_api_key(self, key: ApiKey, actor: str) -> None:
        """Store a new key; :class:`NotFound` when its owner does not exist."""

    async def api_key(self, key_id: str) -> ApiKey | None:
        """The key with this id (revoked or not), or ``None``."""

    async def api_keys(self, owner: str) -> list[ApiKey]:
        """The owner's keys, oldest first."""

    async def revoke_api_key(self, owner: str, key_id: str, when: str, actor: str) -> bool:
        """Mark the owner's key revoked at ``when``; ``False`` when it has no such unrevoked key."""

    async def add_transfer(self, transfer: Transfer, actor: str) -> None:
        """Store a signed transfer record (and its audit entry)."""

    async def transfer(self, transfer_id: str) -> Transfer | None:
        """A stored transfer record, or ``None``."""

    # -- the audit log -------------------------------------------------------------------------

    async def audit_entries(
        self, *, after: int = 0, limit: int | None = None, owner: str | None = None
    ) -> list[AuditEntry]:
        """Entries with a sequence number above ``after``, oldest first (those concerning
        ``owner`` only, when given)."""

    async def audit_head(self) -> tuple[int, str]:
        """The sequence number and hash of the newest entry, as the head row records them."""


ChunkReader = Callable[[str | None, int, int], Awaitable[list[ThingRecord]]]
"""``read(after_id, size, offset)``: up to ``size`` things with ids above ``after_id``."""


async def keyset_chunks(
    read: ChunkReader,
    *,
    offset: int,
    limit: int | None,
    chunk_size: int,
    max_chunk_size: int | None = None,
) -> AsyncIterator[Sequence[ThingRecord]]:
    """The keyset pagination every backend's ``scan`` shares: ``offset`` applies to the first
    chunk only, then each chunk starts after the last id of the one before.

    With ``max_chunk_size``, the chunk size doubles after every full chunk up to that size:
    a filter the database answers from an index (a bitmap, then a sort) costs about the same
    whatever the chunk, so a broad one would otherwise be paid once per 500 rows.
    """
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
        if max_chunk_size is not None:
            chunk_size = min(chunk_size * 2, max_chunk_size)


def growth_limit(where: ThingFilter | None, chunk_size: int) -> int | None:
    """``max_chunk_size`` for a scan: chunks grow for searches the database filters."""
    return None if where is None or where.match is None else 8 * chunk_size


def like_pattern(word: str) -> str:
    """``%word%`` for LIKE, with the wildcards ``%`` and ``_`` in the word escaped."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def event_access(mutation: Mutation, current: ThingRecord | None) -> Access:
    """The access an event carries: the new record's, or for a deletion the deleted one's."""
    record = mutation.record or current
    return Access() if record is None else record.access


def distinct_ids(writes: Sequence[tuple[str, Decide]]) -> list[str]:
    """The thing ids of a :meth:`Store.write_many` call; ``ValueError`` if one repeats."""
    ids = [thing_id for thing_id, _ in writes]
    if len(set(ids)) != len(ids):
        raise ValueError("write_many takes at most one write per thing")
    return ids


def settle(future: asyncio.Future[Event], outcome: Event | BaseException | None) -> None:
    """Tell a queued write's caller how it ended: its event, or why it failed."""
    if future.done():
        return
    if isinstance(outcome, Event):
        future.set_result(outcome)
    else:
        future.set_exception(outcome or RuntimeError("write was not performed"))
