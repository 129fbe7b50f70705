"""Concurrent writers that remember what the server acknowledged, for the crash tests.

Each :class:`Writer` thread owns a few thing ids and writes only those, one request at a time,
so the state of each id is known: ``confirmed`` is the content of its last acknowledged write
(``None``: absent) and ``pending`` every content a write whose answer never came may have left.
After a crash the stored content must be ``confirmed`` or one of ``pending``; nothing else.
"""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx

from tests.conftest import ADMIN
from tests.support import minimal_td

PROBLEM = "application/problem+json"
TYPES = ("saref:Sensor", "saref:Actuator", "saref:Meter")

Content = tuple[str, str, str] | None
"""What a write leaves: (description, alias, @type), or None for no thing."""


@dataclass
class IdState:
    confirmed: Content = None
    pending: set[Content] = field(default_factory=set)

    def allowed(self) -> set[Content]:
        return {self.confirmed, *self.pending}


@dataclass(eq=False)
class Writer(threading.Thread):
    url: str
    name_: str
    ids: dict[str, IdState]
    stop: threading.Event
    seed: int
    acknowledged: int = 0
    unexpected: list[str] = field(default_factory=list)
    refused: int = 0
    """Writes answered 503 (the store was away)."""
    lost_connection: bool = False

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, daemon=True)

    def run(self) -> None:
        rng = random.Random(self.seed)
        with httpx.Client(base_url=self.url, timeout=10, trust_env=False, headers=ADMIN) as client:
            sequence = 0
            while not self.stop.is_set():
                thing_id = rng.choice(sorted(self.ids))
                sequence += 1
                if not self._write(client, rng, thing_id, f"{self.name_}-{sequence}"):
                    return

    def _write(self, client: httpx.Client, rng: random.Random, thing_id: str, mark: str) -> bool:
        """One write; False once the server is gone."""
        state = self.ids[thing_id]
        path = "/things/" + quote(thing_id, safe="")
        alias = f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        current = state.confirmed
        op = "put" if current is None else rng.choice(("put", "put", "patch", "delete"))
        expected: Content
        if op == "put":
            expected = (mark, alias, rng.choice(TYPES))
            td = minimal_td(thing_id, description=mark, identifiers=[alias])
            td["@type"] = expected[2]
            request = client.build_request(
                "PUT", path, json=td, headers={"content-type": "application/td+json"}
            )
            ok = {201, 204}
        elif op == "patch":
            assert current is not None
            expected = (mark, alias, current[2])
            request = client.build_request(
                "PATCH",
                path,
                json={"description": mark, "identifiers": [alias]},
                headers={"content-type": "application/merge-patch+json"},
            )
            ok = {204}
        else:
            expected = None
            request = client.build_request("DELETE", path)
            ok = {204}
        state.pending.add(expected)
        try:
            response = client.send(request)
        except httpx.TransportError:
            self.lost_connection = True
            return False  # the answer never came: ``expected`` stays possible
        if response.status_code in ok:
            state.confirmed = expected
            state.pending.clear()
            self.acknowledged += 1
        elif response.status_code == 503 and response.headers.get("content-type") == PROBLEM:
            self.refused += 1  # refused cleanly while the store was away; applied or not
        else:
            self.unexpected.append(f"{op} {thing_id}: {response.status_code} {response.text[:300]}")
        return True
