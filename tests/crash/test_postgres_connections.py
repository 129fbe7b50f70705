"""PostgreSQL connections killed under load: requests fail cleanly (503 problem details, never
a 500 or a dropped connection) and the service recovers without a restart of thingreg.

The PostgreSQL server is shared with the rest of the suite, so it is not restarted: the test
terminates every backend of its own server instead (``pg_terminate_backend``), found by the
``application_name`` its connections carry, several times while writers are busy. Afterwards
every acknowledged write must be there. Runs when ``THINGREG_TEST_DB`` is set.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import ADMIN, TEST_DB, fresh_database
from tests.crash.test_kill_sqlite import check_api
from tests.crash.writes import PROBLEM, IdState, Writer
from tests.support import minimal_td, start_server, stop_server

ROUNDS = int(os.environ.get("THINGREG_CRASH_ROUNDS", "8"))
WRITERS = 4
RECOVERY_SECONDS = 15
logger = logging.getLogger(__name__)

pytestmark = pytest.mark.skipif(not os.environ.get(TEST_DB), reason="needs THINGREG_TEST_DB")


def _terminate(url: str, application: str) -> int:
    async def run() -> int:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            rows = await connection.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = $1",
                application,
            )
            return len(rows)
        finally:
            await connection.close()

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, run()).result()


class Reader(threading.Thread):
    """Reads by id, lists, searches and checks readiness, in a loop: 200/404, or 503 problem."""

    def __init__(self, url: str, ids: list[str], stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.ids, self.stop = url, ids, stop
        self.answers: dict[int, int] = {}
        self.unexpected: list[str] = []

    def run(self) -> None:
        targets = [
            *(f"/things/{thing_id}" for thing_id in self.ids[:4]),
            "/things?limit=5",
            "/search/jsonpath?query=$[?@.title=='Thing One']",
            "/readyz",
        ]
        with httpx.Client(base_url=self.url, timeout=10, trust_env=False, headers=ADMIN) as client:
            while not self.stop.is_set():
                for target in targets:
                    try:
                        response = client.get(target)
                    except httpx.TransportError as error:
                        self.unexpected.append(f"{target}: {error!r}")
                        return
                    status = response.status_code
                    self.answers[status] = self.answers.get(status, 0) + 1
                    clean = status in (200, 404) or (
                        status == 503 and response.headers["content-type"] == PROBLEM
                    )
                    if not clean:
                        self.unexpected.append(f"{target}: {status} {response.text[:300]}")


def test_killed_connections_give_503_and_the_service_recovers(tmp_path: Path) -> None:
    admin_url = os.environ[TEST_DB]
    application = f"thingreg_crash_{uuid.uuid4().hex[:8]}"
    rng = random.Random()
    with fresh_database() as schema_url:
        parts = urllib.parse.urlsplit(schema_url)
        query = [*urllib.parse.parse_qsl(parts.query), ("application_name", application)]
        url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
        server = start_server(tmp_path / "data", THINGREG_DB=url)
        try:
            states = {
                f"urn:example:pg-{w}-{i}": IdState() for w in range(WRITERS) for i in range(6)
            }
            stop = threading.Event()
            writers = [
                Writer(
                    server.url,
                    f"w{w}",
                    {k: v for k, v in states.items() if k.startswith(f"urn:example:pg-{w}-")},
                    stop,
                    rng.getrandbits(32),
                )
                for w in range(WRITERS)
            ]
            reader = Reader(server.url, sorted(states), stop)
            for thread in [*writers, reader]:
                thread.start()
            terminated = 0
            for _ in range(ROUNDS):
                time.sleep(rng.uniform(0.3, 1.0))
                terminated += _terminate(admin_url, application)
            time.sleep(0.5)
            stop.set()
            for thread in [*writers, reader]:
                thread.join(30)
            problems = [p for writer in writers for p in writer.unexpected] + reader.unexpected
            assert not problems, problems
            assert not any(writer.lost_connection for writer in writers)
            assert terminated >= ROUNDS, "no backend of the server was found to terminate"
            _recovers(server.url)
            check_api(server, states)
            assert server.process.poll() is None
            logger.info(
                "%d rounds, %d backends terminated; writes: %d acknowledged, %d refused (503); "
                "reads: %s",
                ROUNDS,
                terminated,
                sum(writer.acknowledged for writer in writers),
                sum(writer.refused for writer in writers),
                reader.answers,
            )
        finally:
            stop_server(server)


def _recovers(url: str) -> None:
    """A write and /readyz succeed again within RECOVERY_SECONDS, with no restart."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    with httpx.Client(base_url=url, timeout=10, trust_env=False, headers=ADMIN) as client:
        while True:
            put = client.put("/things/urn:example:after", json=minimal_td("urn:example:after"))
            ready = client.get("/readyz")
            if put.status_code in (201, 204) and ready.status_code == 200:
                return
            assert put.status_code == 503 and ready.status_code == 503, (put.text, ready.text)
            assert time.monotonic() < deadline, "the service did not recover"
            time.sleep(0.2)
