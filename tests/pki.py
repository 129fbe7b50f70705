"""Real keys and certificates for the authentication tests, made with ``cryptography``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    PrivateKeyTypes,
)
from cryptography.x509.oid import NameOID


def name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Devices"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


CA = tuple[ec.EllipticCurvePrivateKey, x509.Certificate]


def make_ca(common_name: str = "Example Device CA", *, issuer: CA | None = None) -> CA:
    """A CA: self-signed (a root), or an intermediate issued by ``issuer``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    signer = key if issuer is None else issuer[0]
    issuer_name = name(common_name) if issuer is None else issuer[1].subject
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name(common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(
            x509.BasicConstraints(ca=True, path_length=None if issuer is None else 0),
            critical=True,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(signer, hashes.SHA256())
    )
    return key, certificate


def make_leaf(
    ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate],
    device_key: CertificateIssuerPrivateKeyTypes,
    common_name: str,
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    san_uris: tuple[str, ...] = (),
) -> x509.Certificate:
    """A device certificate for ``device_key`` issued by ``ca`` (no SAN, like many devices,
    unless ``san_uris`` are given)."""
    ca_key, ca_certificate = ca
    now = datetime.now(UTC)
    builder = x509.CertificateBuilder()
    if san_uris:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(u) for u in san_uris]),
            critical=False,
        )
    return (
        builder.subject_name(name(common_name))
        .issuer_name(ca_certificate.subject)
        .public_key(device_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(hours=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def public_pem(key: PrivateKeyTypes) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
