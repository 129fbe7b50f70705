"""Credentials bound to things: bind a key or certificate, list, change state, remove.

A credential's id is its key's RFC 7638 JWK thumbprint: a device can name its own credential
(``thingreg device show --print thumbprint``) without asking, and the id is unique
registry-wide as the key is.

A credential is ``active``, ``disabled`` (refused until enabled again) or ``revoked`` (refused
for good: a revoked credential cannot change any more, only be removed). Its optional
``notBefore``/``notAfter`` bound when it may be used; a certificate's own validity is the
default. Keys rotate with overlap: bind the new key, let devices move to it, then disable or
revoke the old one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from thingreg.core.auth.jose import public_jwk
from thingreg.core.auth.keys import KeyMaterial, did_key, load_spki, read_certificate, read_key
from thingreg.core.errors import BadRequest, Conflict, NotFound
from thingreg.core.td.registration import format_time, now_utc, parse_time
from thingreg.core.thing_id import check_thing_id
from thingreg.store.base import CREDENTIAL_STATES, Credential, CredentialState, Store

MAX_PER_THING = 16
"""Most credentials one thing may hold (enough for overlapping rotations of several keys)."""
MAX_LABEL_LENGTH = 200
_CREATE_MEMBERS = frozenset({"key", "certificate", "notBefore", "notAfter", "state", "label"})
_PATCH_MEMBERS = frozenset({"notBefore", "notAfter", "state", "label"})


class Credentials:
    """The credential use cases over a store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, thing_id: str, body: Any) -> Credential:
        """Bind the key or certificate described by ``body`` to the thing."""
        check_thing_id(thing_id)
        if not isinstance(body, dict):
            raise BadRequest('the body must be a JSON object: {"key": …} or {"certificate": …}')
        _refuse_unknown(body, _CREATE_MEMBERS)
        found = material_of(body)
        not_before, not_after = _bounds(body, None, None)
        state = body.get("state", "active")
        if state not in ("active", "disabled"):
            raise BadRequest("member 'state' of a new credential is 'active' or 'disabled'")
        credential = new_credential(
            thing_id,
            found,
            state=state,
            label=_label(body.get("label", "")),
            not_before=not_before if "notBefore" in body else _DEFAULT,
            not_after=not_after if "notAfter" in body else _DEFAULT,
        )
        await self.store.add_credential(credential, MAX_PER_THING)
        return credential

    async def list(self, thing_id: str) -> list[Credential]:
        check_thing_id(thing_id)
        if await self.store.get(thing_id) is None:
            raise NotFound(f"no thing with id {thing_id!r}")
        return await self.store.credentials(thing_id)

    async def get(self, thing_id: str, credential_id: str) -> Credential:
        check_thing_id(thing_id)
        credential = await self.store.credential(thing_id, credential_id)
        if credential is None:
            raise NotFound(f"thing {thing_id!r} has no credential {credential_id!r}")
        return credential

    async def update(self, thing_id: str, credential_id: str, patch: Any) -> Credential:
        """Apply a merge patch of ``state``, ``notBefore``, ``notAfter`` and ``label``."""
        check_thing_id(thing_id)
        if not isinstance(patch, dict):
            raise BadRequest("a credential patch is a JSON object")
        _refuse_unknown(patch, _PATCH_MEMBERS)
        state = patch.get("state")
        if state is not None and state not in CREDENTIAL_STATES:
            raise BadRequest(f"member 'state' is one of {', '.join(CREDENTIAL_STATES)}")
        label = _label(patch["label"]) if "label" in patch else None

        def change(current: Credential) -> Credential:
            not_before, not_after = _bounds(patch, current.not_before, current.not_after)
            _check_order(not_before, not_after)
            updated = replace(
                current,
                state=state or current.state,
                not_before=not_before,
                not_after=not_after,
                label=current.label if label is None else label,
            )
            if updated == current:
                return current
            if current.state == "revoked":
                raise Conflict("the credential is revoked: it cannot change any more")
            return replace(updated, modified=format_time(now_utc()))

        return await self.store.update_credential(thing_id, credential_id, change)

    async def delete(self, thing_id: str, credential_id: str) -> None:
        check_thing_id(thing_id)
        if not await self.store.delete_credential(thing_id, credential_id):
            raise NotFound(f"thing {thing_id!r} has no credential {credential_id!r}")


_DEFAULT = "default"
"""A bound not given: a certificate's own validity, else none."""


