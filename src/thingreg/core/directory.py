"""The Thing Description Directory: the use cases of the WoT Discovery Things API.

This is the one place that turns a submitted TD into a stored record (validate, take the
registration information, add the discovery context) and a stored record back into an enriched
TD; the HTTP layer only parses requests and renders the results.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson

from thingreg.core.access.policy import (
    check_can_write,
    check_change,
    check_replace,
    hidden_members,
    may_change,
    may_manage,
    may_see,
    not_found,
    redact,
)
from thingreg.core.access.principal import Principal
from thingreg.core.aliases import MEMBER as ALIASES_MEMBER
from thingreg.core.aliases import listed_aliases, own_alias
from thingreg.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidThingDescription,
    Unauthorized,
)
from thingreg.core.events import EventBus
from thingreg.core.ids.analysis import analyse
from thingreg.core.search.jsonpath import JSONPathPlan, plan_jsonpath
from thingreg.core.search.predicate import TRUE
from thingreg.core.semantic.saref import (
    Kind,
    asked_classes,
    classes_of,
    stored_classes,
    with_superclasses,
)
from thingreg.core.td.merge_patch import apply_merge_patch, create_merge_patch
from thingreg.core.td.registration import (
    enriched,
    expiry,
    format_time,
    now_utc,
    render,
    types_of,
    with_discovery_context,
)
from thingreg.core.td.validation import validate_td
from thingreg.core.thing_id import check_thing_id
from thingreg.store.base import (
    VISIBILITIES,
    Access,
    Credential,
    Decide,
    Event,
    Mutation,
    Store,
    ThingFilter,
    ThingRecord,
    Unchanged,
    Visibility,
    WriteOutcome,
)

log = logging.getLogger(__name__)

WHOLE_COLLECTION_LIMIT = 50_000
"""Most things a query that must see the whole array at once may run over (memory bound)."""


class Directory:
    """Create, read, update, delete, list and search TDs; publish each committed change."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        *,
        max_query_length: int = 2048,
        publish_writes: bool = True,
        default_visibility: Visibility = "owner",
        pushdown: bool = True,
    ) -> None:
        self.store = store
        self.bus = bus
        self.max_query_length = max_query_length
        self.publish_writes = publish_writes
        """``False`` when an :class:`~thingreg.core.events.EventRelay` feeds the bus from the
        event log instead (other processes write too, and the bus must keep id order)."""
        if default_visibility not in ("owner", "public"):
            raise ValueError("the default visibility of new things is 'owner' or 'public'")
        self.default_visibility: Visibility = default_visibility
        self.pushdown = pushdown
        """Whether searches hand their filter to the store as a predicate; off, they stream
        every TD the indexed prefilter admits (for benchmarks and differential tests)."""

    # -- writes ----------------------------------------------------------------------------

    async def put(
        self,
        thing_id: str,
        td: Any,
        principal: Principal,
        *,
        owner: str | None = None,
        visibility: Visibility | None = None,
        guard: Callable[[ThingRecord | None], None] | None = None,
    ) -> bool:
        """Create or replace the TD at ``thing_id``; ``True`` when it was created.

        A new thing belongs to the principal's owner (or to ``owner``, which only an
        administrator may name) and is visible to its owner only (or as ``visibility`` says,
        which only an administrator may choose); a replaced one keeps its owner and access.
        ``guard`` sees the current record inside the write and may raise to refuse it (an
        integration that must only replace things it created itself).
        """
        check_can_write(principal)
        check_thing_id(thing_id)
        if isinstance(td, dict) and td.get("id") != thing_id:
            if "id" not in td:
                raise BadRequest("the TD has no id: PUT /things/{id} needs the TD's own id")
            raise BadRequest(
                f"the TD's id {td['id']!r} does not match the id in the URL {thing_id!r}"
            )
        access = await self._new_access(principal, owner, visibility)
        prepared = _prepare(thing_id, td, access=access)

        def decide(current: ThingRecord | None) -> Mutation:
            check_replace(principal, current, thing_id)
            if guard is not None:
                guard(current)
            return _store_mutation(current, _settle(prepared, current), principal)

        event = await self._write(thing_id, decide)
        return event.type == "thing_created"

    async def create_anonymous(
        self, td: Any, principal: Principal, *, owner: str | None = None
    ) -> str:
        """Store a TD that has no id under a new ``urn:uuid:`` and return that id."""
        check_can_write(principal)
        if isinstance(td, dict) and "id" in td:
            raise BadRequest(
                "the TD has an id: register it with PUT /things/{id} instead of POST /things"
            )
        thing_id = uuid.uuid4().urn
        if isinstance(td, dict):
            td = {**td, "id": thing_id}
        access = await self._new_access(principal, owner)
        prepared = _prepare(thing_id, td, anonymous=True, access=access)

        def decide(current: ThingRecord | None) -> Mutation:
            check_replace(principal, current, thing_id)
            return _store_mutation(current, _settle(prepared, current), principal)

        await self._write(thing_id, decide)
        return thing_id

    async def _new_access(
        self, principal: Principal, owner: str | None, visibility: Visibility | None = None
    ) -> Access:
        """The access of a thing this principal creates: its owner's, private (or the
        registry's default visibility). Only an administrator names another owner or another
        visibility."""
        if visibility is not None and visibility != self.default_visibility:
            if not principal.is_admin:
                raise Forbidden("only an administrator may choose the visibility of a new thing")
            if visibility not in ("owner", "public"):
                raise BadRequest("a new thing's visibility is 'owner' or 'public'")
        chosen = visibility or self.default_visibility
        if owner is None:
            return Access(principal.owner or "", chosen)
        if not principal.is_admin:
            raise Forbidden("only an administrator may write on behalf of another owner")
        if await self.store.owner(owner) is None:
            raise BadRequest(f"no owner called {owner!r}")
        return Access(owner, chosen)

    async def patch(self, thing_id: str, patch: Any, principal: Principal) -> None:
        """Apply a JSON merge patch to the enriched TD, re-validate, and store the result."""
        check_can_write(principal)
        check_thing_id(thing_id)
        if not isinstance(patch, dict):
            raise BadRequest("a merge patch for a TD must be a JSON object")
        if "id" in patch and patch["id"] != thing_id:
            raise BadRequest("a merge patch cannot change the TD's id")

        def decide(current: ThingRecord | None) -> Mutation:
            check_change(principal, current, thing_id)
            assert current is not None
            merged = apply_merge_patch(enriched(current), patch)
            prepared = _prepare(thing_id, merged, access=current.access)
            return _store_mutation(current, _settle(prepared, current), principal)

        await self._write(thing_id, decide)

    async def delete(
        self,
        thing_id: str,
        principal: Principal,
        *,
        guard: Callable[[ThingRecord | None], None] | None = None,
    ) -> None:
        check_can_write(principal)
        check_thing_id(thing_id)

        def decide(current: ThingRecord | None) -> Mutation:
            check_change(principal, current, thing_id)
            if guard is not None:
                guard(current)
            return Mutation(record=None, event_type="thing_deleted", actor=principal.name)

        await self._write(thing_id, decide)

    async def create_device(self, record: ThingRecord, credentials: tuple[Credential, ...]) -> None:
        """Create a thing together with its credentials, in one transaction (an enrolled
        device exists with its keys or not at all); :class:`ThingExists` when it exists."""

        def decide(current: ThingRecord | None) -> Mutation:
            if current is not None:
                raise ThingExists(f"a thing with id {record.id!r} exists already")
            return Mutation(
                record,
                "thing_created",
                render(record),
                actor="enrollment",
                action="device_enrolled",
                credentials=credentials,
            )

        await self._write(record.id, decide)

    async def access(self, thing_id: str, principal: Principal) -> Access:
        """A thing's owner and visibility, for its owner or an administrator."""
        record = await self.managed(thing_id, principal, change=False)
        return record.access

    async def set_access(self, thing_id: str, principal: Principal, wanted: Any) -> Access:
        """Change who may see a thing (not who owns it); ``wanted`` is the JSON of
        ``PUT /things/{id}/access``."""
        check_can_write(principal)
        check_thing_id(thing_id)
        visibility, shared, hidden = parse_access(wanted)
        for name in shared:
            if await self.store.owner(name) is None:
                raise BadRequest(f"no owner called {name!r} to share with")

        def decide(current: ThingRecord | None) -> Mutation:
            check_change(principal, current, thing_id)
            assert current is not None
            if wanted.get("owner", current.access.owner) != current.access.owner:
                raise BadRequest("the owner of a thing changes by a transfer, not here")
            access = Access(current.access.owner, visibility, shared, hidden)
            record = replace(
                current,
                access=access,
                modified=format_time(now_utc()),
                classes=stored_classes(current.body),
            )
            diff = orjson.dumps({"id": thing_id})
            return Mutation(record, "thing_updated", diff, principal.name, "access_changed")

        event = await self._write(thing_id, decide)
        return event.access

    async def managed(self, thing_id: str, principal: Principal, *, change: bool) -> ThingRecord:
        """The thing, when the principal may manage it (its owner, or an administrator): to
        read (``change=False``) or change (``True``) its access or credentials. 404 when
        missing or invisible, 403 when visible but someone else's."""
        if change:
            check_can_write(principal)
        elif principal.kind == "anonymous":
            raise Unauthorized("this needs the API key of the thing's owner")
        check_thing_id(thing_id)
        record = await self.store.get(thing_id)
        if record is None or not may_see(principal, record.access, thing_id):
            raise not_found(thing_id)
        if may_manage(principal, record.access) and (
            not change or may_change(principal, record.access)
        ):
            return record
        raise Forbidden(f"only the owner of {thing_id!r} may do this")

    async def write_thing(self, thing_id: str, decide: Decide) -> Event:
        """A write decided elsewhere in the domain (an ownership transfer), published."""
        return await self._write(thing_id, decide)

    async def put_many(
        self,
        records: Sequence[ThingRecord],
        principal: Principal,
        *,
        owner: str | None = None,
        actor: str | None = None,
    ) -> list[WriteOutcome]:
        """Create or replace many prepared things (see :func:`prepare_thing`; distinct ids) in
        one transaction. A thing already stored exactly so is left alone (its outcome is
        :class:`Unchanged`), so loading the same TDs twice changes nothing the second time.

        As with :meth:`put`, a new thing belongs to the principal's owner (or ``owner``, named
        by an administrator) and a replaced one keeps its owner and access; a thing the
        principal may not change is refused. ``actor`` names the writer in the audit log
        (default: the principal)."""
        check_can_write(principal)
        access = await self._new_access(principal, owner)
        name = actor or principal.name
        outcomes = await self.store.write_many(
            [
                (r.id, _replace_unless_same(replace(r, access=access), principal, name))
                for r in records
            ]
        )
        if self.publish_writes:
            for outcome in outcomes:
                if isinstance(outcome, Event):
                    self.bus.publish(outcome)
        return outcomes

    async def _write(self, thing_id: str, decide: Decide) -> Event:
        event = await self.store.write(thing_id, decide)
        if self.publish_writes:
            self.bus.publish(event)
        log.debug("%s %s", event.type, thing_id, extra={"thing_id": thing_id})
        return event

    async def purge_expired(self, batch: int = 1000) -> int:
        """Delete things past their expiry, each with its delete event; return how many."""
        now = format_time(now_utc())
        purged = 0
        while ids := await self.store.expired_ids(now, batch):
            for thing_id in ids:
                with contextlib.suppress(_Renewed):
                    await self._write(thing_id, _expire_if_due(now))
                    purged += 1
            if len(ids) < batch:
                break
        return purged

    # -- reads -----------------------------------------------------------------------------

    async def get(self, thing_id: str, principal: Principal) -> bytes:
        """The enriched TD, with ``registration.retrieved`` set to now, as the principal may
        see it."""
        check_thing_id(thing_id)
        record = await self.store.get(thing_id)
        if record is None or not may_see(principal, record.access, thing_id):
            raise not_found(thing_id)
        retrieved = format_time(now_utc())
        hidden = hidden_members(principal, record.access)
        if hidden:
            return orjson.dumps(redact(orjson.loads(render(record, retrieved)), hidden))
        return render(record, retrieved=retrieved)

    async def list(
        self,
        principal: Principal,
        *,
        offset: int = 0,
        limit: int | None = None,
        where: ThingFilter | None = None,
    ) -> AsyncIterator[bytes]:
        """Enriched TDs the principal may see, in id order, streamed chunk by chunk."""
        retrieved = format_time(now_utc())
        where = seen_by(principal, where)
        async for chunk in self.store.scan(offset=offset, limit=limit, where=where):
            for record in chunk:
                hidden = hidden_members(principal, record.access)
                if hidden:
                    yield orjson.dumps(redact(orjson.loads(render(record, retrieved)), hidden))
                else:
                    yield render(record, retrieved)

    async def count(
        self, principal: Principal, where: ThingFilter | None = None, *, limit: int | None = None
    ) -> int:
        """How many things the principal may see (that match ``where``)."""
        return await self.store.count(seen_by(principal, where), limit=limit)

    @staticmethod
    def identifier_filter(
        scheme: str | None, alias: str | None, text: str | None = None
    ) -> ThingFilter | None:
        """The filter for things with an identifier of ``scheme`` and/or matching ``alias``
        (any notation: every valid reading of it counts), and/or whose title or id contains
        every word of ``text`` (ASCII case ignored)."""
        words = free_text_words(text)
        if scheme is None and alias is None and not words:
            return None
        aliases = None
        if alias is not None:
            aliases = frozenset(r.canonical for r in analyse(alias).readings) | {alias.strip()}
        schemes = None if scheme is None else frozenset(scheme.split(","))
        return ThingFilter(schemes=schemes, aliases=aliases, words=words)

    @staticmethod
    def class_filter(
        where: ThingFilter | None, asked: Mapping[Kind, Sequence[str]]
    ) -> ThingFilter | None:
        """``where``, narrowed to things annotated with the SAREF classes asked for (or their
        subclasses): per kind (``type``, ``function``, ``property``), any of its values.

        :class:`BadRequest` for a value that names no SAREF core class (or not one of the kind).
        """
        conditions = tuple(asked_classes(kind, values) for kind, values in asked.items() if values)
        if not conditions:
            return where
        return replace(where or ThingFilter(), classes=conditions)

    async def search_jsonpath(
        self, query: str, principal: Principal, within: ThingFilter | None = None
    ) -> AsyncIterator[bytes]:
        """JSON values of the nodes the query selects in the array of the enriched TDs the
        principal may see (those ``within`` an identifier filter), as it may see them.

        The query is planned first so that a bad query fails before any output is sent.
        """
        plan = plan_jsonpath(query, max_length=self.max_query_length)
        within = seen_by(principal, within)
        if not self.pushdown:
            plan = replace(plan, predicate=TRUE, whole_tds=False)
        if not plan.per_thing and (
            await self.store.count(within, limit=WHOLE_COLLECTION_LIMIT + 1)
            > WHOLE_COLLECTION_LIMIT
        ):
            raise BadRequest(
                "this query needs the whole collection in memory (it indexes the root array or "
                f"refers to $ in a filter), which is refused above {WHOLE_COLLECTION_LIMIT} "
                "things; start it with $[?...], $[*] or $..name instead"
            )
        return self._search(plan, within or ThingFilter(), principal)

    async def _search(
        self, plan: JSONPathPlan, within: ThingFilter, principal: Principal
    ) -> AsyncIterator[bytes]:
        if plan.per_thing:
            if plan.prefilter.matches_nothing:
                return
            prefilter = plan.prefilter
            where = replace(
                within,
                ids=prefilter.ids,
                titles=prefilter.titles,
                types=prefilter.types,
                texts=plan.required_texts,
                match=None if plan.predicate == TRUE else plan.predicate,
            )
            async for chunk in self.store.scan(where=where):
                for record in chunk:
                    # Python judges every row on the TD as this principal sees it: the store
                    # keeps every thing with hidden members whatever the predicate says.
                    hidden = hidden_members(principal, record.access)
                    td = redact(enriched(record), hidden)
                    values = plan.evaluate_one(td)
                    if plan.whole_tds:  # the filter held: the result is the TD itself
                        if values:
                            yield orjson.dumps(td) if hidden else render(record)
                        continue
                    for value in values:
                        yield orjson.dumps(value)
            return
        tds = [
            redact(enriched(r), hidden_members(principal, r.access))
            async for chunk in self.store.scan(where=within)
            for r in chunk
        ]
        for value in plan.evaluate_all(tds):
            yield orjson.dumps(value)


