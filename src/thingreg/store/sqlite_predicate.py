"""SQLite SQL for a search :class:`~thingreg.core.search.predicate.Predicate` (bound values only).

Atoms read the TD body with ``json_type``/``json_extract``/``json_each``; ``json_type`` makes
every comparison type-strict (``'text'``, ``'integer'``/``'real'``, ``'true'``...), and SQLite
compares TEXT bytewise, which for UTF-8 is code-point order, as RFC 9535 orders strings. Every
atom is two-valued (never NULL), so ``NOT`` is exact.
Equality on ``id``, ``title`` and ``@type`` also constrains the indexed columns, so the planner
can start from an index. SQLite's JSON functions cut strings at an escaped U+0000; the
``nul`` column (migration 0050) marks bodies that may hold one, and those rows are always kept.
"""

from __future__ import annotations

from typing import Any

from thingreg.core.search.predicate import (
    All,
    Any_,
    Const,
    Contains,
    Equals,
    Exists,
    HasElement,
    Not,
    NumberBetween,
    Path,
    Predicate,
    StringCompare,
    Unsupported,
)

_BODY = "CAST(body AS TEXT)"
_TYPE_INDEX = "id IN (SELECT thing_id FROM thing_types WHERE type = ?)"


def uses_index(predicate: Predicate) -> bool:
    """Whether SQLite can start from an index: every row the predicate admits is found through
    the ``id``, ``title`` or ``@type`` indexes. Otherwise the JSON functions run on every row,
    and parse a TD slower than a substring test (``ThingFilter.texts``) rejects it."""
    match predicate:
        case Equals(path, value) if isinstance(value, str):
            return path in (("id",), ("title",), ("@type",))
        case StringCompare(path):
            return path in (("id",), ("title",))
        case HasElement(path):
            return path == ("@type",)
        case All(items):
            return any(uses_index(item) for item in items)
        case Any_(items):
            return all(uses_index(item) for item in items)
    return False


def predicate_sql(predicate: Predicate, params: list[Any]) -> str:
    """One SQL condition on ``things`` that holds for every row where ``predicate`` holds.

    Raises :class:`Unsupported` when some atom cannot be rendered exactly.
    """
    return f"(nul = 1 OR {_render(predicate, params)})"


def _json_path(path: Path) -> str:
    parts = ["$"]
    for name in path:
        if not name or '"' in name or "\x00" in name:
            raise Unsupported(f"member name {name!r} cannot be written as an SQLite JSON path")
        parts.append(f'."{name}"')
    return "".join(parts)


def _typed(path: Path, params: list[Any], types: str) -> str:
    params.append(_json_path(path))
    return f"coalesce(json_type({_BODY}, ?), '') IN ({types})"


def _value(path: Path, params: list[Any]) -> str:
    params.append(_json_path(path))
    return f"json_extract({_BODY}, ?)"


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise Unsupported("SQLite's JSON functions cannot compare strings holding U+0000")
    return text


def _render(predicate: Predicate, params: list[Any]) -> str:
    match predicate:
        case Const(value):
            return "1" if value else "0"
        case All(items):
            return "(" + " AND ".join(_render(i, params) for i in items) + ")"
        case Any_(items):
            return "(" + " OR ".join(_render(i, params) for i in items) + ")"
        case Not(item):
            return f"(NOT {_render(item, params)})"
        case Exists(path):
            if not path:
                return "1"
            params.append(_json_path(path))
            return f"(json_type({_BODY}, ?) IS NOT NULL)"
        case Equals(path, value):
            return _equals(path, value, params)
        case StringCompare(path, op, value):
            if path in (("id",), ("title",)):
                params.append(value)
                return f"({path[0]} {op} ?)"
            typed = _typed(path, params, "'text'")
            extracted = _value(path, params)
            params.append(_no_nul(value))
            return f"({typed} AND {extracted} {op} ?)"
        case NumberBetween(path, low, high):
            clauses = [_typed(path, params, "'integer', 'real'")]
            for bound, op in ((low, ">"), (high, "<")):
                if bound is not None:
                    clauses.append(f"{_value(path, params)} {op} ?")
                    params.append(bound)
            return "(" + " AND ".join(clauses) + ")"
        case Contains(path, text):
            typed = _typed(path, params, "'text'")
            extracted = _value(path, params)
            params.append(_no_nul(text))
            return f"({typed} AND instr({extracted}, ?) > 0)"
        case HasElement(path, value):
            clauses = []
            if path == ("@type",):
                clauses.append(_TYPE_INDEX)
                params.append(value)
            clauses.append(_typed(path, params, "'array', 'object'"))
            params.append(_json_path(path))
            params.append(_no_nul(value))
            clauses.append(
                f"EXISTS (SELECT 1 FROM json_each({_BODY}, ?) AS e "  # noqa: S608 (constant)
                "WHERE e.type = 'text' AND e.value = ?)"
            )
            return "(" + " AND ".join(clauses) + ")"
    raise Unsupported(f"not a predicate: {predicate!r}")


def _equals(path: Path, value: str | bool | None, params: list[Any]) -> str:
    if value is None or isinstance(value, bool):
        params.append(_json_path(path))
        kind = {None: "null", True: "true", False: "false"}[value]
        return f"(json_type({_BODY}, ?) IS '{kind}')"
    if path in (("id",), ("title",)):  # the columns hold exactly these members
        params.append(value)
        return f"({path[0]} = ?)"
    clauses = []
    if path == ("@type",):
        clauses.append(_TYPE_INDEX)
        params.append(value)
    clauses.append(_typed(path, params, "'text'"))
    clauses.append(f"{_value(path, params)} = ?")
    params.append(_no_nul(value))
    return "(" + " AND ".join(clauses) + ")"
