"""The public keys and certificates devices are bound by, read from what clients submit.

A raw public key arrives as a JWK object, a PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo) or a
``did:key``; a certificate as PEM. Either way the result is one :class:`KeyMaterial`: the key,
its JWS algorithm, its RFC 7638 thumbprint (``jkt``, the registry-wide fingerprint), and the
SHA-256 of its DER SubjectPublicKeyInfo (what a certificate is bound by; the same value as
``openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum``). Only Ed25519
and P-256 keys are taken; every key is also checked the way a ``did:key`` is (an Ed25519 key
must be a curve point, which ``cryptography`` alone does not check).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from thingreg.core.auth.jose import (
    InvalidJWS,
    PublicKey,
    algorithm_of,
    b64url_decode,
    key_from_jwk,
    public_jwk,
    thumbprint,
)
from thingreg.core.ids import did
from thingreg.core.ids.base import InvalidIdentifier

MAX_CHAIN = 4
"""Most certificates accepted in a JWS ``x5c`` header."""

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_MULTICODEC = {"EdDSA": b"\xed\x01", "ES256": b"\x80\x24"}
"""Varint multicodec prefixes of did:key: ed25519-pub (0xed) and p256-pub (0x1200)."""


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    """A device's public key as the registry binds it, with its certificate if it came in one."""

    kind: Literal["key", "x509"]
    key: PublicKey
    alg: str
    jwk: dict[str, str]
    jkt: str
    spki: bytes
    spki_sha256: str
    certificate: x509.Certificate | None = None


def material(
    key: PublicKey, certificate: x509.Certificate | None = None, *, checked: bool = False
) -> KeyMaterial:
    """Everything the registry derives from a public key (checked as a did:key would be,
    unless it was read from one: ``checked``)."""
    alg = algorithm_of(key)
    if not checked:
        try:
            did.read(did_key(key))
        except InvalidIdentifier:
            raise ValueError(f"not a valid {alg} public key") from None
    jwk = public_jwk(key)
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyMaterial(
        kind="key" if certificate is None else "x509",
        key=key,
        alg=alg,
        jwk=jwk,
        jkt=thumbprint(jwk),
        spki=spki,
        spki_sha256=hashlib.sha256(spki).hexdigest(),
        certificate=certificate,
    )


def read_key(value: Any) -> KeyMaterial:
    """A raw public key given as a JWK object, a PEM ``PUBLIC KEY`` or a ``did:key``."""
    if isinstance(value, dict):
        return material(key_from_jwk(value))
    if not isinstance(value, str):
        raise ValueError("a key is a JWK object, a PEM public key or a did:key string")
    text = value.strip()
    if text.startswith("did:"):
        return material(_did_key_public_key(text), checked=True)
    if text.startswith("-----BEGIN PUBLIC KEY-----"):
        try:
            loaded = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise ValueError("the PEM public key does not parse") from None
        return material(_supported(loaded))
    raise ValueError(
        "a key is a JWK object, a PEM public key (-----BEGIN PUBLIC KEY-----) or a did:key"
    )


def read_certificate(value: Any) -> KeyMaterial:
    """An X.509 certificate in PEM, bound by its public key."""
    if not isinstance(value, str) or "-----BEGIN CERTIFICATE-----" not in value:
        raise ValueError("a certificate is a PEM string (-----BEGIN CERTIFICATE-----)")
    try:
        certificate = x509.load_pem_x509_certificate(value.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ValueError("the PEM certificate does not parse") from None
    return certificate_material(certificate)


def certificate_material(certificate: x509.Certificate) -> KeyMaterial:
    """A certificate's key, bound by it; ``ValueError`` unless it is Ed25519 or P-256."""
    return material(_supported(certificate.public_key()), certificate)


def leaf_of_x5c(x5c: Any) -> x509.Certificate:
    """The first certificate of a JWS ``x5c`` header (RFC 7515 4.1.6: base64 DER, not url)."""
    return _x5c_certificates(x5c, 1)[0]


def chain_of_x5c(x5c: Any) -> list[x509.Certificate]:
    """Every certificate of a JWS ``x5c`` header: the device's, then the ones that issued it."""
    return _x5c_certificates(x5c, MAX_CHAIN)


def _x5c_certificates(x5c: Any, most: int) -> list[x509.Certificate]:
    if not isinstance(x5c, list) or not 1 <= len(x5c) <= MAX_CHAIN:
        raise ValueError(f"x5c is a list of 1 to {MAX_CHAIN} certificates")
    certificates = []
    for position, value in enumerate(x5c[:most]):
        if not isinstance(value, str):
            raise ValueError("x5c holds base64 strings")
        try:
            der = b64url_decode(value.replace("+", "-").replace("/", "_").rstrip("="))
            certificates.append(x509.load_der_x509_certificate(der))
        except (InvalidJWS, ValueError):
            raise ValueError(f"x5c certificate {position} does not parse") from None
    return certificates


def spki_sha256_of(certificate: x509.Certificate) -> str:
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def within_validity(certificate: x509.Certificate, moment: datetime) -> bool:
    return certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc


def validity(certificate: x509.Certificate) -> tuple[datetime, datetime]:
    return (
        certificate.not_valid_before_utc.astimezone(UTC),
        certificate.not_valid_after_utc.astimezone(UTC),
    )


def load_spki(der: bytes) -> PublicKey:
    return _supported(serialization.load_der_public_key(der))


def _supported(key: object) -> PublicKey:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise ValueError("only Ed25519 and P-256 keys are accepted")


# -- did:key ---------------------------------------------------------------------------------


def did_key(key: PublicKey) -> str:
    """The ``did:key`` of an Ed25519 or P-256 public key (P-256 as a compressed point)."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
    return "did:key:z" + _base58(_MULTICODEC[algorithm_of(key)] + raw)


def _did_key_public_key(text: str) -> PublicKey:
    try:
        readings = did.read(text)
    except InvalidIdentifier as exc:
        raise ValueError(exc.detail) from None
    details = readings[0].details if readings else {}
    raw = bytes.fromhex(details.get("public_key_hex", ""))
    key_type = details.get("key_type")
    if key_type == "Ed25519":
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if key_type == "P-256":
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    raise ValueError("only did:key identifiers of Ed25519 and P-256 keys are accepted")


def _base58(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(_BASE58[digit])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))
