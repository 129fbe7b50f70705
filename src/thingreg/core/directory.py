"""The Thing Description Directory: the use cases of the WoT Discovery Things API.

This is the one place that turns a submitted TD into a stored record (validate, take the
registration information, add the discovery context) and a stored record back into an enriched
TD; the HTTP layer only parses requests and renders the results.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson

from thingreg.core.aliases import MEMBER as ALIASES_MEMBER
from thingreg.core.aliases import listed_aliases, own_alias
from thingreg.core.errors import BadRequest, InvalidThingDescription, NotFound
from thingreg.core.events import EventBus
from thingreg.core.ids.analysis import analyse
from thingreg.core.search.jsonpath import JSONPathPlan, plan_jsonpath
from thingreg.core.semantic.saref import Kind, asked_classes, classes_of, with_superclasses
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
from thingreg.store.base import Decide, Event, Mutation, Store, ThingFilter, ThingRecord

log = logging.getLogger(__name__)

WHOLE_COLLECTION_LIMIT = 50_000
"""Most things a query that must see the whole array at once may run over (memory bound)."""


class Directory:
    """Create, read, update, delete, list and search TDs; publish each committed change."""

    def __init__(self, store: Store, bus: EventBus, *, max_query_length: int = 2048) -> None:
        self.store = store
        self.bus = bus
        self.max_query_length = max_query_length

    # -- writes ----------------------------------------------------------------------------

    async def put(self, thing_id: str, td: Any) -> bool:
        """Create or replace the TD at ``thing_id``; ``True`` when it was created."""
        check_thing_id(thing_id)
        if isinstance(td, dict) and td.get("id") != thing_id:
            if "id" not in td:
                raise BadRequest("the TD has no id: PUT /things/{id} needs the TD's own id")
            raise BadRequest(
                f"the TD's id {td['id']!r} does not match the id in the URL {thing_id!r}"
            )

        prepared = _prepare(thing_id, td)

        def decide(current: ThingRecord | None) -> Mutation:
            return _store_mutation(current, _settle(prepared, current))

        event = await self._write(thing_id, decide)
        return event.type == "thing_created"

    async def create_anonymous(self, td: Any) -> str:
        """Store a TD that has no id under a new ``urn:uuid:`` and return that id."""
        if isinstance(td, dict) and "id" in td:
            raise BadRequest(
                "the TD has an id: register it with PUT /things/{id} instead of POST /things"
            )
        thing_id = uuid.uuid4().urn
        if isinstance(td, dict):
            td = {**td, "id": thing_id}

        prepared = _prepare(thing_id, td, anonymous=True)

        def decide(current: ThingRecord | None) -> Mutation:
            return _store_mutation(current, _settle(prepared, current))

        await self._write(thing_id, decide)
        return thing_id

    async def patch(self, thing_id: str, patch: Any) -> None:
        """Apply a JSON merge patch to the enriched TD, re-validate, and store the result."""
        check_thing_id(thing_id)
        if not isinstance(patch, dict):
            raise BadRequest("a merge patch for a TD must be a JSON object")
        if "id" in patch and patch["id"] != thing_id:
            raise BadRequest("a merge patch cannot change the TD's id")

        def decide(current: ThingRecord | None) -> Mutation:
            if current is None:
                raise NotFound(f"no thing with id {thing_id!r}")
            merged = apply_merge_patch(enriched(current), patch)
            return _store_mutation(current, _settle(_prepare(thing_id, merged), current))

        await self._write(thing_id, decide)

    async def delete(self, thing_id: str) -> None:
        check_thing_id(thing_id)

        def decide(current: ThingRecord | None) -> Mutation:
            if current is None:
                raise NotFound(f"no thing with id {thing_id!r}")
            return Mutation(record=None, event_type="thing_deleted")

        await self._write(thing_id, decide)

    async def _write(self, thing_id: str, decide: Decide) -> Event:
        event = await self.store.write(thing_id, decide)
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

    async def get(self, thing_id: str) -> bytes:
        """The enriched TD, with ``registration.retrieved`` set to now."""
        check_thing_id(thing_id)
        record = await self.store.get(thing_id)
        if record is None:
            raise NotFound(f"no thing with id {thing_id!r}")
        return render(record, retrieved=format_time(now_utc()))

    async def list(
        self, *, offset: int = 0, limit: int | None = None, where: ThingFilter | None = None
    ) -> AsyncIterator[bytes]:
        """Enriched TDs in id order, streamed chunk by chunk from the store."""
        retrieved = format_time(now_utc())
        async for chunk in self.store.scan(offset=offset, limit=limit, where=where):
            for record in chunk:
                yield render(record, retrieved)

    @staticmethod
    def identifier_filter(scheme: str | None, alias: str | None) -> ThingFilter | None:
        """The filter for things with an identifier of ``scheme`` and/or matching ``alias``
        (any notation: every valid reading of it counts)."""
        if scheme is None and alias is None:
            return None
        aliases = None
        if alias is not None:
            aliases = frozenset(r.canonical for r in analyse(alias).readings) | {alias.strip()}
        schemes = None if scheme is None else frozenset(scheme.split(","))
        return ThingFilter(schemes=schemes, aliases=aliases)

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
        self, query: str, within: ThingFilter | None = None
    ) -> AsyncIterator[bytes]:
        """JSON values of the nodes the query selects in the array of all enriched TDs (or of
        those ``within`` an identifier filter).

        The query is planned first so that a bad query fails before any output is sent.
        """
        plan = plan_jsonpath(query, max_length=self.max_query_length)
        if not plan.per_thing and (
            await self.store.count(within, limit=WHOLE_COLLECTION_LIMIT + 1)
            > WHOLE_COLLECTION_LIMIT
        ):
            raise BadRequest(
                "this query needs the whole collection in memory (it indexes the root array or "
                f"refers to $ in a filter), which is refused above {WHOLE_COLLECTION_LIMIT} "
                "things; start it with $[?...], $[*] or $..name instead"
            )
        return self._search(plan, within or ThingFilter())

    async def _search(self, plan: JSONPathPlan, within: ThingFilter) -> AsyncIterator[bytes]:
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
            )
            async for chunk in self.store.scan(where=where):
                for record in chunk:
                    for value in plan.evaluate_one(enriched(record)):
                        yield orjson.dumps(value)
            return
        tds = [enriched(r) async for chunk in self.store.scan(where=within) for r in chunk]
        for value in plan.evaluate_all(tds):
            yield orjson.dumps(value)


def _prepare(thing_id: str, td: Any, *, anonymous: bool = False) -> ThingRecord:
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
        classes=with_superclasses(classes_of(td)),
    )


def _settle(prepared: ThingRecord, current: ThingRecord | None) -> ThingRecord:
    """The prepared record as a replacement of ``current``: it keeps the creation time."""
    if current is None:
        return prepared
    return replace(
        prepared, created=current.created, anonymous=prepared.anonymous or current.anonymous
    )


def _store_mutation(current: ThingRecord | None, record: ThingRecord) -> Mutation:
    """The mutation and its event: full TD for a creation, merge patch (with id) for an update."""
    if current is None:
        return Mutation(record, "thing_created", render(record))
    diff = create_merge_patch(enriched(current), enriched(record))
    diff["id"] = record.id
    return Mutation(record, "thing_updated", orjson.dumps(diff))


class _Renewed(Exception):
    """The thing was renewed or deleted between the expiry scan and its deletion."""


def _expire_if_due(now: str) -> Decide:
    def decide(current: ThingRecord | None) -> Mutation:
        if current is None or current.expires is None or current.expires >= now:
            raise _Renewed
        return Mutation(record=None, event_type="thing_deleted")

    return decide
