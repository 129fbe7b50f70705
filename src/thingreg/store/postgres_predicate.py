"""PostgreSQL SQL for a search :class:`~thingreg.core.search.predicate.Predicate`.

Each atom is one ``doc @? $n::jsonpath`` test in strict mode, shaped ``strict $ ? (...)`` so that
a missing member or a wrong type makes the test false (never NULL and never an error); the
jsonpath text itself is a bound parameter. ``@?`` with ``==`` on a member chain is what the GIN
``jsonb_path_ops`` index on ``doc`` (migration 0050) serves. SQL/JSON path compares strings by
code point and numbers exactly, and ``like_regex ... flag "q"`` is a plain substring test.
Equality on ``id``, ``title`` and ``@type`` also constrains their indexed columns. ``doc`` is
NULL for a TD holding U+0000, which jsonb cannot store: such rows are always kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

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

Bind = Callable[[Any], str]
"""Appends a value to the statement's parameters and returns its placeholder (``$3``)."""


def predicate_sql(predicate: Predicate, bind: Bind) -> str:
    """One SQL condition on ``things`` that holds for every row where ``predicate`` holds.

    Raises :class:`Unsupported` when some atom cannot be rendered exactly.
    """
    return f"(doc IS NULL OR {_render(predicate, bind, True)})"


def _text(value: str) -> str:
    """A jsonpath string literal (JSON's escapes are jsonpath's)."""
    if "\x00" in value:
        raise Unsupported("jsonb and jsonpath cannot hold U+0000")
    return orjson.dumps(value).decode()


def _path(path: Path) -> str:
    return "@" + "".join("." + _text(name) for name in path)


def _literal(value: str | bool | float | None) -> str:
    if isinstance(value, str):
        return _text(value)
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return repr(float(value))


def _test(condition: str, bind: Bind) -> str:
    return f"(doc @? {bind(f'strict $ ? ({condition})')}::jsonpath)"


def _render(predicate: Predicate, bind: Bind, positive: bool) -> str:
    """SQL holding wherever ``predicate`` holds when ``positive`` (it may hold elsewhere too),
    and only where it holds otherwise (under an odd number of NOTs): outside negations an
    ``@type`` test is answered from the indexed ``types`` column alone, without reading the
    jsonb document."""
    match predicate:
        case Const(value):
            return "true" if value else "false"
        case All(items):
            return "(" + " AND ".join(_render(i, bind, positive) for i in items) + ")"
        case Any_(items):
            return "(" + " OR ".join(_render(i, bind, positive) for i in items) + ")"
        case Not(item):
            return f"(NOT {_render(item, bind, not positive)})"
        case Exists(path):
            return _test(f"exists({_path(path)})", bind) if path else "true"
        case Equals(path, value):
            if path in (("id",), ("title",)) and isinstance(value, str):
                return f"({path[0]} = {bind(_checked(value))})"
            if path == ("@type",) and isinstance(value, str):
                return _typed(value, f"{_path(path)} == {_literal(value)}", bind, positive)
            return _test(f"{_path(path)} == {_literal(value)}", bind)
        case StringCompare(path, op, value):
            if path in (("id",), ("title",)):
                return f"({path[0]} {op} {bind(_checked(value))})"
            return _test(f"{_path(path)} {op} {_literal(value)}", bind)
        case NumberBetween(path, low, high):
            target = _path(path)
            tests = [f'{target}.type() == "number"']
            tests += [f"{target} > {_literal(low)}"] if low is not None else []
            tests += [f"{target} < {_literal(high)}"] if high is not None else []
            return _test(" && ".join(tests), bind)
        case Contains(path, text):
            return _test(f'{_path(path)} like_regex {_text(text)} flag "q"', bind)
        case HasElement(path, value):
            target, wanted = _path(path), _text(value)
            condition = (
                f"exists({target}[*] ? (@ == {wanted})) || exists({target}.* ? (@ == {wanted}))"
            )
            if path == ("@type",):
                return _typed(value, condition, bind, positive)
            return _test(condition, bind)
    raise Unsupported(f"not a predicate: {predicate!r}")


def _typed(value: str, condition: str, bind: Bind, positive: bool) -> str:
    """An ``@type`` test: the ``types`` column holds every string of ``@type``."""
    indexed = f"(types && {bind([_checked(value)])}::text[])"
    return indexed if positive else f"({indexed} AND {_test(condition, bind)})"


def _checked(value: str) -> str:
    if "\x00" in value:
        raise Unsupported("PostgreSQL text cannot hold U+0000")
    return value
