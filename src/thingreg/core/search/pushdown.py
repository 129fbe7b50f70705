"""From a JSONPath filter (RFC 9535) to a :class:`~thingreg.core.search.predicate.Predicate`
the stores can evaluate in the database.

Only what has exactly RFC 9535's meaning is translated: tests on singular paths of member names
(``@.a.b``, ``@['a']``) against string, boolean and ``null`` literals, string ordering, existence
tests, ``match``/``search`` with a pattern that is plain text, ``@.p[?@ == 's']``, and ``&&``,
``||``, ``!`` over those. Everything else is "unknown".

Each filter expression gets two bounds, computed together: a NECESSARY predicate (true for
every TD the filter selects; ``TRUE`` when nothing is known) and a SUFFICIENT one (true only for
TDs it selects; ``FALSE`` when nothing is known). Negation swaps them, which is what keeps
``!`` and ``!=`` correct around unknown or widened parts. Numbers are only ever bounded from
outside (:class:`NumberBetween` with widened bounds: Python and the databases parse decimals
differently), so their sufficient bound is ``FALSE``. The planner hands the necessary bound to
the store; Python still evaluates the query on every row the store returns.
"""

from __future__ import annotations

import math

from iregexp_check import check as is_iregexp
from jsonpath_rfc9535 import JSONPathQuery
from jsonpath_rfc9535.filter_expressions import (
    BooleanLiteral,
    ComparisonExpression,
    Expression,
    FilterExpression,
    FloatLiteral,
    FunctionExtension,
    IntegerLiteral,
    LogicalExpression,
    NullLiteral,
    PrefixExpression,
    RelativeFilterQuery,
    StringLiteral,
)
from jsonpath_rfc9535.segments import JSONPathChildSegment
from jsonpath_rfc9535.selectors import FilterSelector, NameSelector

from thingreg.core.search.predicate import (
    FALSE,
    TRUE,
    Contains,
    Equals,
    Exists,
    HasElement,
    NumberBetween,
    Path,
    Predicate,
    StringCompare,
    conjoin,
    disjoin,
    negate,
)

__all__ = ["exact_predicate", "filter_predicate"]

Bounds = tuple[Predicate, Predicate]
"""(necessary, sufficient)."""

_UNKNOWN: Bounds = (TRUE, FALSE)

_NOT_STORED = frozenset({"registration"})
"""Top-level members of the searched TD that the stored body does not hold."""

_REGEX_SPECIALS = frozenset(".\\?*+{}()[]|^$")
"""Characters with a meaning in I-Regexp or in the Python regex it is mapped to."""

_MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def filter_predicate(expression: Expression) -> Predicate:
    """A necessary condition, on one TD, of the filter ``expression`` applied to that TD."""
    return _bounds(expression)[0]


def exact_predicate(expression: Expression) -> Predicate | None:
    """The filter as a predicate with exactly its meaning, or ``None`` when some part of it
    is not translated exactly (numbers, functions other than plain-text patterns...)."""
    necessary, sufficient = _bounds(expression)
    return necessary if necessary == sufficient else None


def _bounds(expr: Expression) -> Bounds:
    if isinstance(expr, FilterExpression):
        return _bounds(expr.expression)
    if isinstance(expr, LogicalExpression) and expr.operator in ("&&", "||"):
        (ln, ls), (rn, rs) = _bounds(expr.left), _bounds(expr.right)
        if expr.operator == "&&":
            return conjoin(ln, rn), conjoin(ls, rs)
        return disjoin(ln, rn), disjoin(ls, rs)
    if isinstance(expr, PrefixExpression) and expr.operator == "!":
        necessary, sufficient = _bounds(expr.right)
        return negate(sufficient), negate(necessary)
    if isinstance(expr, ComparisonExpression):
        return _comparison(expr)
    if isinstance(expr, RelativeFilterQuery):
        return _existence(expr.query)
    if isinstance(expr, FunctionExtension):
        return _function(expr)
    return _UNKNOWN


def _names(query: JSONPathQuery) -> Path | None:
    """The member names of a query made only of single name selectors (``@.a['b']``)."""
    names: list[str] = []
    for segment in query.segments:
        selectors = segment.selectors
        if not (
            isinstance(segment, JSONPathChildSegment)
            and len(selectors) == 1
            and isinstance(selectors[0], NameSelector)
        ):
            return None
        names.append(selectors[0].name)
    if names and names[0] in _NOT_STORED:
        return None
    return tuple(names)


