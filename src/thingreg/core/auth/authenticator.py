"""Proof of possession: challenge, token, introspection.

1. ``challenge(thing)``: a single-use nonce, stored with the identifier as the device sent it,
   this registry's audience and a short expiry.
2. The device signs a compact JWS (``alg`` EdDSA or ES256; header ``kid`` = the RFC 7638
   thumbprint of its key, or ``x5c`` with its certificate) whose payload is
   ``{"nonce", "aud", "thing", "iat"}``: ``aud`` is the registry's base URL as the device
   knows it, ``thing`` the very string it asked the challenge for.
3. ``token(assertion)`` takes the nonce (so it cannot be used twice, whatever follows),
   resolves the challenge's identifier to a thing (:func:`resolve`'s rules) and checks
   everything; any failure is one :class:`AuthenticationFailed` whose reason goes to the log
   only. Every check runs whatever the outcome of the others, the signature is verified even
   when no credential matched (against a decoy key of the same algorithm), and a refusal is
   answered no sooner than ``failure_floor`` seconds after the request began, so neither the
   answer nor its timing tells which check failed.
4. On success the registry signs a short-lived JWT: ``iss`` (its base URL), ``sub`` (the thing
   id), ``aud``, ``iat``, ``exp``, ``jti``, ``aliases`` (the thing's canonical identifiers),
   ``cnf.jkt`` (the device key's thumbprint, RFC 7800) and ``owner`` when the thing has one.

A key bound to nothing yet may still succeed on **first contact**: when the assertion carries a
certificate chain (``x5c``) or a group key's endorsement (header ``enrollment``) and the
challenge is good, :class:`Onboarding` registers the device of the enrollment group that vouches
for it (``core/auth/onboarding.py``), and the checks above run on its new credential.

``iat`` of an assertion is not compared with the clock: freshness comes from the nonce, so a
device without a real-time clock can authenticate.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from thingreg.core.auth import jose
from thingreg.core.auth.credentials import is_usable
from thingreg.core.auth.keyring import Keyring
from thingreg.core.auth.keys import leaf_of_x5c, load_spki, spki_sha256_of, within_validity
from thingreg.core.auth.onboarding import EnrollmentRefused, Onboarding
from thingreg.core.errors import BadRequest, NotFound, Unauthorized
from thingreg.core.ids.analysis import MAX_LENGTH as MAX_IDENTIFIER_LENGTH
from thingreg.core.resolver import resolve
from thingreg.core.td.registration import format_time
from thingreg.store.base import Challenge, Credential, Store, ThingRecord

log = logging.getLogger(__name__)

FAILURE_FLOOR = 0.05
"""Seconds before a refused token request is answered, counted from its start."""
MAX_NONCE_LENGTH = 128
_KEY_CACHE_SIZE = 4096


class AuthenticationFailed(Unauthorized):
    """Every refused proof of possession: the same answer whatever the reason."""

    slug = "authentication-failed"

    def __init__(self) -> None:
        super().__init__("authentication failed")


@dataclass(frozen=True, slots=True)
class IssuedChallenge:
    nonce: str
    expires: float
    audience: str

    @property
    def expires_at(self) -> str:
        return format_time(datetime.fromtimestamp(self.expires, UTC))


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int
    thing_id: str


OwnerOf = Callable[[ThingRecord], str | None]


def record_owner(record: ThingRecord) -> str | None:
    """The owner of a thing (``None`` for things stored before things had owners)."""
    return record.access.owner or None


def new_nonce(now: float) -> str:
    """32 bytes, base64url: the issue time in milliseconds (6 bytes), then 26 random bytes.

    The time prefix makes new challenges sort last, so the store appends them to the end of
    its index instead of writing to random pages (half the cost in SQLite); 208 random bits
    are left to make a nonce unguessable.
    """
    return jose.b64url(int(now * 1000).to_bytes(6, "big") + os.urandom(26))


class _Refused(Exception):
    """Why a proof of possession or a token was refused: for the log, never for the client."""


class Authenticator:
    """Issues challenges and tokens, and tells whether a token is still good."""

    def __init__(
        self,
        store: Store,
        keyring: Keyring,
        *,
        issuer: str,
        token_audience: str = "",
        challenge_ttl: float = 60.0,
        token_ttl: float = 300.0,
        owner_of: OwnerOf = record_owner,
        failure_floor: float = FAILURE_FLOOR,
        onboarding: Onboarding | None = None,
    ) -> None:
        self.store = store
        self.keyring = keyring
        self.issuer = issuer
        self.token_audience = token_audience or issuer
        self.challenge_ttl = challenge_ttl
        self.token_ttl = max(1, round(token_ttl))
        self.owner_of = owner_of
        self.failure_floor = failure_floor
        self.onboarding = onboarding
        self._decoys: dict[str, jose.PublicKey] = {
            jose.EDDSA: ed25519.Ed25519PrivateKey.generate().public_key(),
            jose.ES256: ec.generate_private_key(ec.SECP256R1()).public_key(),
        }
        self._keys: dict[bytes, jose.PublicKey] = {}

    # -- challenge -------------------------------------------------------------------------

    async def challenge(self, thing: Any) -> IssuedChallenge:
        """A nonce for whoever will prove to be ``thing`` (any notation of any identifier).

        The identifier is resolved when the answer comes (:meth:`token`), so that issuing a
        challenge costs one insert, and an identifier that names no thing gets a challenge
        like any other (that no token will answer): the endpoint does not tell which things
        exist.
        """
        if not isinstance(thing, str) or not thing.strip() or len(thing) > MAX_IDENTIFIER_LENGTH:
            raise BadRequest(
                f"member 'thing' is an identifier of 1 to {MAX_IDENTIFIER_LENGTH} characters"
            )
        now = time.time()
        issued = IssuedChallenge(new_nonce(now), now + self.challenge_ttl, self.issuer)
        await self.store.put_challenge(
            Challenge(issued.nonce, thing, issued.audience, issued.expires)
        )
        return issued

    async def _thing(self, text: str) -> ThingRecord | None:
        """The thing an identifier names, by :func:`resolve`'s rules (exact id first)."""
        text = text.strip()
        record = await self.store.get(text)  # resolve() tries this first too, after parsing
        if record is not None:
            return record
        try:
            resolution = await resolve(self.store, text)
        except (BadRequest, NotFound):
            return None
        return None if resolution.thing_id is None else await self.store.get(resolution.thing_id)

    async def purge(self) -> int:
        """Forget expired challenges."""
        return await self.store.purge_challenges(time.time())

    # -- token -----------------------------------------------------------------------------

    async def token(self, assertion: str) -> IssuedToken:
        """Verify a signed assertion and issue a token; :class:`AuthenticationFailed` if not."""
        started = time.monotonic()
        try:
            return await self._token(assertion)
        except _Refused as refused:
            log.warning("device authentication refused: %s", refused)
            delay = self.failure_floor - (time.monotonic() - started)
            if delay > 0:
                await asyncio.sleep(delay)
            raise AuthenticationFailed from None

    async def _token(self, assertion: str) -> IssuedToken:
        now = time.time()
        try:
            jws = jose.parse(assertion)
        except jose.InvalidJWS as exc:
            raise _Refused(f"malformed assertion: {exc}") from None
        claims = jws.claims
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not 0 < len(nonce) <= MAX_NONCE_LENGTH:
            raise _Refused("the assertion has no nonce")
        challenge = await self.store.take_challenge(nonce, now)
        named = "" if challenge is None else challenge.thing.strip()
        found, leaf_problem = await self._credential(jws, named, now)
        enrolled = False
        if (
            found is None
            and leaf_problem is None
            and challenge is not None
            and self._may_enroll(jws)
        ):
            found, leaf_problem = await self._first_contact(jws, challenge, now)
            enrolled = found is not None  # the onboarding verified the signature by this key
        if found is None:
            signed = jose.verify(jws, self._decoys[jws.alg], jws.alg)
        else:
            signed = enrolled or jose.verify(jws, self._key(found[0]), found[0].alg)
        if found is not None and found[1].id == named:
            thing_id: str | None = named  # the usual case: the device asked by its own id
        else:
            record = await self._thing(named) if named else None
            thing_id = None if record is None else record.id

        if challenge is None:
            raise _Refused(await self._unknown_nonce(nonce))
        problem = self._problem(
            challenge,
            claims=claims,
            thing_id=thing_id,
            found=found,
            leaf_problem=leaf_problem,
            signed=signed,
            now=now,
        )
        if problem is not None:
            raise _Refused(f"{problem} (thing {challenge.thing!r})")
        assert found is not None
        return self._issue(found[1], found[0], now)

    def _problem(
        self,
        challenge: Challenge,
        *,
        claims: dict[str, Any],
        thing_id: str | None,
        found: tuple[Credential, ThingRecord] | None,
        leaf_problem: str | None,
        signed: bool,
        now: float,
    ) -> str | None:
        """The first thing wrong with a proof of possession, or ``None``."""
        if challenge.expires < now:
            return "the nonce has expired"
        if claims.get("thing") != challenge.thing:
            return "the assertion names another thing than its challenge"
        if thing_id is None:
            return "the challenge's identifier names no thing here"
        if not self._for_us(claims.get("aud")) or challenge.audience != self.issuer:
            return "the assertion's audience is not this registry"
        if found is None:
            return leaf_problem or "no credential matches the assertion's key"
        credential = found[0]
        if credential.thing_id != thing_id:
            return f"the key belongs to thing {credential.thing_id!r}"
        if not is_usable(credential, _stamp(now)):
            return f"credential {credential.id} is {credential.state} or outside its validity"
        if leaf_problem is not None:
            return leaf_problem
        if not signed:
            return "the signature does not verify"
        return None

    def _may_enroll(self, jws: jose.CompactJWS) -> bool:
        return self.onboarding is not None and self.onboarding.presented(jws)

    async def _first_contact(
        self, jws: jose.CompactJWS, challenge: Challenge, now: float
    ) -> tuple[tuple[Credential, ThingRecord] | None, str | None]:
        """Register a device of an enrollment group whose key is bound to nothing yet, once
        its challenge is known good (the rest is checked again as for any device)."""
        assert self.onboarding is not None
        claims = jws.claims
        if challenge.expires < now or claims.get("thing") != challenge.thing:
            return None, "first contact: the challenge has expired or names another thing"
        if not self._for_us(claims.get("aud")) or challenge.audience != self.issuer:
            return None, "first contact: the assertion's audience is not this registry"
        try:
            found = await self.onboarding.first_contact(jws, challenge.thing.strip(), now)
        except EnrollmentRefused as exc:
            return None, f"first contact: {exc}"
        return found, None

    async def _unknown_nonce(self, nonce: str) -> str:
        known = await self.store.challenge(nonce)
        if known is None:
            return "unknown nonce"
        return f"the nonce was used before (replay; thing {known.thing!r})"

    def _for_us(self, audience: Any) -> bool:
        if isinstance(audience, list):
            return self.issuer in audience
        return bool(audience == self.issuer)

    async def _credential(
        self, jws: jose.CompactJWS, named: str, now: float
    ) -> tuple[tuple[Credential, ThingRecord] | None, str | None]:
        """The credential the assertion names and its thing, and what is wrong with the
        certificate presented. The key is named by ``kid``, else by the ``x5c`` certificate,
        else it is the only usable key of that algorithm of the thing the challenge named."""
        leaf: x509.Certificate | None = None
        kid = jws.header.get("kid")
        if "x5c" in jws.header:
            try:
                leaf = leaf_of_x5c(jws.header["x5c"])
                leaf_jkt = jose.thumbprint(jose.public_jwk(_public_key(leaf)))
            except ValueError as exc:
                return None, f"x5c: {exc}"
            if kid is not None and kid != leaf_jkt:
                return None, "kid and x5c name different keys"
            kid = leaf_jkt
        found: tuple[Credential, ThingRecord] | None = None
        if isinstance(kid, str):
            found = await self.store.credential_with_thing(kid)
        elif kid is None and named:
            record = await self._thing(named)
            if record is not None:
                stamp = _stamp(now)
                candidates = [
                    c
                    for c in await self.store.credentials(record.id)
                    if c.alg == jws.alg and is_usable(c, stamp)
                ]
                found = (candidates[0], record) if len(candidates) == 1 else None
        if found is None or found[0].kind != "x509":
            return found, None
        return found, _certificate_problem(found[0], leaf, now)

    def _key(self, credential: Credential) -> jose.PublicKey:
        key = self._keys.get(credential.public_key)
        if key is None:
            if len(self._keys) >= _KEY_CACHE_SIZE:
                self._keys.clear()
            key = self._keys[credential.public_key] = load_spki(credential.public_key)
        return key

    def _issue(self, record: ThingRecord, credential: Credential, now: float) -> IssuedToken:
        issued_at = int(now)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": record.id,
            "aud": self.token_audience,
            "iat": issued_at,
            "exp": issued_at + self.token_ttl,
            "jti": jose.b64url(os.urandom(16)),
            "aliases": [alias.value for alias in record.aliases],
            "cnf": {"jkt": credential.jkt},
        }
        owner = self.owner_of(record)
        if owner is not None:
            claims["owner"] = owner
        log.debug("token issued to %s (credential %s)", record.id, credential.id)
        return IssuedToken(self.keyring.sign(claims), self.token_ttl, record.id)

    # -- introspection ---------------------------------------------------------------------

    async def introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662: ``{"active": true, ...claims}`` while the token is good, else only
        ``{"active": false}``. A token whose credential was since revoked, disabled or
        removed, or whose thing was deleted, is no longer good."""
        try:
            claims = await self._introspect(token)
        except _Refused as refused:
            log.info("introspection: inactive token: %s", refused)
            return {"active": False}
        return {"active": True, **claims}

    async def _introspect(self, token: str) -> dict[str, Any]:
        try:
            jws = jose.parse(token)
        except jose.InvalidJWS as exc:
            raise _Refused(f"malformed token: {exc}") from None
        published = self.keyring.verification_key(jws.header.get("kid"))
        if published is None:
            raise _Refused("unknown signing key")
        if not jose.verify(jws, published.key, published.alg):
            raise _Refused("bad signature")
        claims = jws.claims
        now = time.time()
        expiry, subject, confirmation = claims.get("exp"), claims.get("sub"), claims.get("cnf")
        if claims.get("iss") != self.issuer:
            raise _Refused("another issuer")
        if not isinstance(expiry, int | float) or expiry <= now:
            raise _Refused("expired")
        if not isinstance(subject, str) or not isinstance(confirmation, dict):
            raise _Refused("no sub or cnf")
        found = await self.store.credential_with_thing(str(confirmation.get("jkt")))
        if found is None or found[0].thing_id != subject:
            raise _Refused(f"thing {subject!r} or its key was removed")
        credential = found[0]
        if not is_usable(credential, _stamp(now)):
            raise _Refused(f"credential {credential.id} is {credential.state} or out of bounds")
        return claims


def _stamp(now: float) -> str:
    """:func:`format_time` of an epoch time, without a datetime (on every token request)."""
    seconds = int(now)
    if _second[0] != seconds:
        _second[:] = [seconds, time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(seconds))]
    return f"{_second[1]}{int((now - seconds) * 1000):03d}Z"


_second: list[Any] = [None, ""]
"""The last second :func:`_stamp` formatted, and its text."""


def _public_key(certificate: x509.Certificate) -> jose.PublicKey:
    key = certificate.public_key()
    if isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        return key
    raise ValueError("the certificate's key is not Ed25519 or P-256")


def _certificate_problem(
    credential: Credential, leaf: x509.Certificate | None, now: float
) -> str | None:
    """What is wrong with the leaf certificate of an x509 credential (presented, else bound)."""
    if leaf is None:
        if credential.certificate is None:
            return "the credential has no certificate"
        leaf = x509.load_der_x509_certificate(credential.certificate)
    if spki_sha256_of(leaf) != credential.spki_sha256:
        return "the certificate's key is not the bound one"
    if not within_validity(leaf, datetime.fromtimestamp(now, UTC)):
        return "the certificate is outside its validity"
    return None
