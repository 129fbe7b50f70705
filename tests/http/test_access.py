"""Access control: what anonymous clients, two owners and an administrator each see and may do.

One registry (a real server, on SQLite or on PostgreSQL with ``THINGREG_TEST_DB``) holds four
things of owners ``a`` and ``b``: public (with a hidden member), private, shared with ``b``,
and private to ``b``. Every principal then reads, lists, counts, searches, streams, resolves
and writes, and each test asserts exactly what that principal gets.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.conftest import ADMIN, _client_for, fresh_database
from tests.support import LiveServer, minimal_td, start_server, stop_server
from thingreg.config import Settings

PUBLIC_A = "urn:t:a-public"
PRIVATE_A = "urn:t:a-private"
SHARED_A = "urn:t:a-shared"
PRIVATE_B = "urn:t:b-private"
END = "urn:t:zz-end"
MAC = "00:24:BE:80:4F:F1"
TD_JSON = {"Content-Type": "application/td+json"}
ANONYMOUS = "anonymous"


@dataclasses.dataclass
class World:
    server: LiveServer
    headers: dict[str, dict[str, str]]
    """Request headers of each principal: anonymous, a, b, admin."""
    deleted_event: int


VISIBLE = {
    ANONYMOUS: [PUBLIC_A],
    "a": [PRIVATE_A, PUBLIC_A, SHARED_A],
    "b": [PUBLIC_A, SHARED_A, PRIVATE_B],
    "admin": [PRIVATE_A, PUBLIC_A, SHARED_A, PRIVATE_B],
}
PRINCIPALS = list(VISIBLE)
ALL = [PRIVATE_A, PUBLIC_A, SHARED_A, PRIVATE_B]


def path(thing_id: str) -> str:
    return "/things/" + quote(thing_id, safe="")


def put(http: httpx.Client, td: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return http.put(path(str(td["id"])), content=orjson.dumps(td), headers={**TD_JSON, **headers})


def key_for(http: httpx.Client, owner: str) -> dict[str, str]:
    assert http.post("/owners", json={"name": owner}, headers=ADMIN).status_code == 201
    made = http.post(f"/owners/{owner}/keys", json={"label": "test"}, headers=ADMIN)
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert token.startswith("thr_")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with fresh_database() as url:
        env = {"THINGREG_DB": url} if url else {}
        server = start_server(tmp_path_factory.mktemp("access") / "data", **env)
        try:
            yield _populate(server)
        finally:
            stop_server(server)


def _populate(server: LiveServer) -> World:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        a, b = key_for(http, "a"), key_for(http, "b")
        headers = {ANONYMOUS: {}, "a": a, "b": b, "admin": ADMIN}
        located = minimal_td(PUBLIC_A, location={"city": "Ghent"})
        for td, owner in [
            (located, a),
            (minimal_td(PRIVATE_A, identifiers=[MAC]), a),
            (minimal_td(SHARED_A), a),
            (minimal_td(PRIVATE_B), b),
        ]:
            assert put(http, td, owner).status_code == 201
        public = {"visibility": "public", "hiddenFields": ["location"]}
        assert http.put(path(PUBLIC_A) + "/access", json=public, headers=a).status_code == 200
        shared = {"visibility": "shared", "sharedWith": ["b"]}
        assert http.put(path(SHARED_A) + "/access", json=shared, headers=a).status_code == 200
        # A thing made and deleted: its delete event must reach only those who saw it.
        gone = "urn:t:b-gone"
        assert put(http, minimal_td(gone), b).status_code == 201
        assert http.delete(path(gone), headers=b).status_code == 204
        deleted_event = _last_event(http)
        end = put(http, minimal_td(END), ADMIN)
        assert end.status_code == 201
        access = {"visibility": "public"}
        assert http.put(path(END) + "/access", json=access, headers=ADMIN).status_code == 200
        assert http.delete(path(END), headers=ADMIN).status_code == 204
    return World(server, headers, deleted_event)


def _last_event(http: httpx.Client) -> int:
    """The id of the newest event, read as the administrator from the replayed stream."""
    ids = [int(event["id"]) for event in _events(http, ADMIN, until="urn:t:b-gone")]
    return max(ids)


def _events(http: httpx.Client, headers: dict[str, str], *, until: str) -> list[dict[str, str]]:
    """Replay the stream from the start until the deletion of ``until``."""
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}
    stream_headers = {**headers, "Last-Event-ID": "0"}
    with http.stream("GET", "/events?diff=true", headers=stream_headers) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                name, _, value = line.partition(":")
                current[name] = value.removeprefix(" ")
                continue
            if "event" in current:
                events.append(current)
                data = orjson.loads(current["data"])
                if current["event"] == "thing_deleted" and data["id"] == until:
                    return events
            current = {}
    raise AssertionError("the stream ended")


@contextlib.contextmanager
def client(world: World, who: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=world.server.url, timeout=10, headers=world.headers[who]) as http:
        yield http


# -- reads -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", PRINCIPALS)
def test_get(world: World, who: str) -> None:
    with client(world, who) as http:
        missing = http.get(path("urn:t:missing"))
        assert missing.status_code == 404
        for thing_id in ALL:
            response = http.get(path(thing_id))
            if thing_id in VISIBLE[who]:
                assert response.status_code == 200, (who, thing_id)
                assert response.json()["id"] == thing_id
            else:
                # Exactly what a missing thing gets, but for the id.
                assert response.status_code == 404, (who, thing_id)
                assert response.json()["detail"] == f"no thing with id {thing_id!r}"
                expected = missing.json() | {
                    "detail": response.json()["detail"],
                    "instance": path(thing_id),
                }
                assert response.json() == expected


@pytest.mark.parametrize("who", PRINCIPALS)
def test_hidden_members(world: World, who: str) -> None:
    with client(world, who) as http:
        td = http.get(path(PUBLIC_A)).json()
        assert ("location" in td) == (who in ("a", "admin"))
        listed = {t["id"]: t for t in http.get("/things").json()}
        assert ("location" in listed[PUBLIC_A]) == (who in ("a", "admin"))
        query = "$[?@.location.city=='Ghent'].id"
        found = http.get("/search/jsonpath", params={"query": query}).json()
        assert found == ([PUBLIC_A] if who in ("a", "admin") else [])


@pytest.mark.parametrize("who", PRINCIPALS)
def test_list_and_count(world: World, who: str) -> None:
    with client(world, who) as http:
        assert [td["id"] for td in http.get("/things").json()] == VISIBLE[who]
        collection = http.get("/things", params={"format": "collection", "limit": 1}).json()
        assert collection["total"] == len(VISIBLE[who])
        assert [td["id"] for td in collection["members"]] == VISIBLE[who][:1]
        paged = http.get("/things", params={"offset": 1, "limit": 1})
        assert [td["id"] for td in paged.json()] == VISIBLE[who][1:2]
        assert ("next" in paged.links) == (len(VISIBLE[who]) > 2)
        # The collection's version would tell of every change: only administrators get it.
        assert ("etag" in paged.headers) == (who == "admin")
        by_alias = http.get("/things", params={"alias": MAC}).json()
        assert [td["id"] for td in by_alias] == [i for i in [PRIVATE_A] if i in VISIBLE[who]]


@pytest.mark.parametrize("who", PRINCIPALS)
def test_search(world: World, who: str) -> None:
    with client(world, who) as http:
        per_thing = http.get("/search/jsonpath", params={"query": "$[*].id"})
        assert per_thing.json() == VISIBLE[who]
        whole = http.get("/search/jsonpath", params={"query": "$.length()"})
        if whole.status_code == 200:  # a query over the whole array sees the same array
            assert whole.json() == [len(VISIBLE[who])]
        by_id = http.get("/search/jsonpath", params={"query": f"$[?@.id=='{PRIVATE_B}'].id"})
        assert by_id.json() == ([PRIVATE_B] if PRIVATE_B in VISIBLE[who] else [])


@pytest.mark.parametrize("who", PRINCIPALS)
def test_events(world: World, who: str) -> None:
    with client(world, who) as http:
        events = _events(http, world.headers[who], until=END)
    seen = {orjson.loads(e["data"])["id"] for e in events}
    expected = set(VISIBLE[who]) | {END}
    if who in ("b", "admin"):
        expected.add("urn:t:b-gone")
    assert seen == expected
    deletions = [orjson.loads(e["data"])["id"] for e in events if e["event"] == "thing_deleted"]
    assert ("urn:t:b-gone" in deletions) == (who in ("b", "admin"))
    # Nor does a diff carry what the principal may not see.
    public = [e["data"] for e in events if orjson.loads(e["data"])["id"] == PUBLIC_A]
    assert any("Ghent" in data for data in public) == (who in ("a", "admin"))


@pytest.mark.parametrize("who", PRINCIPALS)
def test_resolve(world: World, who: str) -> None:
    with client(world, who) as http:
        for thing_id in ALL:
            response = http.get("/resolve/" + quote(thing_id, safe=""))
            assert response.status_code == (200 if thing_id in VISIBLE[who] else 404)
        by_alias = http.get("/resolve/" + quote(MAC, safe=""))
        assert by_alias.status_code == (200 if PRIVATE_A in VISIBLE[who] else 404)
        if by_alias.status_code == 404:
            assert PRIVATE_A not in by_alias.text
        assert http.get("/ids/" + quote(MAC, safe="")).status_code == 200


# -- writes ----------------------------------------------------------------------------------

WRITES = {
    # thing: status of a merge patch for anonymous, a, b, admin
    PUBLIC_A: {ANONYMOUS: 401, "a": 204, "b": 403, "admin": 204},
    PRIVATE_A: {ANONYMOUS: 401, "a": 204, "b": 404, "admin": 204},
    SHARED_A: {ANONYMOUS: 401, "a": 204, "b": 403, "admin": 204},
    PRIVATE_B: {ANONYMOUS: 401, "a": 404, "b": 204, "admin": 204},
}


@pytest.mark.parametrize("who", PRINCIPALS)
def test_write(world: World, who: str) -> None:
    merge = {"Content-Type": "application/merge-patch+json"}
    with client(world, who) as http:
        for thing_id, expected in WRITES.items():
            response = http.patch(path(thing_id), content=b'{"description":"x"}', headers=merge)
            assert response.status_code == expected[who], (who, thing_id, response.text)
            if expected[who] == 404:
                assert response.json()["detail"] == f"no thing with id {thing_id!r}"
        # Taking over an id: 409 for an invisible holder (nothing about it), 403 for a visible one.
        for thing_id in ALL:
            extra = {"identifiers": [MAC]} if thing_id == PRIVATE_A else {}
            response = put(http, minimal_td(thing_id, title="mine", **extra), {})
            if who == ANONYMOUS:
                assert response.status_code == 401
            elif who == "admin" or WRITES[thing_id][who] == 204:
                assert response.status_code == 204
            elif thing_id in VISIBLE[who]:
                assert response.status_code == 403
            else:
                assert response.status_code == 409
                text = response.text
                assert "owner" not in text and '"a"' not in text and '"b"' not in text
        # Claiming a private thing's alias tells only that the identifier is taken.
        if who == "b":
            response = put(http, minimal_td("urn:t:b-thief", identifiers=[MAC]), {})
            assert response.status_code == 409
            assert PRIVATE_A not in response.text


def test_access_is_for_the_owner(world: World) -> None:
    with client(world, "b") as http:
        assert http.get(path(PRIVATE_A) + "/access").status_code == 404
        assert http.get(path(SHARED_A) + "/access").status_code == 403
        assert http.get(path(PRIVATE_B) + "/access").json() == {
            "owner": "b",
            "visibility": "owner",
            "sharedWith": [],
            "hiddenFields": [],
        }
        bad = http.put(path(PRIVATE_B) + "/access", json={"visibility": "shared"})
        assert bad.status_code == 400
        taken = http.put(path(PRIVATE_B) + "/access", json={"owner": "a"})
        assert taken.status_code == 400
        assert http.get(path(PRIVATE_B) + "/credentials").status_code == 200
        assert http.get(path(PRIVATE_A) + "/credentials").status_code == 404
        assert http.get(path(SHARED_A) + "/credentials").status_code == 403
    with client(world, ANONYMOUS) as http:
        assert http.get(path(PUBLIC_A) + "/access").status_code == 401
        assert http.get(path(PUBLIC_A) + "/credentials").status_code == 401


def test_owners_and_keys(world: World) -> None:
    with client(world, "a") as http:
        assert http.get("/owners").status_code == 403
        assert http.post("/owners", json={"name": "c"}).status_code == 403
        assert http.get("/owners/b/keys").status_code == 403
        assert http.get("/owners/a").json()["name"] == "a"
        made = http.post("/owners/a/keys", json={"scopes": ["read"], "label": "reader"})
        assert made.status_code == 201
        escalate = http.post("/owners/a/keys", json={"scopes": ["admin"]})
        assert escalate.status_code == 400
        keys = http.get("/owners/a/keys").json()
        assert {k["label"] for k in keys} == {"test", "reader"}
        assert all("token" not in k and "secret" not in str(k) for k in keys)
        reader = {"Authorization": f"Bearer {made.json()['token']}"}
        assert http.get(path(PRIVATE_A), headers=reader).status_code == 200
        patch = http.patch(
            path(PRIVATE_A),
            content=b"{}",
            headers={**reader, "Content-Type": "application/merge-patch+json"},
        )
        assert patch.status_code == 403
        revoked = http.delete(f"/owners/a/keys/{made.json()['id']}")
        assert revoked.status_code == 204
        assert http.get(path(PRIVATE_A), headers=reader).status_code == 401
        wrong = made.json()["token"][:-4] + "AAAA"
        assert http.get("/things", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
    with client(world, "admin") as http:
        assert [o["name"] for o in http.get("/owners").json()] == ["a", "admin", "b"]
        on_behalf = put(http, minimal_td("urn:t:for-b"), {}).status_code
        assert on_behalf == 201
        made = http.put(
            path("urn:t:for-b2") + "?owner=b",
            content=orjson.dumps(minimal_td("urn:t:for-b2")),
            headers=TD_JSON,
        )
        assert made.status_code == 201
    with client(world, "b") as http:
        assert http.get(path("urn:t:for-b2")).status_code == 200
        assert http.get(path("urn:t:for-b")).status_code == 404


async def test_anonymous_reads_can_be_refused(settings: Settings) -> None:
    tuned = dataclasses.replace(settings, anonymous_reads=False)
    async with _client_for(tuned) as http:
        anonymous = {"Authorization": ""}
        assert (await http.get("/things", headers=anonymous)).status_code == 401
        assert (await http.get("/search/jsonpath?query=$", headers=anonymous)).status_code == 401
        assert (await http.get("/things")).status_code == 200
        assert (await http.get("/.well-known/wot", headers=anonymous)).status_code == 200


async def test_first_start_leaves_an_admin_key(tmp_path: Path) -> None:
    with fresh_database() as url:
        settings = Settings(data_dir=tmp_path / "data", db=url)
        async with _client_for(settings) as http:
            key_file = settings.data_dir / "admin-key"
            assert key_file.stat().st_mode & 0o777 == 0o600
            token = key_file.read_text().strip()
            admin = {"Authorization": f"Bearer {token}"}
            assert (await http.get("/owners", headers=admin)).json()[0]["name"] == "admin"
            td = orjson.dumps(minimal_td("urn:t:x"))
            anonymous = await http.put(path("urn:t:x"), content=td, headers=TD_JSON)
            assert anonymous.status_code == 401
            created = await http.put(path("urn:t:x"), content=td, headers={**TD_JSON, **admin})
            assert created.status_code == 201
