"""Enrollment groups: who may register devices, and how a registered device looks.

A group holds at most one attestation: CA certificates (``caCertificates``: devices whose
certificate chains to one of them register on first contact), or a group public key
(``groupKey``: devices present an *endorsement*, a JWS the group key signed naming the device's
id and key). A group with neither takes only devices registered from a file (bulk). Every
group has a TD ``template`` (a TD without ``id``; ``{id}`` in its title becomes the device id),
says how a certificate becomes a thing id (``deviceId``: ``from`` one of subject-cn, serial,
san-uri, san-dns, after a ``prefix``; the id of an endorsed device must start with that
prefix), and is ``enabled`` or not: a disabled group registers no new device, the devices it
registered keep working. Its block list names devices it must neither register nor let
authenticate (their group credentials are disabled while blocked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import orjson
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from thingreg.core.auth.chains import ID_SOURCES, IdSource, read_anchors
from thingreg.core.auth.keys import KeyMaterial, read_key
from thingreg.core.directory import prepare
from thingreg.core.errors import BadRequest, NotFound
from thingreg.core.td.registration import format_time, now_utc
from thingreg.core.thing_id import check_thing_id
from thingreg.store.base import EnrollmentGroup, Store

GROUP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,63}")
DEFAULT_TEMPLATE: dict[str, Any] = {
    "@context": "https://www.w3.org/2022/wot/td/v1.1",
    "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
    "security": "nosec_sc",
}
"""The template of a group that gives none: a minimal TD, titled with the device id."""
MAX_TITLE = 200
_MEMBERS = frozenset(
    {"id", "title", "caCertificates", "groupKey", "template", "deviceId", "enabled"}
)
_PATCHABLE = _MEMBERS - {"id"}
_SAMPLE_ID = "urn:example:enrollment-template-check"


@dataclass(frozen=True, slots=True)
class Group:
    """An enrollment group, read from its stored definition."""

    id: str
    title: str
    anchors: tuple[x509.Certificate, ...]
    group_key: KeyMaterial | None
    template: dict[str, Any]
    id_from: IdSource
    id_prefix: str
    enabled: bool
    created: str
    modified: str

    @property
    def kind(self) -> str:
        """``x509``, ``key`` or ``file``: how its devices prove they belong."""
        return "x509" if self.anchors else "key" if self.group_key else "file"

    def thing_td(self, thing_id: str, title: str | None, identifiers: list[str]) -> dict[str, Any]:
        """The TD of a device of this group: the template, its id, title and identifiers."""
        td = dict(self.template)  # only top-level members change; the TD is serialised anew
        td["id"] = thing_id
        template_title = td.get("title")
        if title:
            td["title"] = title
        elif isinstance(template_title, str) and template_title:
            td["title"] = template_title.replace("{id}", thing_id)
        else:
            td["title"] = thing_id
        if identifiers:
            td["identifiers"] = identifiers
        return td


def read_group(stored: EnrollmentGroup) -> Group:
    """The group a stored definition describes (it was checked when stored)."""
    body = orjson.loads(stored.body)
    anchors = body.get("caCertificates")
    key = body.get("groupKey")
    device_id = body.get("deviceId", {})
    return Group(
        id=stored.id,
        title=body.get("title", ""),
        anchors=tuple(read_anchors(anchors)) if anchors else (),
        group_key=read_key(key) if key else None,
        template=body.get("template", DEFAULT_TEMPLATE),
        id_from=device_id.get("from", "subject-cn"),
        id_prefix=device_id.get("prefix", ""),
        enabled=stored.enabled,
        created=stored.created,
        modified=stored.modified,
    )


def describe_group(group: Group) -> dict[str, Any]:
    """The group as the API shows it."""
    body: dict[str, Any] = {
        "id": group.id,
        "title": group.title,
        "kind": group.kind,
        "enabled": group.enabled,
        "template": group.template,
        "deviceId": {"from": group.id_from, "prefix": group.id_prefix},
        "created": group.created,
        "modified": group.modified,
    }
    if group.anchors:
        body["caCertificates"] = "".join(
            anchor.public_bytes(serialization.Encoding.PEM).decode("ascii")
            for anchor in group.anchors
        )
        body["caSubjects"] = [anchor.subject.rfc4514_string() for anchor in group.anchors]
    if group.group_key is not None:
        body["groupKey"] = group.group_key.jwk
    return body


class EnrollmentGroups:
    """The enrollment group use cases over a store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def create(self, body: Any) -> Group:
        if not isinstance(body, dict):
            raise BadRequest("an enrollment group is a JSON object")
        group_id = body.get("id")
        if not isinstance(group_id, str) or not GROUP_ID.fullmatch(group_id):
            raise BadRequest(
                "member 'id' is required: 1 to 64 letters, digits and ._~- (not first)"
            )
        definition = _definition(body, _MEMBERS)
        stamp = format_time(now_utc())
        stored = EnrollmentGroup(
            group_id, orjson.dumps(definition), body.get("enabled", True) is True, stamp, stamp
        )
        await self.store.add_enrollment_group(stored)
        return read_group(stored)

    async def all(self) -> list[Group]:
        return [read_group(stored) for stored in await self.store.enrollment_groups()]

    async def get(self, group_id: str) -> Group:
        stored = await self.store.enrollment_group(group_id)
        if stored is None:
            raise NotFound(f"no enrollment group {group_id!r}")
        return read_group(stored)

    async def update(self, group_id: str, patch: Any) -> Group:
        """Apply a merge patch to the group's definition (and ``enabled``)."""
        if not isinstance(patch, dict):
            raise BadRequest("a group patch is a JSON object")
        if "id" in patch and patch["id"] != group_id:
            raise BadRequest("a patch cannot change the group's id")

        def change(current: EnrollmentGroup) -> EnrollmentGroup:
            merged = {**orjson.loads(current.body), "enabled": current.enabled}
            for name, value in patch.items():
                if value is None:
                    merged.pop(name, None)
                else:
                    merged[name] = value
            merged.pop("id", None)
            definition = _definition(merged, _PATCHABLE)
            enabled = merged.get("enabled", True) is True
            return replace(
                current,
                body=orjson.dumps(definition),
                enabled=enabled,
                modified=format_time(now_utc()),
            )

        return read_group(await self.store.update_enrollment_group(group_id, change))

    async def delete(self, group_id: str) -> None:
        if not await self.store.delete_enrollment_group(group_id):
            raise NotFound(f"no enrollment group {group_id!r}")

    async def block(self, group_id: str, device_id: Any) -> bool:
        """Put a device on the group's block list; ``True`` when it was not on it."""
        await self.get(group_id)
        if not isinstance(device_id, str):
            raise BadRequest('the body is {"device": "<thing id>"}')
        check_thing_id(device_id)
        return await self.store.block_device(group_id, device_id, format_time(now_utc()))

    async def unblock(self, group_id: str, device_id: str) -> None:
        if not await self.store.unblock_device(group_id, device_id, format_time(now_utc())):
            raise NotFound(f"{device_id!r} is not on the block list of group {group_id!r}")

    async def blocked(self, group_id: str) -> list[str]:
        await self.get(group_id)
        return await self.store.blocked_devices(group_id)


