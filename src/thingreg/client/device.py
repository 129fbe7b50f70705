"""The device side of proof of possession: a key pair, the signed answer to a challenge, a token.

What a device or gateway runs (and what ``thingreg device`` and the tests use)::

    key = generate_key("Ed25519")
    write_private_key(key, Path("lamp.pem"))          # PEM, mode 0600
    describe_key(key)["did"]                          # bind this key to the thing, then:
    answer = token("https://registry.example", "urn:example:lamp", Path("lamp.pem"))
    answer["access_token"]                            # a JWT for ``answer["expires_in"]`` s

The flow is two requests: ``POST /auth/challenge {"thing": …}`` returns a nonce, then
``POST /auth/token`` with a compact JWS of ``{"nonce", "aud", "thing", "iat"}`` signed by the
device key (header ``kid`` = the key's RFC 7638 thumbprint; ``x5c`` with the certificate chain
when the device is bound by a certificate). ``aud`` is the registry URL the device called, not
what the registry says it is: a registry that names itself otherwise is refused here (pass
``audience`` when the registry is reached under another name on purpose), which keeps a rogue
registry from relaying a challenge of the real one.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from thingreg.core.auth import jose
from thingreg.core.auth.keys import did_key

KEY_TYPES = {"Ed25519": jose.EDDSA, "ES256": jose.ES256}
"""``--alg`` names: Ed25519 keys sign EdDSA, P-256 keys sign ES256."""
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TIMEOUT = 10.0


class DeviceError(Exception):
    """A readable reason the device could not get a token; ``refused`` when the registry said
    no (an HTTP error answer), ``unreachable`` when it could not be reached."""

    def __init__(self, message: str, *, refused: bool = False, unreachable: bool = False) -> None:
        super().__init__(message)
        self.refused = refused
        self.unreachable = unreachable


# -- keys ----------------------------------------------------------------------------------


def generate_key(alg: str = "Ed25519") -> jose.PrivateKey:
    """A new Ed25519 or P-256 (``ES256``) private key."""
    if alg not in KEY_TYPES:
        raise ValueError(f"unknown key type {alg!r}: use {' or '.join(KEY_TYPES)}")
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def write_private_key(key: jose.PrivateKey, path: Path, *, overwrite: bool = False) -> None:
    """Write the key as unencrypted PKCS#8 PEM, readable by its owner only (mode 0600)."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    descriptor = os.open(path, flags, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), 0o600)  # an existing file keeps its mode otherwise
        file.write(pem)


def load_private_key(path: Path) -> jose.PrivateKey:
    """An Ed25519 or P-256 private key from a PEM file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), None)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise ValueError(f"{path}: only Ed25519 and P-256 keys can authenticate")


def describe_key(key: jose.PrivateKey) -> dict[str, Any]:
    """What to bind the key by: its public JWK, ``did:key``, thumbprint and JWS algorithm."""
    public = key.public_key()
    jwk = jose.public_jwk(public)
    return {
        "alg": jose.algorithm_of(key),
        "jwk": jwk,
        "did": did_key(public),
        "thumbprint": jose.thumbprint(jwk),
    }


def load_certificates(path: Path) -> list[x509.Certificate]:
    """A PEM file of certificates, the device's own first."""
    certificates = x509.load_pem_x509_certificates(path.read_bytes())
    if not certificates:
        raise ValueError(f"{path}: no certificate")
    return certificates


def endorse(
    group_key: jose.PrivateKey,
    *,
    group: str,
    thing: str,
    device_key: jose.PublicKey,
    identifiers: Sequence[str] = (),
    title: str | None = None,
    expires: int | None = None,
) -> str:
    """An enrollment group's endorsement of a device: a JWS by the group key that names the
    device's thing id and public key (made at the factory, stored on the device)."""
    claims: dict[str, Any] = {
        "group": group,
        "sub": thing,
        "cnf": {"jwk": jose.public_jwk(device_key)},
        "iat": int(time.time()),
    }
    if identifiers:
        claims["identifiers"] = list(identifiers)
    if title:
        claims["title"] = title
    if expires is not None:
        claims["exp"] = expires
    return jose.sign({"typ": "thingreg-endorsement+jwt"}, claims, group_key)


# -- the protocol --------------------------------------------------------------------------


