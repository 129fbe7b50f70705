"""Registration information and enrichment: what the directory adds to a TD it stores.

A stored TD is kept without its ``registration`` member; the registration columns of the record
hold it instead, so the directory alone decides ``created``/``modified``/``expires``. When a TD
leaves the directory it is *enriched*: the discovery context is in its ``@context`` and the
registration object is appended (see :func:`render`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from thingreg.core.errors import FieldError
from thingreg.store.base import ThingRecord

DISCOVERY_CONTEXT = "https://www.w3.org/2022/wot/discovery"


def now_utc() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds: fixed width, so strings sort in time order."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 date-time with a zone offset, or ``None`` if ``text`` is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def with_discovery_context(context: Any) -> Any:
    """``@context`` with the discovery context added (``tdd-context-injection``)."""
    if context == DISCOVERY_CONTEXT:
        return context
    if isinstance(context, list):
        return context if DISCOVERY_CONTEXT in context else [*context, DISCOVERY_CONTEXT]
    return [context, DISCOVERY_CONTEXT]


def types_of(td: dict[str, Any]) -> tuple[str, ...]:
    value = td.get("@type")
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(dict.fromkeys(v for v in value if isinstance(v, str)))
    return ()


def expiry(registration: Any, now: datetime) -> tuple[str | None, float | None, list[FieldError]]:
    """``(expires, ttl, errors)`` from a client's registration object.

    ``ttl`` wins over ``expires`` (the server computes it); read-only members are ignored.
    """
    if not isinstance(registration, dict):
        return None, None, []
    ttl = registration.get("ttl")
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 0 < ttl < 1e10:
            return (
                None,
                None,
                [FieldError("registration.ttl", "must be a positive number of seconds")],
            )
        return format_time(now + timedelta(seconds=ttl)), float(ttl), []
    expires = registration.get("expires")
    if isinstance(expires, str):
        moment = parse_time(expires)
        if moment is None:
            return (
                None,
                None,
                [
                    FieldError(
                        "registration.expires",
                        "must be an RFC 3339 date-time with a time zone offset",
                    )
                ],
            )
        return format_time(moment), None, []
    return None, None, []


def registration_of(record: ThingRecord, retrieved: str | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {"created": record.created, "modified": record.modified}
    if record.expires is not None:
        info["expires"] = record.expires
    if record.ttl is not None:
        info["ttl"] = int(record.ttl) if record.ttl.is_integer() else record.ttl
    if retrieved is not None:
        info["retrieved"] = retrieved
    return info


def render(record: ThingRecord, retrieved: str | None = None) -> bytes:
    """The enriched TD as JSON, spliced from stored bytes without parsing them.

    The stored body is a compact JSON object that never holds ``registration``; appending the
    member before its closing brace is exact and keeps listings and reads cheap.
    """
    registration = orjson.dumps(registration_of(record, retrieved))
    return record.body[:-1] + b',"registration":' + registration + b"}"


def enriched(record: ThingRecord) -> dict[str, Any]:
    """The enriched TD as a dict, for search and diffs."""
    td: dict[str, Any] = orjson.loads(record.body)
    td["registration"] = registration_of(record)
    return td