def _definition(body: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """The checked definition to store (without ``id`` and ``enabled``); raises BadRequest."""
    unknown = sorted(set(body) - known)
    if unknown:
        raise BadRequest(
            f"unknown member(s) {', '.join(unknown)}; expected {', '.join(sorted(known))}"
        )
    if "enabled" in body and not isinstance(body["enabled"], bool):
        raise BadRequest("member 'enabled' is true or false")
    definition: dict[str, Any] = {}
    title = body.get("title", "")
    if not isinstance(title, str) or len(title) > MAX_TITLE:
        raise BadRequest(f"member 'title' is a string of at most {MAX_TITLE} characters")
    definition["title"] = title
    anchors, key = body.get("caCertificates"), body.get("groupKey")
    if anchors is not None and key is not None:
        raise BadRequest("a group has CA certificates or a group key, not both")
    if anchors is not None:
        try:
            if not isinstance(anchors, str):
                raise ValueError("expected a PEM string of CA certificates")
            read_anchors(anchors)
        except ValueError as exc:
            raise BadRequest(f"member 'caCertificates': {exc}") from None
        definition["caCertificates"] = anchors
    if key is not None:
        try:
            definition["groupKey"] = read_key(key).jwk
        except ValueError as exc:
            raise BadRequest(f"member 'groupKey': {exc}") from None
    definition["deviceId"] = _device_id(body.get("deviceId", {}))
    template = body.get("template", DEFAULT_TEMPLATE)
    _check_template(template)
    definition["template"] = template
    return definition


def _device_id(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) - {"from", "prefix"}:
        raise BadRequest('member \'deviceId\' is {"from": ..., "prefix": ...}')
    source = value.get("from", "subject-cn")
    prefix = value.get("prefix", "")
    if source not in ID_SOURCES:
        raise BadRequest(f"deviceId.from is one of {', '.join(ID_SOURCES)}")
    if not isinstance(prefix, str) or len(prefix) > 256:
        raise BadRequest("deviceId.prefix is a string of at most 256 characters")
    return {"from": source, "prefix": prefix}


def _check_template(template: Any) -> None:
    """A template must make a valid TD once a device's id is in it."""
    if not isinstance(template, dict):
        raise BadRequest("member 'template' is a TD object without 'id'")
    for member in ("id", "identifiers"):
        if member in template:
            raise BadRequest(f"the template must not have {member!r}: each device gets its own")
    td = {"title": _SAMPLE_ID, **template, "id": _SAMPLE_ID}
    prepare(_SAMPLE_ID, td)
