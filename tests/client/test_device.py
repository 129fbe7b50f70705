"""End to end on a real server: devices authenticate with the device client and CLI, and their
tokens verify offline with nothing but the published JWKS, across a registry key rotation."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.conftest import ADMIN, fresh_database
from tests.pki import make_ca, make_leaf, pem
from tests.support import LiveServer, minimal_td, start_server, stop_server
from thingreg.cli.main import main
from thingreg.client import device
from thingreg.core.auth.jose import PrivateKey


@dataclass
class Registry:
    server: LiveServer
    db: str

    @property
    def url(self) -> str:
        return self.server.url

    def location(self) -> list[str]:
        """The ``thingreg keys`` flags that find this registry's database."""
        if self.db:
            return ["--db", self.db]
        return ["--data-dir", str(self.server.data_dir)]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with fresh_database() as db:
        env = {"THINGREG_DB": db} if db else {}
        server = start_server(tmp_path_factory.mktemp("device-e2e") / "data", **env)
        try:
            yield Registry(server, db)
        finally:
            stop_server(server)


def register(registry: Registry, thing_id: str, **body: Any) -> None:
    path = f"{registry.url}/things/{quote(thing_id, safe='')}"
    td = orjson.dumps(minimal_td(thing_id))
    headers = {"Content-Type": "application/td+json", **ADMIN}
    response = httpx.put(path, content=td, headers=headers)
    assert response.status_code == 201, response.text
    response = httpx.post(f"{path}/credentials", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text


def new_key(tmp_path: Path, alg: str) -> tuple[Path, PrivateKey, dict[str, Any]]:
    path = tmp_path / f"{alg}.pem"
    key = device.generate_key(alg)
    device.write_private_key(key, path)
    return path, key, device.describe_key(key)


# -- offline verification: only the JWKS, base64, json and cryptography ----------------------


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_offline(token: str, jwks: dict[str, Any], issuer: str) -> dict[str, Any]:
    """What any IoT system can do with the registry's JWKS and a JOSE-less crypto library."""
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(b64decode(header_part))
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert header["alg"] == jwk["alg"]
    signing_input = f"{header_part}.{payload_part}".encode()
    signature = b64decode(signature_part)
    if jwk["kty"] == "EC":
        point = b"\x04" + b64decode(jwk["x"]) + b64decode(jwk["y"])
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
    else:
        ed25519.Ed25519PublicKey.from_public_bytes(b64decode(jwk["x"])).verify(
            signature, signing_input
        )
    claims: dict[str, Any] = json.loads(b64decode(payload_part))
    assert claims["iss"] == issuer and claims["exp"] > time.time()
    return claims


def jwks(registry: Registry) -> dict[str, Any]:
    response = httpx.get(f"{registry.url}/.well-known/jwks.json")
    assert response.status_code == 200
    value: dict[str, Any] = response.json()
    return value


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["Ed25519", "ES256"])
def test_device_authenticates_and_token_verifies_offline(
    registry: Registry, tmp_path: Path, alg: str
) -> None:
    path, _, described = new_key(tmp_path, alg)
    assert path.stat().st_mode & 0o777 == 0o600
    thing = f"urn:example:e2e-{alg.lower()}"
    register(registry, thing, key=described["did"])
    answer = device.token(registry.url, thing, path)
    claims = verify_offline(answer["access_token"], jwks(registry), registry.url)
    assert claims["sub"] == thing and claims["cnf"] == {"jkt": described["thumbprint"]}
    head, payload, signature = answer["access_token"].split(".")
    forged = json.loads(b64decode(payload)) | {"sub": "urn:example:someone-else"}
    encoded = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    tampered = f"{head}.{encoded}.{signature}"
    with pytest.raises(InvalidSignature):
        verify_offline(tampered, jwks(registry), registry.url)


def test_x509_device(registry: Registry, tmp_path: Path) -> None:
    ca = make_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = make_leaf(ca, key, "meter-000981")
    key_path = tmp_path / "meter.pem"
    device.write_private_key(key, key_path)
    chain = tmp_path / "meter-chain.pem"
    chain.write_text(pem(certificate) + pem(ca[1]))
    register(registry, "urn:example:meter-981", certificate=pem(certificate))
    answer = device.token(registry.url, "urn:example:meter-981", key_path, certificate_path=chain)
    claims = verify_offline(answer["access_token"], jwks(registry), registry.url)
    assert claims["sub"] == "urn:example:meter-981"


def test_cli_revocation_and_registry_key_rotation(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_path = tmp_path / "lamp.pem"
    assert main(["device", "keygen", "--out", str(key_path), "--print", "did"]) == 0
    did = capsys.readouterr().out.strip()
    register(registry, "urn:example:e2e-lamp", key=did)
    argv = ["device", "token", "--key", str(key_path), "--thing", "urn:example:e2e-lamp"]
    assert main([*argv, "--url", registry.url]) == 0
    old_token = capsys.readouterr().out.strip()
    old_kid = json.loads(b64decode(old_token.split(".")[0]))["kid"]

    # The registry rotates its signing key (offline, on its database, while it runs).
    assert main(["keys", "rotate", *registry.location(), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [k["state"] for k in listed][:2] == ["signing", "retired"]
    new_kid = listed[0]["kid"]
    deadline = time.monotonic() + 10
    while new_kid not in {k["kid"] for k in jwks(registry)["keys"]}:
        assert time.monotonic() < deadline, "the server did not pick up the new key"
        time.sleep(0.1)
    assert main([*argv, "--url", registry.url, "--json"]) == 0
    new_token = json.loads(capsys.readouterr().out)["access_token"]
    deadline = time.monotonic() + 10
    while json.loads(b64decode(new_token.split(".")[0]))["kid"] != new_kid:  # reload lag
        assert time.monotonic() < deadline
        time.sleep(0.2)
        assert main([*argv, "--url", registry.url]) == 0
        new_token = capsys.readouterr().out.strip()
    published = jwks(registry)
    assert {old_kid, new_kid} <= {k["kid"] for k in published["keys"]}
    verify_offline(old_token, published, registry.url)  # tokens signed before still verify
    verify_offline(new_token, published, registry.url)

    # Revoke the device's credential: refused (exit 1), and its tokens are no longer active.
    credential = device.describe_key(device.load_private_key(key_path))["thumbprint"]
    path = f"{registry.url}/things/urn%3Aexample%3Ae2e-lamp/credentials/{credential}"
    assert httpx.patch(path, json={"state": "revoked"}, headers=ADMIN).status_code == 200
    assert main([*argv, "--url", registry.url]) == 1
    assert "401 Unauthorized: authentication failed" in capsys.readouterr().err
    for token in (old_token, new_token):
        response = httpx.post(f"{registry.url}/auth/introspect", data={"token": token})
        assert response.json() == {"active": False}


def test_unreachable_registry_and_foreign_audience(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_path, _, _ = new_key(tmp_path, "Ed25519")
    argv = ["device", "token", "--key", str(key_path), "--thing", "urn:example:x"]
    assert main([*argv, "--url", "http://127.0.0.1:9"]) == 3  # unreachable
    assert "cannot reach the registry" in capsys.readouterr().err
    # The registry calls itself by another name than the URL used: refused before signing.
    other_name = registry.url.replace("127.0.0.1", "localhost")
    assert main([*argv, "--url", other_name]) == 2
    assert "names itself" in capsys.readouterr().err
