"""The RD's writes through core.Directory (in process, on the test database): made by the
registry itself, public and owned by nobody, never over a thing that has an owner."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest

from tests.support import minimal_td
from thingreg.config import Settings
from thingreg.core.access.principal import ANONYMOUS, Principal
from thingreg.core.directory import Directory
from thingreg.core.errors import Conflict, Forbidden, NotFound, Unauthorized
from thingreg.core.events import EventBus
from thingreg.integrations.coap.rd import RESOURCE_DIRECTORY, ResourceDirectory
from thingreg.store import open_store

OWNER = Principal("owner", owner="alice", scopes=frozenset({"write"}), key_id="k1")


@pytest.fixture
async def directory(settings: Settings) -> AsyncIterator[Directory]:
    store = open_store(settings.database_url)
    await store.open()
    try:
        yield Directory(store, EventBus(16))
    finally:
        await store.close()


async def test_registrations_are_public_owned_by_nobody_and_audited(directory: Directory) -> None:
    rd = ResourceDirectory(directory)
    registration, created = await rd.register({"ep": "node9", "lt": "60"}, "</a>", "coap://[::1]")
    assert created
    record = await directory.store.get(registration.thing_id)
    assert record is not None
    assert (record.access.owner, record.access.visibility) == ("", "public")
    # anonymous clients see it (the CoAP lookups read as one)
    assert orjson.loads(await directory.get(registration.thing_id, ANONYMOUS))["title"] == "node9"
    assert [r.ep for r in await rd.registrations({"ep": "node*"})] == ["node9"]
    entries = await directory.store.audit_entries()
    assert entries[-1].actor == "system (CoAP resource directory)"
    assert entries[-1].subject == registration.thing_id
    # an owner cannot change it, the RD can
    with pytest.raises(Forbidden):
        await directory.delete(registration.thing_id, OWNER)
    await rd.update(registration.thing_id, {"lt": "120"}, None)
    await rd.remove(registration.thing_id)
    with pytest.raises(NotFound):
        await rd.get(registration.thing_id)


async def test_the_rd_leaves_owned_things_alone(directory: Directory) -> None:
    """A thing with an owner is not the RD's, even when its TD carries RD data."""
    rd = ResourceDirectory(directory)
    owned = "urn:dev:mac:00000000000000bb"
    owned_td = {**minimal_td(owned), "corerd:registration": {"ep": owned, "base": "coap://x"}}
    admin = Principal("admin", owner="admin", scopes=frozenset({"admin"}))
    await directory.put(owned, owned_td, admin)
    with pytest.raises(Conflict):
        await rd.register({"ep": owned}, "</a>", "coap://[::1]")
    with pytest.raises(Conflict):
        await rd.remove(owned)
    record = await directory.store.get(owned)
    assert record is not None and record.access.owner == "admin"


async def test_only_administrators_choose_a_new_things_visibility(directory: Directory) -> None:
    with pytest.raises(Forbidden):
        await directory.put("urn:t:v", minimal_td("urn:t:v"), OWNER, visibility="public")
    await directory.put("urn:t:v", minimal_td("urn:t:v"), RESOURCE_DIRECTORY, visibility="public")
    record = await directory.store.get("urn:t:v")
    assert record is not None and record.access.visibility == "public"


async def test_lookups_follow_anonymous_reads(directory: Directory) -> None:
    rd = ResourceDirectory(directory, anonymous_reads=False)
    registration, _ = await rd.register({"ep": "quiet"}, "</a>", "coap://[::1]")
    with pytest.raises(Unauthorized):
        await rd.registrations({})
    with pytest.raises(Unauthorized):
        await rd.get(registration.thing_id)
    await rd.update(registration.thing_id, {"lt": "30"}, None)  # writes still work
