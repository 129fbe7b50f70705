"""UUIDs (RFC 9562) and object identifiers (RFC 3061 ``urn:oid:``).

UUID notations: ``urn:uuid:…`` (rank 100), ``{…}`` as Microsoft prints GUIDs and the bare
8-4-4-4-12 form (rank 90), in any letter case. Canonical: ``urn:uuid:`` + lowercase. Thirty-two
hex digits without hyphens are not read: too many other things (hashes, serials) look like that.

OID notations: ``urn:oid:1.3.6.1`` (rank 100), ``oid:1.3.6.1`` (rank 95) and a bare dotted string
of at least three arcs (rank 20: ``1.2.3`` is as likely a version number). The X.660 arc rules are
checked: the first arc is 0, 1 or 2, and under 0 and 1 the second is at most 39. RFC 3061's ABNF
forbids leading zeros; as issue 3 decides, they are accepted and dropped, so ``1.3.06`` and
``1.3.6`` are one canonical ``urn:oid:1.3.6``. A bare dotted string that breaks an arc rule (an
IPv4 address, say) is simply not an OID: only the ``urn:oid:`` and ``oid:`` forms are refused
with a reason.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID

from thingreg.core.ids.base import InvalidIdentifier, Reading

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_GREGORIAN = datetime(1582, 10, 15, tzinfo=UTC)
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)
_NIL = "00000000-0000-0000-0000-000000000000"
_MAX = "ffffffff-ffff-ffff-ffff-ffffffffffff"

_ROOTS = {"0": "itu-t", "1": "iso", "2": "joint-iso-itu-t"}
_PEN_PREFIX = ("1", "3", "6", "1", "4", "1")
_UUID_OID_PREFIX = ("2", "25")

EXAMPLES: tuple[tuple[str, str], ...] = (
    # RFC 9562 Appendix A test vectors (v1, v4, v6, v7) and RFC 4122's own example.
    (
        "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
    ),
    ("C232AB00-9414-11EC-B3C8-9F6BDECED846", "urn:uuid:c232ab00-9414-11ec-b3c8-9f6bdeced846"),
    ("{919108f7-52d1-4320-9bac-f847db4148a8}", "urn:uuid:919108f7-52d1-4320-9bac-f847db4148a8"),
    ("1EC9414C-232A-6B00-B3C8-9F6BDECED846", "urn:uuid:1ec9414c-232a-6b00-b3c8-9f6bdeced846"),
    ("017F22E2-79B0-7CC3-98C4-DC0C0C07398F", "urn:uuid:017f22e2-79b0-7cc3-98c4-dc0c0c07398f"),
    # RFC 3061 §1's examples.
    ("urn:oid:1.3.6.1.4.1", "urn:oid:1.3.6.1.4.1"),
    ("oid:0.9.2342.19200300.100.4", "urn:oid:0.9.2342.19200300.100.4"),
    ("1.3.6.1.2.1.27", "urn:oid:1.3.6.1.2.1.27"),
    ("urn:oid:1.3.6.1.4.1.0343", "urn:oid:1.3.6.1.4.1.343"),  # leading zeros dropped
)

BENCH_INPUTS: tuple[str, ...] = (
    "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
    "C232AB00-9414-11EC-B3C8-9F6BDECED846",
    "919108f7-52d1-4320-9bac-f847db4148a8",
    "{017F22E2-79B0-7CC3-98C4-DC0C0C07398F}",
    "urn:uuid:2ed6657d-e927-568b-95e1-2665a8aea6a2",
    "urn:oid:1.3.6.1.4.1.343",
    "urn:oid:2.25.329800735698586629295641978511506172918",
    "oid:1.2.840.113549.1.1.11",
)


def read(text: str) -> list[Reading]:
    """Read a UUID or an OID; ``[]`` when the text is neither."""
    if not text:
        return []
    head = text[:9].lower()
    if head == "urn:uuid:":
        return [_uuid(text[9:], text, "urn", 100)]
    if head.startswith("urn:oid:"):
        return _oid(text[8:], text, "urn", 100, explicit=True)
    if head.startswith("oid:"):
        return _oid(text[4:], text, "oid-prefix", 95, explicit=True)
    if len(text) == 36 and text[8] == text[13] == text[18] == text[23] == "-":
        return [_uuid(text, text, "hyphenated", 90)]
    if text[0] == "{" and text[-1] == "}" and "-" in text:
        return [_uuid(text[1:-1], text, "braced", 90)]
    if "." in text and text[0].isdigit():
        return _oid(text, text, "dotted", 20, explicit=False)
    return []


def _uuid(body: str, text: str, notation: str, rank: int) -> Reading:
    value = body.lower()
    if _UUID.fullmatch(value) is None:
        raise InvalidIdentifier(
            f"{text!r} is not a UUID: it needs 32 hex digits grouped 8-4-4-4-12", scheme="uuid"
        )
    return Reading("uuid", "urn:uuid:" + value, notation, rank, _uuid_details(value))


def _uuid_details(value: str) -> dict[str, str]:
    if value in (_NIL, _MAX):
        return {"variant": "nil" if value == _NIL else "max"}
    variant_nibble = int(value[19], 16)
    if variant_nibble < 8:
        return {"variant": "ncs"}
    if variant_nibble >= 0xE:
        return {"variant": "reserved"}
    if variant_nibble >= 0xC:
        return {"variant": "microsoft"}
    version = int(value[14], 16)
    details = {"variant": "rfc9562", "version": str(version)}
    stamp = _timestamp(value, version)
    if stamp is not None:
        details["time"] = stamp
    return details


def _timestamp(value: str, version: int) -> str | None:
    """The creation time a v1, v6 or v7 UUID carries, as RFC 3339 UTC."""
    try:
        if version == 7:
            millis = int(value[0:8] + value[9:13], 16)
            moment = _UNIX + timedelta(milliseconds=millis)
            return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if version == 1:
            ticks = int(value[15:18] + value[9:13] + value[0:8], 16)
        elif version == 6:
            ticks = int(value[0:8] + value[9:13] + value[15:18], 16)
        else:
            return None
        moment = _GREGORIAN + timedelta(microseconds=ticks // 10)
    except OverflowError:  # a 48-bit v7 clock reaches past year 9999
        return None
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _oid(body: str, text: str, notation: str, rank: int, *, explicit: bool) -> list[Reading]:
    arcs = body.split(".")
    problem = _arc_problem(arcs, explicit=explicit)
    if problem is not None:
        if not explicit:
            return []
        raise InvalidIdentifier(f"{text!r} is not an OID: {problem}", scheme="oid")
    arcs = [arc.lstrip("0") or "0" for arc in arcs]
    return [Reading("oid", "urn:oid:" + ".".join(arcs), notation, rank, _oid_details(arcs))]


def _arc_problem(arcs: list[str], *, explicit: bool) -> str | None:
    if not explicit and len(arcs) < 3:
        return "a bare dotted OID needs at least three arcs"
    for arc in arcs:
        if not (arc.isascii() and arc.isdigit()):
            return f"arc {arc!r} is not a number" if arc else "it has an empty arc"
    first = arcs[0].lstrip("0") or "0"
    if first not in _ROOTS:
        return f"the first arc must be 0, 1 or 2, not {first}"
    if len(arcs) > 1 and first != "2" and int(arcs[1]) > 39:
        return f"under {first} the second arc must be at most 39, not {int(arcs[1])}"
    return None


def _oid_details(arcs: list[str]) -> dict[str, str]:
    details = {"root": _ROOTS[arcs[0]], "arcs": str(len(arcs))}
    if len(arcs) > 6 and tuple(arcs[:6]) == _PEN_PREFIX:
        details["pen"] = arcs[6]  # IANA Private Enterprise Number, a delegation key
    elif len(arcs) == 3 and tuple(arcs[:2]) == _UUID_OID_PREFIX:
        number = int(arcs[2])
        if number < 1 << 128:  # X.667: 2.25.<the UUID as one integer>
            details["uuid"] = "urn:uuid:" + str(UUID(int=number))
    return details
