"""The audit log: appended with every change, owner-scoped over HTTP, and verified by
``thingreg audit verify``, which fails once a row is edited or removed in the database."""

from __future__ import annotations

import asyncio
import sqlite3
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.conftest import _run_sql
from tests.support import minimal_td
from thingreg.cli.main import main
from thingreg.config import Settings
from thingreg.core.access.keys import Gatekeeper
from thingreg.core.access.principal import SYSTEM
from thingreg.core.audit import verify
from thingreg.core.directory import Directory
from thingreg.core.events import EventBus
from thingreg.store import open_store
from thingreg.store.sqlite import path_from_url

TD_JSON = {"Content-Type": "application/td+json"}


def path(thing_id: str) -> str:
    return "/things/" + quote(thing_id, safe="")


async def _populate(client: httpx.AsyncClient) -> dict[str, str]:
    assert (await client.post("/owners", json={"name": "a"})).status_code == 201
    made = await client.post("/owners/a/keys", json={"label": "ops"})
    a = {"Authorization": f"Bearer {made.json()['token']}"}
    for thing_id in ("urn:t:1", "urn:t:2"):
        td = orjson.dumps(minimal_td(thing_id, location={"city": "Ghent"}))
        assert (await client.put(path(thing_id), content=td, headers={**TD_JSON, **a})).is_success
    merge = {"Content-Type": "application/merge-patch+json", **a}
    assert (await client.patch(path("urn:t:1"), content=b'{"title":"x"}', headers=merge)).is_success
    access = {"visibility": "public"}
    assert (await client.put(path("urn:t:1") + "/access", json=access, headers=a)).is_success
    assert (await client.delete(path("urn:t:2"), headers=a)).status_code == 204
    admin_td = orjson.dumps(minimal_td("urn:t:admin"))
    assert (await client.put(path("urn:t:admin"), content=admin_td, headers=TD_JSON)).is_success
    assert (await client.delete(f"/owners/a/keys/{made.json()['id']}", headers=a)).is_success
    return a


async def test_every_change_is_logged_and_scoped(client: httpx.AsyncClient) -> None:
    a = await _populate(client)
    everything = (await client.get("/audit")).json()
    actions = [(e["action"], e["subject"]) for e in everything]
    assert ("owner_added", "admin") in actions and ("owner_added", "a") in actions
    assert [action for action in actions if action[1].startswith("urn:t:")] == [
        ("thing_created", "urn:t:1"),
        ("thing_created", "urn:t:2"),
        ("thing_updated", "urn:t:1"),
        ("access_changed", "urn:t:1"),
        ("thing_deleted", "urn:t:2"),
        ("thing_created", "urn:t:admin"),
    ]
    assert [e["seq"] for e in everything] == list(range(1, len(everything) + 1))
    by_thing = {e["subject"]: e for e in everything}
    assert by_thing["urn:t:2"]["actor"].startswith("owner:a (key ")
    assert by_thing["urn:t:admin"]["actor"] == "admin:admin (API token)"
    assert "Ghent" not in orjson.dumps(everything).decode()  # digests, never descriptions
    # An owner sees the entries about it and its things; the key it revoked is one of them.
    revoked = await client.get("/audit", headers=a)
    assert revoked.status_code == 401  # that was the key
    key = (await client.post("/owners/a/keys", json={})).json()["token"]
    mine = (await client.get("/audit", headers={"Authorization": f"Bearer {key}"})).json()
    assert {e["owner"] for e in mine} == {"a"}
    assert "urn:t:admin" not in {e["subject"] for e in mine}
    assert {"key_created", "key_revoked", "thing_deleted"} <= {e["action"] for e in mine}
    assert (await client.get("/audit", headers={"Authorization": ""})).status_code == 401
    page = await client.get("/audit", params={"limit": 2})
    assert len(page.json()) == 2 and "after=2" in page.headers["link"]


def _tamper(settings: Settings, sql: str) -> None:
    url = settings.database_url
    if url.startswith("sqlite"):
        with sqlite3.connect(path_from_url(url)) as conn:
            conn.execute(sql)
    else:
        _run_sql(url, sql)


@pytest.mark.parametrize(
    ("tampering", "broken"),
    [
        ("UPDATE audit SET actor = 'someone else' WHERE seq = 3", 3),
        ("UPDATE audit SET digest = 'x' WHERE seq = 5", 5),
        ("DELETE FROM audit WHERE seq = 4", 4),
        ("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)", None),
    ],
    ids=["edited actor", "edited digest", "removed entry", "removed newest"],
)
async def test_verify_detects_edits_and_deletions(
    settings: Settings,
    client: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
    tampering: str,
    broken: int | None,
) -> None:
    await _populate(client)
    argv = ["audit", "verify", "--data-dir", str(settings.data_dir), "--db", settings.database_url]
    assert await asyncio.to_thread(main, argv) == 0
    assert "audit log intact" in capsys.readouterr().out
    count = len((await client.get("/audit", params={"limit": 1000})).json())
    _tamper(settings, tampering)
    assert await asyncio.to_thread(main, argv) == 1
    expected = count if broken is None else broken
    assert f"audit log broken at entry {expected}" in capsys.readouterr().out


async def test_concurrent_writers_keep_one_chain(settings: Settings) -> None:
    """Two stores on one database (as two processes would be) writing at once: one chain."""
    stores = [open_store(settings.database_url) for _ in range(2)]
    for store in stores:
        await store.open()
    try:
        directories = [Directory(store, EventBus(16)) for store in stores]
        gatekeepers = [Gatekeeper(store) for store in stores]
        writes = [
            directory.put(f"urn:t:{n}-{i}", minimal_td(f"urn:t:{n}-{i}"), SYSTEM)
            for n, directory in enumerate(directories)
            for i in range(40)
        ]
        owners = [g.add_owner(f"o{n}-{i}") for n, g in enumerate(gatekeepers) for i in range(5)]
        await asyncio.gather(*writes, *owners)
        entries = await stores[0].audit_entries()
        assert len(entries) == 90
        assert verify(entries, await stores[1].audit_head()) is None
    finally:
        for store in stores:
            await store.close()