def prepare_thing(td: Any) -> ThingRecord:
    """Validate a TD that carries its id, as ``PUT /things/{id}`` would, into its record.

    Bulk loading validates with this before it writes (:meth:`Directory.put_many`).
    """
    if not isinstance(td, dict):
        raise BadRequest("a Thing Description must be a JSON object")
    thing_id = td.get("id")
    if not isinstance(thing_id, str):
        raise BadRequest("the TD has no id: bulk loading needs TDs with ids (to be idempotent)")
    check_thing_id(thing_id)
    return _prepare(thing_id, td, access=Access("", "owner"))


def _replace_unless_same(prepared: ThingRecord, principal: Principal, actor: str) -> Decide:
    """A create-or-replace that raises :class:`Unchanged` when the stored thing already has
    this TD and registration request (only the directory's timestamps would differ)."""

    def decide(current: ThingRecord | None) -> Mutation:
        check_replace(principal, current, prepared.id)
        if current is not None and _same(current, prepared):
            raise Unchanged(prepared.id)
        mutation = _store_mutation(current, _settle(prepared, current), principal)
        return replace(mutation, actor=actor)

    return decide


def _same(current: ThingRecord, prepared: ThingRecord) -> bool:
    return (
        current.body == prepared.body
        and current.ttl == prepared.ttl
        and (prepared.ttl is not None or current.expires == prepared.expires)
        and current.title == prepared.title
        and current.types == prepared.types
        and current.aliases == prepared.aliases
    )


