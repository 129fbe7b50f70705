"""Ownership transfer: the signed record, and who sees and changes the things afterwards."""

from __future__ import annotations

import dataclasses
from urllib.parse import quote

import httpx
import orjson

from tests.support import minimal_td
from thingreg.core.audit import verify
from thingreg.core.transfers import verify_record
from thingreg.store.base import AuditEntry, Transfer

TD_JSON = {"Content-Type": "application/td+json"}
MERGE = {"Content-Type": "application/merge-patch+json"}


def path(thing_id: str) -> str:
    return "/things/" + quote(thing_id, safe="")


async def key(client: httpx.AsyncClient, owner: str) -> dict[str, str]:
    assert (await client.post("/owners", json={"name": owner})).status_code == 201
    made = await client.post(f"/owners/{owner}/keys", json={})
    return {"Authorization": f"Bearer {made.json()['token']}"}


async def test_hand_over_a_group(client: httpx.AsyncClient) -> None:
    a, b, c = await key(client, "a"), await key(client, "b"), await key(client, "c")
    for thing_id in ("urn:t:lamp", "urn:t:door"):
        td = orjson.dumps(minimal_td(thing_id))
        assert (await client.put(path(thing_id), content=td, headers={**TD_JSON, **a})).is_success
    public = {"visibility": "public"}
    assert (await client.put(path("urn:t:door") + "/access", json=public, headers=a)).is_success

    body = {"to": "b", "things": ["urn:t:lamp", "urn:t:door"]}
    stolen = await client.post("/transfers", json=body, headers=b)
    assert stolen.status_code == 404  # b cannot see a's private lamp, let alone hand it over
    made = await client.post("/transfers", json=body, headers=a)
    assert made.status_code == 201, made.text
    record = made.json()
    assert (record["from"], record["to"], record["verified"]) == ("a", "b", True)
    assert made.headers["location"] == f"/transfers/{record['id']}"

    # The old owner loses the private thing and cannot change the public one; the new one can.
    assert (await client.get(path("urn:t:lamp"), headers=a)).status_code == 404
    assert (await client.get(path("urn:t:door"), headers=a)).status_code == 200
    patch = b'{"title": "x"}'
    assert (
        await client.patch(path("urn:t:door"), content=patch, headers={**MERGE, **a})
    ).status_code == 403
    assert (
        await client.patch(path("urn:t:lamp"), content=patch, headers={**MERGE, **b})
    ).status_code == 204
    access = (await client.get(path("urn:t:lamp") + "/access", headers=b)).json()
    assert access["owner"] == "b" and access["visibility"] == "owner"
    assert (await client.get(path("urn:t:door") + "/access", headers=b)).json()[
        "visibility"
    ] == "public"

    # The record: for both owners and administrators, and it verifies with the stored key.
    for who in (a, b, {}):
        shown = await client.get(f"/transfers/{record['id']}", headers=who)
        assert shown.status_code == 200 and shown.json()["verified"] is True
    assert (await client.get(f"/transfers/{record['id']}", headers=c)).status_code == 404
    stored = Transfer(
        record["id"],
        record["created"],
        "a",
        "b",
        tuple(record["things"]),
        record["record"],
        orjson.dumps(record["key"]).decode(),
    )
    assert verify_record(stored)
    assert not verify_record(dataclasses.replace(stored, to_owner="c"))
    forged = record["record"][:-4] + ("AAAA" if not record["record"].endswith("AAAA") else "BBBB")
    assert not verify_record(dataclasses.replace(stored, record=forged))

    # The history stays in the audit log, and the chain holds.
    entries = (await client.get("/audit", params={"limit": 1000})).json()
    actions = [(e["action"], e["subject"]) for e in entries]
    assert ("transfer_signed", record["id"]) in actions
    assert ("ownership_transferred", "urn:t:lamp") in actions
    assert ("ownership_transferred", "urn:t:door") in actions
    chain = [AuditEntry(**entry) for entry in entries]
    assert verify(chain, (chain[-1].seq, chain[-1].hash)) is None


async def test_refusals(client: httpx.AsyncClient) -> None:
    a, b = await key(client, "a"), await key(client, "b")
    for thing_id, owner in (("urn:t:a", a), ("urn:t:b", b)):
        td = orjson.dumps(minimal_td(thing_id))
        assert (
            await client.put(path(thing_id), content=td, headers={**TD_JSON, **owner})
        ).is_success
    mixed = await client.post("/transfers", json={"to": "a", "things": ["urn:t:a", "urn:t:b"]})
    assert mixed.status_code == 400  # one transfer, one previous owner
    nobody = await client.post("/transfers", json={"to": "zz", "things": ["urn:t:a"]}, headers=a)
    assert nobody.status_code == 400
    to_self = await client.post("/transfers", json={"to": "a", "things": ["urn:t:a"]}, headers=a)
    assert to_self.status_code == 400
    anonymous = {"Authorization": ""}
    body = {"to": "b", "things": ["urn:t:a"]}
    assert (await client.post("/transfers", json=body, headers=anonymous)).status_code == 401
    assert (await client.post("/transfers", json={"to": "b"}, headers=a)).status_code == 400
