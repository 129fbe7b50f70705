"""Checks of the small terms many TD classes share: strings, language maps, ``@type``, refs.

Each takes the path of the object holding the member and the member's key, and reports at
``path.key``; none allocates anything on the valid path.
"""

from __future__ import annotations

from thingreg.core.td.report import Report, join

THING_MODEL_TYPE = "tm:ThingModel"
_THING_MODEL_ONLY = f"{THING_MODEL_TYPE} is only allowed in Thing Models"


def string(r: Report, path: str, key: str, value: object) -> None:
    if not isinstance(value, str):
        r.wrong_type(path, key, "string", value)


def boolean(r: Report, path: str, key: str, value: object) -> None:
    if not isinstance(value, bool):
        r.wrong_type(path, key, "boolean", value)


def string_map(r: Report, path: str, key: str, value: object) -> None:
    """``titles``/``descriptions``: the schema checks the values only, not the language keys."""
    if not isinstance(value, dict):
        r.wrong_type(path, key, "object", value)
        return
    for lang, text in value.items():
        if not isinstance(text, str):
            r.wrong_type(join(path, key), lang, "string", text)


def strings(r: Report, path: str, key: str, value: list[object]) -> None:
    """Every item of an array is a string."""
    for index, item in enumerate(value):
        if not isinstance(item, str):
            r.wrong_type(join(path, key), index, "string", item)


def type_declaration(r: Report, path: str, key: str, value: object) -> None:
    """``@type``: a string or an array of strings, never the Thing Model class."""
    if isinstance(value, str):
        if value == THING_MODEL_TYPE:
            r.member(path, key, _THING_MODEL_ONLY)
    elif isinstance(value, list):
        here = join(path, key)
        for index, item in enumerate(value):
            if not isinstance(item, str):
                r.wrong_type(here, index, "string", item)
            elif item == THING_MODEL_TYPE:
                r.member(here, index, _THING_MODEL_ONLY)
    else:
        r.wrong_type(path, key, "string or array", value)


def string_or_strings(
    r: Report, path: str, key: str, value: object, *, non_empty: bool = False
) -> None:
    """``security``, ``scopes``, ``profile``: one string, or an array of them."""
    if isinstance(value, str):
        return
    if not isinstance(value, list):
        r.wrong_type(path, key, "string or array", value)
    elif non_empty and not value:
        r.member(path, key, "Array must have at least 1 items")
    else:
        strings(r, path, key, value)
