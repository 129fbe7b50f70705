"""W3C decentralised identifiers: DID Core generic syntax, ``did:key`` and ``did:web``.

Every DID is kept exactly as given (scheme ``did``, ``details["method"]``); the method-specific id
is case-sensitive. DID Core §3.1: ``did:`` lowercase, a method of lowercase letters and digits,
an id of ``A-Z a-z 0-9 . - _``, percent-encodings and colons, not ending in a colon. A DID URL
(path, query or fragment) names something inside a DID document, not the subject, and is refused.

``did:key``: multibase base58-btc (``z…``), a multicodec varint, then the public key; the key is
loaded with ``cryptography`` (which checks the point of the NIST curves and secp256k1) and an
Ed25519 key is also checked to be a curve point (RFC 8032 §5.1.3), since ``cryptography``
accepts any 32 bytes.
Details: ``key_type``, ``public_key_hex`` (the raw key as multicodec carries it) and
``jwk_thumbprint`` (RFC 7638), which is what a verifier compares. Supported: Ed25519, X25519,
P-256, P-384, P-521 (compressed points, as the did:key spec requires), secp256k1 and RSA; other
codecs (BLS12-381…) are refused because their keys cannot be checked here.

``did:web``: ``details["url"]`` is the DID document's https URL per the did:web spec — colons
become slashes, a ``%3A`` in the domain is the port, and a DID without path serves
``/.well-known/did.json``; ``details["domain"]`` (lowercase) is what delegation matches.
"""

from __future__ import annotations

import hashlib
import json
import re
from base64 import urlsafe_b64encode
from collections.abc import Callable

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519

from thingreg.core.ids.base import InvalidIdentifier, Reading

_METHOD = re.compile(r"[a-z0-9]+")
_ID_CHARS = re.compile(r"(?:[A-Za-z0-9.\-_:]|%[0-9A-Fa-f]{2})+")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_PORT = re.compile(r"[0-9]{1,5}")
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_VALUE = {char: value for value, char in enumerate(_BASE58)}

# Ed25519 (RFC 8032): the field prime and the curve constant d.
_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P

EXAMPLES: tuple[tuple[str, str], ...] = (
    ("did:example:123456789abcdefghi", "did:example:123456789abcdefghi"),  # DID Core §3.1
    # did:key spec test vectors: Ed25519 (seed 0) and P-256.
    (
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    ),
    (
        "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
        "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
    ),
    # did:web spec examples.
    ("did:web:w3c-ccg.github.io", "did:web:w3c-ccg.github.io"),
    ("did:web:w3c-ccg.github.io:user:alice", "did:web:w3c-ccg.github.io:user:alice"),
    ("did:web:example.com%3A3000:user:alice", "did:web:example.com%3A3000:user:alice"),
)

BENCH_INPUTS: tuple[str, ...] = (
    "did:example:123456789abcdefghi",
    "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
    "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
    "did:web:w3c-ccg.github.io",
    "did:web:example.com%3A3000:user:alice",
    "did:ion:EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w",
)


def read(text: str) -> list[Reading]:
    """Read a DID; ``[]`` when the text does not start with ``did:``."""
    if text[:4].lower() != "did:":
        return []
    method, msid = _split(text)
    details = {"method": method}
    if method == "key":
        details.update(_key_details(text, msid))
    elif method == "web":
        details.update(_web_details(text, msid))
    return [Reading("did", text, "did", 100, details)]


def _split(text: str) -> tuple[str, str]:
    if not text.startswith("did:"):
        raise InvalidIdentifier(f"{text!r}: the DID scheme is written lowercase, 'did:'", "did")
    method, colon, msid = text[4:].partition(":")
    if not colon or not method or not msid:
        raise InvalidIdentifier(f"{text!r} is not a DID: it needs did:<method>:<id>", "did")
    if _METHOD.fullmatch(method) is None:
        raise InvalidIdentifier(
            f"{text!r}: the DID method {method!r} may only hold lowercase letters and digits",
            "did",
        )
    for mark in "/?#":
        if mark in msid:
            raise InvalidIdentifier(
                f"{text!r} is a DID URL (it has a path, query or fragment), not a DID", "did"
            )
    if _ID_CHARS.fullmatch(msid) is None:
        raise InvalidIdentifier(
            f"{text!r}: a DID's method-specific id holds letters, digits, '.', '-', '_', ':' "
            "and %-encodings only",
            "did",
        )
    if msid.endswith(":"):
        raise InvalidIdentifier(f"{text!r}: a DID must not end with ':'", "did")
    return method, msid


# did:key ----------------------------------------------------------------------------------


def _key_details(text: str, msid: str) -> dict[str, str]:
    if not msid.startswith("z"):
        raise InvalidIdentifier(
            f"{text!r}: did:key ids are multibase base58-btc and start with 'z'", "did"
        )
    data = _base58_decode(msid[1:])
    if data is None:
        raise InvalidIdentifier(f"{text!r}: did:key id is not valid base58-btc", "did")
    codec, key_bytes = _varint(data)
    if codec < 0:
        raise InvalidIdentifier(f"{text!r}: did:key id does not start with a multicodec", "did")
    spec = _CODECS.get(codec)
    if spec is None:
        raise InvalidIdentifier(
            f"{text!r}: did:key multicodec 0x{codec:x} is not a key type thingreg can check "
            "(Ed25519, X25519, P-256, P-384, P-521, secp256k1, RSA)",
            "did",
        )
    key_type, size, load = spec
    if size and len(key_bytes) != size:
        raise InvalidIdentifier(
            f"{text!r}: a did:key {key_type} key is {size} bytes, not {len(key_bytes)}",
            "did",
        )
    try:
        jwk = load(key_bytes)
    except (ValueError, UnsupportedAlgorithm) as error:
        raise InvalidIdentifier(f"{text!r}: not a valid {key_type} public key", "did") from error
    return {
        "key_type": key_type,
        "multicodec": f"0x{codec:x}",
        "public_key_hex": key_bytes.hex(),
        "jwk_thumbprint": _thumbprint(jwk),
    }


