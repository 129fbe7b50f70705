"""DIDs: DID Core syntax, the did:key spec's test vectors, and the did:web spec's examples."""

from __future__ import annotations

import hashlib
import json
from base64 import urlsafe_b64decode, urlsafe_b64encode

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import assume, given
from hypothesis import strategies as st

from thingreg.core.ids import did
from thingreg.core.ids.analysis import analyse
from thingreg.core.ids.base import InvalidIdentifier

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    number, digits = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        digits = ALPHABET[digit] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


def b58decode(text: str) -> bytes:
    number: int = sum(ALPHABET.index(char) * 58**power for power, char in enumerate(text[::-1]))
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def did_key(codec: bytes, key: bytes) -> str:
    return "did:key:z" + b58encode(codec + key)


def b64(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(data: bytes) -> str:
    return urlsafe_b64encode(data).decode().rstrip("=")


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 §3: SHA-256 over the required members, sorted, no whitespace."""
    data = json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()
    return b64encode(hashlib.sha256(data).digest())


# did:key test-vectors/ed25519-x25519.json: (DID, seed, publicKeyBase58).
ED25519_VECTORS = [
    (
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "00" * 32,
        "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS",
    ),
    (
        "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
        "00" * 31 + "01",
        "6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt",
    ),
    (
        "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf",
        "00" * 31 + "02",
        "8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH",
    ),
    (
        "did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ",
        "00" * 31 + "03",
        "HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2",
    ),
    (
        "did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL",
        "00" * 31 + "04",
        "J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x",
    ),
]

# did:key test-vectors/nist-curves.json: (DID, curve, x, y) of publicKeyJwk.
NIST_VECTORS = [
    (
        "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
        "P-256",
        "igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns",
        "efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM",
    ),
    (
        "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
        "P-256",
        "fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI",
        "hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU",
    ),
    (
        "did:key:z82Lm1MpAkeJcix9K8TMiLd5NMAhnwkjjCBeWHXyu3U4oT2MVJJKXkcVBgjGhnLBn2Kaau9",
        "P-384",
        "lInTxl8fjLKp_UCrxI0WDklahi-7-_6JbtiHjiRvMvhedhKVdHBfi2HCY8t_QJyc",
        "y6N1IC-2mXxHreETBW7K3mBcw0qGr3CWHCs-yl09yCQRLcyfGv7XhqAngHOu51Zv",
    ),
    (
        "did:key:z82LkvCwHNreneWpsgPEbV3gu1C6NFJEBg4srfJ5gdxEsMGRJUz2sG9FE42shbn2xkZJh54",
        "P-384",
        "CA-iNoHDg1lL8pvX3d1uvExzVfCz7Rn6tW781Ub8K5MrDf2IMPyL0RTDiaLHC1JT",
        "Kpnrn8DkXUD3ge4mFxi-DKr0DYO2KuJdwNBrhzLRtfMa3WFMZBiPKUPfJj8dYNl_",
    ),
    (
        "did:key:z2J9gaYxrKVpdoG9A4gRnmpnRCcxU6agDtFVVBVdn1JedouoZN7SzcyREXXzWgt3gGiwpoHq7K68X4m32D8HgzG8wv3sY5j7",
        "P-521",
        "ASUHPMyichQ0QbHZ9ofNx_l4y7luncn5feKLo3OpJ2nSbZoC7mffolj5uy7s6KSKXFmnNWxGJ42IOrjZ47qqwqyS",
        "AW9ziIC4ZQQVSNmLlp59yYKrjRY0_VqO-GOIYQ9tYpPraBKUloEId6cI_vynCzlZWZtWpgOM3HPhYEgawQ703RjC",
    ),
]

# did:key test-vectors/secp256k1.json: (DID, seed = private key).
SECP256K1_VECTORS = [
    (
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
        "9085d2bef69286a6cbb51623c8fa258629945cd55ca705cc4e66700396894e0c",
    ),
    (
        "did:key:zQ3shtxV1FrJfhqE1dvxYRcCknWNjHc3c5X1y3ZSoPDi2aur2",
        "f0f4df55a2b3ff13051ea814a8f24ad00f2e469af73c363ac7e9fb999a9072ed",
    ),
]

# did:key test-vectors/x25519.json: (DID, publicKeyBase58).
X25519_VECTORS = [
    (
        "did:key:z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F",
        "4Dy8E9UaZscuPUf2GLxV44RCNL7oxmEXXkgWXaug1WKV",
    ),
    (
        "did:key:z6LStiZsmxiK4odS4Sb6JmdRFuJ6e1SYP157gtiCyJKfrYha",
        "J3PiFeuSyLugy4DKn87TwK5cnruRgPtxouzXUqg99Avp",
    ),
]


@pytest.mark.parametrize(("text", "seed", "public_base58"), ED25519_VECTORS)
def test_ed25519_vectors(text: str, seed: str, public_base58: str) -> None:
    (reading,) = did.read(text)
    public = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed)).public_key()
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert (reading.scheme, reading.canonical, reading.rank) == ("did", text, 100)
    assert reading.details["method"] == "key"
    assert reading.details["key_type"] == "Ed25519"
    assert reading.details["multicodec"] == "0xed"
    assert reading.details["public_key_hex"] == raw.hex() == b58decode(public_base58).hex()
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": b64encode(raw)}
    assert reading.details["jwk_thumbprint"] == thumbprint(jwk)


@pytest.mark.parametrize(("text", "curve", "x", "y"), NIST_VECTORS)
def test_nist_curve_vectors(text: str, curve: str, x: str, y: str) -> None:
    (reading,) = did.read(text)
    parity = b"\x03" if b64(y)[-1] & 1 else b"\x02"
    assert reading.details["key_type"] == curve
    assert reading.details["public_key_hex"] == (parity + b64(x)).hex()
    jwk = {"crv": curve, "kty": "EC", "x": x, "y": y}
    assert reading.details["jwk_thumbprint"] == thumbprint(jwk)


@pytest.mark.parametrize(("text", "seed"), SECP256K1_VECTORS)
def test_secp256k1_vectors(text: str, seed: str) -> None:
    key = ec.derive_private_key(int(seed, 16), ec.SECP256K1()).public_key()
    (reading,) = did.read(text)
    assert reading.details["key_type"] == "secp256k1"
    compressed = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    assert reading.details["public_key_hex"] == compressed.hex()


@pytest.mark.parametrize(("text", "public_base58"), X25519_VECTORS)
def test_x25519_vectors(text: str, public_base58: str) -> None:
    (reading,) = did.read(text)
    assert reading.details["key_type"] == "X25519"
    assert reading.details["public_key_hex"] == b58decode(public_base58).hex()


# Codecs as multicodec varints.
ED25519 = b"\xed\x01"
P256 = b"\x80\x24"
BLS12_381_G2 = b"\xeb\x01"


def _not_ed25519_point() -> bytes:
    """y = 2 has no x on Ed25519: 32 bytes that cryptography loads but are no public key."""
    return (2).to_bytes(32, "little")


def _not_p256_point() -> bytes:
    curve = ec.SECP256R1()
    for x in range(1, 100):
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x02" + x.to_bytes(32, "big"))
        except ValueError:
            return b"\x02" + x.to_bytes(32, "big")
    raise AssertionError("every small x is on P-256")


P256_KEY = ec.derive_private_key(7, ec.SECP256R1()).public_key()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("did:key:6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "start with 'z'"),
        ("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0", "not valid base58-btc"),
        ("did:key:zI6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDoo", "not valid base58-btc"),
        (did_key(ED25519, bytes(31)), "a did:key Ed25519 key is 32 bytes, not 31"),
        (did_key(ED25519, _not_ed25519_point()), "not a valid Ed25519 public key"),
        (did_key(P256, _not_p256_point()), "not a valid P-256 public key"),
        (
            did_key(P256, P256_KEY.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)),
            "a did:key P-256 key is 33 bytes, not 65",
        ),
        (did_key(BLS12_381_G2, bytes(96)), "multicodec 0xeb is not a key type thingreg can check"),
        ("did:key:z" + b58encode(b"\xff\xff\xff\xff\xff"), "does not start with a multicodec"),
    ],
)
def test_invalid_did_keys_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        did.read(text)
    assert reason in info.value.detail
    assert info.value.detail.startswith(repr(text))


RSA_PUB = b"\x85\x24"


def test_rsa_keys() -> None:
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    der = public.public_bytes(Encoding.DER, PublicFormat.PKCS1)
    (reading,) = did.read(did_key(RSA_PUB, der))
    numbers = public.public_numbers()
    jwk = {
        "e": b64encode(numbers.e.to_bytes(3, "big")),
        "kty": "RSA",
        "n": b64encode(numbers.n.to_bytes(256, "big")),
    }
    assert reading.details["key_type"] == "RSA"
    assert reading.details["jwk_thumbprint"] == thumbprint(jwk)
    ec_der = P256_KEY.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(InvalidIdentifier, match="not a valid RSA public key"):
        did.read(did_key(RSA_PUB, ec_der))
    with pytest.raises(InvalidIdentifier, match="not a valid RSA public key"):
        did.read(did_key(RSA_PUB, b"\x30\x03"))


def test_ec_keys_must_be_compressed_points() -> None:
    uncompressed = P256_KEY.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    with pytest.raises(InvalidIdentifier, match="not a valid P-256 public key"):
        did.read(did_key(P256, b"\x04" + uncompressed[1:33]))


def test_ed25519_points_with_x_zero() -> None:
    """y = 1 is the neutral element, x = 0: valid only with the sign bit clear."""
    assert did.read(did_key(ED25519, (1).to_bytes(32, "little")))
    with pytest.raises(InvalidIdentifier):
        did.read(did_key(ED25519, ((1 << 255) | 1).to_bytes(32, "little")))


def test_ed25519_check_rejects_points_cryptography_accepts() -> None:
    ed25519.Ed25519PublicKey.from_public_bytes(_not_ed25519_point())  # no complaint
    with pytest.raises(InvalidIdentifier):
        did.read(did_key(ED25519, _not_ed25519_point()))
    high_y = ((1 << 255) - 19 + 1).to_bytes(32, "little")  # y ≥ p: not canonical
    with pytest.raises(InvalidIdentifier):
        did.read(did_key(ED25519, high_y))


# --- did:web and the generic syntax ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "url", "domain"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json", None),
        (
            "did:web:w3c-ccg.github.io:user:alice",
            "https://w3c-ccg.github.io/user/alice/did.json",
            None,
        ),
        ("did:web:example.com", "https://example.com/.well-known/did.json", None),
        (
            "did:web:example.com%3A3000:user:alice",
            "https://example.com:3000/user/alice/did.json",
            None,
        ),
        ("did:web:Example.COM%3a8443", "https://example.com:8443/.well-known/did.json", None),
        ("did:web:localhost%3A8443:a%20b", "https://localhost:8443/a%20b/did.json", "localhost"),
    ],
)
def test_did_web_spec_examples(text: str, url: str, domain: str | None) -> None:
    (reading,) = did.read(text)
    assert reading.canonical == text  # the DID is kept exactly as given
    assert reading.details["url"] == url
    assert reading.details["domain"] == (domain or url.split("/")[2].partition(":")[0])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("did:web:127.0.0.1", "takes a domain name, not an IP address"),
        ("did:web:exa_mple.com", "is not a domain name"),
        ("did:web:-example.com", "is not a domain name"),
        ("did:web:example..com", "is not a domain name"),
        ("did:web:b%C3%BCcher.example", "is not a domain name (IDNs go in punycode)"),
        ("did:web:example.com%3A99999", "the did:web port '99999' is not a port"),
        ("did:web:example.com%3Ahttps", "the did:web port 'https' is not a port"),
        ("did:web:example.com::alice", "a did:web path has an empty segment"),
    ],
)
def test_invalid_did_webs_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        did.read(text)
    assert reason in info.value.detail


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("did:example:123456789abcdefghi", "example"),  # DID Core §3.1
        ("did:ion:EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w", "ion"),
        ("did:example:abc%3Adef:ghi", "example"),
        ("did:example::leading:colons", "example"),
        ("did:3:kjzl6cwe1jw", "3"),
    ],
)
def test_generic_dids(text: str, method: str) -> None:
    (reading,) = did.read(text)
    assert (reading.scheme, reading.canonical, reading.notation) == ("did", text, "did")
    assert dict(reading.details) == {"method": method}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("DID:example:123", "the DID scheme is written lowercase, 'did:'"),
        ("did:", "it needs did:<method>:<id>"),
        ("did:example", "it needs did:<method>:<id>"),
        ("did:example:", "it needs did:<method>:<id>"),
        ("did::123", "it needs did:<method>:<id>"),
        ("did:Example:123", "the DID method 'Example' may only hold lowercase letters"),
        ("did:ex-ample:123", "the DID method 'ex-ample' may only hold lowercase letters"),
        ("did:example:123/path", "is a DID URL (it has a path, query or fragment), not a DID"),
        ("did:example:123?service=x", "is a DID URL"),
        ("did:example:123#key-1", "is a DID URL"),
        ("did:example:12 34", "holds letters, digits, '.', '-', '_', ':' and %-encodings only"),
        ("did:example:%zz", "and %-encodings only"),
        ("did:example:é", "and %-encodings only"),
        ("did:example:123:", "a DID must not end with ':'"),
    ],
)
def test_invalid_dids_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        did.read(text)
    assert reason in info.value.detail
    assert info.value.scheme == "did"


@pytest.mark.parametrize("text", ["di:example:1", "urn:did:example", "https://did.example"])
def test_what_is_not_a_did(text: str) -> None:
    assert did.read(text) == []


id_char = st.sampled_from([*"aZ09.-_", "%3A", "%2f"])
msid = st.lists(st.lists(id_char, min_size=1, max_size=6).map("".join), min_size=1, max_size=4)


@given(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), msid)
def test_generic_did_round_trip(method: str, segments: list[str]) -> None:
    assume(method not in ("key", "web"))  # their own rules, tested above
    text = f"did:{method}:{':'.join(segments)}"
    (reading,) = analyse(text).readings
    assert (reading.canonical, reading.details["method"]) == (text, method)


@given(st.binary(min_size=32, max_size=32), st.integers(1, 2**255))
def test_did_key_round_trip(seed: bytes, secret: int) -> None:
    public = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    text = did_key(ED25519, raw)
    (reading,) = analyse(text).readings
    assert (reading.canonical, reading.details["public_key_hex"]) == (text, raw.hex())
    point = ec.derive_private_key(secret, ec.SECP256R1()).public_key()
    compressed = point.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    text = did_key(P256, compressed)
    (reading,) = analyse(text).readings
    assert (reading.canonical, reading.details["public_key_hex"]) == (text, compressed.hex())


def test_examples() -> None:
    for text, expected in did.EXAMPLES:
        assert did.read(text)[0].canonical == expected
        assert analyse(text).readings[0].canonical == expected
