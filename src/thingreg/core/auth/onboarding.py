"""Fleet onboarding: devices registered by an enrollment group, on first contact or from a file.

Both ways end in :meth:`Onboarding.register`: the device's TD is made from the group's
template, and the thing is created together with its credential in one transaction
(:meth:`Directory.create_device`), so a device is registered with its key or not at all.
Registering again is harmless: a device whose thing exists and holds this very key is
``unchanged``; a thing of that id without the key is refused (a group never takes over a thing
it did not register, nor adds keys to one).

**First contact** (:meth:`Onboarding.first_contact`, called by the authenticator when the
assertion's key is bound to nothing yet): the device's assertion carries either

* ``x5c``: its certificate, then the intermediates; the chain must validate up to the CA
  certificates of an enrollment group (``chains.verify_chain``), and the group's ``deviceId``
  rule turns the certificate into the thing id; its SAN URIs become the TD's identifiers; or
* ``enrollment``: an *endorsement*, a compact JWS the group's key signed, with claims
  ``group`` (the group id), ``sub`` (the thing id), ``cnf.jwk`` (the device's public key) and
  optionally ``identifiers``, ``title`` and ``exp``.

The challenge must name the thing id or one of those identifiers, the assertion must be signed
by the device key, the group enabled and the device not on its block list. Every refusal
raises :class:`EnrollmentRefused`, whose reason the authenticator logs and never tells.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from thingreg.core.aliases import listed_aliases
from thingreg.core.auth import jose
from thingreg.core.auth.chains import ChainRefused, device_value, subject_alternative_names
from thingreg.core.auth.chains import verify_chain as validate_chain
from thingreg.core.auth.credentials import new_credential
from thingreg.core.auth.enrollment import EnrollmentGroups, Group
from thingreg.core.auth.fleet_file import Device, FileKind, read_fleet_file
from thingreg.core.auth.keys import certificate_material, chain_of_x5c, read_key
from thingreg.core.directory import Directory, ThingExists, prepare
from thingreg.core.errors import Conflict, NotFound, ThingregError
from thingreg.core.thing_id import check_thing_id
from thingreg.store.base import Credential, ThingRecord

log = logging.getLogger(__name__)

ENDORSEMENT = "enrollment"
"""The assertion header member that carries a group key's endorsement of the device."""
_CONCURRENCY = 256
"""Registrations of one file in flight at once (they share the store's group commits)."""


class EnrollmentRefused(Exception):
    """Why a device is not registered."""


@dataclass
class Report:
    """What a bulk registration did, line by line for the refused ones."""

    group: str
    created: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "accepted": self.created + self.unchanged,
            "created": self.created,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 3),
        }


