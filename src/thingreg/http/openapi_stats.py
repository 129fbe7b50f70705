"""The OpenAPI description of ``GET /stats``, the figures behind the console's overview."""

from __future__ import annotations

from thingreg.http.openapi_builders import NOT_ACCEPTABLE, body, operation
from thingreg.http.openapi_components import JSON, JSONObject, schema_ref


def _counts(key: str) -> JSONObject:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": [key, "count"],
            "properties": {key: {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
        },
    }


def _per_day(bound: str) -> JSONObject:
    return {
        "type": "object",
        "required": [bound, "perDay"],
        "properties": {bound: {"type": "string", "format": "date"}, "perDay": _counts("day")},
    }


def schemas() -> JSONObject:
    return {
        "Stats": {
            "type": "object",
            "description": "Aggregate figures of the collection, computed in the database",
            "required": ["things", "computed", "types", "schemes", "registrations", "expiring"],
            "properties": {
                "things": {"type": "integer", "minimum": 0},
                "computed": {"type": "string", "format": "date-time"},
                "types": _counts("type") | {"description": "The 20 most common @type values"},
                "schemes": _counts("scheme") | {"description": "Things per identifier scheme"},
                "registrations": _per_day("since")
                | {"description": "Things first registered per UTC day, the last 30 days"},
                "expiring": _per_day("until")
                | {"description": "Registrations expiring per UTC day, the next 30 days"},
                "authentications": {
                    "type": "object",
                    "description": "Device tokens issued per UTC minute, the last 60 minutes, "
                    "counted by the process that answers",
                    "required": ["perMinute"],
                    "properties": {"perMinute": _counts("minute")},
                },
            },
        }
    }


def paths() -> JSONObject:
    return {
        "/stats": {
            "get": operation(
                "stats",
                "service",
                "Aggregate figures of the collection (the console's overview charts)",
                {
                    "200": body("The figures", schema_ref("Stats"), JSON),
                    "406": NOT_ACCEPTABLE,
                },
            )
        }
    }