class ThingExists(Conflict):
    """A create-only write found the thing already there."""


def prepare(thing_id: str, td: Any, access: Access | None = None) -> ThingRecord:
    """Validate a TD and turn it into a new record (``InvalidThingDescription`` if invalid).

    Without ``access`` the thing belongs to no owner and only administrators see it: the
    devices an enrollment group registers (groups have no owner yet)."""
    return _prepare(thing_id, td, access=access or Access("", "owner"))


MAX_WORDS = 8


def free_text_words(text: str | None) -> frozenset[str]:
    """The words of a free-text query, ASCII letters lowercased (as the stores compare)."""
    if text is None:
        return frozenset()
    words = text.split()
    if len(words) > MAX_WORDS:
        raise BadRequest(f"a free-text query may have at most {MAX_WORDS} words")
    return frozenset(word.translate(_ASCII_LOWER) for word in words)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def seen_by(principal: Principal, where: ThingFilter | None) -> ThingFilter | None:
    """``where``, narrowed to what the principal may see (applied by the store's query)."""
    audience = principal.audience
    if audience is None:
        return where
    return replace(where or ThingFilter(), audience=audience)


def parse_access(wanted: Any) -> tuple[Visibility, tuple[str, ...], tuple[str, ...]]:
    """The body of ``PUT /things/{id}/access``: visibility, shared-with owners, hidden fields."""
    if not isinstance(wanted, dict):
        raise BadRequest("the access of a thing is a JSON object")
    unknown = set(wanted) - {"visibility", "sharedWith", "hiddenFields", "owner"}
    if unknown:
        raise BadRequest(f"unknown member(s): {', '.join(sorted(unknown))}")
    visibility = wanted.get("visibility", "owner")
    if visibility not in VISIBILITIES:
        raise BadRequest(f"visibility must be one of {', '.join(VISIBILITIES)}")
    shared = wanted.get("sharedWith", [])
    hidden = wanted.get("hiddenFields", [])
    for name, values in (("sharedWith", shared), ("hiddenFields", hidden)):
        if not isinstance(values, list) or not all(
            isinstance(v, str) and v and "\x00" not in v for v in values
        ):
            raise BadRequest(f"{name} must be a list of non-empty strings")
    if visibility == "shared" and not shared:
        raise BadRequest("a shared thing needs sharedWith: the owners it is shared with")
    if visibility != "shared" and shared:
        raise BadRequest("sharedWith needs visibility 'shared'")
    if set(hidden) & {"id", "@context", "registration"}:
        raise BadRequest("id, @context and registration cannot be hidden")
    return visibility, tuple(sorted(set(shared))), tuple(sorted(set(hidden)))


