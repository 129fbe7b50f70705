"""The error report of one validation run, and the JSON type vocabulary its messages use.

Paths are dotted (``properties.status.forms.0.href``) as in the WoT Discovery example, with
``(root)`` for the document itself. Checks receive the path of the object they inspect and join
a member's name only when they report, so a valid TD costs no path strings for its leaves.
"""

from __future__ import annotations

from typing import TypeGuard

from thingreg.core.errors import FieldError

MAX_ERRORS = 100
ROOT = "(root)"


class TooManyErrors(Exception):
    """Unwinds a validation once the report is full: past that, more errors are only noise."""


class Report:
    """Collects :class:`FieldError` in the order the checks find them, up to a limit."""

    __slots__ = ("errors", "limit")

    def __init__(self, limit: int = MAX_ERRORS) -> None:
        self.errors: list[FieldError] = []
        self.limit = limit

    def add(self, path: str, description: str) -> None:
        self.errors.append(FieldError(path or ROOT, description))
        if len(self.errors) >= self.limit:
            raise TooManyErrors

    def member(self, path: str, key: object, description: str) -> None:
        self.add(join(path, key), description)

    def missing(self, path: str, key: str) -> None:
        self.add(path, f"{key} is required")

    def wrong_type(self, path: str, key: object, expected: str, value: object) -> None:
        self.add(join(path, key), type_message(expected, value))


def join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def type_message(expected: str, value: object) -> str:
    return f"Invalid type. Expected: {expected}, given: {type_name(value)}"


def type_name(value: object) -> str:
    """The JSON Schema name of a value's type (bool before int: bool is an int in Python)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: object) -> TypeGuard[int | float]:
    """Draft-7 integers: whole floats such as ``2.0`` count, as ``jsonschema`` decides."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def one_of_message(values: tuple[str, ...]) -> str:
    return "must be one of the following: " + ", ".join(f'"{v}"' for v in values)