class Onboarding:
    """Registers the devices of enrollment groups."""

    def __init__(self, directory: Directory, groups: EnrollmentGroups) -> None:
        self.directory = directory
        self.store = directory.store
        self.groups = groups

    # -- the one way in --------------------------------------------------------------------

    async def register(self, group: Group, device: Device) -> bool:
        """Create the device's thing with its credential; ``False`` when it was registered
        before with this key. :class:`EnrollmentRefused` otherwise."""
        td = group.thing_td(device.thing_id, device.title, list(device.identifiers))
        try:
            record = prepare(device.thing_id, td)
        except ThingregError as exc:
            raise EnrollmentRefused(f"the device's TD is not valid: {_detail(exc)}") from None
        credential = new_credential(device.thing_id, device.material, group_id=group.id)
        try:
            await self.directory.create_device(record, (credential,))
        except ThingExists:
            bound = await self.store.credential_by_jkt(credential.jkt)
            if bound is not None and bound.thing_id == device.thing_id:
                return False
            raise EnrollmentRefused(
                "a thing with this id exists already and does not hold this key"
            ) from None
        except Conflict as exc:  # the key is bound to another thing, or an identifier taken
            raise EnrollmentRefused(exc.detail) from None
        log.debug("device %s registered by enrollment group %s", device.thing_id, group.id)
        return True

    # -- bulk ------------------------------------------------------------------------------

    async def register_file(self, group_id: str, text: str, kind: FileKind) -> Report:
        """Register every device a CSV or NDJSON file lists; see :mod:`fleet_file`."""
        started = time.perf_counter()
        group = await self.groups.get(group_id)
        if not group.enabled:
            raise Conflict(f"enrollment group {group_id!r} is disabled: it registers no device")
        lines = read_fleet_file(text, kind)
        blocked = set(await self.store.blocked_devices(group_id))
        report = Report(group_id)
        semaphore = asyncio.Semaphore(_CONCURRENCY)

        async def one(device: Device) -> bool:
            if device.thing_id in blocked:
                raise EnrollmentRefused("the device is on the group's block list")
            async with semaphore:
                return await self.register(group, device)

        todo = [line for line in lines if line.device is not None]
        outcomes = await asyncio.gather(
            *(one(line.device) for line in todo if line.device is not None),
            return_exceptions=True,
        )
        results = dict(zip((line.number for line in todo), outcomes, strict=True))
        for line in lines:
            outcome: Any = results.get(line.number, EnrollmentRefused(line.problem or ""))
            if outcome is True:
                report.created += 1
            elif outcome is False:
                report.unchanged += 1
            else:
                report.rejected.append(
                    {"line": line.number, "id": line.thing_id, "reason": _reason(outcome)}
                )
        report.seconds = time.perf_counter() - started
        log.info(
            "group %s: %d device(s) created, %d unchanged, %d rejected in %.2f s",
            group_id,
            report.created,
            report.unchanged,
            len(report.rejected),
            report.seconds,
        )
        return report

    # -- first contact ---------------------------------------------------------------------

    @staticmethod
    def presented(jws: jose.CompactJWS) -> bool:
        """Whether an assertion carries what first contact needs (a chain or endorsement)."""
        return "x5c" in jws.header or ENDORSEMENT in jws.header

    async def first_contact(
        self, jws: jose.CompactJWS, named: str, now: float
    ) -> tuple[Credential, ThingRecord]:
        """Register the device that signed ``jws`` and return its credential and thing."""
        if ENDORSEMENT in jws.header:
            group, device = await self._endorsed(jws, now)
        else:
            group, device = await self._certified(jws, now)
        if named != device.thing_id and named not in device.identifiers:
            raise EnrollmentRefused(
                f"the challenge names {named!r}, not the device {device.thing_id!r}"
            )
        kid = jws.header.get("kid")
        if kid is not None and kid != device.material.jkt:
            raise EnrollmentRefused("kid does not name the device's key")
        if not jose.verify(jws, device.material.key, device.material.alg):
            raise EnrollmentRefused("the assertion is not signed by the device's key")
        if not group.enabled:
            raise EnrollmentRefused(f"enrollment group {group.id!r} is disabled")
        if await self.store.is_blocked(group.id, device.thing_id):
            raise EnrollmentRefused(f"{device.thing_id!r} is blocked in group {group.id!r}")
        await self.register(group, device)
        found = await self.store.credential_with_thing(device.material.jkt)
        if found is None:  # removed again in between
            raise EnrollmentRefused("the device's credential is gone")
        return found

    async def _certified(self, jws: jose.CompactJWS, now: float) -> tuple[Group, Device]:
        try:
            chain = chain_of_x5c(jws.header["x5c"])
            leaf_material = certificate_material(chain[0])
        except ValueError as exc:
            raise EnrollmentRefused(f"x5c: {exc}") from None
        moment = datetime.fromtimestamp(now, UTC)
        problems: list[str] = []
        for group in sorted(await self.groups.all(), key=lambda g: not g.enabled):
            if not group.anchors:
                continue
            try:
                validate_chain(group.anchors, chain[0], chain[1:], moment)
                value = device_value(chain[0], group.id_from)
            except ChainRefused as exc:
                problems.append(f"group {group.id}: {exc}")
                continue
            thing_id = group.id_prefix + value
            try:
                check_thing_id(thing_id)
            except ThingregError as exc:
                raise EnrollmentRefused(f"group {group.id}: {_detail(exc)}") from None
            identifiers = _readable(
                uri
                for uri in subject_alternative_names(chain[0], x509.UniformResourceIdentifier)
                if uri != thing_id
            )
            return group, Device(thing_id, leaf_material, identifiers)
        raise EnrollmentRefused("; ".join(problems) or "no enrollment group trusts a CA")

    async def _endorsed(self, jws: jose.CompactJWS, now: float) -> tuple[Group, Device]:
        try:
            endorsement = jose.parse(jws.header[ENDORSEMENT])
        except jose.InvalidJWS as exc:
            raise EnrollmentRefused(f"endorsement: {exc}") from None
        claims = endorsement.claims
        group_id, thing_id, confirmation = claims.get("group"), claims.get("sub"), claims.get("cnf")
        if not isinstance(group_id, str) or not isinstance(thing_id, str):
            raise EnrollmentRefused("endorsement: no group or sub")
        try:
            group = await self.groups.get(group_id)
        except NotFound:
            raise EnrollmentRefused(f"endorsement: no group {group_id!r}") from None
        key = group.group_key
        if key is None or not jose.verify(endorsement, key.key, key.alg):
            raise EnrollmentRefused(f"endorsement: not signed by the key of group {group_id!r}")
        expiry = claims.get("exp")
        if expiry is not None and (not isinstance(expiry, int | float) or expiry <= now):
            raise EnrollmentRefused("endorsement: expired")
        if not thing_id.startswith(group.id_prefix):
            raise EnrollmentRefused(f"endorsement: {thing_id!r} is outside the group's prefix")
        try:
            check_thing_id(thing_id)
            if not isinstance(confirmation, dict):
                raise ValueError("no cnf.jwk")
            device_key = read_key(confirmation.get("jwk"))
        except (ThingregError, ValueError) as exc:
            raise EnrollmentRefused(f"endorsement: {_detail(exc)}") from None
        listed = claims.get("identifiers", [])
        title = claims.get("title")
        if not isinstance(listed, list) or not all(isinstance(i, str) for i in listed):
            raise EnrollmentRefused("endorsement: identifiers is a list of strings")
        return group, Device(
            thing_id, device_key, tuple(listed), title if isinstance(title, str) else None
        )


def _readable(values: Iterable[str]) -> tuple[str, ...]:
    """The identifiers a TD can list (a SAN URI no scheme reads, e.g. https:, is left out)."""
    kept = []
    for value in values:
        aliases, _, errors = listed_aliases([value])
        if aliases and not errors and aliases[0].scheme != "uri":
            kept.append(value)
    return tuple(kept)


def _detail(exc: BaseException) -> str:
    if isinstance(exc, ThingregError):
        errors = getattr(exc, "validation_errors", None)
        if errors:
            return f"{exc.detail}: " + "; ".join(f"{e.field}: {e.description}" for e in errors[:3])
        return exc.detail
    return str(exc)


def _reason(outcome: object) -> str:
    if isinstance(outcome, EnrollmentRefused | ValueError):
        return str(outcome)
    if isinstance(outcome, ThingregError):
        return _detail(outcome)
    log.error("bulk registration failed unexpectedly: %r", outcome)
    return "internal error"
