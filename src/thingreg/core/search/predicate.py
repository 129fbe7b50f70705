"""A small typed predicate on one stored TD, for the stores to evaluate in the database.

The search planner (:mod:`thingreg.core.search.pushdown`) turns the filter of a JSONPath query
into one of these trees; each store renders it to SQL with bound parameters (no SQL here). The
tree is a NECESSARY condition: a TD the query would select always satisfies it, so a store may
use it to skip rows, and the query is still evaluated in Python on every row it keeps.

Every atom has one exact meaning, given by :func:`holds` (the reference the stores are tested
against). A path is a chain of member names from the TD's top level; a member name never selects
anything from an array, and a path that does not exist makes every atom false except through
:class:`Not`. Values are typed strictly, as in RFC 9535: a string never equals a number, ``true``
is not ``1``, ``null`` is a value (unlike a missing member). Paths never start at
``registration``: that member is not stored in the TD body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "FALSE",
    "TRUE",
    "All",
    "Any_",
    "Const",
    "Contains",
    "Equals",
    "Exists",
    "HasElement",
    "Not",
    "NumberBetween",
    "Path",
    "Predicate",
    "StringCompare",
    "Unsupported",
    "conjoin",
    "disjoin",
    "holds",
    "negate",
]

Path: TypeAlias = tuple[str, ...]
"""Member names from the TD's top level; ``()`` is the TD itself."""


class Unsupported(Exception):
    """A store cannot render some atom exactly; it must then ignore the whole predicate."""


@dataclass(frozen=True, slots=True)
class Const:
    """Always true or always false (only at the top of a simplified tree)."""

    value: bool


TRUE = Const(True)
FALSE = Const(False)


@dataclass(frozen=True, slots=True)
class Exists:
    """The member at ``path`` exists (its value may be ``null``)."""

    path: Path


@dataclass(frozen=True, slots=True)
class Equals:
    """The value at ``path`` is exactly this string, boolean or ``null``."""

    path: Path
    value: str | bool | None


@dataclass(frozen=True, slots=True)
class StringCompare:
    """The value at ``path`` is a string ordered against ``value`` by code point."""

    path: Path
    op: Literal["<", "<=", ">", ">="]
    value: str


@dataclass(frozen=True, slots=True)
class NumberBetween:
    """The value at ``path`` is a number (not a boolean) strictly between the bounds.

    The planner widens the bounds by a few units in the last place around the query's literal,
    so that a database parsing decimals differently from Python cannot lose a row.
    """

    path: Path
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class Contains:
    """The value at ``path`` is a string containing ``text``."""

    path: Path
    text: str


@dataclass(frozen=True, slots=True)
class HasElement:
    """The value at ``path`` is an array with, or an object with a member whose value is, the
    string ``value``."""

    path: Path
    value: str


@dataclass(frozen=True, slots=True)
class All:
    """Every item holds (two or more)."""

    items: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    """At least one item holds (two or more)."""

    items: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Predicate


Atom: TypeAlias = Exists | Equals | StringCompare | NumberBetween | Contains | HasElement
Predicate: TypeAlias = Const | Atom | All | Any_ | Not


def conjoin(*items: Predicate) -> Predicate:
    """``a AND b ...``, with constants folded away."""
    kept: list[Predicate] = []
    for item in items:
        if item == FALSE:
            return FALSE
        if item == TRUE:
            continue
        kept.extend(item.items if isinstance(item, All) else (item,))
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else All(tuple(kept))


def disjoin(*items: Predicate) -> Predicate:
    """``a OR b ...``, with constants folded away."""
    kept: list[Predicate] = []
    for item in items:
        if item == TRUE:
            return TRUE
        if item == FALSE:
            continue
        kept.extend(item.items if isinstance(item, Any_) else (item,))
    if not kept:
        return FALSE
    return kept[0] if len(kept) == 1 else Any_(tuple(kept))


def negate(item: Predicate) -> Predicate:
    if isinstance(item, Const):
        return Const(not item.value)
    return item.item if isinstance(item, Not) else Not(item)


_MISSING = object()


def _at(td: object, path: Path) -> object:
    value = td
    for name in path:
        if not isinstance(value, dict) or name not in value:
            return _MISSING
        value = value[name]
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def holds(predicate: Predicate, td: object) -> bool:
    """The reference meaning of ``predicate`` on one (parsed) TD, or any JSON value."""
    match predicate:
        case Const(constant):
            return constant
        case All(items):
            return all(holds(item, td) for item in items)
        case Any_(items):
            return any(holds(item, td) for item in items)
        case Not(item):
            return not holds(item, td)
        case Exists(path):
            return _at(td, path) is not _MISSING
        case Equals(path, wanted):
            found = _at(td, path)
            return type(found) is type(wanted) and found == wanted
        case StringCompare(path, op, wanted):
            found = _at(td, path)
            if not isinstance(found, str):
                return False
            return {
                "<": found < wanted,
                "<=": found <= wanted,
                ">": found > wanted,
                ">=": found >= wanted,
            }[op]
        case NumberBetween(path, low, high):
            found = _at(td, path)
            if not _is_number(found):
                return False
            assert isinstance(found, int | float)
            return (low is None or found > low) and (high is None or found < high)
        case Contains(path, text):
            found = _at(td, path)
            return isinstance(found, str) and text in found
        case HasElement(path, wanted):
            found = _at(td, path)
            if isinstance(found, dict):
                found = list(found.values())
            return isinstance(found, list) and any(
                isinstance(v, str) and v == wanted for v in found
            )
    raise TypeError(f"not a predicate: {predicate!r}")
