"""Checks of interaction affordances: the ``properties``, ``actions`` and ``events`` maps.

A property affordance is also a DataSchema, so its members that are not about interaction go
to :mod:`dataschema`; actions and events carry DataSchemas in named members instead.
"""

from __future__ import annotations

from collections.abc import Callable

from thingreg.core.td import terms
from thingreg.core.td.dataschema import (
    PROPERTY_SCHEMA_MEMBERS,
    check_data_schema,
    check_members,
    check_schema_map,
)
from thingreg.core.td.forms import ACTION_OPS, EVENT_OPS, PROPERTY_OPS, check_forms
from thingreg.core.td.report import Report, type_message

_ACTION_FLAGS = frozenset({"safe", "idempotent", "synchronous"})
_ACTION_SCHEMAS = frozenset({"input", "output"})
_EVENT_SCHEMAS = frozenset({"subscription", "data", "dataResponse", "cancellation"})


def check_affordances(r: Report, key: str, value: object) -> None:
    """One of the Thing's ``properties``, ``actions`` or ``events`` maps."""
    if not isinstance(value, dict):
        r.wrong_type("", key, "object", value)
        return
    check = _CHECKS[key]
    for name, affordance in value.items():
        path = f"{key}.{name}"
        if not isinstance(affordance, dict):
            r.add(path, type_message("object", affordance))
            continue
        if "forms" not in affordance:
            r.missing(path, "forms")
        check(r, path, affordance)


def _interaction(r: Report, path: str, key: str, value: object) -> None:
    """The members that actions and events share (properties get them from DataSchema)."""
    if key in {"title", "description"}:
        terms.string(r, path, key, value)
    elif key in {"titles", "descriptions"}:
        terms.string_map(r, path, key, value)
    elif key == "@type":
        terms.type_declaration(r, path, key, value)
    elif key == "uriVariables":
        check_schema_map(r, path, key, value, 1)


def _property(r: Report, path: str, node: dict[str, object]) -> None:
    check_members(r, path, node, PROPERTY_SCHEMA_MEMBERS, 0)
    if "forms" in node:
        check_forms(r, path, node["forms"], PROPERTY_OPS)
    if "observable" in node:
        terms.boolean(r, path, "observable", node["observable"])
    if "uriVariables" in node:
        check_schema_map(r, path, "uriVariables", node["uriVariables"], 1)


def _action(r: Report, path: str, node: dict[str, object]) -> None:
    for key, value in node.items():
        if key == "forms":
            check_forms(r, path, value, ACTION_OPS)
        elif key in _ACTION_SCHEMAS:
            check_data_schema(r, value, f"{path}.{key}", 1)
        elif key in _ACTION_FLAGS:
            terms.boolean(r, path, key, value)
        else:
            _interaction(r, path, key, value)


def _event(r: Report, path: str, node: dict[str, object]) -> None:
    for key, value in node.items():
        if key == "forms":
            check_forms(r, path, value, EVENT_OPS)
        elif key in _EVENT_SCHEMAS:
            check_data_schema(r, value, f"{path}.{key}", 1)
        else:
            _interaction(r, path, key, value)


_CHECKS: dict[str, Callable[[Report, str, dict[str, object]], None]] = {
    "properties": _property,
    "actions": _action,
    "events": _event,
}
