"""Checks of the TD ``DataSchema`` class, which nests: ``items``, ``properties``, ``oneOf``.

Each member kind is a small integer looked up once per member, so a schema costs one dict
lookup and one branch per member it has, whatever the number of members the class defines.
Nesting is bounded (:data:`MAX_DEPTH`) so hostile input yields an error, not a RecursionError.
"""

from __future__ import annotations

from thingreg.core.td import terms
from thingreg.core.td.report import (
    Report,
    is_integer,
    is_number,
    join,
    one_of_message,
    type_message,
)

MAX_DEPTH = 32
DATA_TYPES = ("boolean", "integer", "number", "string", "object", "array", "null")
_DATA_TYPE_SET = frozenset(DATA_TYPES)
_DATA_TYPE_MESSAGE = one_of_message(DATA_TYPES)
_TOO_DEEP = f"data schemas must not be nested more than {MAX_DEPTH} levels deep"

(
    _STRING,
    _STRING_MAP,
    _BOOLEAN,
    _NUMBER,
    _COUNT,
    _MULTIPLE_OF,
    _TYPE,
    _TYPE_DECLARATION,
    _ENUM,
    _ITEMS,
    _PROPERTIES,
    _REQUIRED,
    _ONE_OF,
) = range(13)

DATA_SCHEMA_MEMBERS: dict[str, int] = {
    "@type": _TYPE_DECLARATION,
    "title": _STRING,
    "description": _STRING,
    "titles": _STRING_MAP,
    "descriptions": _STRING_MAP,
    "type": _TYPE,
    "unit": _STRING,
    "format": _STRING,
    "contentEncoding": _STRING,
    "contentMediaType": _STRING,
    "readOnly": _BOOLEAN,
    "writeOnly": _BOOLEAN,
    "enum": _ENUM,
    "minimum": _NUMBER,
    "maximum": _NUMBER,
    "exclusiveMinimum": _NUMBER,
    "exclusiveMaximum": _NUMBER,
    "multipleOf": _MULTIPLE_OF,
    "minItems": _COUNT,
    "maxItems": _COUNT,
    "minLength": _COUNT,
    "maxLength": _COUNT,
    "items": _ITEMS,
    "properties": _PROPERTIES,
    "required": _REQUIRED,
    "oneOf": _ONE_OF,
}
"""The members the schema constrains; ``const``, ``default`` and unknown ones take anything."""

PROPERTY_SCHEMA_MEMBERS: dict[str, int] = {
    key: kind
    for key, kind in DATA_SCHEMA_MEMBERS.items()
    if key not in ("contentEncoding", "contentMediaType")
}
"""A PropertyAffordance is a DataSchema, but the schema's ``property_element`` omits these two."""


def check_data_schema(r: Report, node: object, path: str, depth: int) -> None:
    if not isinstance(node, dict):
        r.add(path, type_message("object", node))
        return
    if depth > MAX_DEPTH:
        r.add(path, _TOO_DEEP)
        return
    check_members(r, path, node, DATA_SCHEMA_MEMBERS, depth)


def check_schema_map(r: Report, path: str, key: str, value: object, depth: int) -> None:
    """``uriVariables``, ``schemaDefinitions``: an object whose every value is a DataSchema."""
    if not isinstance(value, dict):
        r.wrong_type(path, key, "object", value)
        return
    here = join(path, key)
    for name, schema in value.items():
        check_data_schema(r, schema, f"{here}.{name}", depth)