def _exact(atom: Predicate) -> Bounds:
    return atom, atom


def _existence(query: JSONPathQuery) -> Bounds:
    """``@.a.b`` exists, or ``@.a[?@ == 's']`` selects something."""
    path = _names(query)
    if path is not None:
        return _exact(Exists(path))
    segments = query.segments
    if not segments:
        return _UNKNOWN
    head = _names(JSONPathQuery(env=query.env, segments=tuple(segments[:-1])))
    selectors = segments[-1].selectors
    if (
        head is None
        or not head  # the TD's own members: not worth a special case
        or not isinstance(segments[-1], JSONPathChildSegment)
        or len(selectors) != 1
        or not isinstance(selectors[0], FilterSelector)
    ):
        return _UNKNOWN
    test = selectors[0].expression.expression
    if isinstance(test, ComparisonExpression) and test.operator == "==":
        for current, literal in ((test.left, test.right), (test.right, test.left)):
            if (
                isinstance(current, RelativeFilterQuery)
                and not current.query.segments
                and isinstance(literal, StringLiteral)
            ):
                return _exact(HasElement(head, literal.value))
    return _UNKNOWN


def _comparison(expr: ComparisonExpression) -> Bounds:
    operator = expr.operator
    query, literal = expr.left, expr.right
    if isinstance(literal, RelativeFilterQuery):
        query, literal = literal, query
        operator = _MIRRORED.get(operator, "")
    if not isinstance(query, RelativeFilterQuery):
        return _UNKNOWN
    path = _names(query.query)
    if path is None:
        return _UNKNOWN
    if operator == "!=":
        necessary, sufficient = _equality(path, literal)
        return negate(sufficient), negate(necessary)
    if operator == "==":
        return _equality(path, literal)
    if operator in ("<", "<=", ">", ">="):
        return _ordering(path, operator, literal)
    return _UNKNOWN


def _equality(path: Path, literal: Expression) -> Bounds:
    if isinstance(literal, StringLiteral | BooleanLiteral):
        return _exact(Equals(path, literal.value))
    if isinstance(literal, NullLiteral):
        return _exact(Equals(path, None))
    if isinstance(literal, IntegerLiteral | FloatLiteral):
        around = _around(literal.value)
        if around is None:
            return _UNKNOWN
        return NumberBetween(path, *around), FALSE
    return _UNKNOWN


def _ordering(path: Path, operator: str, literal: Expression) -> Bounds:
    """``<`` holds between two strings or two numbers only; ``<=`` is ``<`` or ``==``."""
    if isinstance(literal, StringLiteral):
        op = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}[operator]
        return _exact(StringCompare(path, op, literal.value))  # type: ignore[arg-type]
    if isinstance(literal, BooleanLiteral | NullLiteral):
        if operator in ("<", ">"):
            return FALSE, FALSE
        return _equality(path, literal)
    if isinstance(literal, IntegerLiteral | FloatLiteral):
        around = _around(literal.value)
        if around is None:
            return _UNKNOWN
        low, high = around
        if operator in ("<", "<="):
            return NumberBetween(path, None, high), FALSE
        return NumberBetween(path, low, None), FALSE
    return _UNKNOWN


def _around(value: object) -> tuple[float | None, float | None] | None:
    """Open bounds, a little wider than the literal's double, for a number search; ``None``
    when the literal has no finite double. A relative margin of 2**-40 (about 4,000 units in
    the last place) absorbs any database's decimal parsing; it only lets a few more rows by."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        as_float = float(value)
    except OverflowError:
        return None
    if not math.isfinite(as_float):
        return None
    margin = max(abs(as_float) * 2.0**-40, 1e-300)
    low, high = as_float - margin, as_float + margin
    return (low if math.isfinite(low) else None), (high if math.isfinite(high) else None)


def _function(expr: FunctionExtension) -> Bounds:
    """``match``/``search`` of a singular path against a pattern of plain characters."""
    if expr.name not in ("match", "search") or len(expr.args) != 2:
        return _UNKNOWN
    subject, pattern = expr.args
    if not (isinstance(subject, RelativeFilterQuery) and isinstance(pattern, StringLiteral)):
        return _UNKNOWN
    path = _names(subject.query)
    text = pattern.value
    if path is None or any(c in _REGEX_SPECIALS for c in text) or not is_iregexp(text):
        return _UNKNOWN
    if expr.name == "match":
        return _exact(Equals(path, text))
    return _exact(Contains(path, text))
