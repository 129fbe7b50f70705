"""Reading device keys and certificates: every notation of a key is the same credential."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tests.pki import make_ca, make_leaf, pem, public_pem
from thingreg.core.auth import jose
from thingreg.core.auth.keys import did_key, leaf_of_x5c, read_certificate, read_key
from thingreg.core.ids.did import EXAMPLES

DID_KEY_VECTORS = [text for text, _ in EXAMPLES if text.startswith("did:key:")]


@pytest.mark.parametrize("did", DID_KEY_VECTORS)
def test_did_key_spec_vectors_round_trip(did: str) -> None:
    material = read_key(did)
    assert did_key(material.key) == did
    assert material.alg in ("EdDSA", "ES256")


@pytest.mark.parametrize(
    "key",
    [ed25519.Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())],
    ids=["Ed25519", "P-256"],
)
def test_jwk_pem_and_did_key_are_one_credential(key: jose.PrivateKey) -> None:
    forms = [jose.public_jwk(key.public_key()), public_pem(key), did_key(key.public_key())]
    read = [read_key(form) for form in forms]
    assert {m.jkt for m in read} == {jose.thumbprint(jose.public_jwk(key.public_key()))}
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert {m.spki_sha256 for m in read} == {hashlib.sha256(spki).hexdigest()}
    assert {m.kind for m in read} == {"key"}


def test_certificate_is_bound_by_its_key() -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    certificate = make_leaf(make_ca(), device, "sensor-17")
    material = read_certificate(pem(certificate))
    assert material.kind == "x509"
    assert material.jkt == read_key(public_pem(device)).jkt
    assert material.certificate == certificate


def test_ed25519_certificate() -> None:
    device = ed25519.Ed25519PrivateKey.generate()
    certificate = make_leaf(make_ca(), device, "lamp-3")
    assert read_certificate(pem(certificate)).alg == "EdDSA"


@pytest.mark.parametrize(
    "value",
    [
        42,
        "ssh-ed25519 AAAA",
        "did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc",  # X25519: not for signing
        "did:example:123",
        "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----",
        {"kty": "OKP", "crv": "Ed25519", "x": jose.b64url(b"\x02" + bytes(31))},  # off the curve
    ],
)
def test_refused_keys(value: object) -> None:
    with pytest.raises(ValueError):
        read_key(value)


def test_refused_key_types() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ValueError, match="Ed25519 and P-256"):
        read_key(public_pem(rsa_key))
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(ValueError, match="Ed25519 and P-256"):
        read_key(public_pem(p384))
    with pytest.raises(ValueError, match="Ed25519 and P-256"):
        read_certificate(pem(make_leaf(make_ca(), p384, "big")))


def test_x5c_leaf() -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    certificate = make_leaf(make_ca(), device, "sensor-1")
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert leaf_of_x5c([base64.b64encode(der).decode()]) == certificate
    for bad in ([], "x", [1], ["not-a-cert"], [base64.b64encode(der).decode()] * 5):
        with pytest.raises(ValueError):
            leaf_of_x5c(bad)