def describe_access(access: Access) -> dict[str, Any]:
    return {
        "owner": access.owner,
        "visibility": access.visibility,
        "sharedWith": list(access.shared),
        "hiddenFields": list(access.hidden),
    }


def _prepare(thing_id: str, td: Any, *, access: Access, anonymous: bool = False) -> ThingRecord:
    """Validate a submitted TD and turn it into the record to store, as if it were new.

    This runs before the write is queued, so the store's writer spends its time on SQL only.
    """
    errors = validate_td(td)
    now = now_utc()
    expires, ttl, registration_errors = expiry(
        td.get("registration") if isinstance(td, dict) else None, now
    )
    errors.extend(registration_errors)
    listed, member, alias_errors = (
        listed_aliases(td.get(ALIASES_MEMBER)) if isinstance(td, dict) else ([], [], [])
    )
    errors.extend(alias_errors)
    if errors:
        raise InvalidThingDescription(
            f"the TD is not valid: {len(errors)} problem(s) found", errors
        )
    assert isinstance(td, dict)
    body = {k: v for k, v in td.items() if k != "registration"}
    body["@context"] = with_discovery_context(body.get("@context"))
    if member:
        body[ALIASES_MEMBER] = member
    aliases = {alias.value: alias for alias in (own_alias(thing_id), *listed)}
    stamp = format_time(now)
    return ThingRecord(
        id=thing_id,
        body=orjson.dumps(body),
        title=td["title"],
        types=types_of(td),
        created=stamp,
        modified=stamp,
        expires=expires,
        ttl=ttl,
        anonymous=anonymous,
        aliases=tuple(aliases.values()),
        access=access,
        classes=with_superclasses(classes_of(td)),
    )


def _settle(prepared: ThingRecord, current: ThingRecord | None) -> ThingRecord:
    """The prepared record as a replacement of ``current``: it keeps the creation time."""
    if current is None:
        return prepared
    return replace(
        prepared,
        created=current.created,
        anonymous=prepared.anonymous or current.anonymous,
        access=current.access,
    )


def _store_mutation(
    current: ThingRecord | None, record: ThingRecord, principal: Principal
) -> Mutation:
    """The mutation and its event: full TD for a creation, merge patch (with id) for an update."""
    if current is None:
        return Mutation(record, "thing_created", render(record), principal.name)
    diff = create_merge_patch(enriched(current), enriched(record))
    diff["id"] = record.id
    return Mutation(record, "thing_updated", orjson.dumps(diff), principal.name)


class _Renewed(Exception):
    """The thing was renewed or deleted between the expiry scan and its deletion."""


def _expire_if_due(now: str) -> Decide:
    def decide(current: ThingRecord | None) -> Mutation:
        if current is None or current.expires is None or current.expires >= now:
            raise _Renewed
        return Mutation(record=None, event_type="thing_deleted", actor="system (expiry)")

    return decide
