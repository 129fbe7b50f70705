"""kill -9 of ``thingreg serve`` on SQLite in the middle of concurrent writes, many rounds.

After every kill, and before the restart, the SQLite file itself is checked (every TD valid,
alias/type indexes and counters agree with the TDs, the event log ends with each thing's last
change, the audit log's hash chain verifies); after the restart every acknowledged write must
be there with its content, through the API (by id and by alias). ``THINGREG_CRASH_ROUNDS`` sets
the rounds (default 8; bench runs more).
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.conftest import ADMIN, TEST_DB
from tests.crash.writes import Content, IdState, Writer
from tests.support import LiveServer, start_server, stop_server
from thingreg.core.audit import verify
from thingreg.core.td.validation import validate_td
from thingreg.store.sqlite_audit import read_audit, read_head

ROUNDS = int(os.environ.get("THINGREG_CRASH_ROUNDS", "8"))
WRITERS = 4
IDS_PER_WRITER = 6
logger = logging.getLogger(__name__)

pytestmark = pytest.mark.skipif(
    bool(os.environ.get(TEST_DB)), reason="the SQLite crash test; PostgreSQL has its own"
)


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    rng = random.Random(int(os.environ.get("THINGREG_CRASH_SEED", "0")) or None)
    states = {
        f"urn:example:crash-{w}-{i}": IdState()
        for w in range(WRITERS)
        for i in range(IDS_PER_WRITER)
    }
    acknowledged = 0
    for round_number in range(ROUNDS):
        server = start_server(data_dir)
        try:
            check_api(server, states)
            stop = threading.Event()
            writers = [
                Writer(
                    server.url,
                    f"r{round_number}w{w}",
                    {k: v for k, v in states.items() if k.startswith(f"urn:example:crash-{w}-")},
                    stop,
                    rng.getrandbits(32),
                )
                for w in range(WRITERS)
            ]
            for writer in writers:
                writer.start()
            time.sleep(rng.uniform(0.3, 1.5))
            server.process.kill()
            server.process.wait()
            stop.set()
            for writer in writers:
                writer.join(30)
                assert not writer.unexpected, writer.unexpected
                acknowledged += writer.acknowledged
        finally:
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait()
        check_file(data_dir / "thingreg.db", states)
    assert acknowledged > ROUNDS * 10, "too few writes were acknowledged to test anything"
    logger.info("%d kill -9 rounds, %d acknowledged writes, none lost", ROUNDS, acknowledged)
    server = start_server(data_dir)
    try:
        check_api(server, states)
    finally:
        stop_server(server)


def _content(td: dict[str, object]) -> tuple[str, str, str]:
    identifiers = td.get("identifiers")
    assert isinstance(identifiers, list) and len(identifiers) == 1
    return (str(td["description"]), str(identifiers[0]), str(td["@type"]))


def check_file(path: Path, states: dict[str, IdState]) -> None:
    """The database as the kill left it: consistent, and holding only allowed contents."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = db.execute("SELECT id, body, title, types, aliases, scheme FROM things").fetchall()
        stored: dict[str, Content] = {}
        for thing_id, body, title, types, aliases, scheme in rows:
            td = orjson.loads(body)
            assert validate_td(td) == [], thing_id
            assert td["id"] == thing_id and td["title"] == title
            content = _content(td)
            stored[thing_id] = content
            assert orjson.loads(types) == [content[2]]
            assert {alias for alias, _ in orjson.loads(aliases)} == {thing_id, content[1]}
            # the canonical own id is an alias kept in things.scheme, not a row of `aliases`
            assert scheme is not None, thing_id
        alias_rows = db.execute("SELECT alias, thing_id FROM aliases").fetchall()
        assert sorted(alias_rows) == sorted((c[1], i) for i, c in stored.items() if c)
        # the audit log's hash chain survives the kill: every entry and the head agree
        assert verify(read_audit(db, 0, None, None), read_head(db)) is None
        type_rows = db.execute("SELECT type, thing_id FROM thing_types").fetchall()
        assert sorted(type_rows) == sorted((c[2], i) for i, c in stored.items() if c)
        counted = db.execute("SELECT value FROM counters WHERE name = 'things'").fetchone()[0]
        assert counted == len(stored)
        last_events = dict(
            db.execute(
                "SELECT thing_id, type FROM events WHERE id IN "
                "(SELECT max(id) FROM events GROUP BY thing_id)"
            ).fetchall()
        )
    finally:
        db.close()
    for thing_id, state in states.items():
        found: Content = stored.get(thing_id)
        assert found in state.allowed(), (thing_id, found, state)
        if found is not None:
            assert last_events[thing_id] in ("thing_created", "thing_updated"), thing_id
        elif thing_id in last_events:
            assert last_events[thing_id] == "thing_deleted", thing_id


def check_api(server: LiveServer, states: dict[str, IdState]) -> None:
    """After a restart: every id holds an allowed content, which becomes the confirmed one."""
    with httpx.Client(base_url=server.url, timeout=30, trust_env=False, headers=ADMIN) as client:
        for thing_id, state in states.items():
            response = client.get("/things/" + quote(thing_id, safe=""))
            assert response.status_code in (200, 404), response.text
            content = _content(response.json()) if response.status_code == 200 else None
            assert content in state.allowed(), (thing_id, content, state)
            state.confirmed, state.pending = content, set()
            if content is not None:
                found = client.get("/things", params={"alias": content[1]}).json()
                assert [td["id"] for td in found] == [thing_id]