def _base58_decode(text: str) -> bytes | None:
    number = 0
    try:
        for char in text:
            number = number * 58 + _BASE58_VALUE[char]
    except KeyError:
        return None
    zeros = len(text) - len(text.lstrip("1"))
    return bytes(zeros) + number.to_bytes((number.bit_length() + 7) // 8, "big")


def _varint(data: bytes) -> tuple[int, bytes]:
    """An unsigned LEB128 varint (multicodec), and the bytes after it."""
    value = 0
    for index, byte in enumerate(data[:4]):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value, data[index + 1 :]
    return -1, b""


def _b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _okp(curve: str, loader: Callable[[bytes], object]) -> Callable[[bytes], dict[str, str]]:
    def load(raw: bytes) -> dict[str, str]:
        if curve == "Ed25519" and not _ed25519_point(raw):
            raise ValueError("not a point of Ed25519")
        loader(raw)
        return {"crv": curve, "kty": "OKP", "x": _b64(raw)}

    return load


def _ec(curve: str, algorithm: ec.EllipticCurve) -> Callable[[bytes], dict[str, str]]:
    size = (algorithm.key_size + 7) // 8

    def load(raw: bytes) -> dict[str, str]:
        if raw[:1] not in (b"\x02", b"\x03"):
            raise ValueError("not a compressed point")
        numbers = ec.EllipticCurvePublicKey.from_encoded_point(algorithm, raw).public_numbers()
        return {
            "crv": curve,
            "kty": "EC",
            "x": _b64(numbers.x.to_bytes(size, "big")),
            "y": _b64(numbers.y.to_bytes(size, "big")),
        }

    return load


def _rsa(raw: bytes) -> dict[str, str]:
    key = serialization.load_der_public_key(raw)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA key")
    numbers = key.public_numbers()
    return {
        "e": _b64(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
        "kty": "RSA",
        "n": _b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
    }


def _ed25519_point(raw: bytes) -> bool:
    """Whether 32 bytes decode to a point of Ed25519 (RFC 8032 §5.1.3).

    x² = u/v has a root when u·v is a square mod p; the Jacobi symbol says so five times
    faster than the square root RFC 8032 computes, and the root itself is not needed.
    """
    y = int.from_bytes(raw, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= _P:
        return False
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P  # never 0: d is not a square
    if u == 0:
        return not sign  # x = 0, which has no negative
    return _jacobi(u * v % _P, _P) == 1


def _jacobi(a: int, n: int) -> int:
    """The Jacobi symbol (a/n) for odd n > 0: 1, -1, or 0 when they share a factor."""
    a %= n
    result = 1
    while a:
        zeros = (a & -a).bit_length() - 1
        a >>= zeros
        if zeros & 1 and n & 7 in (3, 5):
            result = -result
        if a & 3 == 3 and n & 3 == 3:
            result = -result
        a, n = n % a, a
    return result if n == 1 else 0


def _thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 of the required members, sorted, without whitespace."""
    canonical = json.dumps(jwk, sort_keys=True, separators=(",", ":"))
    return _b64(hashlib.sha256(canonical.encode("ascii")).digest())


_CODECS: dict[int, tuple[str, int, Callable[[bytes], dict[str, str]]]] = {
    0xED: ("Ed25519", 32, _okp("Ed25519", ed25519.Ed25519PublicKey.from_public_bytes)),
    0xEC: ("X25519", 32, _okp("X25519", x25519.X25519PublicKey.from_public_bytes)),
    0xE7: ("secp256k1", 33, _ec("secp256k1", ec.SECP256K1())),
    0x1200: ("P-256", 33, _ec("P-256", ec.SECP256R1())),
    0x1201: ("P-384", 49, _ec("P-384", ec.SECP384R1())),
    0x1202: ("P-521", 67, _ec("P-521", ec.SECP521R1())),
    0x1205: ("RSA", 0, _rsa),
}
"""multicodec code → (key type, key length or 0 when variable, loader returning the JWK)."""


# did:web ----------------------------------------------------------------------------------


def _web_details(text: str, msid: str) -> dict[str, str]:
    authority, *path = msid.split(":")
    host, marker, port = authority.replace("%3a", "%3A").partition("%3A")
    labels = host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidIdentifier(
            f"{text!r}: the did:web domain {host!r} is not a domain name (IDNs go in punycode)",
            "did",
        )
    if labels[-1].isdigit():
        raise InvalidIdentifier(f"{text!r}: did:web takes a domain name, not an IP address", "did")
    if marker and (_PORT.fullmatch(port) is None or not 0 < int(port) < 65536):
        raise InvalidIdentifier(f"{text!r}: the did:web port {port!r} is not a port", "did")
    if any(not segment for segment in path):
        raise InvalidIdentifier(f"{text!r}: a did:web path has an empty segment", "did")
    domain = host.lower()
    origin = f"https://{domain}:{port}" if marker else f"https://{domain}"
    location = "/" + "/".join(path) if path else "/.well-known"
    return {"domain": domain, "url": f"{origin}{location}/did.json"}
