"""X.509 for enrollment groups: trust anchors, chain validation, a device's id from its
certificate.

Chains are validated by ``cryptography``'s ``x509.verification`` (documented by its authors as
not yet stable): signatures, validity times of every certificate, CA basic constraints and
path lengths, and key usage of the CA certificates under its Web PKI CA policy. The device
certificate is held to a permissive policy instead (``ExtensionPolicy.permit_all()``), because
real device certificates often have no SAN and no extended key usage; only a device
certificate that says it is a CA is refused here. Known limits (docs/security.md): no
revocation checking (no CRL, no OCSP: block the device instead), and certificates *signed* with
Ed25519 are not validated by the library (a device's own key may be Ed25519 when its CA signs
with ECDSA or RSA).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

IdSource = Literal["subject-cn", "serial", "san-uri", "san-dns"]
ID_SOURCES: tuple[IdSource, ...] = ("subject-cn", "serial", "san-uri", "san-dns")
MAX_ANCHORS = 8


class ChainRefused(Exception):
    """Why a certificate chain is not accepted (for the log and the owner, not the device)."""


def read_anchors(pem: str) -> list[x509.Certificate]:
    """The CA certificates a group trusts, from PEM: each must be a CA certificate."""
    try:
        anchors = x509.load_pem_x509_certificates(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ValueError("the PEM certificates do not parse") from None
    if not 1 <= len(anchors) <= MAX_ANCHORS:
        raise ValueError(f"give 1 to {MAX_ANCHORS} CA certificates")
    for anchor in anchors:
        if not is_ca(anchor):
            subject = anchor.subject.rfc4514_string()
            raise ValueError(f"{subject!r} is not a CA certificate (basicConstraints cA)")
    return anchors


def is_ca(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return constraints.value.ca


def verify_chain(
    anchors: Sequence[x509.Certificate],
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    moment: datetime,
) -> None:
    """Raise :class:`ChainRefused` unless ``leaf`` chains to one of ``anchors`` at ``moment``."""
    if is_ca(leaf):
        raise ChainRefused("the device certificate is a CA certificate")
    verifier = (
        PolicyBuilder()
        .store(Store(list(anchors)))
        .time(moment)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=ExtensionPolicy.permit_all(),
        )
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, list(intermediates))
    except VerificationError as exc:
        raise ChainRefused(f"the certificate chain does not validate: {exc}") from None


def device_value(certificate: x509.Certificate, source: IdSource) -> str:
    """The part of the certificate a group makes device ids from; :class:`ChainRefused` when
    the certificate has none. Values other than a SAN URI are percent-encoded."""
    if source == "serial":
        return format(certificate.serial_number, "x")
    if source == "subject-cn":
        names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not names or not isinstance(names[0].value, str) or not names[0].value:
            raise ChainRefused("the certificate's subject has no common name")
        return quote(names[0].value, safe="-._~:")
    values = (
        subject_alternative_names(certificate, x509.UniformResourceIdentifier)
        if source == "san-uri"
        else subject_alternative_names(certificate, x509.DNSName)
    )
    if not values:
        raise ChainRefused(f"the certificate has no {source.upper()} name")
    return values[0] if source == "san-uri" else quote(values[0], safe="-._~:")


def subject_alternative_names(
    certificate: x509.Certificate,
    kind: type[x509.UniformResourceIdentifier] | type[x509.DNSName],
) -> list[str]:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(value) for value in names.value.get_values_for_type(kind)]
