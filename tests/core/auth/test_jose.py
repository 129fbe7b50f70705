"""Compact JWS and JWK: RFC vectors, round trips, and what a verifier must refuse."""

from __future__ import annotations

import base64

import orjson
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from thingreg.core.auth import jose

# RFC 8037 appendix A: the Ed25519 key, its thumbprint, and a signed example.
RFC8037_JWK = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)
RFC8037_PRIVATE = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"


def test_rfc8037_thumbprint() -> None:
    assert jose.thumbprint(RFC8037_JWK) == RFC8037_THUMBPRINT


def test_rfc8037_signature_verifies_and_is_reproduced() -> None:
    key = jose.key_from_jwk(RFC8037_JWK)
    signing_input, _, signature = RFC8037_JWS.rpartition(".")
    raw = jose.b64url_decode(signature)
    assert jose.verify_signature(key, "EdDSA", signing_input.encode(), raw)
    assert not jose.verify_signature(key, "EdDSA", signing_input.encode() + b"x", raw)
    private = ed25519.Ed25519PrivateKey.from_private_bytes(jose.b64url_decode(RFC8037_PRIVATE))
    assert (
        jose.b64url(private.sign(signing_input.encode())) == signature
    )  # Ed25519 is deterministic
    assert jose.public_jwk(private.public_key()) == {**RFC8037_JWK}


@pytest.mark.parametrize(
    "make", [ed25519.Ed25519PrivateKey.generate, lambda: ec.generate_private_key(ec.SECP256R1())]
)
def test_sign_parse_verify_round_trip(make: object) -> None:
    key = make()  # type: ignore[operator]
    token = jose.sign({"kid": "k1"}, {"sub": "urn:example:lamp", "n": 1}, key)
    parsed = jose.parse(token)
    assert parsed.header == {"kid": "k1", "alg": jose.algorithm_of(key)}
    assert parsed.claims == {"sub": "urn:example:lamp", "n": 1}
    assert jose.verify(parsed, key.public_key(), parsed.alg)
    assert not jose.verify(parsed, make().public_key(), parsed.alg)  # type: ignore[operator]


def test_es256_signatures_are_raw_r_s_as_rfc7518_says() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    parsed = jose.parse(jose.sign({}, {"a": 1}, key))
    assert len(parsed.signature) == 64
    r, s = (
        int.from_bytes(parsed.signature[:32], "big"),
        int.from_bytes(parsed.signature[32:], "big"),
    )
    key.public_key().verify(
        encode_dss_signature(r, s), parsed.signing_input, ec.ECDSA(hashes.SHA256())
    )


def b64(value: object) -> str:
    return jose.b64url(orjson.dumps(value))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        f"{b64({'alg': 'none'})}.{b64({})}.",
        f"{b64({'alg': 'HS256'})}.{b64({})}.c2ln",
        f"{b64({'alg': 'RS256'})}.{b64({})}.c2ln",
        f"{b64({'alg': 'ES256', 'crit': ['b64']})}.{b64({})}.c2ln",
        f"{b64({'alg': 'ES256'})}.{b64([1, 2])}.c2ln",
        f"{b64(['ES256'])}.{b64({})}.c2ln",
        f"{b64({'alg': 'ES256'})}.{b64({})}.c2ln=",
        f"{b64({'alg': 'ES256'})}.{b64({})}.c2+n",
        f"{b64({'alg': 'ES256'})}.{jose.b64url(b'not json')}.c2ln",
        "x" * (jose.MAX_TOKEN_LENGTH + 1),
    ],
)
def test_refuses_malformed_or_unsupported(token: str) -> None:
    with pytest.raises(jose.InvalidJWS):
        jose.parse(token)


def test_algorithm_is_the_keys_not_the_headers() -> None:
    ed_key = ed25519.Ed25519PrivateKey.generate()
    parsed = jose.parse(jose.sign({}, {"a": 1}, ed_key))
    # A verifier told the key is an EdDSA key refuses a header that says ES256, and vice versa.
    forged = jose.CompactJWS(
        {"alg": "ES256"}, parsed.claims, parsed.signing_input, parsed.signature
    )
    assert not jose.verify(forged, ed_key.public_key(), "EdDSA")
    assert not jose.verify(parsed, ed_key.public_key(), "ES256")
    p256 = ec.generate_private_key(ec.SECP256R1())
    assert not jose.verify_signature(p256.public_key(), "ES256", b"x", b"\0" * 63)


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        ({"kty": "OKP", "crv": "X25519", "x": RFC8037_JWK["x"]}, "only Ed25519"),
        ({**RFC8037_JWK, "d": RFC8037_PRIVATE}, "private key"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "32 bytes"),
        ({"kty": "OKP", "crv": "Ed25519"}, "'x'"),
        ({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, "only Ed25519"),
        ({"kty": "RSA", "n": "AQAB", "e": "AQAB"}, "only Ed25519"),
        ({"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "A" * 43}, "."),  # not a point
    ],
)
def test_key_from_jwk_refuses(jwk: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        jose.key_from_jwk(jwk)


def test_b64url_is_unpadded_and_url_safe() -> None:
    data = bytes(range(256))
    text = jose.b64url(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert jose.b64url_decode(text) == data
    assert text == base64.urlsafe_b64encode(data).decode().rstrip("=")
    for bad in ("a", "ab=", "a+b/", "a b", "é"):
        with pytest.raises(jose.InvalidJWS):
            jose.b64url_decode(bad)