def new_credential(
    thing_id: str,
    found: KeyMaterial,
    *,
    state: CredentialState = "active",
    label: str = "",
    not_before: str | None = _DEFAULT,
    not_after: str | None = _DEFAULT,
    group_id: str | None = None,
) -> Credential:
    """A new credential binding ``found`` to the thing (its id is the key's thumbprint)."""
    if found.certificate is not None:
        if not_before == _DEFAULT:
            not_before = format_time(found.certificate.not_valid_before_utc)
        if not_after == _DEFAULT:
            not_after = format_time(found.certificate.not_valid_after_utc)
    not_before = None if not_before == _DEFAULT else not_before
    not_after = None if not_after == _DEFAULT else not_after
    _check_order(not_before, not_after)
    stamp = format_time(now_utc())
    return Credential(
        id=found.jkt,
        thing_id=thing_id,
        kind=found.kind,
        alg=found.alg,
        jkt=found.jkt,
        spki_sha256=found.spki_sha256,
        public_key=found.spki,
        state=state,
        created=stamp,
        modified=stamp,
        not_before=not_before,
        not_after=not_after,
        certificate=None
        if found.certificate is None
        else found.certificate.public_bytes(serialization.Encoding.DER),
        subject=None if found.certificate is None else found.certificate.subject.rfc4514_string(),
        label=label,
        group_id=group_id,
    )


def material_of(body: dict[str, Any]) -> KeyMaterial:
    """The key of a new credential: exactly one of ``key`` and ``certificate``."""
    if ("key" in body) == ("certificate" in body):
        raise BadRequest("give exactly one of 'key' (JWK, PEM or did:key) and 'certificate' (PEM)")
    try:
        return read_key(body["key"]) if "key" in body else read_certificate(body["certificate"])
    except ValueError as exc:
        member = "key" if "key" in body else "certificate"
        raise BadRequest(f"member {member!r}: {exc}") from None


def is_usable(credential: Credential, now: str) -> bool:
    """Active, and ``now`` (an RFC 3339 UTC string as :func:`format_time` makes) in bounds."""
    return (
        credential.state == "active"
        and (credential.not_before is None or credential.not_before <= now)
        and (credential.not_after is None or now <= credential.not_after)
    )


def describe(credential: Credential) -> dict[str, Any]:
    """The credential as the API shows it (never anything secret: there is nothing secret)."""
    key = load_spki(credential.public_key)
    body: dict[str, Any] = {
        "id": credential.id,
        "thing": credential.thing_id,
        "type": credential.kind,
        "alg": credential.alg,
        "state": credential.state,
        "jwk": public_jwk(key),
        "spkiSha256": credential.spki_sha256,
        "did": did_key(key),
        "notBefore": credential.not_before,
        "notAfter": credential.not_after,
        "label": credential.label,
        "created": credential.created,
        "modified": credential.modified,
    }
    if credential.group_id is not None:
        body["group"] = credential.group_id
    if credential.certificate is not None:
        certificate = x509.load_der_x509_certificate(credential.certificate)
        body |= {
            "subject": credential.subject,
            "issuer": certificate.issuer.rfc4514_string(),
            "serialNumber": format(certificate.serial_number, "x"),
            "certificate": certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        }
    return body


def _refuse_unknown(body: dict[str, Any], known: frozenset[str]) -> None:
    unknown = sorted(set(body) - known)
    if unknown:
        raise BadRequest(
            f"unknown member(s) {', '.join(unknown)}; expected {', '.join(sorted(known))}"
        )


def _bounds(
    body: dict[str, Any], not_before: str | None, not_after: str | None
) -> tuple[str | None, str | None]:
    return _time(body, "notBefore", not_before), _time(body, "notAfter", not_after)


def _time(body: dict[str, Any], name: str, default: str | None) -> str | None:
    if name not in body:
        return default
    value = body[name]
    if value is None:
        return None
    moment = parse_time(value) if isinstance(value, str) else None
    if moment is None:
        raise BadRequest(f"member {name!r} must be an RFC 3339 date-time with a zone, or null")
    return format_time(moment)


def _check_order(not_before: str | None, not_after: str | None) -> None:
    if not_before is not None and not_after is not None and not_after < not_before:
        raise BadRequest("notAfter is before notBefore")


def _label(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_LABEL_LENGTH:
        raise BadRequest(f"member 'label' is a string of at most {MAX_LABEL_LENGTH} characters")
    return value