def assertion(
    key: jose.PrivateKey,
    *,
    nonce: str,
    audience: str,
    thing: str,
    certificates: Sequence[x509.Certificate] = (),
    issued_at: int | None = None,
    kid: str | None = None,
    endorsement: str | None = None,
) -> str:
    """The signed answer to a challenge: a compact JWS of ``{nonce, aud, thing, iat}``.

    ``kid`` is the key's thumbprint (computed when not given: pass it to save the work).
    ``endorsement`` (from :func:`endorse`) lets an enrollment group's key vouch for a device
    the registry does not know yet; ``certificates`` do the same through a group's CA.
    """
    header: dict[str, Any] = {
        "typ": "thingreg-pop+jwt",
        "kid": kid or jose.thumbprint(jose.public_jwk(key.public_key())),
    }
    if certificates:
        header["x5c"] = [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii")
            for c in certificates
        ]
    if endorsement:
        header["enrollment"] = endorsement
    claims = {
        "nonce": nonce,
        "aud": audience,
        "thing": thing,
        "iat": int(time.time()) if issued_at is None else issued_at,
    }
    return jose.sign(header, claims, key)


def token(
    registry_url: str,
    thing: str,
    key_path: Path,
    *,
    certificate_path: Path | None = None,
    endorsement_path: Path | None = None,
    audience: str | None = None,
    client: httpx.Client | None = None,
) -> dict[str, Any]:
    """Challenge, sign, token over HTTP; the registry's answer (``access_token``, …)."""
    key = load_private_key(key_path)
    certificates = load_certificates(certificate_path) if certificate_path else []
    endorsement = endorsement_path.read_text("ascii").strip() if endorsement_path else None
    base = registry_url.rstrip("/")
    expected = (audience or base).rstrip("/")
    own = client is None
    http = client or httpx.Client(timeout=TIMEOUT, trust_env=False)
    try:
        challenge = _answer(
            _post(http, f"{base}/auth/challenge", json={"thing": thing}), "challenge"
        )
        form = _token_form(key, challenge, expected, thing, certificates, endorsement=endorsement)
        return _answer(_post(http, f"{base}/auth/token", data=form), "token")
    finally:
        if own:
            http.close()


async def token_async(
    client: httpx.AsyncClient,
    registry_url: str,
    thing: str,
    key: jose.PrivateKey,
    *,
    certificates: Sequence[x509.Certificate] = (),
    endorsement: str | None = None,
    audience: str | None = None,
) -> dict[str, Any]:
    """:func:`token` for asyncio code, with a loaded key and the caller's client."""
    base = registry_url.rstrip("/")
    expected = (audience or base).rstrip("/")
    response = await client.post(f"{base}/auth/challenge", json={"thing": thing})
    challenge = _answer(response, "challenge")
    form = _token_form(key, challenge, expected, thing, certificates, endorsement=endorsement)
    return _answer(await client.post(f"{base}/auth/token", data=form), "token")


def _token_form(
    key: jose.PrivateKey,
    challenge: dict[str, Any],
    audience: str,
    thing: str,
    certificates: Sequence[x509.Certificate],
    *,
    endorsement: str | None = None,
) -> dict[str, str]:
    """The RFC 7523 token request: the challenge's nonce signed for ``audience``."""
    signed = assertion(
        key,
        nonce=_nonce(challenge, audience),
        audience=audience,
        thing=thing,
        certificates=certificates,
        endorsement=endorsement,
    )
    return {"grant_type": JWT_BEARER, "assertion": signed}


def _post(http: httpx.Client, url: str, **body: Any) -> httpx.Response:
    try:
        return http.post(url, **body)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise DeviceError(f"{url}: not a valid URL ({exc})") from None
    except httpx.TransportError as exc:
        raise DeviceError(
            f"{url}: cannot reach the registry ({type(exc).__name__})", unreachable=True
        ) from None


def _answer(response: httpx.Response, step: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400:
        detail = body.get("detail") if isinstance(body, dict) else None
        reason = f"{response.status_code} {response.reason_phrase}"
        raise DeviceError(f"{step}: {reason}" + (f": {detail}" if detail else ""), refused=True)
    if not isinstance(body, dict):
        raise DeviceError(f"{step}: the registry's answer is not a JSON object")
    return body


def _nonce(challenge: dict[str, Any], audience: str) -> str:
    nonce, named = challenge.get("nonce"), challenge.get("audience")
    if not isinstance(nonce, str) or not isinstance(named, str):
        raise DeviceError("challenge: the answer has no nonce or audience")
    if named.rstrip("/") != audience:
        raise DeviceError(
            f"challenge: the registry names itself {named!r}, not {audience!r}; if that is "
            "right, pass it as the audience (--audience)"
        )
    return nonce