def check_members(
    r: Report, path: str, node: dict[str, object], members: dict[str, int], depth: int
) -> None:
    """Check the members of the DataSchema ``node`` at ``path`` that ``members`` names.

    One loop with the scalar checks inline: a TD is mostly DataSchemas, so this is the hot
    path; members holding arrays or objects go to :func:`_container_member`.
    """
    for key, value in node.items():
        kind = members.get(key)
        if kind is None:
            continue
        if kind == _STRING:
            if not isinstance(value, str):
                r.wrong_type(path, key, "string", value)
        elif kind == _TYPE:
            if not isinstance(value, str):
                r.wrong_type(path, key, "string", value)
            elif value not in _DATA_TYPE_SET:
                r.member(path, key, _DATA_TYPE_MESSAGE)
        elif kind == _BOOLEAN:
            if not isinstance(value, bool):
                r.wrong_type(path, key, "boolean", value)
        elif kind == _NUMBER:
            if not is_number(value):
                r.wrong_type(path, key, "number", value)
        elif kind == _COUNT:
            if not is_integer(value):
                r.wrong_type(path, key, "integer", value)
            elif value < 0:
                r.member(path, key, "Must be greater than or equal to 0")
        elif kind == _MULTIPLE_OF:
            if not is_number(value):
                r.wrong_type(path, key, "number", value)
            elif value <= 0:  # not "> 0": as in jsonschema, NaN passes
                r.member(path, key, "Must be greater than 0")
        else:
            _container_member(r, path, key, value, kind, depth=depth)


def _container_member(
    r: Report, path: str, key: str, value: object, kind: int, *, depth: int
) -> None:
    """The members holding arrays or objects; nested DataSchemas are one level deeper."""
    if kind == _ENUM:
        _enum(r, path, key, value)
    elif kind == _ITEMS:
        _items(r, path, key, value, depth + 1)
    elif kind == _PROPERTIES:
        # No "type" here in the schema: a non-object ``properties`` is not checked at all.
        if isinstance(value, dict):
            here = f"{path}.{key}"
            for name, schema in value.items():
                check_data_schema(r, schema, f"{here}.{name}", depth + 1)
    elif kind == _ONE_OF:
        if not isinstance(value, list):
            r.wrong_type(path, key, "array", value)
        else:
            here = f"{path}.{key}"
            for index, schema in enumerate(value):
                check_data_schema(r, schema, f"{here}.{index}", depth + 1)
    elif kind == _REQUIRED:
        if not isinstance(value, list):
            r.wrong_type(path, key, "array", value)
        else:
            terms.strings(r, path, key, value)
    elif kind == _STRING_MAP:
        terms.string_map(r, path, key, value)
    elif kind == _TYPE_DECLARATION:
        terms.type_declaration(r, path, key, value)


def _items(r: Report, path: str, key: str, value: object, depth: int) -> None:
    here = f"{path}.{key}"
    if isinstance(value, dict):
        check_data_schema(r, value, here, depth)
    elif isinstance(value, list):
        for index, schema in enumerate(value):
            check_data_schema(r, schema, f"{here}.{index}", depth)
    else:
        r.wrong_type(path, key, "object or array", value)


def _enum(r: Report, path: str, key: str, value: object) -> None:
    if not isinstance(value, list):
        r.wrong_type(path, key, "array", value)
    elif not value:
        r.member(path, key, "Array must have at least 1 items")
    elif not _unique(value):
        r.member(path, key, "array items must be unique")


# Markers that keep JSON values apart where Python's equality would merge them (True == 1) or
# could not hash them (lists, objects). Strings and numbers stand for themselves: 1 == 1.0 holds
# in JSON Schema too.
_TRUE, _FALSE, _ARRAY, _OBJECT, _OPAQUE = (object() for _ in range(5))
_MAX_KEY_DEPTH = 64


def _unique(items: list[object]) -> bool:
    if all(isinstance(item, str) for item in items):
        return len(set(items)) == len(items)
    seen: set[object] = set()
    for item in items:
        key = _equality_key(item, 0)
        if key in seen:
            return False
        seen.add(key)
    return True


def _equality_key(value: object, depth: int) -> object:
    """A hashable stand-in for a JSON value, equal exactly when JSON Schema deems them equal."""
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    if value is None or isinstance(value, str | int | float):
        return value
    if depth >= _MAX_KEY_DEPTH:
        # Beyond any real enum: compare by identity rather than recurse without bound.
        return (_OPAQUE, id(value))
    if isinstance(value, list):
        return (_ARRAY, tuple(_equality_key(item, depth + 1) for item in value))
    if isinstance(value, dict):
        return (_OBJECT, frozenset((k, _equality_key(v, depth + 1)) for k, v in value.items()))
    return (_OPAQUE, id(value))
