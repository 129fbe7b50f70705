"""``thingreg device fleet|endorse``, ``thingreg enroll`` and ``thingreg verify`` against a
real server: the refusals (the README walk-through runs the rest)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.support import LiveServer
from thingreg.cli.main import main
from thingreg.client.device import generate_key, write_private_key


def test_fleet_writes_keys_and_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys, listing = tmp_path / "keys", tmp_path / "fleet.ndjson"
    pattern = "urn:dev:ops:32473-x-{n}"
    args = ["device", "fleet", "--count", "12", "--start", "0", "--alg", "ES256"]
    assert main([*args, "--id", pattern, "--out-dir", str(keys), "--file", str(listing)]) == 0
    assert sorted(p.name for p in keys.iterdir())[:2] == ["00.pem", "01.pem"]
    lines = [json.loads(line) for line in listing.read_text().splitlines()]
    assert lines[11]["id"] == "urn:dev:ops:32473-x-11" and lines[11]["key"].startswith("did:key:")
    bad = main(
        [
            "device",
            "fleet",
            "--count",
            "1",
            "--id",
            "x-{m}",
            "--out-dir",
            str(keys),
            "--file",
            str(listing),
        ]
    )
    assert bad == 2
    assert "{n}" in capsys.readouterr().err


def test_enroll_reports_rejected_lines_and_refusals(
    live_server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--url", live_server.url, "--token", ADMIN_TOKEN]
    created = httpx.post(
        f"{live_server.url}/enrollment-groups", json={"id": "cli-fleet"}, headers=ADMIN
    )
    assert created.status_code == 201
    listing = tmp_path / "fleet.csv"
    assert (
        main(
            [
                "device",
                "fleet",
                "--count",
                "3",
                "--id",
                "urn:dev:ops:32473-cli-{n}",
                "--out-dir",
                str(tmp_path / "k"),
                "--file",
                str(listing),
            ]
        )
        == 0
    )
    listing.write_text(listing.read_text() + "urn:dev:ops:32473-cli-9,did:key:zNope\n")
    capsys.readouterr()
    assert main(["enroll", str(listing), "--group", "cli-fleet", *url]) == 1
    captured = capsys.readouterr()
    assert "3 accepted (3 created, 0 unchanged), 1 rejected" in captured.out
    assert f"{listing}:5: urn:dev:ops:32473-cli-9: key:" in captured.err
    assert main(["enroll", str(listing), "--group", "nope", *url]) == 1
    assert "404 Not Found" in capsys.readouterr().err
    assert main(["enroll", str(listing), "--group", "g", "--url", "http://127.0.0.1:9"]) == 3


def test_endorse_and_verify(
    live_server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    group_key, device_key = tmp_path / "group.pem", tmp_path / "device.pem"
    write_private_key(generate_key("ES256"), group_key)
    write_private_key(generate_key("Ed25519"), device_key)
    assert main(["device", "show", "--key", str(group_key), "--print", "did"]) == 0
    did = capsys.readouterr().out.strip()
    body = {"id": "cli-endorsed", "groupKey": did, "deviceId": {"prefix": "urn:dev:ops:32473-e-"}}
    groups = f"{live_server.url}/enrollment-groups"
    assert httpx.post(groups, json=body, headers=ADMIN).status_code == 201
    thing = "urn:dev:ops:32473-e-1"
    endorsement = tmp_path / "endorsement.jws"
    assert (
        main(
            [
                "device",
                "endorse",
                "--group-key",
                str(group_key),
                "--group",
                "cli-endorsed",
                "--thing",
                thing,
                "--key",
                str(device_key),
                "--out",
                str(endorsement),
            ]
        )
        == 0
    )
    token_args = [
        "device",
        "token",
        "--key",
        str(device_key),
        "--thing",
        thing,
        "--url",
        live_server.url,
    ]
    assert main(token_args) == 1  # not registered, no endorsement
    assert main([*token_args, "--endorsement", str(endorsement)]) == 0
    token = capsys.readouterr().out.strip()
    jwks = tmp_path / "jwks.json"
    jwks.write_bytes(httpx.get(f"{live_server.url}/.well-known/jwks.json").content)
    assert main(["verify", token, "--jwks", str(jwks), "--issuer", live_server.url]) == 0
    assert json.loads(capsys.readouterr().out)["sub"] == thing
    assert main(["verify", token, "--jwks", str(jwks), "--issuer", "https://other"]) == 1
    assert "issued by" in capsys.readouterr().err
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert main(["verify", tampered, "--jwks", str(jwks)]) == 1
    assert "signature" in capsys.readouterr().err
    jwks.write_text('{"keys": []}')
    assert main(["verify", token, "--jwks", str(jwks)]) == 1
    assert "no published key" in capsys.readouterr().err
